# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What only the studies share: their reports (:mod:`.report`), timing
(:mod:`.timing`), ``--models`` lists (:mod:`.specs`) and the learning
comparison's configs (:mod:`.comparison`). Code the tools need too lives in
``mmpose_cl`` (``mmpose_cl.utils``, ``mmpose_cl.deploy``)."""
