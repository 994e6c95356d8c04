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
from clpose.files import atomic_output, refuse_to_overwrite
from tqdm import tqdm

from mmpose_cl.utils import at_least

# COCO's keypoints, in COCO's order
KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
             'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
             'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
             'left_knee', 'right_knee', 'left_ankle', 'right_ankle')
K = {name: i for i, name in enumerate(KEYPOINTS)}
# COCO's skeleton, 1-based as in person_keypoints_*.json
SKELETON = [[16, 14], [14, 12], [17, 15], [15, 13], [12, 13], [6, 12],
            [7, 13], [6, 7], [6, 8], [7, 9], [8, 10], [9, 11], [2, 3],
            [1, 2], [1, 3], [2, 4], [3, 5], [4, 6], [5, 7]]
# the drawn limbs: (from, to, relative thickness); one colour each
LIMBS = (('left_hip', 'left_knee', 1.2), ('left_knee', 'left_ankle', 1.0),
         ('right_hip', 'right_knee', 1.2), ('right_knee', 'right_ankle', 1.0),
         ('left_shoulder', 'left_elbow', 1.0),
         ('left_elbow', 'left_wrist', 0.85),
         ('right_shoulder', 'right_elbow', 1.0),
         ('right_elbow', 'right_wrist', 0.85))
SPLITS = {'train': 0, 'val': 1}  # split index in the seed and the image ids
ID_BASE = 10**6  # image id = split index * ID_BASE + 1-based index
SKIN = ((198, 224, 255), (160, 190, 235), (110, 150, 205), (70, 100, 150),
        (45, 70, 110))  # BGR


def unit(angle: float) -> np.ndarray:
    """(x, y) of the direction ``angle`` radians from image-down, turning
    towards image-right."""
    return np.array([np.sin(angle), np.cos(angle)])


def sample_pose(rng: np.random.Generator, height: float) -> Tuple[
        np.ndarray, int]:
    """Keypoints of one figure of ``height`` pixels, neck at the origin.

    Returns:
        tuple: keypoints (17, 2) as (x, y) in pixels, and the facing:
        +1 = towards the camera (the figure's left on the image's right),
        -1 = back to the camera.
    """
    facing = 1 if rng.random() < 0.65 else -1
    lean = rng.normal(0, 0.12) if rng.random() < 0.85 else rng.normal(0, 0.7)
    down = unit(lean)  # along the torso, neck -> pelvis
    left = facing * np.array([down[1], -down[0]])  # the figure's left
    width = rng.uniform(0.55, 1.0)  # yaw: lateral widths foreshortened

    kpts = np.zeros((17, 2))
    neck = np.zeros(2)
    pelvis = neck + 0.30 * height * down * rng.uniform(0.85, 1.05)
    for side, sign in (('left', 1), ('right', -1)):
        kpts[K[f'{side}_shoulder']] = neck + sign * 0.115 * height * width * \
            left
        kpts[K[f'{side}_hip']] = pelvis + sign * 0.075 * height * width * left

        def direction(angle):  # away from the body on this side
            return np.cos(angle) * down + np.sin(angle) * sign * left

        def chain(root, angle, bend, lengths, shortest):
            """Two segments from ``root``: at ``angle``, then bent by
            ``bend``, each foreshortened to U(``shortest``, 1)."""
            mid = root + lengths[0] * height * rng.uniform(shortest, 1.) * \
                direction(angle)
            return mid, mid + lengths[1] * height * \
                rng.uniform(shortest, 1.) * direction(angle + bend)

        # arm: 0 = hanging, pi = raised
        kpts[K[f'{side}_elbow']], kpts[K[f'{side}_wrist']] = chain(
            kpts[K[f'{side}_shoulder']], rng.uniform(-0.5, 2.9),
            rng.uniform(-2.3, 2.3), (0.16, 0.15), 0.6)
        thigh = rng.uniform(-0.35, 1.1) if rng.random() < 0.8 else \
            rng.uniform(-1.2, 1.8)
        kpts[K[f'{side}_knee']], kpts[K[f'{side}_ankle']] = chain(
            kpts[K[f'{side}_hip']], thigh, rng.uniform(-1.7, 1.7),
            (0.24, 0.23), 0.7)

    up = -unit(lean + rng.normal(0, 0.25))  # neck -> top of the head
    head_left = facing * np.array([-up[1], up[0]])
    nose = neck + 0.13 * height * up
    kpts[K['nose']] = nose
    turn = rng.uniform(-0.5, 0.5) * 0.03 * height  # head turned sideways
    for side, sign in (('left', 1), ('right', -1)):
        kpts[K[f'{side}_eye']] = nose + 0.035 * height * up + \
            (sign * 0.032 * height * width + turn) * head_left
        kpts[K[f'{side}_ear']] = nose + 0.012 * height * up + \
            (sign * 0.068 * height * width + 0.5 * turn) * head_left
    return kpts, facing


def palette(rng: np.random.Generator, n: int) -> List[Tuple[int, int, int]]:
    """``n`` saturated BGR colours with evenly spaced hues, rotated at
    random: distinct within a figure, different between figures."""
    offset = rng.uniform(0, 180)
    hues = (offset + np.arange(n) * 180 / n) % 180
    hsv = np.stack([hues, np.full(n, rng.uniform(150, 255)),
                    rng.uniform(120, 255, n)], axis=-1)
    bgr = cv2.cvtColor(hsv[None].astype(np.uint8), cv2.COLOR_HSV2BGR)[0]
    return [tuple(int(c) for c in col) for col in rng.permutation(bgr)]


