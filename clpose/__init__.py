# Copyright (c) mmpose-cl contributors. All rights reserved.
"""clpose: run an exported CLNet ONNX file with numpy, OpenCV and ONNX
Runtime only (no torch, mmcv, mmengine, mmpose or mmpose_cl).

>>> model = CLPose('clnet_r50.onnx')
>>> keypoints, scores = model(cv2.imread('a.jpg'), [[x1, y1, x2, y2]])

``python -m clpose IMAGE --model FILE.onnx --bboxes x1,y1,x2,y2 --out vis.jpg``
does the same from the command line (:mod:`clpose.cli`).
"""
from .checks import check_bboxes, check_image, describe, read_image
from .cl_pose import CLPose
from .draw import draw_poses

__all__ = [
    'CLPose', 'draw_poses', 'check_image', 'check_bboxes', 'describe',
    'read_image'
]
