# Copyright (c) mmpose-cl contributors. All rights reserved.
"""MMPose's top-down crop and its inverse, in numpy + OpenCV.

Shapes: M boxes, K keypoints; ``input_size = (w, h)`` is the model's crop in
pixels. Coordinates are x-y pixels with pixel centres at integers (MMPose's
convention: a crop of width w spans -0.5 .. w - 0.5). ``center`` and
``scale`` are (M, 2) x-y, in image pixels: the centre and the size (w, h) of
the region that the crop shows.

The same steps as MMPose 1.3.2's test pipeline ``GetBBoxCenterScale``
(padding 1.25) + ``TopdownAffine(use_udp=False)``, and the inverse of
``TopdownPoseEstimator.add_pred_to_datasample``; each function names the
MMPose function it reimplements.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np


def bbox_center_scale(
        bboxes: np.ndarray, padding: float,
        input_size: Sequence[int]) -> Tuple[np.ndarray, np.ndarray]:
    """Centre and size of the region each box's crop shows.

    Computed in float32, as MMPose computes them from the float32 boxes of
    its datasets, of MMDetection and of ``mmpose_cl``'s inferencer: the
    same float32 rounding gives the same warp matrix to the bit, and so the
    same crop (a last-bit change of the matrix can move a bilinear sample
    by 1/32 pixel, OpenCV's fixed-point step, i.e. a few grey levels at a
    sharp edge).

    Args:
        bboxes: (M, 4+) ``x1, y1, x2, y2[, ...]`` in image pixels.
        padding: the box's size is multiplied by it (MMPose's 1.25).
        input_size: ``(w, h)`` of the crop.

    Returns:
        (center (M, 2), scale (M, 2)): float32, x-y, image pixels; the scale
        has the crop's aspect ratio w / h.
    """
    bboxes = np.asarray(bboxes)[:, :4].astype(np.float32)
    # mmpose.structures.bbox.bbox_xyxy2cs (GetBBoxCenterScale)
    center = (bboxes[:, 2:] + bboxes[:, :2]) * 0.5
    scale = (bboxes[:, 2:] - bboxes[:, :2]) * padding
    # TopdownAffine._fix_aspect_ratio: grow the short side to w / h
    aspect = input_size[0] / input_size[1]
    bw, bh = scale[:, :1], scale[:, 1:]
    scale = np.where(bw > bh * aspect, np.hstack([bw, bw / aspect]),
                     np.hstack([bh * aspect, bh]))
    return center, scale


def warp_matrix(center: np.ndarray, scale: np.ndarray,
                input_size: Sequence[int]) -> np.ndarray:
    """The (2, 3) image -> crop matrix of one box, bit for bit MMPose
    1.3.2's ``get_warp_matrix(center, scale, rot=0, output_size=(w, h))``.

    It maps ``center`` (2,) to the crop's centre (w / 2, h / 2) and scales
    by ``w / scale[0]``. MMPose builds it from three float32 points (the
    centre, half a width to its left, and a quarter turn from there:
    ``_get_3rd_point``) through ``cv2.getAffineTransform``; so does this,
    so the float32 rounding, and thus every interpolated pixel, is the same.
    """
    w, h = input_size

    def three_points(c: Sequence[float], width: float) -> np.ndarray:
        pts = np.zeros((3, 2), dtype=np.float32)
        pts[0] = c
        pts[1] = np.asarray(c) + np.array([width * -0.5, 0.])
        d = pts[0] - pts[1]  # mmpose's _get_3rd_point, in float32
        pts[2] = pts[1] + np.r_[-d[1], d[0]]
        return pts

    return cv2.getAffineTransform(three_points(center, scale[0]),
                                  three_points((w * 0.5, h * 0.5), w))


def crop(image: np.ndarray, center: np.ndarray, scale: np.ndarray,
         input_size: Sequence[int]) -> np.ndarray:
    """The crop of one box: ``TopdownAffine``'s bilinear
    ``cv2.warpAffine`` (zeros outside the image).

    Args:
        image: (H, W, C) image.
        center, scale: (2,) of that box (:func:`bbox_center_scale`).
        input_size: ``(w, h)``.

    Returns:
        np.ndarray: (h, w, C), the image's dtype.
    """
    return cv2.warpAffine(image,
                          warp_matrix(center, scale, input_size),
                          (int(input_size[0]), int(input_size[1])),
                          flags=cv2.INTER_LINEAR)


def crop_to_image(keypoints: np.ndarray, center: np.ndarray, scale: np.ndarray,
                  input_size: Sequence[int]) -> np.ndarray:
    """Map keypoints from crop to image pixels, as MMPose's
    ``TopdownPoseEstimator.add_pred_to_datasample`` does:
    ``kpts / input_size * scale + center - 0.5 * scale``.

    Args:
        keypoints: (M, K, 2) x-y in crop pixels.
        center, scale: (M, 2) of the boxes.
        input_size: ``(w, h)``.

    Returns:
        np.ndarray: (M, K, 2) float32, x-y in image pixels.
    """
    size = np.asarray(input_size, dtype=np.float64)
    center, scale = center[:, None], scale[:, None]  # (M, 1, 2)
    return (keypoints / size * scale + center - 0.5 * scale).astype(np.float32)