def draw_figure(canvas: np.ndarray, mask: np.ndarray, kpts: np.ndarray,
                facing: int, height: float, rng: np.random.Generator) -> None:
    """Draw a figure into the BGR ``canvas`` (H, W, 3) and its pixels into
    the uint8 ``mask`` (H, W), with 16x sub-pixel precision."""
    shift = 4  # cv2 fixed-point: coordinates in 1/16 px

    def pt(p):
        return tuple(int(round(c * 16)) for c in p)

    def line(a, b, colour, thick):
        for img, c in ((canvas, colour), (mask, 255)):
            cv2.line(img, pt(a), pt(b), c, max(1, int(thick)), cv2.LINE_AA,
                     shift)

    def circle(p, r, colour):
        for img, c in ((canvas, colour), (mask, 255)):
            cv2.circle(img, pt(p), int(round(r * 16)), c, -1, cv2.LINE_AA,
                       shift)

    colours = palette(rng, len(LIMBS) + 1)
    thick = 0.06 * height * rng.uniform(0.8, 1.2)
    skin = SKIN[rng.integers(len(SKIN))]
    # torso: the shoulder-hip quadrilateral, widened by the limb thickness
    quad = kpts[[K['left_shoulder'], K['right_shoulder'], K['right_hip'],
                 K['left_hip']]]
    for img, c in ((canvas, colours[-1]), (mask, 255)):
        cv2.fillConvexPoly(img, np.array([pt(p) for p in quad]), c,
                           cv2.LINE_AA, shift)
    line(quad[0], quad[1], colours[-1], thick)
    line(quad[2], quad[3], colours[-1], thick)
    neck = (quad[0] + quad[1]) / 2
    line(neck, kpts[K['nose']], skin, 0.8 * thick)
    for (a, b, rel), colour in zip(LIMBS, colours):
        line(kpts[K[a]], kpts[K[b]], colour, rel * thick)
    for end in ('left_wrist', 'right_wrist'):
        circle(kpts[K[end]], 0.45 * thick, skin)
    for end in ('left_ankle', 'right_ankle'):
        circle(kpts[K[end]], 0.6 * thick, (40, 40, 40))
    # head: ears first, then the head, then the face (seen from the front)
    ears = kpts[[K['left_ear'], K['right_ear']]]
    for ear in ears:
        circle(ear, 0.022 * height, skin)
    centre = (ears[0] + ears[1]) / 2 + 0.015 * height * \
        (kpts[K['nose']] - neck) / max(np.linalg.norm(kpts[K['nose']] - neck),
                                       1e-6)
    radius = 0.075 * height
    hair = tuple(int(c) for c in rng.integers(0, 90, 3))
    circle(centre, radius, skin if facing > 0 else hair)
    if facing > 0:
        for eye in ('left_eye', 'right_eye'):
            circle(kpts[K[eye]], 0.012 * height, (20, 20, 20))
        circle(kpts[K['nose']], 0.012 * height,
               tuple(int(0.7 * c) for c in skin))


def background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A textured BGR background: smooth colour noise, sometimes stripes,
    clutter of shapes and limb-like lines, and pixel noise."""
    coarse = rng.uniform(0, 255, (rng.integers(2, 7), rng.integers(2, 7), 3))
    img = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    if rng.random() < 0.5:
        y, x = np.mgrid[:h, :w]
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(4, 40)
        wave = np.sin(2 * np.pi * (x * np.cos(angle) + y * np.sin(angle)) /
                      period + rng.uniform(0, 2 * np.pi))
        img += rng.uniform(10, 50) * wave[..., None] * rng.uniform(-1, 1, 3)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for _ in range(rng.integers(3, 16)):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        p = rng.uniform([0, 0], [w, h]).astype(int)
        kind = rng.integers(3)
        if kind == 0:
            q = p + rng.uniform(-60, 60, 2).astype(int)
            cv2.rectangle(img, tuple(p), tuple(q), colour, -1)
        elif kind == 1:
            cv2.circle(img, tuple(p), int(rng.uniform(3, 30)), colour, -1,
                       cv2.LINE_AA)
        else:  # a distractor limb
            q = p + rng.uniform(-80, 80, 2).astype(int)
            cv2.line(img, tuple(p), tuple(q), colour,
                     int(rng.uniform(2, 14)), cv2.LINE_AA)
    noise = rng.normal(0, rng.uniform(0, 10), img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two ``[x1, y1, x2, y2]`` boxes."""
    iw = max(0., min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0., min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - \
        inter
    return inter / union if union > 0 else 0.


def inside(kpts: np.ndarray, w: int, h: int) -> np.ndarray:
    """(17,) bool: keypoints inside the image (pixel centres 0..w-1)."""
    return ((kpts[:, 0] >= 0) & (kpts[:, 0] <= w - 1) & (kpts[:, 1] >= 0) &
            (kpts[:, 1] <= h - 1))


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
                    box_iou(box, f[3]) <= max_overlap for f in figures):
                figures.append((kpts, facing, height, box))
                break
    masks = []
    for kpts, facing, height, _ in figures:
        mask = np.zeros((h, w), np.uint8)
        draw_figure(img, mask, kpts, facing, height, rng)
        masks.append(mask > 127)
    people = []
    for i, (kpts, facing, _, _) in enumerate(figures):
        vis = np.where(inside(kpts, w, h), 2, 0)
        if facing < 0:  # a face seen from behind is not labelled
            vis[[K['nose'], K['left_eye'], K['right_eye']]] = 0
        xi = np.clip(np.round(kpts[:, 0]).astype(int), 0, w - 1)
        yi = np.clip(np.round(kpts[:, 1]).astype(int), 0, h - 1)
        for later in masks[i + 1:]:
            vis[(vis == 2) & later[yi, xi]] = 1
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
