# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The procedural people of the synthetic studies: stick figures with COCO's
17 keypoints, their poses and the textured backgrounds they stand on.

Shared by ``generate_synthetic_poses.py`` (still images) and
``generate_synthetic_video.py`` (figures moving between key poses). A pose is
a handful of joint parameters (:data:`POSE_PARAMS`, angles in radians and
length factors) that :func:`sample_pose_params` draws within human ranges
and :func:`pose_keypoints` turns into keypoints; two poses of one figure
can be mixed parameter by parameter, which is how the video moves a figure
smoothly.

Conventions: keypoints are ``(x, y)`` image pixels (pixel centres at
integers, y down), in COCO's order; images are BGR uint8.

Also here: the files of a generated video's folder (:data:`VIDEO`,
:data:`TRUTH`, :data:`INFO`) and :func:`read_video_truth`, for the studies
that read one.
"""
import json
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np

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
SKIN = ((198, 224, 255), (160, 190, 235), (110, 150, 205), (70, 100, 150),
        (45, 70, 110))  # BGR
#: a pose's parameters (:func:`sample_pose_params`): the torso's lean from
#: upright, the lateral width factor (yaw), the torso length factor, the
#: head's tilt from the torso, the head's sideways turn (-0.5..0.5), and per
#: side the arm's angle from hanging (pi = raised), the elbow's bend, the
#: upper arm's and forearm's foreshortening, the thigh's angle, the knee's
#: bend and the thigh's and shin's foreshortening
POSE_PARAMS = ('lean', 'width', 'torso', 'head', 'turn') + tuple(
    f'{side}_{name}' for side in ('left', 'right')
    for name in ('arm', 'elbow', 'upper_arm', 'forearm', 'thigh', 'knee',
                 'thigh_length', 'shin_length'))


def unit(angle: float) -> np.ndarray:
    """(x, y) of the direction ``angle`` radians from image-down, turning
    towards image-right."""
    return np.array([np.sin(angle), np.cos(angle)])


def sample_pose_params(
        rng: np.random.Generator) -> Tuple[Dict[str, float], int]:
    """A random pose within human joint ranges.

    Returns:
        tuple: the parameters (:data:`POSE_PARAMS`), and the facing: +1 =
        towards the camera (the figure's left on the image's right), -1 =
        back to the camera.
    """
    # the draws keep the order of the still generator's first version: its
    # images stay byte-identical
    p = {}
    facing = 1 if rng.random() < 0.65 else -1
    p['lean'] = rng.normal(0, 0.12) if rng.random() < 0.85 else \
        rng.normal(0, 0.7)
    p['width'] = rng.uniform(0.55, 1.0)
    p['torso'] = rng.uniform(0.85, 1.05)
    for side in ('left', 'right'):
        p[f'{side}_arm'] = rng.uniform(-0.5, 2.9)
        p[f'{side}_elbow'] = rng.uniform(-2.3, 2.3)
        p[f'{side}_upper_arm'] = rng.uniform(0.6, 1.)
        p[f'{side}_forearm'] = rng.uniform(0.6, 1.)
        p[f'{side}_thigh'] = rng.uniform(-0.35, 1.1) if rng.random() < 0.8 \
            else rng.uniform(-1.2, 1.8)
        p[f'{side}_knee'] = rng.uniform(-1.7, 1.7)
        p[f'{side}_thigh_length'] = rng.uniform(0.7, 1.)
        p[f'{side}_shin_length'] = rng.uniform(0.7, 1.)
    p['head'] = rng.normal(0, 0.25)
    p['turn'] = rng.uniform(-0.5, 0.5)
    return p, facing


def pose_keypoints(p: Dict[str, float], facing: int,
                   height: float) -> np.ndarray:
    """The keypoints (17, 2) ``(x, y)`` in pixels of the pose ``p``
    (:data:`POSE_PARAMS`) for a figure of ``height`` pixels facing
    ``facing`` (+1 / -1), its neck at the origin."""
    down = unit(p['lean'])  # along the torso, neck -> pelvis
    left = facing * np.array([down[1], -down[0]])  # the figure's left
    width = p['width']  # yaw: lateral widths foreshortened

    kpts = np.zeros((17, 2))
    neck = np.zeros(2)
    pelvis = neck + 0.30 * height * down * p['torso']
    for side, sign in (('left', 1), ('right', -1)):
        kpts[K[f'{side}_shoulder']] = neck + sign * 0.115 * height * width * \
            left
        kpts[K[f'{side}_hip']] = pelvis + sign * 0.075 * height * width * left

        def direction(angle):  # away from the body on this side
            return np.cos(angle) * down + np.sin(angle) * sign * left

        def chain(root, angle, bend, lengths, shortening):
            """Two segments from ``root``: at ``angle``, then bent by
            ``bend``, each shortened by its factor."""
            mid = root + lengths[0] * height * shortening[0] * \
                direction(angle)
            return mid, mid + lengths[1] * height * shortening[1] * \
                direction(angle + bend)

        kpts[K[f'{side}_elbow']], kpts[K[f'{side}_wrist']] = chain(
            kpts[K[f'{side}_shoulder']], p[f'{side}_arm'],
            p[f'{side}_elbow'], (0.16, 0.15),
            (p[f'{side}_upper_arm'], p[f'{side}_forearm']))
        kpts[K[f'{side}_knee']], kpts[K[f'{side}_ankle']] = chain(
            kpts[K[f'{side}_hip']], p[f'{side}_thigh'], p[f'{side}_knee'],
            (0.24, 0.23),
            (p[f'{side}_thigh_length'], p[f'{side}_shin_length']))

    up = -unit(p['lean'] + p['head'])  # neck -> top of the head
    head_left = facing * np.array([-up[1], up[0]])
    nose = neck + 0.13 * height * up
    kpts[K['nose']] = nose
    turn = p['turn'] * 0.03 * height  # head turned sideways
    for side, sign in (('left', 1), ('right', -1)):
        kpts[K[f'{side}_eye']] = nose + 0.035 * height * up + \
            (sign * 0.032 * height * width + turn) * head_left
        kpts[K[f'{side}_ear']] = nose + 0.012 * height * up + \
            (sign * 0.068 * height * width + 0.5 * turn) * head_left
    return kpts


def sample_pose(rng: np.random.Generator,
                height: float) -> Tuple[np.ndarray, int]:
    """Keypoints of one random figure of ``height`` pixels, neck at the
    origin.

    Returns:
        tuple: keypoints (17, 2) as (x, y) in pixels, and the facing:
        +1 = towards the camera (the figure's left on the image's right),
        -1 = back to the camera.
    """
    params, facing = sample_pose_params(rng)
    return pose_keypoints(params, facing, height), facing


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
    the uint8 ``mask`` (H, W), with 16x sub-pixel precision. Its colours
    and thickness come from ``rng`` (the same seed: the same clothes)."""
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


