# Copyright (c) mmpose-cl contributors. All rights reserved.
"""MMEngine's own checkpoints load on torch >= 2.6 with ``weights_only`` on.

Upstream defect: torch 2.6 made ``torch.load(weights_only=True)`` the default;
MMEngine 0.10.7 calls ``torch.load(path)`` without the argument, and the
checkpoints its runner saves hold a few non-tensor objects (numpy arrays and
scalars in the meta and the message hub, MMEngine's ``HistoryBuffer``). So
``tools/test.py CONFIG CKPT``, ``--resume``, ``load_from`` and the inferencer
all fail with ``Unsupported global: ...``.

Work-around, with ``weights_only`` kept on:

- the numpy and MMEngine types that checkpoints hold are allow-listed with
  ``torch.serialization.add_safe_globals``: the restricted unpickler stays on
  for every file, and a file holding anything else is still refused;
- ``HistoryBuffer`` is pickled without its four built-in statistics methods
  (MMEngine pickles them as ``getattr(HistoryBuffer, 'mean')``, and allowing
  ``getattr`` would open the unpickler to arbitrary attribute access); they
  are restored from the class when the buffer is loaded. Checkpoints saved
  while ``mmpose_cl`` is imported (all runs of our configs and tools) load
  with ``weights_only=True``.

A no-op on torch < 2.4 (no ``add_safe_globals``, and ``weights_only`` is off
by default there). It becomes unnecessary once MMEngine saves plain types or
passes ``weights_only`` itself (not so in 0.10.7).
"""
import importlib

import numpy as np
import torch

_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')


def _safe_globals() -> list:
    from mmengine.logging import HistoryBuffer

    # numpy < 2 pickles these from numpy.core, numpy >= 2 from numpy._core
    multiarray = importlib.import_module(
        'numpy.core.multiarray' if np.__version__ < '2' else
        'numpy._core.multiarray')
    dtype_classes = [
        type(np.dtype(t)) for t in (np.bool_, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.uint16, np.uint32,
                                    np.uint64, np.float16, np.float32,
                                    np.float64, np.str_, np.object_)
    ]
    return [
        multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype,
        bytes, HistoryBuffer, *dtype_classes
    ]


def _pickle_history_buffer_without_getattr() -> None:
    from mmengine.logging import HistoryBuffer
    original_setstate = HistoryBuffer.__setstate__

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        custom = {
            name: method
            for name, method in self._statistics_methods.items()
            if name not in _DEFAULT_STATISTICS
        }
        state.pop('statistics_methods', None)
        if custom:  # user-registered methods: pickled as MMEngine does
            state['statistics_methods'] = custom
        return state

    def __setstate__(self, state: dict) -> None:
        original_setstate(self, state)
        self._set_default_statistics()

    HistoryBuffer.__getstate__ = __getstate__
    HistoryBuffer.__setstate__ = __setstate__


def apply() -> None:
    """Allow-list the checkpoint types and pickle ``HistoryBuffer`` without
    ``getattr`` (a no-op on torch < 2.4)."""
    if not hasattr(torch.serialization, 'add_safe_globals'):
        return
    torch.serialization.add_safe_globals(_safe_globals())
    _pickle_history_buffer_without_getattr()
