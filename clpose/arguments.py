# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The flags of ``python -m clpose`` (:mod:`clpose.cli`)."""
import argparse
import re
from typing import List, Optional, Union

from .smoothing import DEFAULT_BETA, DEFAULT_D_CUTOFF, DEFAULT_MIN_CUTOFF


def color(text: str) -> Union[float, List[float]]:
    """An argparse type: ``114`` or ``103.5,116.3,123.7`` (B, G, R)."""
    try:
        values = [float(v) for v in text.split(',')]
    except ValueError:
        values = []
    if len(values) not in (1, 3):
        raise argparse.ArgumentTypeError(
            f'expected a number or three (B,G,R), got {text!r}')
    return values if len(values) == 3 else values[0]


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m clpose',
        description='Top-down pose estimation with a CLNet ONNX file '
        '(numpy, OpenCV and ONNX Runtime only).')
    # let box values start with a minus (a box partly left of or above the
    # image): argparse takes only plain negative numbers for values
    parser._negative_number_matcher = re.compile(r'^-\d[\d.,eE+-]*$')
    parser.add_argument(
        'input',
        metavar='INPUT',
        help='an image, a folder of images, a video file or a camera index')
    parser.add_argument('--model',
                        required=True,
                        help='ONNX file from tools/deployment/export_onnx.py')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument(
        '--det',
        metavar='DET.onnx',
        help="person detector in MMDeploy's end2end format (RTMDet, YOLOX)")
    boxes.add_argument(
        '--bboxes',
        nargs='+',
        metavar='X1,Y1,X2,Y2[,SCORE]',
        help='person boxes in image pixels (default: the whole image)')
    boxes.add_argument(
        '--bboxes-json',
        metavar='FILE',
        help='a JSON file holding [[x1, y1, x2, y2(, score)], ...]')
    parser.add_argument(
        '--out',
        help='drawing to write: a picture for an image, a video (.mp4, '
        '.avi, .mkv) for a video or camera, a folder for a folder')
    parser.add_argument(
        '--json-out',
        help='write the JSON here instead of to stdout (JSON Lines, one '
        'line a frame, for a folder, video or camera)')
    parser.add_argument('--kpt-thr',
                        type=float,
                        default=0.3,
                        help='keypoints scoring above it are drawn, update '
                        'the smoothing and make the boxes of --det-every '
                        '(%(default)s)')
    parser.add_argument('--threads',
                        type=int,
                        default=None,
                        help='ONNX Runtime intra-op threads')
    parser.add_argument('--overwrite',
                        action='store_true',
                        help='replace existing --out / --json-out files')
    det = parser.add_argument_group('detector (with --det)')
    det.add_argument('--det-score-thr',
                     type=float,
                     default=0.3,
                     help='keep person boxes scoring above it (%(default)s)')
    det.add_argument('--det-nms-thr',
                     type=float,
                     default=0.5,
                     help='IoU threshold of the NMS after the score filter '
                     "(%(default)s: MMDeploy's default for MMDetection, so a "
                     'no-op on its graphs)')
    for name, default in (('pad-value', 114), ('mean', 0), ('std', 1)):
        det.add_argument(f'--det-{name}',
                         type=color,
                         metavar='V|B,G,R',
                         help=f'pixel values; default: the file\'s det_'
                         f'{name.replace("-", "_")} metadata, else {default}')
    video = parser.add_argument_group('folder, video and camera input')
    video.add_argument('--det-every',
                       type=int,
                       default=1,
                       metavar='N',
                       help='run --det every N frames; in between, the '
                       'boxes follow the last poses (%(default)s)')
    video.add_argument('--iou-thr',
                       type=float,
                       default=0.3,
                       help='IoU above which a box continues a track '
                       '(%(default)s)')
    video.add_argument('--fps',
                       type=float,
                       default=30.0,
                       help='frame rate of a folder, and of a video or '
                       'camera that reports none (%(default)s)')
    video.add_argument('--smooth',
                       action='store_true',
                       help='One-Euro filter on each track\'s keypoints')
    video.add_argument('--min-cutoff',
                       type=float,
                       default=DEFAULT_MIN_CUTOFF,
                       help='Hz, the cutoff at rest (%(default)s)')
    video.add_argument('--beta',
                       type=float,
                       default=DEFAULT_BETA,
                       help='Hz per pixel/s of speed (%(default)s)')
    video.add_argument('--d-cutoff',
                       type=float,
                       default=DEFAULT_D_CUTOFF,
                       help="Hz, the cutoff of the speed's low-pass "
                       '(%(default)s)')
    return parser.parse_args(argv)
