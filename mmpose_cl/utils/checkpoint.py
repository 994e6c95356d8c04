# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Let MMEngine's own checkpoints load on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default; MMEngine 0.10.7
calls ``torch.load(path)`` without the argument, and the checkpoints its
runner saves hold a few non-tensor objects (numpy arrays and scalars in the
meta and the message hub, MMEngine's ``HistoryBuffer``). So
``tools/test.py CONFIG CKPT``, ``--resume``, ``load_from`` and the inferencer
all fail with ``Unsupported global: ...``.

We do not turn ``weights_only`` off. Instead:

- the numpy and MMEngine types that checkpoints hold are allow-listed with
  ``torch.serialization.add_safe_globals``: the restricted unpickler stays on
  for every file, and a file holding anything else is still refused;
- ``HistoryBuffer`` is pickled without its four built-in statistics methods
  (MMEngine pickles them as ``getattr(HistoryBuffer, 'mean')``, and allowing
  ``getattr`` would open the unpickler to arbitrary attribute access); they
  are restored from the class when the buffer is loaded.

Checkpoints saved while ``mmpose_cl`` is imported (all runs of our configs and
tools) load with ``weights_only=True``.

Checkpoints are also written atomically (:func:`save_checkpoint_atomically`):
a run killed while saving leaves the previous file, never a truncated one.
"""
import importlib
import io
import os
import os.path as osp

import numpy as np
import torch

_DEFAULT_STATISTICS = ('min', 'max', 'current', 'mean')
_PATCHED = False
_MMENGINE_SAVE = None  # MMEngine's own save_checkpoint, for remote backends


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


def save_checkpoint_atomically(checkpoint: dict, filename: str,
                               file_client_args=None,
                               backend_args=None) -> None:
    """MMEngine's ``save_checkpoint`` for local paths, written to a temporary
    file in the same folder, synced, then renamed over ``filename``
    (``os.replace`` is atomic on POSIX and Windows). Other backends go to
    MMEngine's function unchanged."""
    if '://' in str(filename) or file_client_args or (
            backend_args and backend_args.get('backend', 'local') != 'local'):
        return _MMENGINE_SAVE(checkpoint, filename, file_client_args,
                              backend_args)
    folder = osp.dirname(osp.abspath(filename))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(filename)}.{os.getpid()}.tmp')
    try:
        with io.BytesIO() as buffer:
            torch.save(checkpoint, buffer)
            with open(tmp, 'wb') as f:
                f.write(buffer.getvalue())
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, filename)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _save_checkpoints_atomically() -> None:
    global _MMENGINE_SAVE
    from mmengine.runner import checkpoint as mmengine_checkpoint
    from mmengine.runner import runner as mmengine_runner
    _MMENGINE_SAVE = mmengine_checkpoint.save_checkpoint
    # the runner imported the function by name: patch both references
    mmengine_checkpoint.save_checkpoint = save_checkpoint_atomically
    mmengine_runner.save_checkpoint = save_checkpoint_atomically


def patch_mmengine_checkpoints() -> None:
    """Make MMEngine checkpoints save atomically and load with
    ``weights_only=True`` (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    if hasattr(torch.serialization, 'add_safe_globals'):  # torch >= 2.4
        torch.serialization.add_safe_globals(_safe_globals())
    _pickle_history_buffer_without_getattr()
    _save_checkpoints_atomically()
    _PATCHED = True
