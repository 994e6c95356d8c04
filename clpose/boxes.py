# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Box geometry shared by the detector and the tracker.

Boxes are ``x1, y1, x2, y2`` in pixels with the box's edges as the
coordinates (a box of one pixel at the origin is ``0, 0, 1, 1``), so the
area is ``(x2 - x1) * (y2 - y1)``, without the ``+ 1`` of older code
(rtmlib's and MMCV 0.x's NMS); MMCV 1.x+'s ``nms`` and MMDeploy's graphs use
the same ``offset=0``.
"""
from typing import Optional

import numpy as np


def box_iou(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Intersection over union of every pair.

    Args:
        boxes: (N, 4+) ``x1, y1, x2, y2[, ...]``.
        others: (L, 4+).

    Returns:
        np.ndarray: (N, L) float64 in 0..1; 0 where both boxes have no area.
    """
    a = np.asarray(boxes, dtype=np.float64)[:, None, :4]  # (N, 1, 4)
    b = np.asarray(others, dtype=np.float64)[None, :, :4]  # (1, L, 4)
    size = np.clip(
        np.minimum(a[..., 2:], b[..., 2:]) -
        np.maximum(a[..., :2], b[..., :2]), 0, None)
    inter = size[..., 0] * size[..., 1]  # (N, L)

    def area(x: np.ndarray) -> np.ndarray:
        return (x[..., 2] - x[..., 0]) * (x[..., 3] - x[..., 1])

    union = area(a) + area(b) - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> np.ndarray:
    """Greedy non-maximum suppression: take the best-scored box left, drop
    the boxes whose IoU with it is > ``iou_thr``, repeat. A box dropped by
    a better one suppresses nothing.

    Idempotent: on boxes an earlier NMS with the same or a lower threshold
    kept, it keeps them all.

    Args:
        boxes: (N, 4+) ``x1, y1, x2, y2``.
        scores: (N,).
        iou_thr: in 0..1.

    Returns:
        np.ndarray: (M,) int64 indices of the kept boxes, best score first
        (ties: the lower index first).
    """
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind='stable')
    iou = box_iou(boxes, boxes)  # (N, N); N is tens after a score filter
    keep = []
    alive = np.ones(len(order), dtype=bool)
    for rank, i in enumerate(order):
        if not alive[rank]:
            continue
        keep.append(i)
        alive[rank + 1:] &= iou[i, order[rank + 1:]] <= iou_thr
    return np.asarray(keep, dtype=np.int64)


def keypoint_box(keypoints: np.ndarray, scores: np.ndarray, kpt_thr: float,
                 expand: float) -> Optional[np.ndarray]:
    """The box around one person's keypoints whose score is > ``kpt_thr``,
    enlarged ``expand`` times about its centre (rtmlib's ``pose_to_bbox``,
    there with all keypoints and 1.25).

    Args:
        keypoints: (K, 2) x-y in image pixels.
        scores: (K,).
        kpt_thr: keypoints with a score above it count.
        expand: the box's width and height are multiplied by it.

    Returns:
        np.ndarray | None: (4,) ``x1, y1, x2, y2`` float64, or None when the
        counted keypoints span no area (fewer than two, or all on a line).
    """
    points = np.asarray(
        keypoints,
        dtype=np.float64)[(np.asarray(scores) > kpt_thr)
                          & np.isfinite(keypoints).all(axis=1)]  # (k, 2)
    if len(points) == 0:
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    if (high <= low).any():
        return None
    center, half = (low + high) / 2, (high - low) / 2 * expand
    return np.concatenate([center - half, center + half])
