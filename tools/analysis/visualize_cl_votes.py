# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Draw CLNet's composite localization on an image: for every person, the
cells with activation >= tau and the arrow of each cell's offset vote to the
decoded keypoint (paper section 3.4). Saves a PNG.

    python tools/analysis/visualize_cl_votes.py CONFIG CHECKPOINT IMAGE \
        --out votes.png [--bboxes X1 Y1 X2 Y2 [X1 Y1 X2 Y2 ...]] \
        [--det-file DETS.json [--score-thr 0.5]] [--device cpu] [--overwrite]

Person boxes come from --bboxes, or from a COCO-style detection file (the
image id is the file name's number), or else the whole image.
"""
import argparse
import sys

import cv2
import numpy as np
from clpose.files import atomic_output

import mmpose_cl  # noqa: F401
from mmpose_cl.apis import load_cl_model
from mmpose_cl.utils import check_cli_paths, person_boxes
from mmpose_cl.visualization import draw_people_votes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('image')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument('--bboxes', type=float, nargs='+')
    parser.add_argument('--det-file')
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args()
    if args.bboxes and len(args.bboxes) % 4:
        parser.error(f'--bboxes takes groups of 4 numbers (x1 y1 x2 y2), got '
                     f'{len(args.bboxes)} numbers')
    check_cli_paths(parser, (('config', args.config),
                             ('checkpoint', args.checkpoint),
                             ('image', args.image)), args.out,
                    args.overwrite)
    image = cv2.imread(args.image)
    if image is None:
        parser.error(f'cannot read image {args.image!r}')
    try:
        model = load_cl_model(args.config, args.checkpoint, args.device)
    except ValueError as e:
        sys.exit(f'visualize_cl_votes.py: {e}')
    if args.bboxes:
        boxes = np.array(args.bboxes, np.float32).reshape(-1, 4)
    elif args.det_file:
        boxes = person_boxes(args.det_file, args.image, args.score_thr)[:, :4]
    else:
        boxes = np.array([[0, 0, image.shape[1], image.shape[0]]], np.float32)
    canvas = draw_people_votes(model, image, boxes)
    with atomic_output(args.out) as tmp:
        if not cv2.imwrite(tmp, canvas):
            raise OSError(f'could not write {args.out!r}')
    print(f'{len(boxes)} people drawn to {args.out}')


if __name__ == '__main__':
    main()
