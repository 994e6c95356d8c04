# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Deployment as a library (MMDeploy's habit): the command lines of
``tools/deployment`` are thin wrappers over these modules, and the studies of
``benchmarks/`` use them too.

- :mod:`.onnx_graphs`: top-down models as ONNX graphs that output keypoints
  (the decoding in the graph), the contract ``clpose`` reads;
- :mod:`.export`: the check of an export against the PyTorch model;
- :mod:`.quantize`: static INT8 quantisation of the network part.

``import mmpose_cl`` does not import this package, and ``onnx`` and
``onnxruntime`` are imported only inside the functions that use them.
"""
