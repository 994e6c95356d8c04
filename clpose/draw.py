# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Draw poses on an image with OpenCV."""
from typing import Optional, Sequence

import cv2
import numpy as np

from .checks import check_image

_SHIFT = 4  # OpenCV's fixed-point bits: draw at 1/16 pixel, not rounded


def draw_poses(image_bgr: np.ndarray,
               keypoints: np.ndarray,
               scores: np.ndarray,
               skeleton: Sequence[Sequence[int]],
               keypoint_colors: Sequence[Sequence[int]],
               skeleton_colors: Sequence[Sequence[int]],
               kpt_thr: float = 0.3,
               radius: int = 3,
               thickness: int = 1) -> np.ndarray:
    """Draw the keypoints whose score is above ``kpt_thr``, and the links
    whose two ends are, on a copy of the image.

    Args:
        image_bgr: (H, W, 3) BGR or (H, W, 4) BGRA image (uint8, or float
            with values 0..255; alpha dropped).
        keypoints: (M, K, 2) x-y in image pixels (pixel centres at
            integers); non-finite points are not drawn.
        scores: (M, K).
        skeleton: links ``[i, j]`` between keypoint indices.
        keypoint_colors: K ``[r, g, b]`` colours, 0..255.
        skeleton_colors: one ``[r, g, b]`` colour a link.
        kpt_thr: draw a keypoint if its score is > kpt_thr.
        radius: of a keypoint's disc, pixels (MMPose's visualizer: 3).
        thickness: of a link, pixels (MMPose's visualizer: 1).

    Returns:
        np.ndarray: the drawn (H, W, 3) uint8 BGR image.

    Raises:
        ValueError: keypoints, scores or colours of the wrong shape.
    """
    check_image(image_bgr)
    canvas = np.clip(image_bgr[..., :3], 0, 255).astype(np.uint8)
    keypoints = np.asarray(keypoints, dtype=np.float64)
    scores = np.asarray(scores, dtype=np.float64)
    if (keypoints.ndim != 3 or keypoints.shape[2] != 2
            or scores.shape != keypoints.shape[:2]):
        raise ValueError(f'keypoints (M, K, 2) and scores (M, K) expected, '
                         f'got {keypoints.shape} and {scores.shape}')
    num_kpts = keypoints.shape[1]
    if len(keypoint_colors) != num_kpts or len(skeleton_colors) != len(
            skeleton):
        raise ValueError(
            f'{len(keypoint_colors)} keypoint colours for K = {num_kpts} and '
            f'{len(skeleton_colors)} link colours for {len(skeleton)} links')

    def bgr(rgb: Sequence[int]) -> tuple:
        return tuple(int(c) for c in rgb[::-1])

    one = 1 << _SHIFT
    for kpts, kpt_scores in zip(keypoints, scores):
        shown = (kpt_scores > kpt_thr) & np.isfinite(kpts).all(axis=1)
        # (K, 2) fixed point, pixel centres at integers as cv2 draws them
        points = np.round(np.clip(np.nan_to_num(kpts), -1e6, 1e6) *
                          one).astype(np.int64)
        for (i, j), color in zip(skeleton, skeleton_colors):
            if shown[i] and shown[j]:
                cv2.line(canvas, tuple(points[i].tolist()),
                         tuple(points[j].tolist()), bgr(color), thickness,
                         cv2.LINE_AA, _SHIFT)
        for k in np.flatnonzero(shown):
            cv2.circle(canvas, tuple(points[k].tolist()), radius * one,
                       bgr(keypoint_colors[k]), -1, cv2.LINE_AA, _SHIFT)
    return canvas


def draw_boxes(image_bgr: np.ndarray,
               bboxes: np.ndarray,
               labels: Optional[Sequence[str]] = None,
               color: Sequence[int] = (0, 255, 0),
               thickness: int = 1) -> np.ndarray:
    """Draw boxes, and a label above each box's top-left corner, on a copy
    of the image.

    Args:
        image_bgr: (H, W, 3) BGR or (H, W, 4) BGRA image (as for
            :func:`draw_poses`).
        bboxes: (M, 4+) ``x1, y1, x2, y2`` in image pixels, box edges (the
            outline is drawn on the box's outermost pixels).
        labels: M texts, e.g. track ids; None: no text.
        color: ``(b, g, r)``, 0..255.
        thickness: of the outline, pixels.

    Returns:
        np.ndarray: the drawn (H, W, 3) uint8 BGR image.
    """
    check_image(image_bgr)
    canvas = np.clip(image_bgr[..., :3], 0, 255).astype(np.uint8)
    one, color = 1 << _SHIFT, tuple(int(c) for c in color)
    boxes = np.asarray(bboxes, dtype=np.float64)
    for i, box in enumerate(
            np.clip(boxes[:, :4], -1e6, 1e6) if boxes.size else []):
        # box edges -> the centres of its outermost pixels, fixed point
        x1, y1, x2, y2 = np.round((box + [0, 0, -1, -1]) * one).astype(int)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), color, thickness,
                      cv2.LINE_AA, _SHIFT)
        if labels is not None:
            cv2.putText(canvas, str(labels[i]),
                        (int(box[0]), max(int(box[1]) - 3, 10)),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, color, 1, cv2.LINE_AA)
    return canvas
