# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Wall-clock timing that includes the GPU's queued work."""
import time
from typing import Callable


def clock() -> float:
    """``time.perf_counter()`` in seconds, after the GPU's queued work (if
    there is a GPU) has finished, so that the time includes it."""
    import torch
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter()


def timed(fn: Callable[[], object]) -> float:
    """Seconds that ``fn()`` takes, GPU work included."""
    start = clock()
    fn()
    return clock() - start
