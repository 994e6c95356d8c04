# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Open an ONNX Runtime session on a user's file, with errors naming it
(shared by :class:`~clpose.CLPose` and :class:`~clpose.PersonDetector`)."""
import os.path as osp
from typing import Optional, Sequence

from .checks import check_range


def open_session(path: str,
                 what: str,
                 threads: Optional[int] = None,
                 providers: Optional[Sequence[str]] = None,
                 session_options=None):
    """An ``onnxruntime.InferenceSession`` on ``path``.

    Args:
        path: the ONNX file.
        what: how the messages name it, e.g. ``"ONNX model 'a.onnx'"``.
        threads: intra-op threads (int >= 1); None lets ONNX Runtime choose
            (one a physical core).
        providers: execution providers; defaults to
            ``['CPUExecutionProvider']``.
        session_options: an ``onnxruntime.SessionOptions`` to start from;
            ``threads`` overrides its intra-op threads.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a directory, a bad thread count, or a file ONNX Runtime
            cannot load.
    """
    if not osp.exists(path):
        raise FileNotFoundError(f'{what}: no such file')
    if osp.isdir(path):
        raise ValueError(f'{what}: is a directory')
    try:  # here, so that clpose.checks imports without it
        import onnxruntime as ort
    except ImportError as e:
        raise ImportError('clpose needs onnxruntime: pip install -r '
                          'requirements/runtime.txt') from e
    options = session_options or ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = check_range('threads',
                                                   threads,
                                                   1,
                                                   integer=True)
    try:
        return ort.InferenceSession(path,
                                    options,
                                    providers=list(
                                        providers or ['CPUExecutionProvider']))
    except Exception as e:  # ORT's own types (InvalidProtobuf, Fail...)
        raise ValueError(f'{what}: not an ONNX model that ONNX Runtime '
                         f'can load ({type(e).__name__}: {e})') from e
