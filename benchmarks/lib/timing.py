# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Wall-clock timing that includes the GPU's queued work, and what else
used the machine's CPUs meanwhile (Linux ``/proc/stat``): the hypervisor
(steal) or other processes."""
import os
import time
from typing import Callable, List, Optional, Tuple


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


def stat_ticks(path: str = '/proc/stat') -> Optional[List[int]]:
    """The machine's CPU ticks since it booted, from the first line of
    Linux's ``/proc/stat`` (user nice system idle iowait irq softirq steal
    ...; guests are counted in user), or None where there is no such
    file."""
    try:
        with open(path) as f:
            return [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def cpu_ticks(path: str = '/proc/stat') -> Optional[Tuple[int, int]]:
    """(stolen, total) CPU ticks of the machine since it booted, from the
    first line of Linux's ``/proc/stat`` (user nice system idle iowait irq
    softirq steal ...; guests are counted in user), or None where there is
    no such file."""
    ticks = stat_ticks(path)
    if ticks is None:
        return None
    ticks = ticks[:8]
    return (ticks[7] if len(ticks) > 7 else 0), sum(ticks)


def stolen_share(start: Optional[Tuple[int, int]],
                 now: Optional[Tuple[int, int]]) -> Optional[float]:
    """The share of CPU time stolen between two :func:`cpu_ticks`
    readings, or None without them."""
    if start is None or now is None or now[1] <= start[1]:
        return None
    return (now[0] - start[0]) / (now[1] - start[1])


def cpu_seconds() -> Optional[Tuple[float, float, float]]:
    """(wall, the machine's busy CPU seconds from ``/proc/stat``, this
    process's and its children's CPU seconds); None where there is no
    ``/proc/stat``."""
    ticks = stat_ticks()
    if ticks is None:
        return None
    idle = ticks[3] + ticks[4]  # idle, iowait
    own = os.times()
    return (time.time(), (sum(ticks[:8]) - idle) / os.sysconf('SC_CLK_TCK'),
            own.user + own.system + own.children_user + own.children_system)


def other_share(before, after) -> Optional[float]:
    """The share of the machine's CPU time that other processes used
    between two :func:`cpu_seconds` (what else ran while timing)."""
    if before is None or after is None:
        return None
    wall, busy, own = (b - a for a, b in zip(before, after))
    return max(0., busy - own) / (wall * os.cpu_count())
