# Copyright (c) mmpose-cl contributors. All rights reserved.
"""clpose: run an exported CLNet ONNX file with numpy, OpenCV and ONNX
Runtime only (no torch, mmcv, mmengine, mmpose or mmpose_cl).

>>> model = CLPose('clnet_r50.onnx')
>>> keypoints, scores = model(cv2.imread('a.jpg'), [[x1, y1, x2, y2]])

and, for the frames of a video, with a person detector, tracking and
smoothing:

>>> tracker = PoseTracker(model, PersonDetector('rtmdet.onnx'), smooth=True)
>>> track_ids, bboxes, keypoints, scores = tracker(frame, timestamp)

``python -m clpose INPUT --model FILE.onnx [--det DET.onnx] --out vis.jpg``
does the same from the command line (:mod:`clpose.cli`).
"""
from .checks import check_bboxes, check_image, describe, read_image
from .cl_pose import CLPose
from .detector import PersonDetector, letterbox
from .draw import draw_boxes, draw_poses
from .files import atomic_output, write_atomic
from .pose_tracker import Poses, PoseTracker
from .smoothing import OneEuroFilter
from .sources import Frame, open_frames
from .tracking import IoUTracker

__all__ = [
    'CLPose', 'PersonDetector', 'PoseTracker', 'Poses', 'IoUTracker',
    'OneEuroFilter', 'letterbox', 'draw_poses', 'draw_boxes', 'check_image',
    'check_bboxes', 'describe', 'read_image', 'open_frames', 'Frame',
    'atomic_output', 'write_atomic'
]
