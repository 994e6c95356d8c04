# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Checks of a user's image and person boxes (numpy + OpenCV only).

They accept what MMPose's top-down pipeline accepts, and raise where MMPose
would crash deep inside OpenCV or give NaN keypoints. Every message starts
with ``what``: a description of the image the value belongs to (by default
``image (array uint8 (425, 640, 3))``), so a caller with many inputs can name
one, e.g. ``describe(img, 'input 3')``.

- images: (H, W, 3) BGR or (H, W, 4) BGRA, H, W >= 1, uint8 or finite
  float32/float64 with values in 0..255 (what ``LoadImage`` gives);
- boxes: (M, 4) ``x1, y1, x2, y2`` or (M, 5) with a score, in image pixels,
  finite, ``x2 > x1`` and ``y2 > y1``; one box may be given flat (4,) or (5,),
  and an empty list means M = 0. Boxes partly or wholly outside the image
  are allowed (the crop is padded with zeros).
"""
import os.path as osp
from typing import Any, Optional

import cv2
import numpy as np

#: dtypes MMPose's ``LoadImage`` produces: uint8, or float32 ``to_float32``
IMAGE_DTYPES = (np.uint8, np.float32, np.float64)


def describe(value: Any, name: str = 'image') -> str:
    """``name`` followed by the type, or dtype and shape, of ``value``:
    ``"input 0 (array uint8 (425, 640))"``, ``"image 'a.jpg'"``."""
    if isinstance(value, str):
        return f'{name} {value!r}'
    if isinstance(value, np.ndarray):
        return f'{name} (array {value.dtype} {value.shape})'
    return f'{name} ({type(value).__name__})'


def check_image(img: Any, what: Optional[str] = None) -> None:
    """Check an image array as the top-down pipeline needs it.

    Args:
        img: (H, W, 3) BGR or (H, W, 4) BGRA (alpha ignored), uint8,
            float32 or float64 (finite, pixel values 0..255), H, W >= 1.
        what: how the messages name the image; defaults to
            ``describe(img)``.

    Raises:
        TypeError: not an array, or another dtype.
        ValueError: another shape (a grayscale one says how to convert
            it), an empty image, or non-finite values.
    """
    what = describe(img) if what is None else what
    if not isinstance(img, np.ndarray):
        raise TypeError(f'{what}: expected an image array (H, W, 3)')
    if img.dtype not in IMAGE_DTYPES:
        raise TypeError(
            f'{what}: image dtype must be one of '
            f'{[np.dtype(d).name for d in IMAGE_DTYPES]} (BGR pixel values '
            f'in 0..255), got {img.dtype.name}; e.g. img.astype(np.uint8)')
    if img.size == 0:
        raise ValueError(f'{what}: the image is empty')
    if img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 1):
        raise ValueError(
            f'{what}: a grayscale array; the model needs (H, W, 3) BGR, e.g. '
            'cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)')
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ValueError(f'{what}: expected an image of shape (H, W, 3) '
                         'BGR or (H, W, 4) BGRA')
    if img.dtype != np.uint8 and not np.isfinite(img).all():
        raise ValueError(f'{what}: the image holds NaN or infinite values')


def check_bboxes(bboxes: Any, what: str = 'image') -> np.ndarray:
    """Check the person boxes of one image and return them as an array.

    Args:
        bboxes: (M, 4) ``x1, y1, x2, y2`` or (M, 5) ``x1, y1, x2, y2, score``
            in image pixels (x right, y down); one box may be given flat,
            and ``[]`` is M = 0 boxes.
        what: how the messages name the image the boxes belong to.

    Returns:
        np.ndarray: the boxes, float64, (M, 4) or (M, 5); (0, 4) for none.

    Raises:
        ValueError: not numbers of that shape, a non-finite value, or a box
            with ``x2 <= x1`` or ``y2 <= y1`` (zero area, or given as
            ``x, y, w, h``).
    """
    try:
        boxes = np.asarray(bboxes, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{what}: bboxes must be numbers [[x1, y1, x2, y2'
                         '(, score)], ...], all boxes of one length, got '
                         f'{bboxes!r:.200}') from e
    if boxes.shape == (0, ):
        return boxes.reshape(0, 4)
    if boxes.ndim == 1:
        boxes = boxes[None]
    if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
        raise ValueError(f'{what}: bboxes must be [[x1, y1, x2, y2(, score)]'
                         f', ...], got shape {boxes.shape}')
    for i, box in enumerate(boxes):
        if not np.isfinite(box).all():
            raise ValueError(f'{what}: bbox {i} {box.tolist()} is not finite')
        if box[2] <= box[0] or box[3] <= box[1]:
            raise ValueError(
                f'{what}: bbox {i} {box.tolist()} has zero or negative width '
                'or height; boxes are [x1, y1, x2, y2] with x2 > x1 and '
                'y2 > y1 (not [x, y, w, h])')
    return boxes


def check_range(name: str,
                value: Any,
                low: float,
                high: Optional[float] = None,
                low_open: bool = False,
                integer: bool = False,
                high_open: bool = False) -> Any:
    """Check a user's number and return it.

    Args:
        name: how the message names it, e.g. ``'PersonDetector score_thr'``.
        value: the number.
        low, high: the bounds (``high`` None: no upper bound; it is
            inclusive).
        low_open: exclude ``low`` itself.
        integer: require an int (bool is not one).
        high_open: exclude ``high`` itself.

    Raises:
        ValueError: ``"{name} must be a number in [0, 1], got 1.5"``.
    """
    kind = 'an int' if integer else 'a number'
    if high is None:
        bound = f'{">" if low_open else ">="} {low}'
    else:
        bound = (f'in {"(" if low_open else "["}{low}, {high}'
                 f'{")" if high_open else "]"}')
    types = (int, np.integer) + (() if integer else (float, np.floating))
    ok = (isinstance(value, types) and not isinstance(value, bool)
          and np.isfinite(value)
          and (value > low if low_open else value >= low)
          and (high is None or (value < high if high_open else
                                value <= high)))
    if not ok:
        raise ValueError(f'{name} must be {kind} {bound}, got {value!r}')
    return value


def read_image(path: str) -> np.ndarray:
    """Read an image file as (H, W, 3) uint8 BGR (as ``cv2.imread`` does,
    but also for non-ASCII paths, and with an error naming the file).

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: a directory, an empty file, or bytes that OpenCV cannot
            decode (not an image, truncated or corrupt).
    """
    return decode_image_file(path, describe(path), cv2.IMREAD_COLOR)


def decode_image_file(path: str, what: str, flags: int) -> np.ndarray:
    """Decode an image file with ``cv2.imdecode(data, flags)``; errors name
    the file as ``what``.

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: a directory, an empty file, or bytes that OpenCV cannot
            decode (not an image, truncated or corrupt).
    """
    if not osp.exists(path):
        raise FileNotFoundError(f'{what}: no such file or directory')
    if osp.isdir(path):
        raise ValueError(f'{what}: is a directory, expected an image file')
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        raise ValueError(f'{what}: the file is empty (0 bytes)')
    try:
        img = cv2.imdecode(data, flags)
    except cv2.error:  # OpenCV cannot reduce an image of less than 8 px
        img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(
            f'{what}: cannot decode the file ({data.size} bytes) as an '
            'image: it is not an image, or it is truncated or corrupt')
    return img
