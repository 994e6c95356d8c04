# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Keypoint error, jitter and lag of ``clpose``'s One-Euro smoothing on a
procedural video, and ``clpose``'s frames per second end to end on this
CPU.

    python -m benchmarks.generate_synthetic_video VIDEO_3P --people 3
    python -m benchmarks.generate_synthetic_video VIDEO_1P --people 1 \\
        --frames 100 --seed 1
    python -m benchmarks.generate_synthetic_video VIDEO_6P --people 6 \\
        --frames 100 --seed 2
    python -m benchmarks.video_smoothing POSE.onnx \\
        [--accuracy-video VIDEO_3P] [--speed-videos VIDEO_1P VIDEO_6P] \\
        [--checkpoint CKPT] [--runs 3] [--update] \\
        [--settings MIN_CUTOFF,BETA,D_CUTOFF[,KPT_THR] ...] \\
        [--work-dir work_dirs/video_smoothing] \\
        [--out benchmarks/results/video_smoothing]

The parts can run one at a time, as the committed report's were: e.g.
``--accuracy-video VIDEO_3P``, then ``--speed-videos VIDEO_1P --update``,
then ``--speed-videos VIDEO_6P --update``.

POSE.onnx is a CL model exported by ``tools/deployment/export_onnx.py``;
the videos are folders of ``generate_synthetic_video.py``.

**Accuracy and jitter** (``--accuracy-video``). The frames go through one
:class:`clpose.PoseTracker` per setting: unsmoothed, then each One-Euro
``--settings``. The detector is an oracle (:class:`OracleDetector`): the
ground-truth boxes of the frame, called every frame, so that the detector's
quality does not confound the filter's. The pose model runs once a frame
(:class:`PoseOnce`) and every tracker gets its result: the settings differ
only in the filter. A prediction belongs to the ground-truth person whose
box it came from; the tracker's ids are checked against the ground truth's
(a switch resets a filter). Over labelled keypoints (``v > 0``), in image
pixels, with ``x_t`` a keypoint's (x, y) in frame t:

- error: the mean ``|pred_t - gt_t|``;
- error moving: the same where the ground truth moves more than
  :data:`MOVING` px/frame (``|gt_(t+1) - gt_(t-1)| / 2``), where lag shows;
- jitter: the mean ``|x_t - 2 x_(t-1) + x_(t-2)|`` (px/frame^2) over a
  person's keypoints labelled in three consecutive frames, of the
  predictions and of the ground truth itself (its own acceleration: the
  floor);
- lag (frames): the delay ``d`` that best explains the error as the ground
  truth seen late, ``pred_t ~ gt_(t-d) ~ gt_t - d v_t``: the least-squares
  ``d = -sum(e_t . v_t) / sum(|v_t|^2)``, ``e_t = pred_t - gt_t``, ``v_t =
  (gt_(t+1) - gt_(t-1)) / 2``, over keypoints labelled at t-1, t, t+1.

