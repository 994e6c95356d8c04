# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Frames from a folder of images, a video file or a camera.

:func:`input_kind` says which one, or a single image, a user's ``INPUT``
names;
:func:`open_frames` opens a folder, video or camera as a
:class:`FrameSource` that yields :class:`Frame` s, each with its time in
seconds: ``index / fps`` for files (the video's frame rate, or the one given
for a folder), the time since the first frame for a camera (it may drop
frames).
"""
import contextlib
import os
import os.path as osp
import time
from typing import Iterator, List, NamedTuple, Optional

import cv2
import numpy as np

from .checks import check_range, read_image

#: the files a folder's images are, by extension (lower case)
IMAGE_EXTENSIONS = ('.bmp', '.jpeg', '.jpg', '.jpe', '.png', '.tif', '.tiff',
                    '.webp', '.pbm', '.pgm', '.ppm')


class Frame(NamedTuple):
    index: int  # 0, 1, ...
    time: float  # seconds
    image: np.ndarray  # (H, W, 3) uint8 BGR
    name: Optional[str]  # the file name, for a folder's images


def input_kind(spec: str) -> str:
    """``'camera'`` for a camera index (digits, no such file),
    ``'folder'``, ``'image'`` (by extension, :data:`IMAGE_EXTENSIONS`) or
    ``'video'`` (anything else)."""
    if spec.isdigit() and not osp.exists(spec):
        return 'camera'
    if osp.isdir(spec):
        return 'folder'
    if osp.splitext(spec)[1].lower() in IMAGE_EXTENSIONS:
        return 'image'
    return 'video'


@contextlib.contextmanager
def quiet_opencv() -> Iterator[None]:
    """Silence OpenCV's and FFmpeg's own logging (a bad file or camera
    index prints warnings beside the one-line error that names it)."""
    level = cv2.getLogLevel()
    cv2.setLogLevel(0)  # LOG_LEVEL_SILENT
    try:
        yield
    finally:
        cv2.setLogLevel(level)


class FrameSource:
    """Frames of a folder, video or camera; a context manager (leaving it
    releases the video).

    Attributes:
        kind (str): ``'folder'``, ``'video'`` or ``'camera'``.
        what (str): how messages name it, e.g. ``"video 'a.mp4'"``.
        fps (float): frames per second (the video's, else the one given).
        num_frames (int | None): the number of frames, if known (a video's
            header may be off by a few).
    """
    kind: str
    what: str
    fps: float
    num_frames: Optional[int]

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> 'FrameSource':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FolderFrames(FrameSource):
    """The images of a folder, sorted by file name (``names``)."""

    def __init__(self, folder: str, fps: float) -> None:
        self.kind, self.what, self.fps = 'folder', f'folder {folder!r}', fps
        self.folder = folder
        self.names: List[str] = sorted(
            n for n in os.listdir(folder)
            if osp.splitext(n)[1].lower() in IMAGE_EXTENSIONS
            and osp.isfile(osp.join(folder, n)))
        if not self.names:
            raise ValueError(f'{self.what}: no images '
                             f'({", ".join(IMAGE_EXTENSIONS)})')
        self.num_frames = len(self.names)

    def __iter__(self) -> Iterator[Frame]:
        for i, name in enumerate(self.names):
            image = read_image(osp.join(self.folder, name))
            yield Frame(i, i / self.fps, image, name)


class VideoFrames(FrameSource):
    """The frames of a video file or a camera; the first is read on
    opening, so that one with none is refused then.

    Attributes:
        size (tuple): ``(w, h)`` of the frames (the first one's).
    """

    def __init__(self, spec: str, kind: str, fps: float) -> None:
        self.kind = kind
        if kind == 'camera':
            self.what = f'camera {int(spec)}'
        else:
            self.what = f'video {spec!r}'
            if not osp.exists(spec):
                raise FileNotFoundError(f'{self.what}: no such file')
        with quiet_opencv():
            self.capture = cv2.VideoCapture(
                int(spec) if kind == 'camera' else spec)
            if not self.capture.isOpened():
                self.capture.release()
                raise ValueError(f'{self.what}: cannot open it' +
                                 (' (no such camera?)' if kind ==
                                  'camera' else ' as a video'))
            ok, self.first = self.capture.read()
        if not ok:
            self.capture.release()
            raise ValueError(f'{self.what}: has no frames')
        rate = self.capture.get(cv2.CAP_PROP_FPS)
        self.fps = rate if np.isfinite(rate) and rate > 0 else fps
        count = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.num_frames = count if kind == 'video' and count > 0 else None
        h, w = self.first.shape[:2]
        self.size = (w, h)

    def __iter__(self) -> Iterator[Frame]:
        image, i, start = self.first, 0, time.monotonic()
        while image is not None:
            t = (time.monotonic() - start if self.kind == 'camera' else i /
                 self.fps)
            yield Frame(i, t, image, None)
            ok, image = self.capture.read()
            image, i = image if ok else None, i + 1

    def close(self) -> None:
        self.capture.release()


def open_frames(spec: str, fps: float = 30.0) -> FrameSource:
    """Open a folder of images, a video file or a camera index.

    Args:
        spec: the path, or the camera index (``'0'``).
        fps: the frame rate of a folder, and of a video or camera that
            reports none.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a folder with no images, a video that does not open or
            has no frames, a camera that does not open; named.
    """
    check_range('fps', fps, 0, low_open=True)
    kind = input_kind(spec)
    if kind == 'folder':
        return FolderFrames(spec, fps)
    if kind == 'image':
        raise ValueError(f'image {spec!r}: a single image, not frames')
    return VideoFrames(spec, kind, fps)
