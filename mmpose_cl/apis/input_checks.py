# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Clear errors for bad inputs to ``MMPoseInferencer`` (2D top-down).

MMPose 1.3.2's inferencer crashes deep inside OpenCV, numpy or the data
preprocessor on inputs it cannot handle: an empty image file (``cv2.error:
!buf.empty()``), a file that does not decode (``AttributeError`` on
``None.shape``), a path or a directory entry without an extension
(``AttributeError`` in ``mimetypes``), a 2-D or 2-channel array
(``IndexError`` in ``PoseDataPreprocessor``), a bool, int64 or object array
(``cv2.error`` in ``warpAffine``), an empty or 1-D array; and a non-finite
box gives NaN keypoints. The checks here raise instead

- ``FileNotFoundError`` naming a path that does not exist,
- ``TypeError`` naming an input of the wrong type or an array of the wrong
  dtype,
- ``ValueError`` naming the input (path, or index and shape of an array)
  for an empty or undecodable file, a directory with no image, an array of
  the wrong shape or with non-finite values, and a person box that is
  non-finite or has zero (or negative) width or height.

What still runs as before: grayscale, RGBA and 1x1 images, huge images,
boxes partly or wholly outside the image (the crop is padded; the keypoints
stay finite and inside the box), URLs and other remote paths (left to
MMPose), videos and webcams.

:mod:`mmpose_cl.compat.inferencer` applies them to ``Pose2DInferencer`` when
``mmpose_cl`` is imported.
"""
import mimetypes
import os
import os.path as osp
from typing import Any, List

import cv2
import numpy as np
from clpose.checks import (check_bboxes, check_image, decode_image_file,
                           describe)

def _is_remote(path: str) -> bool:
    return '://' in path


def _describe(input: Any, index: int) -> str:
    return describe(input, f'input {index}')


def check_image_array(img: np.ndarray, index: int = 0) -> None:
    """Check an image array as the top-down pipeline needs it: the check of
    the ``clpose`` runtime (:func:`clpose.checks.check_image`), naming the
    input by its position ``index``.

    Raises:
        TypeError: not an array, or another dtype than uint8, float32 or
            float64.
        ValueError: not (H, W, 3) BGR or (H, W, 4) BGRA, an empty image or
            non-finite values.
    """
    check_image(img, _describe(img, index))


def check_image_file(path: str, index: int = 0) -> None:
    """Check that a local image file exists and decodes (at 1/8 size, so
    it costs a fraction of the real decode even for huge images).

    Raises:
        FileNotFoundError: the path does not exist.
        ValueError: a directory, an empty file, or bytes that OpenCV cannot
            decode (not an image, truncated or corrupt).
    """
    decode_image_file(path, _describe(path, index),
                      cv2.IMREAD_REDUCED_GRAYSCALE_8)


def check_image_input(input: Any, index: int = 0) -> None:
    """Check one input of ``Pose2DInferencer.preprocess_single``: a local
    image path (remote paths are left to MMPose) or an image array."""
    if isinstance(input, str):
        if not _is_remote(input):
            check_image_file(input, index)
    elif isinstance(input, np.ndarray):
        check_image_array(input, index)
    else:
        raise TypeError(f'{_describe(input, index)}: expected an image path '
                        'or an image array (H, W, 3)')


def parse_bboxes(bboxes: Any, input: Any = None,
                 index: int = 0) -> np.ndarray:
    """Check and parse the explicit person boxes of one image
    (:func:`clpose.checks.check_bboxes`).

    Args:
        bboxes: (N, 4) ``x1, y1, x2, y2`` or (N, 5) with a score, in image
            pixels; one box may be given flat.
        input: the image the boxes belong to, for the message.
        index (int): its position in the inputs.

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score`` (score 1 where
        none is given).

    Raises:
        ValueError: not numbers of that shape, a non-finite value, or a box
            with ``x2 <= x1`` or ``y2 <= y1`` (zero area, or given as
            ``x, y, w, h``). Boxes outside the image are allowed.
    """
    boxes = check_bboxes(bboxes, _describe(input, index))
    if boxes.shape[1] == 4:
        boxes = np.concatenate([boxes, np.ones((len(boxes), 1))], axis=1)
    return boxes.astype(np.float32)


def _list_images(directory: str) -> List[str]:
    """The image files of a directory (by extension), sorted; MMPose's own
    listing fails on a file without an extension."""
    files = sorted(
        osp.join(directory, name) for name in os.listdir(directory)
        if osp.isfile(osp.join(directory, name)))
    images = [
        f for f in files
        if (mimetypes.guess_type(f)[0] or '').startswith('image/')
    ]
    if not images:
        raise ValueError(
            f'input directory {directory!r} holds no image file (by '
            f'extension; {len(files)} other files)')
    return images


def check_inputs(inputs: Any) -> Any:
    """Check the ``inputs`` of ``MMPoseInferencer.__call__`` before MMPose
    turns them into a list; return them, or the image files of a directory.

    Raises:
        TypeError: not a path, an array, or an iterable of those.
        FileNotFoundError: a local path that does not exist.
        ValueError: a directory with no image, or a file whose type the
            extension does not tell and OpenCV cannot read.
    """
    if isinstance(inputs, np.ndarray):
        return inputs
    if isinstance(inputs, str):
        if _is_remote(inputs):
            return inputs
        if not osp.exists(inputs):
            raise FileNotFoundError(
                f'input {inputs!r}: no such file or directory')
        if osp.isdir(inputs):
            return _list_images(inputs)
        if mimetypes.guess_type(inputs)[0] is None:
            if cv2.haveImageReader(inputs):
                return [inputs]  # an image without a known extension
            raise ValueError(
                f'input {inputs!r}: neither its extension nor its content '
                'says it is an image or a video')
        return inputs
    if inputs is None or not hasattr(inputs, '__iter__'):
        raise TypeError(
            'inputs must be an image or video path, a directory, an image '
            'array, or a list of paths or arrays; got '
            f'{type(inputs).__name__}')
    if isinstance(inputs, (list, tuple)):
        for i, input in enumerate(inputs):
            if not isinstance(input, (str, np.ndarray)):
                raise TypeError(f'{_describe(input, i)}: expected an image '
                                'path or an image array (H, W, 3)')
    return inputs
