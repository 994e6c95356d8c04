# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``PoseTracker``: person detection, pose estimation, tracking and
smoothing of the frames of a video, put together.

Per frame: the person boxes come from the detector (every ``det_every``
frames, and whenever no person is followed), from the last frame's poses in
between (rtmlib's ``det_frequency``), or, without a detector, from the
caller or the whole image. :class:`~clpose.CLPose` estimates a pose in each
box; :class:`~clpose.IoUTracker` gives the boxes track ids; a One-Euro
filter per track (:class:`~clpose.OneEuroFilter`) smooths its keypoints,
and is dropped, so reset, when the track is lost.
"""
from typing import Any, Callable, Dict, Mapping, NamedTuple, Optional, Union

import numpy as np

from .boxes import keypoint_box
from .checks import check_bboxes, check_image, check_range
from .smoothing import OneEuroFilter
from .tracking import IoUTracker


class Poses(NamedTuple):
    """The people of one frame; M people, K keypoints, image pixels x-y
    (keypoints: pixel centres at integers; boxes: their edges)."""
    track_ids: np.ndarray  # (M,) int64
    bboxes: np.ndarray  # (M, 5) float64 x1, y1, x2, y2, score
    keypoints: np.ndarray  # (M, K, 2) float32, smoothed if asked
    scores: np.ndarray  # (M, K) float32


class PoseTracker:
    """Poses with track ids for successive frames (module docstring).

    Args:
        pose: a :class:`~clpose.CLPose` (or a callable
            ``(image, (M, 5) boxes) -> ((M, K, 2), (M, K))``).
        det: a :class:`~clpose.PersonDetector` (or a callable
            ``image -> (M, 5) boxes``); None: boxes from the caller, or the
            whole image.
        det_every: run the detector every this many frames (int >= 1); in
            between, each person's box is the box around its last frame's
            keypoints scoring > ``kpt_thr``, enlarged ``box_expand`` times
            (a person whose keypoints span no area is dropped). Needs
            ``det``.
        smooth: False; True for the One-Euro filter with its defaults; or
            a dict of its ``min_cutoff``, ``beta`` and ``d_cutoff``.
        kpt_thr: keypoints scoring above it update the filter (the others
            are returned unsmoothed and leave the filter as it was) and make
            the next frame's box.
        iou_thr: the tracker's IoU threshold (:class:`~clpose.IoUTracker`).
        box_expand: see ``det_every``; rtmlib's 1.25.
        fps: the frame rate giving the timestamps of frames that come
            without one (frame i at ``i / fps`` s).

    Raises:
        ValueError: a bad argument, named.
    """

    def __init__(self,
                 pose: Callable,
                 det: Optional[Callable] = None,
                 det_every: int = 1,
                 smooth: Union[bool, Mapping[str, float]] = False,
                 kpt_thr: float = 0.3,
                 iou_thr: float = 0.3,
                 box_expand: float = 1.25,
                 fps: float = 30.0) -> None:
        name = 'PoseTracker'
        self.pose, self.det = pose, det
        self.det_every = check_range(f'{name} det_every',
                                     det_every,
                                     1,
                                     integer=True)
        if det is None and det_every != 1:
            raise ValueError(f'{name}: det_every={det_every} needs a '
                             'detector (det)')
        self.kpt_thr = check_range(f'{name} kpt_thr', kpt_thr, 0, 1)
        self.box_expand = check_range(f'{name} box_expand', box_expand, 1)
        self.fps = check_range(f'{name} fps', fps, 0, low_open=True)
        self.smooth = self._smooth_params(smooth)
        self.tracker = IoUTracker(iou_thr)
        self.reset()

    @staticmethod
    def _smooth_params(smooth: Any) -> Optional[Dict[str, float]]:
        """The One-Euro filter's arguments, checked; None: no smoothing."""
        if smooth is False or smooth is None:
            return None
        params = {} if smooth is True else smooth
        known = ('min_cutoff', 'beta', 'd_cutoff')
        if not isinstance(params, Mapping) or set(params) - set(known):
            raise ValueError(f'PoseTracker smooth must be True, False or a '
                             f'dict of {known}, got {smooth!r}')
        OneEuroFilter(**params)  # checks the values
        return dict(params)

    def reset(self) -> None:
        """Start a new video: forget the tracks, their filters and the
        frame count."""
        self.tracker.reset()
        self.filters: Dict[int, OneEuroFilter] = {}
        self.last: Optional[Poses] = None  # unsmoothed
        self.frame_index = 0
        self.since_det: Optional[int] = None

    def __call__(self,
                 image_bgr: np.ndarray,
                 timestamp: Optional[float] = None,
                 bboxes: Any = None) -> Poses:
        """The poses of the next frame.

        Args:
            image_bgr: (H, W, 3) BGR image (as for :class:`~clpose.CLPose`).
            timestamp: the frame's time, seconds, increasing; None:
                ``frame_index / fps``.
            bboxes: without a detector, (M, 4) or (M, 5) person boxes in
                image pixels (score 1 where none is given); None: the whole
                image. With a detector: must be None.

        Returns:
            Poses: the people found, in the order of their boxes.
        """
        check_image(image_bgr)
        if timestamp is None:
            timestamp = self.frame_index / self.fps
        boxes, ids = self._boxes(image_bgr, bboxes)
        keypoints, scores = self.pose(image_bgr, boxes)
        ids = self.tracker.update(boxes, ids)
        self.last = Poses(ids, boxes, keypoints, scores)
        if self.smooth is not None:
            keypoints = self._smoothed(ids, keypoints, scores, timestamp)
        self.frame_index += 1
        return Poses(ids, boxes, keypoints, scores)

    def _boxes(self, image: np.ndarray, bboxes: Any):
        """This frame's (M, 5) boxes, and their track ids where they follow
        the last poses (else None: the tracker matches them)."""
        if self.det is None:
            if bboxes is None:
                h, w = image.shape[:2]
                return np.array([[0., 0., w, h, 1.]]), None  # MMPose's
            boxes = check_bboxes(bboxes)
            if boxes.shape[1] == 4:
                boxes = np.hstack([boxes, np.ones((len(boxes), 1))])
            return boxes, None
        if bboxes is not None:
            raise ValueError('PoseTracker: bboxes given, but this tracker '
                             'takes its boxes from its detector')
        since = None if self.since_det is None else self.since_det + 1
        if since is not None and since < self.det_every:
            boxes, ids = self._follow()
            if len(boxes):
                self.since_det = since
                return boxes, ids
        self.since_det = 0
        return np.asarray(self.det(image), dtype=np.float64), None

    def _follow(self):
        """Boxes around the last frame's keypoints, with its box scores."""
        boxes, ids = [], []
        for tid, box, kpts, scores in zip(*self.last):
            around = keypoint_box(kpts, scores, self.kpt_thr, self.box_expand)
            if around is not None:
                boxes.append(np.append(around, box[4]))
                ids.append(tid)
        return np.reshape(boxes, (-1, 5)), np.asarray(ids, dtype=np.int64)

    def _smoothed(self, ids: np.ndarray, keypoints: np.ndarray,
                  scores: np.ndarray, timestamp: float) -> np.ndarray:
        """The keypoints through their track's filter; tracks not in this
        frame lose theirs."""
        out = keypoints.copy()
        filters = {}
        for i, tid in enumerate(ids.tolist()):
            filters[tid] = self.filters.get(tid) or OneEuroFilter(
                **self.smooth)
            update = (scores[i] > self.kpt_thr)[:, None]  # (K, 1)
            out[i] = filters[tid](keypoints[i], timestamp, update)
        self.filters = filters
        return out
