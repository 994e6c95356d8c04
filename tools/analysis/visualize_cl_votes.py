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
import json
import os.path as osp
import cv2
import numpy as np

import mmpose_cl  # noqa: F401
from mmpose_cl.visualization import draw_people_votes


def person_boxes(args, image):
    if args.bboxes:
        if len(args.bboxes) % 4:
            raise ValueError(f'--bboxes takes groups of 4 numbers (x1 y1 x2 '
                             f'y2), got {len(args.bboxes)} numbers')
        return np.array(args.bboxes, np.float32).reshape(-1, 4)
    if args.det_file:
        if not osp.isfile(args.det_file):
            raise FileNotFoundError(f'--det-file {args.det_file!r} not found')
        stem = osp.splitext(osp.basename(args.image))[0]
        if not stem.isdigit():
            raise ValueError(f'with --det-file the image name must be its '
                             f'COCO id, got {osp.basename(args.image)!r}')
        with open(args.det_file) as f:
            dets = [d for d in json.load(f) if d['image_id'] == int(stem)
                    and d['score'] >= args.score_thr]
        return np.array([[x, y, x + w, y + h] for d in dets
                         for x, y, w, h in [d['bbox']] if w > 0 and h > 0],
                        np.float32).reshape(-1, 4)
    h, w = image.shape[:2]
    return np.array([[0, 0, w, h]], np.float32)


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
    if osp.exists(args.out) and not args.overwrite:
        raise FileExistsError(f'{args.out} exists; pass --overwrite to '
                              'replace it')
    image = cv2.imread(args.image)
    if image is None:
        raise FileNotFoundError(f'cannot read image {args.image!r}')

    from mmpose.apis import init_model
    model = init_model(args.config, args.checkpoint, device=args.device)
    boxes = person_boxes(args, image)
    canvas = draw_people_votes(model, image, boxes)
    if not cv2.imwrite(args.out, canvas):
        raise OSError(f'could not write {args.out!r}')
    print(f'{len(boxes)} people drawn to {args.out}')


if __name__ == '__main__':
    main()
