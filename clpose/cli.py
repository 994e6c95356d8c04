# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``python -m clpose INPUT --model POSE.onnx [--det DET.onnx | --bboxes ...
| --bboxes-json F] [--out OUT] [--json-out F] [--smooth] [--det-every N]``

INPUT is an image, a folder of images, a video file or a camera index.

- An image: the pose of each person box, printed as one JSON object (or
  written to ``--json-out``) and drawn (``--out``, a picture).
- A folder, video or camera: the frames go through a
  :class:`~clpose.PoseTracker` (:mod:`clpose.stream`); one JSON line a frame,
  a video (``--out``; for a folder: a folder of pictures), Ctrl-C stops
  cleanly.

The boxes come from ``--det`` (a person detector), ``--bboxes`` /
``--bboxes-json`` (the same boxes for every frame), or else the whole image.
Output files are written to a temporary file and renamed, and an existing
one is kept unless ``--overwrite`` is given (checked before any work). A bad
input, box, model file or output path ends the run with a one-line
``clpose: error:`` and exit code 1 (argparse's usage errors: 2).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

import cv2
import numpy as np

from .arguments import parse_args
from .checks import check_bboxes, read_image
from .cl_pose import CLPose
from .detector import PersonDetector
from .draw import draw_poses
from .files import refuse_to_overwrite, write_atomic
from .pose_tracker import PoseTracker
from .sources import input_kind, open_frames
from .stream import VIDEO_CODECS, run_frames, write_picture


def read_bboxes(args: argparse.Namespace) -> Optional[np.ndarray]:
    """The boxes ``--bboxes`` or ``--bboxes-json`` give, checked: (M, 4|5)
    image pixels; None if neither is given."""
    if args.bboxes_json is not None:
        try:
            with open(args.bboxes_json, encoding='utf-8') as f:
                bboxes = json.load(f)
        except (OSError, ValueError) as e:  # also not UTF-8, not JSON
            raise ValueError(
                f'--bboxes-json {args.bboxes_json!r}: cannot read '
                f'a JSON list of boxes ({e})') from e
        return check_bboxes(bboxes, f'--bboxes-json {args.bboxes_json!r}')
    if args.bboxes is not None:
        try:
            bboxes = [[float(v) for v in box.split(',')]
                      for box in args.bboxes]
        except ValueError as e:
            raise ValueError(f'--bboxes {" ".join(args.bboxes)!r}: expected '
                             'x1,y1,x2,y2[,score] numbers for each box') from e
        if len({len(box) for box in bboxes}) > 1:
            raise ValueError(f'--bboxes {" ".join(args.bboxes)!r}: every box '
                             'needs the same number of values (4 or 5)')
        return check_bboxes(bboxes, '--bboxes')
    return None


def to_json(result: dict) -> str:
    """``result`` as JSON text, one line an instance."""
    head = json.dumps({k: v for k, v in result.items() if k != 'instances'})
    lines = ''.join(f'\n  {json.dumps(i)},' for i in result['instances'])
    return f'{head[:-1]}, "instances": [{lines[:-1]}\n]}}\n'


def check_outputs(args: argparse.Namespace, kind: str) -> None:
    """Refuse, before any work, output paths that cannot be written for an
    input of this ``kind`` (:func:`~clpose.sources.input_kind`)."""
    for flag, path in (('--out', args.out), ('--json-out', args.json_out)):
        if path is None:
            continue
        if not (kind == 'folder' and flag == '--out'):
            refuse_to_overwrite(path, args.overwrite, flag)
        if not osp.isdir(osp.dirname(osp.abspath(path))):
            raise FileNotFoundError(f'{flag} {path!r}: no such directory')
    out = args.out
    if out is None:
        return
    if kind == 'image' and not cv2.haveImageWriter(out):
        raise ValueError(f'--out {out!r}: OpenCV cannot write this '
                         'image format (use .jpg or .png)')
    if kind in ('video',
                'camera') and osp.splitext(out)[1].lower() not in VIDEO_CODECS:
        raise ValueError(f'--out {out!r}: {kind} input needs a video file '
                         f'({", ".join(VIDEO_CODECS)})')
    if kind == 'folder' and osp.exists(out) and not osp.isdir(out):
        raise ValueError(f'--out {out!r}: folder input needs a folder for '
                         'the pictures, and this is a file')
    if kind == 'folder' and osp.isdir(out) and osp.samefile(out, args.input):
        raise ValueError(f'--out {out!r}: is the input folder')


def make_detector(args: argparse.Namespace) -> Optional[PersonDetector]:
    if args.det is None:
        return None
    return PersonDetector(args.det,
                          score_thr=args.det_score_thr,
                          nms_iou_thr=args.det_nms_thr,
                          pad_value=args.det_pad_value,
                          mean=args.det_mean,
                          std=args.det_std,
                          threads=args.threads)


def run_image(args: argparse.Namespace) -> int:
    """One image: its JSON (stdout or ``--json-out``), its picture."""
    check_outputs(args, 'image')
    image = read_image(args.input)
    bboxes = read_bboxes(args)
    model = CLPose(args.model, threads=args.threads)
    detector = make_detector(args)
    if detector is not None:
        bboxes = detector(image)
    elif bboxes is None:
        h, w = image.shape[:2]
        bboxes = check_bboxes([[0, 0, w, h]])  # MMPose's default
    keypoints, scores = model(image, bboxes)
    result = {
        'image':
        args.input,
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
        write_picture(args.out, vis)
    text = to_json(result)
    if args.json_out is not None:
        write_atomic(args.json_out, text.encode('utf-8'))
    else:
        sys.stdout.write(text)
    return 0


def run_stream(args: argparse.Namespace, kind: str) -> int:
    """A folder, video or camera, through :func:`clpose.stream.run_frames`.
    """
    check_outputs(args, kind)
    bboxes = read_bboxes(args)
    with open_frames(args.input, args.fps) as source:
        if kind == 'folder' and args.out is not None:
            for name in source.names:  # all refused before any work
                refuse_to_overwrite(osp.join(args.out, name), args.overwrite,
                                    '--out')
        model = CLPose(args.model, threads=args.threads)
        smooth = args.smooth and dict(
            min_cutoff=args.min_cutoff, beta=args.beta, d_cutoff=args.d_cutoff)
        tracker = PoseTracker(model,
                              make_detector(args),
                              det_every=args.det_every,
                              smooth=smooth,
                              kpt_thr=args.kpt_thr,
                              iou_thr=args.iou_thr,
                              fps=source.fps)
        if kind == 'folder' and args.out is not None:
            os.makedirs(args.out, exist_ok=True)
        return run_frames(source, lambda image, t: tracker(image, t, bboxes),
                          model.meta, args.out, args.json_out, args.kpt_thr)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        kind = input_kind(args.input)
        if kind == 'image':
            return run_image(args)
        return run_stream(args, kind)
    except (OSError, ValueError, TypeError) as e:
        message = ' '.join(str(e).split())  # one line, even for ORT's errors
        sys.stderr.write(f'clpose: error: {message}\n')
        return 1
    except KeyboardInterrupt:  # before the frames' loop, or a second Ctrl-C
        sys.stderr.write('clpose: interrupted\n')
        return 130
