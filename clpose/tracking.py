# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``IoUTracker``: person ids across frames by greedy IoU matching of this
frame's boxes with the last frame's, as MMPose's ``_track_by_iou`` and
rtmlib's ``PoseTracker`` do (IoU threshold 0.3 in both).

One difference: they match the boxes in the order they come, each to its
best remaining box of the last frame; this takes the pairs best IoU first,
whatever the order. Both give the same ids where each box's best match is
mutual; where two boxes want the same one, this one gives it to the closer
and lets the other take its next best, instead of starting a new track.

A track lives one frame: a person missing from a frame is lost, and gets a
new id when seen again.
"""
from typing import Optional

import numpy as np

from .boxes import box_iou
from .checks import check_range


def match_boxes(boxes: np.ndarray, last_boxes: np.ndarray,
                iou_thr: float) -> np.ndarray:
    """Greedy matching, best IoU first, of pairs with IoU > ``iou_thr``.

    Args:
        boxes: (M, 4+) ``x1, y1, x2, y2`` of this frame.
        last_boxes: (L, 4+) of the last frame.
        iou_thr: pairs with an IoU above it may match.

    Returns:
        np.ndarray: (M,) int64, for each box the index of its match in
        ``last_boxes``, or -1.
    """
    match = np.full(len(boxes), -1, dtype=np.int64)
    if len(boxes) == 0 or len(last_boxes) == 0:
        return match
    iou = box_iou(boxes, last_boxes)  # (M, L)
    for flat in np.argsort(-iou, axis=None, kind='stable'):
        i, j = divmod(int(flat), iou.shape[1])
        if iou[i, j] <= iou_thr:
            break  # sorted: no pair left above the threshold
        if match[i] < 0 and j not in match:
            match[i] = j
    return match


class IoUTracker:
    """Track ids for the boxes of successive frames (module docstring).

    Args:
        iou_thr: a box continues a track of the last frame if their IoU is
            above it (MMPose's and rtmlib's 0.3).

    Attributes:
        boxes (np.ndarray): (L, 4+) the last frame's boxes.
        ids (np.ndarray): (L,) int64, their track ids.
        next_id (int): the id the next new person gets (ids start at 0).
    """

    def __init__(self, iou_thr: float = 0.3) -> None:
        self.iou_thr = check_range('IoUTracker iou_thr', iou_thr, 0, 1)
        self.reset()

    def reset(self) -> None:
        """Forget every track; ids start again at 0."""
        self.boxes = np.zeros((0, 4))
        self.ids = np.zeros(0, dtype=np.int64)
        self.next_id = 0

    def update(self,
               boxes: np.ndarray,
               ids: Optional[np.ndarray] = None) -> np.ndarray:
        """The track ids of this frame's boxes; they become the last frame.

        Args:
            boxes: (M, 4+) ``x1, y1, x2, y2`` in image pixels.
            ids: (M,) ids known without matching (boxes that follow the
                tracks' keypoints); None matches by IoU.

        Returns:
            np.ndarray: (M,) int64 track ids.
        """
        boxes = np.asarray(boxes, dtype=np.float64)
        if boxes.size == 0:
            boxes = boxes.reshape(0, 4)  # also [] and (0, 5)
        if ids is None:
            match = match_boxes(boxes, self.boxes, self.iou_thr)
            ids = np.full(len(boxes), -1, dtype=np.int64)
            ids[match >= 0] = self.ids[match[match >= 0]]
            new = ids < 0
            ids[new] = self.next_id + np.arange(new.sum())
        ids = np.asarray(ids, dtype=np.int64)
        self.next_id = max(self.next_id, int(ids.max(initial=-1)) + 1)
        self.boxes, self.ids = boxes, ids.copy()
        return ids