Jitter is also given over the keypoints that the filter updates (scoring
above the CLI's ``--kpt-thr``, :data:`KPT_THR`, in the three frames): the
others pass through unsmoothed, and so does a gross error's jump.

The recommended setting (:func:`recommend`): the lowest jitter among the
settings whose error is at most :data:`MAX_ERROR_INCREASE` (5%) above the
unsmoothed error, and whose lag is at most :data:`MAX_LAG_S` (0.1 s: about
where delay becomes noticeable in an interactive system).

**Speed** (``--speed-videos``, one for each number of people). There is no
trained person detector here, so the study exports one with a real
detector's compute and constant boxes (:func:`export_timing_detector`):
MMDetection's RTMDet-tiny (its own config, random weights, a 640x640 input)
whose ``dets`` and ``labels`` (MMDeploy's end2end format) are the video's
first frame's ground-truth boxes, plus 0 x the mean of every head output, so
that the network runs in full. Per video: the detector alone and the pose
model alone (the ground-truth boxes of each frame), median seconds a frame;
then the CLI's frame loop (:func:`clpose.stream.run_frames`: video decoding,
detector, pose model, tracking, the default smoothing, JSON Lines written
to a file; no drawing) with ``--det-every`` 1 and 5, after a warm-up,
``--runs`` runs, the median frames/s. There the detector runs in full but
its boxes are replaced by the frame's ground truth (:class:`CostlyOracle`):
constant boxes would lose the people as they move, and ``--det-every 5``
would then run the detector every frame. And the real CLI, ``python -m
clpose VIDEO --model POSE.onnx --det DET.onnx --smooth``, once, with the
constant boxes (every frame: the same cost), timed from start to exit (its
start-up and model loading included). ONNX Runtime uses its default threads
(``--threads`` not given), as the CLI does.

Writes ``<out>.md`` and ``<out>.json``: the machine, the versions, the
settings and the tables, each part (the accuracy; the speed with N people)
with the command and date that measured it. ``--update`` keeps the parts of
an earlier report of the same model that this run does not measure, so that
the parts can be measured one at a time.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from clpose import CLPose, PersonDetector, PoseTracker
from clpose.detector import letterbox
from clpose.files import atomic_output
from clpose.smoothing import DEFAULT_BETA, DEFAULT_D_CUTOFF, DEFAULT_MIN_CUTOFF
from clpose.sources import open_frames
from clpose.stream import run_frames

from benchmarks.lib.figures import VIDEO, read_video_truth
from benchmarks.lib.report import (RESULTS, describe_environment, environment,
                                   refuse_existing_report, save_report)
from benchmarks.lib.timing import cpu_seconds, other_share
from mmpose_cl.utils import at_least

#: One-Euro settings (min_cutoff Hz, beta Hz per px/s, d_cutoff Hz): the
#: earlier defaults (:data:`EARLIER_DEFAULTS`), smoother ones and more
#: responsive ones, and the first again with every keypoint filtered (a 4th
#: value: the tracker's kpt_thr)
SETTINGS = ('1.0,0.007,1.0', '0.3,0.007,1.0', '3.0,0.007,1.0',
            '1.0,0.05,1.0', '0.5,0.02,1.0', '1.0,0.007,1.0,0')
#: clpose's provisional defaults, before this study chose them
EARLIER_DEFAULTS = (1.0, 0.007, 1.0)
#: "moving": the ground truth moves more than this, px/frame
MOVING = 3.0
#: the CLI's --kpt-thr: keypoints scoring above it update the filter
KPT_THR = 0.3
#: the recommendation's bounds: lag, seconds, and the error's increase
#: over the unsmoothed error, a share of it
MAX_LAG_S, MAX_ERROR_INCREASE = 0.1, 0.05
#: RTMDet's normalisation (MMDetection's config), B, G, R pixel values
RTMDET_MEAN, RTMDET_STD = [103.53, 116.28, 123.675], [57.375, 57.12, 58.395]
RTMDET_CONFIG = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'


def truth_arrays(frames: List[Dict],
                 people: int) -> Tuple[np.ndarray, np.ndarray]:
    """Keypoints (T, N, K, 2) and their labels ``v`` (T, N, K) by track
    id; a person missing from a frame is unlabelled there."""
    num_kpts = len(frames[0]['people'][0]['keypoints'])
    kpts = np.zeros((len(frames), people, num_kpts, 3))
    for t, frame in enumerate(frames):
        for p in frame['people']:
            kpts[t, p['track_id']] = p['keypoints']
    return kpts[..., :2], kpts[..., 2]


class OracleDetector:
    """A person detector (``det(image) -> (M, 5)`` boxes, as
    :class:`clpose.PersonDetector`) that returns the ground-truth boxes of
    the frame ``index`` (set by the caller), score 1, by track id."""

    def __init__(self, frames: List[Dict]) -> None:
        self.frames, self.index = frames, 0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        people = self.frames[self.index]['people']
        return np.array([p['bbox'] + [1.] for p in people]).reshape(-1, 5)

    def track_ids(self) -> List[int]:
        return [p['track_id'] for p in self.frames[self.index]['people']]


class PoseOnce:
    """The pose model (``pose(image, boxes)``) run once a frame: every
    tracker given the same boxes after :meth:`next_frame` gets the first
    one's result."""

    def __init__(self, pose) -> None:
        self.pose, self.cache = pose, {}

    def next_frame(self) -> None:
        self.cache = {}

    def __call__(self, image: np.ndarray, boxes: np.ndarray):
        key = np.asarray(boxes).tobytes()
        if key not in self.cache:
            self.cache[key] = self.pose(image, boxes)
        return self.cache[key]


def keypoint_error(pred: np.ndarray, gt: np.ndarray,
                   valid: np.ndarray) -> float:
    """Mean distance (px) of ``pred`` to ``gt`` (both (..., 2)) where
    ``valid`` (...); NaN where none is."""
    if not valid.any():
        return float('nan')
    return float(np.linalg.norm(pred - gt, axis=-1)[valid].mean())


def jitter(x: np.ndarray, valid: np.ndarray) -> float:
    """Mean ``|x_t - 2 x_(t-1) + x_(t-2)|`` (px/frame^2) of ``x`` (T, ...,
    2) over the elements ``valid`` (T, ...) in three consecutive frames."""
    acc = x[2:] - 2 * x[1:-1] + x[:-2]  # (T - 2, ..., 2)
    both = valid[2:] & valid[1:-1] & valid[:-2]
    return float(np.linalg.norm(acc, axis=-1)[both].mean())


def velocity(gt: np.ndarray, valid: np.ndarray) -> Tuple[np.ndarray,
                                                         np.ndarray]:
    """The central difference ``(gt_(t+1) - gt_(t-1)) / 2`` (T - 2, ...,
    2) of frames 1 .. T-2, and where it is defined (labelled at t-1, t,
    t+1)."""
    return ((gt[2:] - gt[:-2]) / 2,
            valid[2:] & valid[1:-1] & valid[:-2])


def lag_frames(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> float:
    """The least-squares delay ``d`` (frames) in ``pred_t ~ gt_t - d v_t``
    (module docstring); ``pred`` and ``gt`` (T, ..., 2)."""
    v, ok = velocity(gt, valid)
    e = (pred - gt)[1:-1]
    return float(-(e * v).sum(-1)[ok].sum() / (v * v).sum(-1)[ok].sum())


def moving_error(pred: np.ndarray, gt: np.ndarray,
                 valid: np.ndarray) -> Tuple[float, float]:
    """The mean error (px) where the ground truth moves more than
    :data:`MOVING` px/frame, and the share of labelled keypoints that do."""
    v, ok = velocity(gt, valid)
    fast = ok & (np.linalg.norm(v, axis=-1) > MOVING)
    return (keypoint_error(pred[1:-1], gt[1:-1], fast),
            float(fast.sum() / max(ok.sum(), 1)))


def parse_setting(text: str) -> Dict[str, float]:
    """``'1.0,0.007,1.0'`` -> the One-Euro filter's arguments; a 4th
    value: the tracker's ``kpt_thr`` (default :data:`KPT_THR`)."""
    try:
        values = [float(v) for v in text.split(',')]
    except ValueError:
        values = []
    if len(values) not in (3, 4):
        raise argparse.ArgumentTypeError(
            f'expected MIN_CUTOFF,BETA,D_CUTOFF[,KPT_THR], got {text!r}')
    return dict(zip(('min_cutoff', 'beta', 'd_cutoff', 'kpt_thr'), values))


def tracker_for(setting: Optional[Dict[str, float]], pose, det,
                fps: float) -> PoseTracker:
    """A PoseTracker for a setting of :func:`parse_setting`; None: no
    smoothing."""
    smooth = dict(setting or {})
    kpt_thr = smooth.pop('kpt_thr', KPT_THR)
    return PoseTracker(pose, det, smooth=smooth or False, kpt_thr=kpt_thr,
                       fps=fps)


def track_video(folder: str, pose: CLPose,
                settings: Sequence[Optional[Dict[str, float]]]) -> Dict:
    """Run the video through one PoseTracker per setting (None: no
    smoothing) with the oracle detector.

    Returns:
        dict: ``gt`` (T, N, K, 2), ``v`` (T, N, K), ``preds``: one (T, N, K,
        2) a setting (NaN where a person was not predicted), ``scores`` (T,
        N, K) the keypoint scores, ``switches``: the tracker id changes of a
        ground-truth person between frames, a setting.
    """
    info, frames = read_video_truth(folder)
    gt, vis = truth_arrays(frames, info['people'])
    oracle, shared = OracleDetector(frames), PoseOnce(pose)
    trackers = [
        tracker_for(s, shared, oracle, info['fps']) for s in settings
    ]
    preds = np.full((len(settings), ) + gt.shape, np.nan)
    scores = np.zeros(gt.shape[:-1])
    ids = np.full((len(settings), ) + gt.shape[:2], -1)
    with open_frames(osp.join(folder, VIDEO)) as source:
        # before the loop: a video longer than its ground truth would fail
        # inside the oracle instead
        if source.num_frames not in (None, len(frames)):
            raise ValueError(f'{folder!r}: the video has {source.num_frames} '
                             f'frames, the ground truth {len(frames)}')
        for frame in source:
            oracle.index = frame.index
            shared.next_frame()
            people = oracle.track_ids()
            for s, tracker in enumerate(trackers):
                poses = tracker(frame.image, frame.time)
                preds[s, frame.index, people] = poses.keypoints
                ids[s, frame.index, people] = poses.track_ids
            scores[frame.index, people] = poses.scores
    switches = ((ids[:, 1:] != ids[:, :-1]) & (ids[:, 1:] >= 0) &
                (ids[:, :-1] >= 0)).sum(axis=(1, 2))
    return dict(gt=gt,
                v=vis,
                preds=preds,
                scores=scores,
                switches=switches.tolist())


def accuracy_rows(run: Dict, settings: Sequence[Optional[Dict]]) -> List:
    """One row a setting, then the ground truth's own jitter."""
    gt, labelled = run['gt'], run['v'] > 0
    scored = run['scores'] > KPT_THR
    rows = []
    for s, pred in enumerate(run['preds']):
        valid = labelled & np.isfinite(pred).all(-1)
        moving, _ = moving_error(pred, gt, valid)
        rows.append(
            dict(setting='raw' if settings[s] is None else 'one-euro',
                 **(settings[s] or {}),
                 error_px=keypoint_error(pred, gt, valid),
                 error_moving_px=moving,
                 jitter=jitter(pred, valid),
                 jitter_scored=jitter(pred, valid & scored),
                 lag_frames=lag_frames(np.where(valid[..., None], pred, gt),
                                       gt, valid),
                 id_switches=run['switches'][s]))
    rows.append(
        dict(setting='ground truth',
             error_px=0.,
             error_moving_px=0.,
             jitter=jitter(gt, labelled),
             jitter_scored=jitter(gt, labelled & scored),
             lag_frames=0.))
    return rows


def recommend(rows: List[Dict], max_lag: float) -> Optional[Dict]:
    """The smoothed row of lowest jitter whose error is at most
    :data:`MAX_ERROR_INCREASE` above the raw row's and whose lag is at most
    ``max_lag`` frames; None if none is."""
    raw = next(r for r in rows if r['setting'] == 'raw')
    most = (1 + MAX_ERROR_INCREASE) * raw['error_px']
    fit = [
        r for r in rows
        if r['setting'] == 'one-euro' and r.get('kpt_thr', KPT_THR) == KPT_THR
        and r['error_px'] <= most and r['lag_frames'] <= max_lag
    ]
    return min(fit, key=lambda r: r['jitter']) if fit else None


# ---------------------------------------------------------------- speed


def export_timing_detector(boxes: np.ndarray, image_size: Tuple[int, int],
                           path: str, body: str) -> str:
    """An end2end person detector whose boxes are constants and whose
    compute is RTMDet-tiny's (module docstring).

    Args:
        boxes: (M, 4) ``x1, y1, x2, y2`` image pixels: the ``dets`` (score
            0.9, label 0 = person), mapped to the 640x640 input as
            :func:`clpose.detector.letterbox` maps the image.
        image_size: ``(w, h)`` of the video's frames.
        path: the file to write.
        body: RTMDet-tiny's network as ONNX, exported here if missing.
    """
    import onnx
    from onnx import TensorProto, helper
    if not osp.exists(body):
        export_rtmdet_body(body)
    w, h = image_size
    _, (sx, sy) = letterbox(np.zeros((h, w, 3), np.uint8), (640, 640), 114)
    dets = np.hstack([np.asarray(boxes, np.float64) * [sx, sy, sx, sy],
                      np.full((len(boxes), 1), 0.9)])[None]  # (1, M, 5)
    model = onnx.load(body)
    graph = model.graph
    heads = [o.name for o in graph.output]
    nodes = [
        helper.make_node('ReduceMean', [name], [f'{name}_mean'], keepdims=0)
        for name in heads
    ] + [
        helper.make_node('Sum', [f'{n}_mean' for n in heads], ['heads']),
        helper.make_node('Mul', ['heads', 'zero'], ['nothing']),
        helper.make_node('Add', ['nothing', 'dets_c'], ['dets']),
        helper.make_node('Identity', ['labels_c'], ['labels']),
    ]
    graph.node.extend(nodes)
    graph.initializer.extend([
        helper.make_tensor('zero', TensorProto.FLOAT, [], [0.]),
        helper.make_tensor('dets_c', TensorProto.FLOAT, dets.shape,
                           dets.ravel().astype(np.float32)),
        helper.make_tensor('labels_c', TensorProto.INT64, dets.shape[:2],
                           [0] * dets.shape[1]),
    ])
    del graph.output[:]
    graph.output.extend([
        helper.make_tensor_value_info('dets', TensorProto.FLOAT,
                                      list(dets.shape)),
        helper.make_tensor_value_info('labels', TensorProto.INT64,
                                      list(dets.shape[:2])),
    ])
    helper.set_model_props(
        model, dict(det_mean=json.dumps(RTMDET_MEAN),
                    det_std=json.dumps(RTMDET_STD),
                    det_pad_value='114'))
    onnx.checker.check_model(model)
    with atomic_output(path) as tmp:  # a killed run leaves no half file
        onnx.save(model, tmp)
    return path


def export_rtmdet_body(path: str) -> None:
    """RTMDet-tiny from MMDetection's config, random weights (no download),
    BN for SyncBN: backbone, neck and head, input ``input`` (1, 3, 640,
    640), the head's class and box maps as outputs."""
    import torch
    from mmdet.registry import MODELS
    from mmengine.hub import get_config
    from mmengine.registry import init_default_scope
    init_default_scope('mmdet')
    cfg = get_config(RTMDET_CONFIG).model
    cfg.backbone.init_cfg = None  # ImageNet weights: a download
    for part in (cfg.backbone, cfg.neck, cfg.bbox_head):
        part.norm_cfg = dict(type='BN')
    torch.manual_seed(0)
    det = MODELS.build(cfg).eval()
    det.init_weights()

    class Body(torch.nn.Module):

        def __init__(self):
            super().__init__()
            self.det = det

        def forward(self, x):
            cls_scores, bbox_preds = self.det.bbox_head(
                self.det.extract_feat(x))
            return tuple(cls_scores) + tuple(bbox_preds)

    names = [f'{kind}{i}' for kind in ('cls', 'box') for i in range(3)]
    with torch.no_grad(), atomic_output(path) as tmp:
        torch.onnx.export(Body(), torch.zeros(1, 3, 640, 640), tmp,
                          input_names=['input'], output_names=names,
                          opset_version=17, dynamo=False)


def per_frame(fn, frames: Sequence[np.ndarray], warmup: int = 3) -> float:
    """Median seconds of ``fn(i)`` over the frame indices, after
    ``warmup`` calls."""
    for i in range(warmup):
        fn(i % len(frames))
    times = []
    for i in range(len(frames)):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt_share(share: Optional[float]) -> str:
    return 'an unknown share' if share is None else f'{share:.1%}'


class CostlyOracle(OracleDetector):
    """The ground-truth boxes of frame ``index`` (:class:`OracleDetector`)
    at a real detector's cost: each call runs ``det(image)`` in full (its
    letterbox, network and post-processing) and drops its boxes; ``calls``
    counts the calls."""

    def __init__(self, det: PersonDetector, frames: List[Dict]) -> None:
        super().__init__(frames)
        self.det, self.calls = det, 0

    def __call__(self, image: np.ndarray) -> np.ndarray:
        self.det(image)
        self.calls += 1
        return super().__call__(image)


def speed(folder: str, pose_path: str, det_path: str, runs: int,
          work_dir: str) -> List[Dict]:
    """The speed rows of one video (module docstring), ``--det-every`` 1
    and 5."""
    info, truth = read_video_truth(folder)
    video = osp.join(folder, VIDEO)
    with open_frames(video) as source:
        images = [f.image for f in source]
    boxes = [
        np.array([p['bbox'] for p in f['people']]).reshape(-1, 4)
        for f in truth
    ]
    pose, det = CLPose(pose_path), PersonDetector(det_path)
    got = det(images[0])
    if got.shape[0] != len(boxes[0]) or not np.allclose(
            got[:, :4], boxes[0], atol=0.05):
        raise RuntimeError(f"{det_path!r} gave {got}, not the first frame's "
                           f'boxes {boxes[0]}')
    sample = images[:30]
    common = dict(det_s=per_frame(lambda i: det(sample[i]), sample),
                  pose_s=per_frame(lambda i: pose(sample[i], boxes[i]),
                                   sample))
    json_out = osp.join(work_dir, 'speed.jsonl')
    rows = []
    for det_every in (1, 5):
        oracle = CostlyOracle(det, truth)
        tracker = PoseTracker(pose, oracle, det_every=det_every, smooth=True,
                              fps=info['fps'])
        people = []

        def step(image, t):
            oracle.index = len(people)  # run_frames: the frames in order
            poses = tracker(image, t)
            people.append(len(poses.track_ids))
            return poses

        for _ in range(3):  # warm-up
            tracker(images[0])
        fps = []
        for _ in range(runs):
            tracker.reset()
            people.clear()
            oracle.calls = 0
            with open_frames(video) as source:
                start = time.perf_counter()
                run_frames(source, step, pose.meta, None, json_out, KPT_THR)
                fps.append(len(people) / (time.perf_counter() - start))
        rows.append(
            dict(common,
                 det_every=det_every,
                 fps=statistics.median(fps),
                 fps_runs=fps,
                 people_per_frame=float(np.mean(people)),
                 det_runs_per_frame=oracle.calls / len(people)))
    # the CLI itself, with the constant boxes: as costly as a detector
    # when it runs every frame (with --det-every 5, the boxes would follow
    # people who have left the first frame's boxes)
    cli = [
        '-m', 'clpose', video, '--model', pose_path, '--det', det_path,
        '--smooth', '--json-out', json_out, '--overwrite'
    ]
    start = time.perf_counter()
    subprocess.run([sys.executable] + cli, check=True,
                   stderr=subprocess.DEVNULL)
    rows[0].update(cli_fps=len(images) / (time.perf_counter() - start),
                   cli_command=' '.join(['python'] + cli))
    return rows


# ---------------------------------------------------------------- report


def setting_name(row: Dict) -> str:
    if row['setting'] != 'one-euro':
        return row['setting']
    values = (row['min_cutoff'], row['beta'], row['d_cutoff'])
    default = {
        (DEFAULT_MIN_CUTOFF, DEFAULT_BETA, DEFAULT_D_CUTOFF): ' (default)',
        EARLIER_DEFAULTS: ' (earlier default)'
    }.get(values, '')
    every = row.get('kpt_thr', KPT_THR) != KPT_THR
    return (f'One-Euro {row["min_cutoff"]:g} Hz, beta {row["beta"]:g}, '
            f'd {row["d_cutoff"]:g} Hz' + default +
            (f', keypoints scoring > {row["kpt_thr"]:g} filtered'
             if every else ''))


def run_line(env: Dict) -> str:
    """The command and date of one part's run."""
    return f'`{env["command"]}`, {env["date"]}'


def accuracy_section(acc: Dict) -> List[str]:
    rec = acc['recommended']
    lines = [
        '## Accuracy, jitter and lag, raw and smoothed',
        '',
        f'{run_line(acc["environment"])}. Video `{acc["video"]}` (seed '
        f'{acc["seed"]}): {acc["frames"]} frames at {acc["fps"]:g} fps, '
        f'{acc["people"]} people, {acc["img_size"][0]}x'
        f'{acc["img_size"][1]}. Boxes: the ground truth\'s, every frame (an '
        "oracle detector), so that the detector's quality does not confound "
        "the filter's. Over labelled keypoints: error = mean |pred - gt| "
        '(px); jitter = mean |x_t - 2 x_(t-1) + x_(t-2)| (px/frame^2); lag '
        '= the least-squares delay d in pred_t ~ gt_t - d v_t (frames); '
        f'moving: the ground truth moves > {MOVING:g} px/frame '
        f'({acc["moving_share"]:.0%} of the keypoints). The filter updates '
        f'keypoints scoring > {acc["kpt_thr"]:g} '
        f'({acc["smoothed_share"]:.0%} of the labelled ones here).',
        '',
        '| setting | error px | error moving px | jitter px/frame^2 | '
        f'jitter, scored > {acc["kpt_thr"]:g} | lag frames (ms) | '
        'id switches |',
        '|---|---|---|---|---|---|---|',
    ]
    for r in acc['rows']:
        lines.append(f'| {setting_name(r)} | {r["error_px"]:.2f} | '
                     f'{r["error_moving_px"]:.2f} | {r["jitter"]:.3f} | '
                     f'{r["jitter_scored"]:.3f} | '
                     f'{r["lag_frames"]:.2f} '
                     f'({1000 * r["lag_frames"] / acc["fps"]:.0f}) | '
                     f'{r.get("id_switches", "")} |')
    return lines + [
        '',
        'Recommended (the lowest jitter among the settings whose error is '
        f'at most {MAX_ERROR_INCREASE:.0%} above the raw error and whose '
        f'lag is at most {MAX_LAG_S:g} s = '
        f'{acc["max_lag_frames"]:g} frames): ' +
        (setting_name(rec) if rec else 'none of them') + '.',
        '',
    ]


def speed_section(parts: Dict) -> List[str]:
    lines = [
        '## Frames per second end to end',
        '',
        "The detector's compute is real, its boxes are not: RTMDet-tiny "
        "(MMDetection's config, 640x640 input, random weights) in MMDeploy's "
        "end2end format whose boxes are constants (the first frame's ground "
        'truth). fps: the CLI\'s frame loop (video decoding, the detector '
        'run in full but its boxes replaced by the ground truth of the '
        "frame, so that --det-every 5 can follow the people; the pose "
        "model, tracking, smoothing with clpose's defaults, JSON Lines; no "
        'drawing), the median of the runs after a warm-up. CLI fps: one run '
        'of `python -m clpose VIDEO --model POSE.onnx --det DET.onnx '
        '--smooth --json-out F` with the constant boxes (as costly as a '
        'detector that runs every frame), start-up and model loading '
        'included. detector, pose: each alone, median ms a frame (the pose '
        "model on the ground-truth boxes). ONNX Runtime's default threads.",
        '',
        '| people | --det-every | fps | CLI fps | detector runs a frame | '
        'people a frame | detector ms | pose ms |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for key in sorted(parts, key=int):
        for r in parts[key]['rows']:
            cli = f'{r["cli_fps"]:.1f}' if 'cli_fps' in r else '-'
            lines.append(
                f'| {key} | {r["det_every"]} | {r["fps"]:.1f} | {cli} | '
                f'{r["det_runs_per_frame"]:.2f} | '
                f'{r["people_per_frame"]:.2f} | {1000 * r["det_s"]:.1f} | '
                f'{1000 * r["pose_s"]:.1f} |')
    lines.append('')
    for key in sorted(parts, key=int):
        part = parts[key]
        smooth = ', '.join(f'{k} {v:g}' for k, v in part['smooth'].items())
        who = '1 person' if key == '1' else f'{key} people'
        lines.append(f'- {who}: {run_line(part["environment"])}; '
                     f'video `{part["video"]}`, {part["frames"]} frames, '
                     f'{part["img_size"][0]}x{part["img_size"][1]}, '
                     f'{part["runs"]} runs; smoothing {smooth}; other '
                     'processes used '
                     f'{fmt_share(part.get("other_cpu_share"))} of the CPUs '
                     'meanwhile.')
    return lines + ['']


def markdown(content: Dict) -> str:
    parts = [content.get('accuracy')] + list(content.get('speed', {}).values())
    env = next(p['environment'] for p in parts if p)
    lines = [
        '# clpose on video: smoothing and speed',
        '',
        describe_environment(env),
        '',
        f'Pose model: `{content["pose_onnx"]}`' +
        (f', exported from `{content["checkpoint"]}`'
         if content.get('checkpoint') else '') + '.',
        '',
    ]
    if content.get('accuracy'):
        lines += accuracy_section(content['accuracy'])
    if content.get('speed'):
        lines += speed_section(content['speed'])
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('pose_onnx',
                        help="tools/deployment/export_onnx.py's file")
    parser.add_argument('--accuracy-video',
                        help='a generate_synthetic_video.py folder')
    parser.add_argument('--speed-videos', nargs='+', default=[],
                        help='generate_synthetic_video.py folders')
    parser.add_argument('--checkpoint',
                        help='the checkpoint the ONNX came from (recorded)')
    parser.add_argument('--settings', nargs='+', type=parse_setting,
                        default=[parse_setting(s) for s in SETTINGS],
                        metavar='MIN_CUTOFF,BETA,D_CUTOFF[,KPT_THR]')
    parser.add_argument('--runs', type=at_least(1), default=3)
    parser.add_argument('--update', action='store_true',
                        help="keep the parts of an existing <out>.json that "
                        'this run does not measure (the accuracy, the speed '
                        'of a number of people); each part states its own '
                        'command')
    parser.add_argument('--work-dir', default='work_dirs/video_smoothing',
                        help='the exported detectors')
    parser.add_argument('--out', default=osp.join(RESULTS,
                                                  'video_smoothing'))
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing report (--update keeps '
                        'its other parts instead)')
    args = parser.parse_args(argv)
    if args.accuracy_video is None and not args.speed_videos:
        parser.error('nothing to measure: give --accuracy-video and/or '
                     '--speed-videos')
    if not (args.update or args.overwrite):
        refuse_existing_report(
            parser, args.out,
            'pass --update to add to it or --overwrite to replace it')
    return args


def previous_parts(args: argparse.Namespace) -> Dict:
    """What ``--update`` keeps: an existing report's parts, if it is of the
    same pose model."""
    path = f'{args.out}.json'
    if not (args.update and osp.exists(path)):
        return {}
    with open(path) as f:
        content = json.load(f)
    if content.get('pose_onnx') != args.pose_onnx:
        sys.exit(f'error: --update: {path!r} measured '
                 f'{content.get("pose_onnx")!r}, not {args.pose_onnx!r}')
    return content


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    env = environment(__file__, argv)
    content = previous_parts(args)
    content['pose_onnx'] = args.pose_onnx
    if args.checkpoint is not None or 'checkpoint' not in content:
        content['checkpoint'] = args.checkpoint  # --update keeps the old
    if args.accuracy_video:
        settings = [None] + list(args.settings)
        info, _ = read_video_truth(args.accuracy_video)
        run = track_video(args.accuracy_video, CLPose(args.pose_onnx),
                          settings)
        rows = accuracy_rows(run, settings)
        labelled = run['v'] > 0
        content['accuracy'] = dict(
            environment=env,
            video=args.accuracy_video,
            frames=info['frames'],
            fps=info['fps'],
            people=info['people'],
            img_size=info['img_size'],
            seed=info['seed'],
            kpt_thr=KPT_THR,
            smoothed_share=float((run['scores'] > KPT_THR)[labelled].mean()),
            moving_share=moving_error(run['gt'], run['gt'], labelled)[1],
            moving_px_per_frame=MOVING,
            max_lag_frames=MAX_LAG_S * info['fps'],
            max_error_increase=MAX_ERROR_INCREASE,
            rows=rows,
            recommended=recommend(rows, MAX_LAG_S * info['fps']))
    body = osp.join(args.work_dir, 'rtmdet_tiny_body.onnx')
    for folder in args.speed_videos:
        info, truth = read_video_truth(folder)
        det = export_timing_detector(
            np.array([p['bbox'] for p in truth[0]['people']]),
            info['img_size'],
            osp.join(args.work_dir, f'det_{info["people"]}p.onnx'), body)
        before = cpu_seconds()
        rows = speed(folder, args.pose_onnx, det, args.runs, args.work_dir)
        content.setdefault('speed', {})[str(info['people'])] = dict(
            environment=env,
            other_cpu_share=other_share(before, cpu_seconds()),
            video=folder,
            frames=info['frames'],
            img_size=info['img_size'],
            runs=args.runs,
            detector=RTMDET_CONFIG,
            smooth=dict(min_cutoff=DEFAULT_MIN_CUTOFF,
                        beta=DEFAULT_BETA,
                        d_cutoff=DEFAULT_D_CUTOFF),
            rows=rows)
    save_report(args.out, markdown(content), content)
    print(f'written {args.out}.md and .json')


if __name__ == '__main__':
    main()
