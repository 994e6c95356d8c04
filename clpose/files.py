# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Atomic output files: a file is written under a temporary name beside its
target and renamed to it only when it is complete, so that an interrupted
or failed run leaves the previous file, or none, never a half-written one.

The temporary name keeps the target's extension (``out.mp4`` ->
``.out.<pid>.tmp.mp4``), because OpenCV picks the container and image format
from it. The rename is ``os.replace``: atomic on one file system, and the
temporary file lies in the target's folder, so on the same one.
"""
import contextlib
import os
import os.path as osp
from typing import Iterator


def temporary_path(path: str) -> str:
    """The temporary name of ``path`` for this process:
    ``dir/.stem.<pid>.tmp.ext``, hidden so that a file left by a killed run
    matches no ``*.ext`` pattern (a checkpoint glob, a folder of images)."""
    folder, name = osp.split(path)
    stem, ext = osp.splitext(name)
    return osp.join(folder, f'.{stem}.{os.getpid()}.tmp{ext}')


def refuse_to_overwrite(path: str, overwrite: bool = False, what: str = '',
                        hint: str = 'pass --overwrite to replace it') -> None:
    """Stop before a program writes over a file, or into a folder that is
    not empty, that a user made.

    Raises:
        FileExistsError: ``path`` is a file (``"{what} {path!r} exists;
            {hint}"``) or a non-empty folder (``"... exists and is not
            empty; {hint}"``) and not ``overwrite``.
    """
    if overwrite or not osp.exists(path):
        return
    name = f'{what} {path!r}'.lstrip()
    if osp.isdir(path):
        if os.listdir(path):
            raise FileExistsError(f'{name} exists and is not empty; {hint}')
        return
    raise FileExistsError(f'{name} exists; {hint}')


@contextlib.contextmanager
def atomic_output(path: str, overwrite: bool = True) -> Iterator[str]:
    """Yield a temporary path beside ``path`` for the block to write, then
    rename it to ``path``; if the block raises (Ctrl-C included), remove it
    and leave ``path`` as it was.

    The caller creates the temporary file (``open(tmp, 'x')``,
    ``cv2.VideoWriter(tmp, ...)``); a block that created none leaves
    ``path`` untouched and raises ``FileNotFoundError`` naming it.

    Args:
        path: the output file; its folder is created if needed.
        overwrite: with False, refuse (``FileExistsError``) to rename over a
            ``path`` that exists when the block ends, e.g. one another run
            wrote meanwhile. Defaults to True.
    """
    tmp = temporary_path(path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    try:
        yield tmp
        refuse_to_overwrite(path, overwrite)
        if not osp.exists(tmp):
            raise FileNotFoundError(f'{path!r}: nothing was written')
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)  # only left where the block or the rename failed


def write_atomic(path: str, data: bytes, overwrite: bool = True) -> None:
    """Write ``data`` to ``path`` through :func:`atomic_output`, synced to
    the disk before the rename (so that a crash right after it cannot leave
    an empty file under the name); the file gets mode 0666 less the umask,
    as ``open`` gives it."""
    with atomic_output(path, overwrite) as tmp, open(tmp, 'xb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
