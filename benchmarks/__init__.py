# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The studies that prove the project's claims (speed, accuracy, learning),
run from a source checkout as ``python -m benchmarks.<study>``; their raw
results are in ``benchmarks/results/``. Not installed: the product is
``mmpose_cl``, ``clpose`` and ``tools/``. ``benchmarks/README.md`` says
which command writes which result."""
