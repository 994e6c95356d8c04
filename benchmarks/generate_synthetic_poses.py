# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Generate a procedural pose dataset in COCO's keypoint format, for
learning comparisons where COCO itself cannot be used.

    python -m benchmarks.generate_synthetic_poses data/synthetic_pose \\
        [--num-train 3000] [--num-val 500] [--seed 0] \\
        [--img-size 384 288] [--max-people 3] [--overwrite]

writes::

    data/synthetic_pose/
        annotations/person_keypoints_train.json
        annotations/person_keypoints_val.json
        train/000000000001.jpg ...
        val/000001000001.jpg ...

Each image is a textured background (smooth colour noise, stripes, clutter
of shapes and lines that look like limbs) with 1 to ``--max-people`` stick
figures on it. A figure has COCO's 17 keypoints in COCO's order and is drawn
as thick limbs, one distinct colour per limb (the palette is rotated per
figure, like clothes), a torso, and a head. Figures face the camera
(their left side on the image's right, a face with eyes and nose) or turn
their back (no face), so left and right are told apart the way they are on
real people, not by colour. Poses are random within human joint ranges.

Labels follow COCO: ``[x, y, v]`` per keypoint in pixels (pixel centres at
integers), ``v = 2`` visible, ``v = 1`` hidden behind a figure drawn later,
``v = 0`` not labelled (``x = y = 0``): outside the image, or the face of a
figure seen from behind. ``bbox`` (``[x, y, w, h]``) and ``area`` are those
of the figure's drawn pixels inside the image. Figures overlap at most
``--max-overlap`` box IoU and keep most of their keypoints inside the image.

Every image has its own random generator seeded by ``(seed, split,
index)``: the same arguments give byte-identical files.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

import cv2
import numpy as np
from clpose.boxes import box_iou
from clpose.files import atomic_output, refuse_to_overwrite
from tqdm import tqdm

# K, LIMBS and sample_pose: also this script's names, for its tests
from benchmarks.lib.figures import (KEYPOINTS, LIMBS, SKELETON,  # noqa: F401
                                    K, background, draw_figure, inside,
                                    sample_pose, visibility)
from mmpose_cl.utils import at_least

SPLITS = {'train': 0, 'val': 1}  # split index in the seed and the image ids
ID_BASE = 10**6  # image id = split index * ID_BASE + 1-based index


def make_image(seed: int, split: str, index: int, img_size: Tuple[int, int],
               max_people: int, max_overlap: float
               ) -> Tuple[np.ndarray, List[Dict]]:
    """One image (H, W, 3) BGR and its people: ``keypoints`` (17, 3) as
    ``[x, y, v]``, ``bbox`` ``[x, y, w, h]`` and ``area``."""
    w, h = img_size
    rng = np.random.default_rng([seed, SPLITS[split], index])
    img = background(rng, h, w)
    figures = []  # (keypoints, facing, height, box)
    for _ in range(rng.integers(1, max_people + 1)):
        for _ in range(20):  # placement tries
            height = rng.uniform(0.35, 0.95) * h
            kpts, facing = sample_pose(rng, height)
            lo, hi = kpts.min(0), kpts.max(0)
            shift = rng.uniform([-0.1 * w, -0.1 * h], [1.1 * w, 1.1 * h]) - \
                (lo + hi) / 2
            kpts = kpts + shift
            box = np.concatenate([lo + shift, hi + shift])
            if inside(kpts, w, h).mean() >= 0.75 and all(
                    box_iou(box[None], f[3][None])[0, 0] <= max_overlap
                    for f in figures):
                figures.append((kpts, facing, height, box))
                break
    masks = []
    for kpts, facing, height, _ in figures:
        mask = np.zeros((h, w), np.uint8)
        draw_figure(img, mask, kpts, facing, height, rng)
        masks.append(mask > 127)
    people = []
    for i, (kpts, facing, _, _) in enumerate(figures):
        vis = visibility(kpts, facing, w, h, masks[i + 1:])
        labelled = np.where(vis[:, None] > 0, kpts, 0.)
        ys, xs = np.nonzero(masks[i])
        people.append(dict(
            keypoints=np.concatenate([labelled, vis[:, None]], axis=1),
            bbox=[float(xs.min()), float(ys.min()),
                  float(xs.max() - xs.min() + 1),
                  float(ys.max() - ys.min() + 1)],
            area=float(len(xs))))
    return img, people


def coco_json(images: List[Dict], annotations: List[Dict],
              info: Dict) -> Dict:
    return dict(
        info=info,
        images=images,
        annotations=annotations,
        categories=[dict(
            id=1, name='person', supercategory='person',
            keypoints=list(KEYPOINTS), skeleton=SKELETON)])


def generate_split(out_dir: str, split: str, num: int, args,
                   info: Dict) -> str:
    """Write ``num`` images of ``split`` and their annotation file; returns
    the annotation file's path."""
    os.makedirs(osp.join(out_dir, split), exist_ok=True)
    images, annotations = [], []
    for index in tqdm(range(1, num + 1), desc=f'{split} images'):
        img, people = make_image(args.seed, split, index, tuple(args.img_size),
                                 args.max_people, args.max_overlap)
        image_id = SPLITS[split] * ID_BASE + index
        file_name = f'{image_id:012d}.jpg'
        path = osp.join(out_dir, split, file_name)
        if not cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 92]):
            raise OSError(f'could not write {path!r}')
        images.append(dict(id=image_id, file_name=file_name,
                           width=img.shape[1], height=img.shape[0]))
        for p in people:
            kpts = p['keypoints']
            annotations.append(dict(
                id=len(annotations) + 1 + SPLITS[split] * ID_BASE * 10,
                image_id=image_id, category_id=1, iscrowd=0,
                keypoints=[round(float(v), 2) for v in kpts.reshape(-1)],
                num_keypoints=int((kpts[:, 2] > 0).sum()),
                bbox=p['bbox'], area=p['area']))
    ann_file = osp.join(out_dir, 'annotations',
                        f'person_keypoints_{split}.json')
    with atomic_output(ann_file) as tmp, open(tmp, 'w') as f:
        json.dump(coco_json(images, annotations, dict(info, split=split)), f)
    return ann_file


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', help='folder to create')
    parser.add_argument('--num-train', type=at_least(1), default=3000)
    parser.add_argument('--num-val', type=at_least(1), default=500)
    parser.add_argument('--seed', type=at_least(0), default=0)
    parser.add_argument('--img-size', type=at_least(64), nargs=2,
                        default=[384, 288], metavar=('W', 'H'))
    parser.add_argument('--max-people', type=at_least(1), default=3)
    parser.add_argument('--max-overlap', type=float, default=0.3,
                        help='largest box IoU between two figures')
    parser.add_argument('--overwrite', action='store_true',
                        help='write into an out_dir that is not empty')
    args = parser.parse_args(argv)
    if not 0 <= args.max_overlap <= 1:
        parser.error(f'--max-overlap must be in [0, 1], got '
                     f'{args.max_overlap}')
    return args


def main(argv=None):
    args = parse_args(argv)
    out_dir = args.out_dir
    try:
        refuse_to_overwrite(out_dir, args.overwrite, hint='pass --overwrite '
                            'to write into it, or choose another folder')
    except FileExistsError as e:
        sys.exit(f'error: {e}')
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    info = dict(
        description='mmpose-cl procedural poses '
        '(benchmarks/generate_synthetic_poses.py)',
        seed=args.seed, img_size=args.img_size, max_people=args.max_people,
        max_overlap=args.max_overlap)
    for split in SPLITS:
        ann_file = generate_split(out_dir, split,
                                  getattr(args, f'num_{split}'), args, info)
        print(f'{split}: {ann_file}')


if __name__ == '__main__':
    main()
