# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``python -m clpose`` on a folder, a video or a camera: the frames through
a :class:`~clpose.PoseTracker`, one JSON line a frame (``--json-out`` or
stdout), a drawn video (``--out``; a folder of pictures for folder input),
a progress line on stderr, and Ctrl-C that stops after the current frame
with the outputs so far written and closed (exit code 130).
"""
import contextlib
import json
import os.path as osp
import signal
import sys
import threading
import time
from typing import Callable, Iterator, Optional, TextIO, Tuple

import cv2
import numpy as np

from .draw import draw_boxes, draw_poses
from .files import atomic_output, write_atomic
from .pose_tracker import Poses
from .sources import Frame, FrameSource, quiet_opencv

#: ``--out`` video containers and the codec written in each (those the
#: FFmpeg of opencv-python's wheels can encode: it has no H.264 encoder)
VIDEO_CODECS = {'.mp4': 'mp4v', '.avi': 'MJPG', '.mkv': 'mp4v'}


def json_line(frame: Frame, poses: Poses) -> str:
    """One frame as a JSON Lines record (no newline): ``{"frame": i,
    ["file": name,] "people": [{"track_id", "bbox": [x1, y1, x2, y2,
    score], "keypoints": [[x, y], ...], "scores": [...]}]}``."""
    record = {'frame': frame.index}
    if frame.name is not None:
        record['file'] = frame.name
    record['people'] = [{
        'track_id': int(tid),
        'bbox': box.tolist(),
        'keypoints': kpts.tolist(),
        'scores': scores.tolist()
    } for tid, box, kpts, scores in zip(*poses)]
    return json.dumps(record)


class Progress:
    """``clpose: frame 120/300, 14.2 frames/s`` on ``stream`` at most every
    ``every`` seconds, the first after ``every`` seconds (so short inputs
    print none); one line rewritten in place on a terminal."""

    def __init__(self,
                 total: Optional[int],
                 stream: TextIO = sys.stderr,
                 every: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.stream, self.every, self.clock = (total, stream,
                                                           every, clock)
        self.start = self.last = clock()
        self.tty = stream.isatty()
        self.shown = False

    def update(self, done: int) -> None:
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last, self.shown = now, True
        total = '' if self.total is None else f'/{self.total}'
        line = (f'clpose: frame {done}{total}, '
                f'{done / (now - self.start):.1f} frames/s')
        self.stream.write(f'\r{line}' if self.tty else f'{line}\n')
        self.stream.flush()

    def close(self) -> None:
        if self.shown and self.tty:
            self.stream.write('\n')


def write_picture(path: str, image: np.ndarray) -> None:
    """Encode ``image`` in the format of ``path``'s extension and write it
    atomically (:func:`~clpose.files.write_atomic`)."""
    ok, encoded = cv2.imencode(osp.splitext(path)[1], image)
    if not ok:
        raise ValueError(f'--out {path!r}: OpenCV cannot encode the picture')
    write_atomic(path, encoded.tobytes())


@contextlib.contextmanager
def video_output(path: str, fps: float,
                 size: Tuple[int, int]) -> Iterator[cv2.VideoWriter]:
    """A ``cv2.VideoWriter`` on a temporary file that becomes ``path`` when
    the block ends without an error (:func:`~clpose.files.atomic_output`).

    Args:
        path: ``.mp4``, ``.avi`` or ``.mkv`` (:data:`VIDEO_CODECS`).
        fps: its frame rate.
        size: ``(w, h)`` of its frames.
    """
    codec = VIDEO_CODECS[osp.splitext(path)[1].lower()]
    with atomic_output(path) as tmp:
        with quiet_opencv():
            writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*codec), fps,
                                     size)
        if not writer.isOpened():
            raise ValueError(f'--out {path!r}: OpenCV cannot write a '
                             f'{codec!r} video of {size[0]}x{size[1]} at '
                             f'{fps:g} fps')
        try:
            yield writer
        finally:
            writer.release()


@contextlib.contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """An event the first Ctrl-C sets (the loop ends after its frame); a
    second one interrupts at once, as usual. Outside the main thread, where
    no handler can be installed, Ctrl-C keeps its usual effect."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def draw(image, poses: Poses, meta: dict, kpt_thr: float):
    """A frame with its poses, boxes and track ids."""
    vis = draw_poses(image,
                     poses.keypoints,
                     poses.scores,
                     meta['skeleton'],
                     meta['keypoint_colors'],
                     meta['skeleton_colors'],
                     kpt_thr=kpt_thr)
    return draw_boxes(vis, poses.bboxes, [str(t) for t in poses.track_ids])


def run_frames(source: FrameSource, tracker: Callable[[np.ndarray, float],
                                                      Poses], meta: dict,
               out: Optional[str], json_out: Optional[str],
               kpt_thr: float) -> int:
    """Run every frame of ``source`` and write the outputs (module
    docstring).

    Args:
        source: the frames.
        tracker: ``(image, time) -> Poses``, e.g. a
            :class:`~clpose.PoseTracker`.
        meta: the pose model's metadata (its skeleton and colours).
        out: a video file, or for folder input an existing folder; None.
        json_out: the JSON Lines file; None: stdout.
        kpt_thr: draw keypoints scoring above it.

    Returns:
        int: the exit code: 0, or 130 after Ctrl-C.
    """
    progress = Progress(source.num_frames)
    with contextlib.ExitStack() as stack:
        stack.callback(progress.close)  # also on an error: end the line
        video = None
        if out is not None and source.kind != 'folder':
            video = stack.enter_context(
                video_output(out, source.fps, source.size))
        lines = sys.stdout
        if json_out is not None:
            tmp = stack.enter_context(atomic_output(json_out))
            lines = stack.enter_context(open(tmp, 'x', encoding='utf-8'))
        stop = stack.enter_context(stop_on_ctrl_c())
        done = 0
        for frame in source:
            poses = tracker(frame.image, frame.time)
            lines.write(json_line(frame, poses) + '\n')
            if lines is sys.stdout:
                lines.flush()  # for a reader of the pipe, line by line
            if out is not None:
                vis = draw(frame.image, poses, meta, kpt_thr)
                if video is not None:
                    video.write(vis)
                else:
                    write_picture(osp.join(out, frame.name), vis)
            done += 1
            progress.update(done)
            if stop.is_set():
                break
    if stop.is_set():
        sys.stderr.write(f'clpose: interrupted: the outputs hold the first '
                         f'{done} frames\n')
        return 130
    return 0
