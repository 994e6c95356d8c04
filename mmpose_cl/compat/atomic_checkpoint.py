# Copyright (c) mmpose-cl contributors. All rights reserved.
"""MMEngine's checkpoints are written atomically.

Upstream defect: MMEngine 0.10.7's ``save_checkpoint`` writes straight into
the target file, so a run killed while saving (out of memory, a time limit,
Ctrl-C) leaves a truncated ``epoch_N.pth`` / ``latest`` that ``--resume``
then fails on, and the previous good checkpoint of that name is gone.

Work-around: for local paths the checkpoint is written through the project's
one atomic writer, :func:`clpose.files.write_atomic` (a temporary file in the
same folder, synced, then renamed over the target: ``os.replace`` is atomic
on POSIX and Windows); remote backends go to MMEngine's function
unchanged. It becomes unnecessary once MMEngine saves atomically itself.
"""
import io

import torch
from clpose.files import write_atomic

_MMENGINE_SAVE = None  # MMEngine's own save_checkpoint, for remote backends


def save_checkpoint_atomically(checkpoint: dict, filename: str,
                               file_client_args=None,
                               backend_args=None) -> None:
    """MMEngine's ``save_checkpoint`` (same arguments) for local paths,
    written to a temporary file, synced and renamed over ``filename``."""
    if '://' in str(filename) or file_client_args or (
            backend_args and backend_args.get('backend', 'local') != 'local'):
        return _MMENGINE_SAVE(checkpoint, filename, file_client_args,
                              backend_args)
    with io.BytesIO() as buffer:
        torch.save(checkpoint, buffer)
        write_atomic(filename, buffer.getvalue())


def apply() -> None:
    """Route MMEngine's checkpoint saving through
    :func:`save_checkpoint_atomically`."""
    global _MMENGINE_SAVE
    from mmengine.runner import checkpoint as mmengine_checkpoint
    from mmengine.runner import runner as mmengine_runner
    _MMENGINE_SAVE = mmengine_checkpoint.save_checkpoint
    # the runner imported the function by name: patch both references
    mmengine_checkpoint.save_checkpoint = save_checkpoint_atomically
    mmengine_runner.save_checkpoint = save_checkpoint_atomically
