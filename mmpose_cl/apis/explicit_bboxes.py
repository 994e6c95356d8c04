# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Make ``MMPoseInferencer(...)(img, bboxes=...)`` use the given boxes.

MMPose 1.3.2's ``Pose2DInferencer.preprocess_single`` documents a ``bboxes``
argument but resets it to ``[]`` before use, so explicit person boxes are
ignored and the whole image (or the detector) is used instead. This wraps the
method: when boxes are given for a top-down model they are used as they are
(no detector call); otherwise MMPose's own method runs unchanged.
"""
import numpy as np

_PATCHED = False


def honour_explicit_bboxes() -> None:
    """Patch ``Pose2DInferencer.preprocess_single`` once (idempotent)."""
    global _PATCHED
    if _PATCHED:
        return
    from mmpose.apis.inferencers.pose2d_inferencer import Pose2DInferencer
    original = Pose2DInferencer.preprocess_single

    def preprocess_single(self, input, index, bbox_thr=0.3, nms_thr=0.3,
                          bboxes=[]):
        """As MMPose's, but person boxes ``bboxes`` (N, 4) ``x1, y1, x2,
        y2`` or (N, 5) with a score, in image pixels, replace detection."""
        if self.cfg.data_mode != 'topdown' or len(bboxes) == 0:
            return original(self, input, index, bbox_thr=bbox_thr,
                            nms_thr=nms_thr, bboxes=bboxes)
        boxes = np.asarray(bboxes, dtype=np.float32)
        if boxes.ndim == 1:
            boxes = boxes[None]
        if boxes.ndim != 2 or boxes.shape[1] not in (4, 5):
            raise ValueError(
                'bboxes must be a list of [x1, y1, x2, y2] or '
                f'[x1, y1, x2, y2, score] per image, got shape {boxes.shape}')
        if boxes.shape[1] == 4:
            boxes = np.concatenate([boxes, np.ones((len(boxes), 1),
                                                   np.float32)], axis=1)
        if isinstance(input, str):
            data_info = dict(img_path=input)
        else:
            data_info = dict(img=input, img_path=f'{index}.jpg'.rjust(10, '0'))
        data_info.update(self.model.dataset_meta)
        data_infos = []
        for box in boxes:
            inst = data_info.copy()
            inst['bbox'] = box[None, :4]
            inst['bbox_score'] = box[4:5]
            data_infos.append(self.pipeline(inst))
        return data_infos

    Pose2DInferencer.preprocess_single = preprocess_single
    _PATCHED = True