def inside(kpts: np.ndarray, w: int, h: int) -> np.ndarray:
    """(17,) bool: keypoints inside the image (pixel centres 0..w-1)."""
    return ((kpts[:, 0] >= 0) & (kpts[:, 0] <= w - 1) & (kpts[:, 1] >= 0) &
            (kpts[:, 1] <= h - 1))


def visibility(kpts: np.ndarray, facing: int, w: int, h: int,
               later_masks: List[np.ndarray]) -> np.ndarray:
    """COCO's ``v`` (17,) int of a drawn figure's keypoints: 2 visible,
    1 hidden behind a figure drawn later (its bool mask (h, w) in
    ``later_masks``), 0 not labelled: outside the image, or the face of a
    figure seen from behind."""
    vis = np.where(inside(kpts, w, h), 2, 0)
    if facing < 0:  # a face seen from behind is not labelled
        vis[[K['nose'], K['left_eye'], K['right_eye']]] = 0
    xi = np.clip(np.round(kpts[:, 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(kpts[:, 1]).astype(int), 0, h - 1)
    for later in later_masks:
        vis[(vis == 2) & later[yi, xi]] = 1
    return vis


#: a generated video's folder: the video, its ground truth (JSON Lines, one
#: line a frame) and the generator's arguments
VIDEO, TRUTH, INFO = 'video.mp4', 'ground_truth.jsonl', 'info.json'


def read_video_truth(folder: str) -> Tuple[Dict, List[Dict]]:
    """A generated video's ``info.json`` and its ground-truth lines (one
    dict a frame; ``generate_synthetic_video.py`` says what they hold).

    Raises:
        ValueError: not one line a frame.
    """
    with open(osp.join(folder, INFO)) as f:
        info = json.load(f)
    with open(osp.join(folder, TRUTH)) as f:
        frames = [json.loads(line) for line in f]
    if len(frames) != info['frames']:
        raise ValueError(f'{folder!r}: {len(frames)} ground-truth lines for '
                         f'{info["frames"]} frames')
    return info, frames
