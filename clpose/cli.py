# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``python -m clpose IMAGE --model FILE.onnx [--bboxes ...] [--out vis.jpg]``

Estimates the pose of each person box of one image, prints the keypoints
and scores as JSON (or writes them to ``--json-out``) and draws them
(``--out``). Without ``--bboxes``/``--bboxes-json`` the whole image is one
box. Output files are written to a temporary file and renamed, and an
existing one is kept unless ``--overwrite`` is given. A bad image, box,
model file or output path ends the run with a one-line ``clpose: error:``
and exit code 1 (argparse's usage errors: 2).
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
from typing import List, Optional

import cv2
import numpy as np

from .checks import check_bboxes, read_image
from .cl_pose import CLPose
from .draw import draw_poses


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m clpose',
        description='Top-down pose estimation with a CLNet ONNX file '
        '(numpy, OpenCV and ONNX Runtime only).')
    # let box values start with a minus (a box partly left of or above the
    # image): argparse takes only plain negative numbers for values
    parser._negative_number_matcher = re.compile(r'^-\d[\d.,eE+-]*$')
    parser.add_argument('image', help='image file')
    parser.add_argument('--model',
                        required=True,
                        help='ONNX file from tools/deployment/export_onnx.py')
    boxes = parser.add_mutually_exclusive_group()
    boxes.add_argument(
        '--bboxes',
        nargs='+',
        metavar='X1,Y1,X2,Y2[,SCORE]',
        help='person boxes in image pixels (default: the whole image)')
    boxes.add_argument(
        '--bboxes-json',
        metavar='FILE',
        help='a JSON file holding [[x1, y1, x2, y2(, score)], ...]')
    parser.add_argument('--out', help='picture of the poses to write')
    parser.add_argument('--json-out',
                        help='write the JSON here instead of to stdout')
    parser.add_argument('--kpt-thr',
                        type=float,
                        default=0.3,
                        help='draw keypoints with a score above this')
    parser.add_argument('--threads',
                        type=int,
                        default=None,
                        help='ONNX Runtime intra-op threads')
    parser.add_argument('--overwrite',
                        action='store_true',
                        help='replace existing --out / --json-out files')
    return parser.parse_args(argv)


def read_bboxes(args: argparse.Namespace, image: np.ndarray) -> np.ndarray:
    """The boxes the arguments give, checked: (M, 4|5) image pixels."""
    what = f'image {args.image!r}'
    if args.bboxes_json is not None:
        try:
            with open(args.bboxes_json, encoding='utf-8') as f:
                bboxes = json.load(f)
        except (OSError, ValueError) as e:  # also not UTF-8, not JSON
            raise ValueError(
                f'--bboxes-json {args.bboxes_json!r}: cannot read '
                f'a JSON list of boxes ({e})') from e
        what = f'--bboxes-json {args.bboxes_json!r}'
    elif args.bboxes is not None:
        try:
            bboxes = [[float(v) for v in box.split(',')]
                      for box in args.bboxes]
        except ValueError as e:
            raise ValueError(f'--bboxes {" ".join(args.bboxes)!r}: expected '
                             'x1,y1,x2,y2[,score] numbers for each box') from e
        if len({len(box) for box in bboxes}) > 1:
            raise ValueError(f'--bboxes {" ".join(args.bboxes)!r}: every box '
                             'needs the same number of values (4 or 5)')
        what = '--bboxes'
    else:
        h, w = image.shape[:2]
        bboxes = [[0, 0, w, h]]  # MMPose's default: the whole image
    return check_bboxes(bboxes, what)


def write_atomic(path: str, data: bytes) -> None:
    """Write ``data`` to a new temporary file beside ``path`` (mode 0666
    less the umask, as ``open`` gives), then rename it to ``path``, so that
    ``path`` is never left half-written."""
    tmp = f'{path}.{os.getpid()}.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def to_json(result: dict) -> str:
    """``result`` as JSON text, one line an instance."""
    head = json.dumps({k: v for k, v in result.items() if k != 'instances'})
    lines = ''.join(f'\n  {json.dumps(i)},' for i in result['instances'])
    return f'{head[:-1]}, "instances": [{lines[:-1]}\n]}}\n'


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, output paths that cannot be written."""
    for flag, path in (('--out', args.out), ('--json-out', args.json_out)):
        if path is None:
            continue
        if osp.exists(path) and not args.overwrite:
            raise FileExistsError(f'{flag} {path!r} exists; pass --overwrite '
                                  'to replace it')
        if not osp.isdir(osp.dirname(osp.abspath(path))):
            raise FileNotFoundError(f'{flag} {path!r}: no such directory')
    if args.out is not None and not cv2.haveImageWriter(args.out):
        raise ValueError(f'--out {args.out!r}: OpenCV cannot write this '
                         'image format (use .jpg or .png)')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        check_outputs(args)
        image = read_image(args.image)
        bboxes = read_bboxes(args, image)
        model = CLPose(args.model, threads=args.threads)
        keypoints, scores = model(image, bboxes)
        result = {
            'image':
            args.image,
            'model':
            args.model,
            'keypoint_names':
            model.keypoint_names,
            'instances': [{
                'bbox': box[:4].tolist(),
                'bbox_score': float(box[4]) if len(box) == 5 else None,
                'keypoints': kpts.tolist(),
                'keypoint_scores': s.tolist(),
            } for box, kpts, s in zip(bboxes, keypoints, scores)],
        }
        if args.out is not None:
            meta = model.meta
            vis = draw_poses(image,
                             keypoints,
                             scores,
                             meta['skeleton'],
                             meta['keypoint_colors'],
                             meta['skeleton_colors'],
                             kpt_thr=args.kpt_thr)
            ok, encoded = cv2.imencode(osp.splitext(args.out)[1], vis)
            if not ok:
                raise ValueError(f'--out {args.out!r}: OpenCV cannot encode '
                                 'the picture')
            write_atomic(args.out, encoded.tobytes())
        text = to_json(result)
        if args.json_out is not None:
            write_atomic(args.json_out, text.encode('utf-8'))
        else:
            sys.stdout.write(text)
    except (OSError, ValueError, TypeError) as e:
        message = ' '.join(str(e).split())  # one line, even for ORT's errors
        sys.stderr.write(f'clpose: error: {message}\n')
        return 1
    return 0
