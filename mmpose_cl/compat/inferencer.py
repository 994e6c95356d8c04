# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``MMPoseInferencer`` uses explicit person boxes and names bad inputs.

Upstream defects (MMPose 1.3.2, ``Pose2DInferencer``):

- ``preprocess_single`` documents a ``bboxes`` argument but resets it to
  ``[]`` before use, so ``inferencer(img, bboxes=...)`` ignores the boxes and
  crops the whole image (or runs the detector) instead;
- bad inputs crash deep inside OpenCV, numpy or the data preprocessor: an
  empty or undecodable image file, a path without an extension, a 2-D,
  2-channel, bool or int64 array, an empty array; a non-finite box gives NaN
  keypoints. :mod:`mmpose_cl.apis.input_checks` lists each case.

Work-around: one wrapper of ``preprocess_single`` checks the image, parses
and checks the boxes once, and for a top-down model with boxes builds the
crops from them (no detector call); without boxes MMPose's own method runs
unchanged. A wrapper of ``_inputs_to_list`` checks the ``inputs`` before
MMPose turns them into a list. The box part becomes unnecessary once MMPose
uses its ``bboxes`` argument; the checks stay useful.
"""
import functools
from typing import Callable

from ..apis.input_checks import check_image_input, check_inputs, parse_bboxes


def _wrap_preprocess_single(original: Callable) -> Callable:

    @functools.wraps(original)
    def preprocess_single(self, input, index, bbox_thr=0.3, nms_thr=0.3,
                          bboxes=None):
        """As MMPose's, after checking ``input``; person boxes ``bboxes``
        (N, 4) ``x1, y1, x2, y2`` or (N, 5) with a score, in image pixels,
        replace detection for top-down models."""
        check_image_input(input, index)
        if self.cfg.data_mode != 'topdown' or bboxes is None or len(
                bboxes) == 0:
            return original(self, input, index, bbox_thr=bbox_thr,
                            nms_thr=nms_thr, bboxes=[])
        boxes = parse_bboxes(bboxes, input, index)  # (N, 5)
        if isinstance(input, str):
            data_info = dict(img_path=input)
        else:
            data_info = dict(img=input, img_path=f'{index}.jpg'.rjust(10, '0'))
        data_info.update(self.model.dataset_meta)
        return [
            self.pipeline(
                dict(data_info, bbox=box[None, :4], bbox_score=box[4:5]))
            for box in boxes
        ]

    return preprocess_single


def _wrap_inputs_to_list(original: Callable) -> Callable:

    @functools.wraps(original)
    def _inputs_to_list(self, inputs):
        return original(self, check_inputs(inputs))

    return _inputs_to_list


def apply() -> None:
    """Wrap ``Pose2DInferencer.preprocess_single`` and ``_inputs_to_list``."""
    from mmpose.apis.inferencers.pose2d_inferencer import Pose2DInferencer
    Pose2DInferencer.preprocess_single = _wrap_preprocess_single(
        Pose2DInferencer.preprocess_single)
    Pose2DInferencer._inputs_to_list = _wrap_inputs_to_list(
        Pose2DInferencer._inputs_to_list)
