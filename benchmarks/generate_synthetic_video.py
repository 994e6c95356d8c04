# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Generate a procedural video of moving stick figures, with the ground truth
of every frame: the video version of ``generate_synthetic_poses.py``, for
studies of tracking, smoothing and speed on video.

    python -m benchmarks.generate_synthetic_video data/synthetic_video \\
        [--frames 300] [--fps 30] [--people 3] [--seed 0] \\
        [--img-size 640 480] [--overwrite]

writes::

    data/synthetic_video/
        video.mp4            (MPEG-4 Part 2, OpenCV's 'mp4v')
        ground_truth.jsonl   (one line a frame)
        info.json            (the arguments, COCO's keypoints and skeleton)

The figures and the background are the still generator's
(``benchmarks/lib/figures.py``), with poses from the same distribution but
for the torso's lean, kept within :data:`MAX_LEAN`.
``--people`` figures stay in every frame, each in its own vertical band of
the image (band i of ``--people``; limbs may reach into the next), on one
static textured background. Each figure moves through random key poses, one
every 1 to 2 s: every joint parameter, its position (neck x, y) and its
height (pixels; it comes closer or goes away) go from one key to the next
with cubic easing ``s(u) = 3u^2 - 2u^3`` (zero speed at the keys, bounded
acceleration between them: no jumps). A figure keeps its facing and its
clothes; figures are drawn farthest (smallest) first.

Each line of ``ground_truth.jsonl``: ``{"frame": i, "time": i / fps,
"people": [{"track_id": p, "bbox": [x1, y1, x2, y2], "keypoints": [[x, y,
v], ...]}, ...]}``, people by track id (0 .. people - 1, one a figure for the
whole video). Keypoints follow COCO, as in the still generator: pixels
(pixel centres at integers), ``v = 2`` visible, ``v = 1`` hidden behind a
figure drawn later, ``v = 0`` not labelled (``[0, 0, 0]``: outside the
image, or the face of a figure seen from behind). ``bbox`` holds the figure's
drawn pixels (box edges: ``x2 = last column + 1``).

Seeded: the same arguments give the same frames and ground truth (the video
file's bytes depend on OpenCV's encoder), and a longer video begins with
the frames of a shorter one.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, NamedTuple, Sequence, Tuple

import cv2
import numpy as np
from clpose.files import atomic_output, refuse_to_overwrite
from clpose.sources import quiet_opencv
from clpose.stream import VIDEO_CODECS
from tqdm import tqdm

from benchmarks.lib.figures import (INFO, KEYPOINTS, POSE_PARAMS, SKELETON,
                                    TRUTH, VIDEO, background, draw_figure,
                                    pose_keypoints, sample_pose_params,
                                    visibility)
from mmpose_cl.utils import at_least

#: seconds between two key poses: uniform in this range
KEY_GAP = (1.0, 2.0)
#: figure height, as a share of the image height: uniform in this range
HEIGHT = (0.4, 0.8)
#: the largest lean of the torso, radians: the still generator's leans
#: reach lying poses, and a figure that swings between standing and lying
#: in a second moves its feet by hundreds of pixels a second
MAX_LEAN = 0.35
# the seed's second element: one generator for each use
_BACKGROUND, _CLOTHES, _MOTION = 0, 1, 2


class Figure(NamedTuple):
    """A figure's motion: S + 1 key times and the values at each, eased in
    between (module docstring)."""
    facing: int  # +1 towards the camera, -1 back to it
    times: np.ndarray  # (S + 1,) seconds, from 0
    keys: np.ndarray  # (S + 1, P): POSE_PARAMS, then neck x, neck y, height


def ease(u: np.ndarray) -> np.ndarray:
    """Cubic easing 0 -> 1 on ``u`` in [0, 1]: ``3u^2 - 2u^3``."""
    return u * u * (3 - 2 * u)


def plan_figure(seed: int, index: int, people: int,
                img_size: Tuple[int, int], duration: float) -> Figure:
    """The key poses of figure ``index`` of ``people``, up to ``duration``
    seconds, from its own generator ``(seed, motion, index)``."""
    w, h = img_size
    rng = np.random.default_rng([seed, _MOTION, index])
    band = (index * w / people, (index + 1) * w / people)
    margin = 0.2 * (band[1] - band[0])
    times, keys, facing = [0.], [], None
    while True:
        params, key_facing = sample_pose_params(rng)
        facing = key_facing if facing is None else facing
        params['lean'] = float(np.clip(params['lean'], -MAX_LEAN, MAX_LEAN))
        height = rng.uniform(*HEIGHT) * h
        # the head's top is ~0.2 height above the neck, the feet ~0.78 below
        top, bottom = 0.2 * height + 0.02 * h, h - 0.78 * height
        neck = (rng.uniform(band[0] + margin, band[1] - margin),
                rng.uniform(top, bottom) if bottom > top else h / 2)
        keys.append([params[name] for name in POSE_PARAMS] +
                    [*neck, height])
        if times[-1] >= duration:
            break
        times.append(times[-1] + rng.uniform(*KEY_GAP))
    return Figure(facing, np.array(times), np.array(keys))


def values_at(figure: Figure, t: float) -> np.ndarray:
    """The figure's eased values (P + 3,) at ``t`` seconds (the layout of
    ``Figure.keys``)."""
    k = int(np.clip(np.searchsorted(figure.times, t, side='right') - 1, 0,
                    len(figure.times) - 2))
    t0, t1 = figure.times[k], figure.times[k + 1]
    u = np.clip((t - t0) / (t1 - t0), 0., 1.)
    return figure.keys[k] + (figure.keys[k + 1] - figure.keys[k]) * ease(u)


def figure_at(figure: Figure, t: float) -> Tuple[np.ndarray, float]:
    """The figure's keypoints (17, 2) in image pixels and its height at
    ``t`` seconds."""
    values = values_at(figure, t)
    params = dict(zip(POSE_PARAMS, values))
    neck, height = values[len(POSE_PARAMS):-1], values[-1]
    return pose_keypoints(params, figure.facing, height) + neck, height


def render(seed: int, scene: np.ndarray, figures: Sequence[Figure],
           t: float) -> Tuple[np.ndarray, List[Dict]]:
    """The frame at ``t`` seconds (H, W, 3) BGR, and its people (by track
    id): ``track_id``, ``bbox`` ``[x1, y1, x2, y2]``, ``keypoints`` (17, 3)
    ``[x, y, v]``."""
    h, w = scene.shape[:2]
    image = scene.copy()
    poses = [figure_at(f, t) for f in figures]
    order = sorted(range(len(figures)), key=lambda i: poses[i][1])
    masks = {}
    for i in order:  # farthest (smallest) first
        mask = np.zeros((h, w), np.uint8)
        clothes = np.random.default_rng([seed, _CLOTHES, i])
        draw_figure(image, mask, poses[i][0], figures[i].facing, poses[i][1],
                    clothes)
        masks[i] = mask > 127
    people = []
    for i, (kpts, _) in enumerate(poses):
        later = [masks[j] for j in order[order.index(i) + 1:]]
        vis = visibility(kpts, figures[i].facing, w, h, later)
        labelled = np.where(vis[:, None] > 0, kpts, 0.)
        ys, xs = np.nonzero(masks[i])
        people.append(
            dict(track_id=i,
                 bbox=[float(xs.min()), float(ys.min()),
                       float(xs.max() + 1), float(ys.max() + 1)],
                 keypoints=np.concatenate([labelled, vis[:, None]], axis=1)))
    return image, people


def truth_line(index: int, t: float, people: List[Dict]) -> str:
    """One frame of ``ground_truth.jsonl`` (no newline)."""
    return json.dumps(
        dict(frame=index,
             time=t,
             people=[
                 dict(track_id=p['track_id'],
                      bbox=p['bbox'],
                      keypoints=[[round(float(x), 3),
                                  round(float(y), 3),
                                  int(v)] for x, y, v in p['keypoints']])
                 for p in people
             ]))


def generate(out_dir: str, frames: int, fps: float, people: int, seed: int,
             img_size: Tuple[int, int]) -> Dict:
    """Write the video, its ground truth and ``info.json`` into
    ``out_dir`` (which exists); return the info."""
    w, h = img_size
    scene = background(np.random.default_rng([seed, _BACKGROUND]), h, w)
    duration = (frames - 1) / fps
    figures = [
        plan_figure(seed, i, people, img_size, duration)
        for i in range(people)
    ]
    codec = VIDEO_CODECS[osp.splitext(VIDEO)[1]]
    with atomic_output(osp.join(out_dir, VIDEO)) as video_tmp, \
            atomic_output(osp.join(out_dir, TRUTH)) as truth_tmp, \
            open(truth_tmp, 'x') as lines:
        with quiet_opencv():
            writer = cv2.VideoWriter(video_tmp,
                                     cv2.VideoWriter_fourcc(*codec), fps,
                                     (w, h))
        if not writer.isOpened():
            raise OSError(f'OpenCV cannot write a {codec!r} video of {w}x{h}'
                          f' at {fps:g} fps to {video_tmp!r}')
        try:
            for i in tqdm(range(frames), desc='frames'):
                image, found = render(seed, scene, figures, i / fps)
                writer.write(image)
                lines.write(truth_line(i, i / fps, found) + '\n')
        finally:
            writer.release()
    info = dict(description='mmpose-cl procedural video '
                '(benchmarks/generate_synthetic_video.py)',
                seed=seed,
                frames=frames,
                fps=fps,
                people=people,
                img_size=[w, h],
                video=VIDEO,
                codec=codec,
                ground_truth=TRUTH,
                key_gap_s=list(KEY_GAP),
                height=list(HEIGHT),
                keypoints=list(KEYPOINTS),
                skeleton=SKELETON)
    with atomic_output(osp.join(out_dir, INFO)) as tmp, open(tmp, 'x') as f:
        json.dump(info, f, indent=1)
    return info


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('out_dir', help='folder to create')
    parser.add_argument('--frames', type=at_least(2), default=300)
    parser.add_argument('--fps', type=at_least(1, float), default=30.)
    parser.add_argument('--people', type=at_least(1), default=3)
    parser.add_argument('--seed', type=at_least(0), default=0)
    parser.add_argument('--img-size', type=at_least(64), nargs=2,
                        default=[640, 480], metavar=('W', 'H'))
    parser.add_argument('--overwrite', action='store_true',
                        help='write into an out_dir that is not empty')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        refuse_to_overwrite(args.out_dir, args.overwrite, hint='pass '
                            '--overwrite to write into it, or choose another '
                            'folder')
    except FileExistsError as e:
        sys.exit(f'error: {e}')
    os.makedirs(args.out_dir, exist_ok=True)
    generate(args.out_dir, args.frames, args.fps, args.people, args.seed,
             tuple(args.img_size))
    print(f'{osp.join(args.out_dir, VIDEO)}: {args.frames} frames, '
          f'{args.people} people; ground truth: '
          f'{osp.join(args.out_dir, TRUTH)}')


if __name__ == '__main__':
    main()
