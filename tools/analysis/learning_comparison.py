# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Held-out AP of pose models trained from scratch for equal minutes.

Trains pose models with the same wall-clock budget on a COCO-format dataset
and reports held-out COCO AP and PCK@0.05 against the training minutes.

    python tools/misc/generate_synthetic_poses.py data/synthetic_pose
    python tools/analysis/learning_comparison.py data/synthetic_pose \\
        [--models NAME=CONFIG[:KEY=VALUE,...] ...] [--minutes 20] \\
        [--val-minutes 2] [--input-size 192 256] [--batch-size 32] \\
        [--lr 1e-3] [--own-optimizer NAME ...] [--workers 2] [--seed 0] \\
        [--amp] [--overwrite] \\
        [--work-dir work_dirs/learning_comparison] [--out REPORT]

``--models`` takes our configs and MMPose's (``mmpose::...``), with
``--cfg-options``-style changes after a colon, e.g.
``SimpleBaseline-R18=mmpose::body_2d_keypoint/topdown_heatmap/coco/
td-hm_res50_8xb64-210e_coco-256x192.py:model.backbone.depth=18,
model.head.in_channels=512``. Default: CLNet-R50 and SimpleBaseline-R50.

What each model keeps from its config: its backbone, head, loss, codec and
data preprocessor. Everything else is replaced by the same settings for all:
random initialisation (no pretrained weights), crops of ``--input-size``
(every size in the config rewritten to it: codec, heatmap and feature-map
sizes, pipelines), the data and augmentation (flip, half body, scale and
rotation; only the target encoding is the model's own codec), batch, Adam
with ``--lr`` (or, for the models named by ``--own-optimizer``, their own
optimizer with its lr scaled to the batch), the schedule, the seed, the hooks (a model's own EMA or
pipeline switch is dropped), flip test, and the evaluation on the val split
with ground-truth boxes: MMPose's ``CocoMetric`` (COCO AP) and
``PCKAccuracy(thr=0.05, norm_item='bbox')``.

The budget is ``--minutes`` of training time per model: the wall time of the
training iterations, data loading included, validation excluded (the GPU
synchronised at each reading). The learning rate follows that time, not the
iterations: a linear warm-up over the first 5% of the budget, then a cosine
decay to 5% of ``--lr`` at its end, so a slower model gets the same schedule
in fewer steps. The models are validated every ``--val-minutes`` of training
time and when the budget is spent, each time with the machine's load average
(``os.getloadavg()``), which shows whether something else ran during a
model's budget, and, on Linux, the share of CPU time the hypervisor gave to
other guests since the model began (``steal`` of ``/proc/stat``): on a
virtual machine a model can get fewer iterations with nothing else running
on it.

The models train one after the other in this process, each in
``<work-dir>/<name>/`` (MMEngine's logs and config, and the final checkpoint
``iter_<N>.pth``, which stays there). After each model its curve is saved to
``<out>.json``; at the end ``<out>.md`` and ``<out>.png`` (default
``<work-dir>/learning_comparison.*``) give the command, the machine, the
versions, the settings and each model's curve.
"""
import argparse
import gc
import json
import math
import os
import os.path as osp
import sys
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmpose_cl  # noqa: F401  (registers CLNet)

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from tool_utils import (REPO, at_least, atomic_output, clock,  # noqa: E402
                        describe_environment, drop_pretrained, environment,
                        for_each_dict, load_config, model_complexity,
                        model_spec, refuse_to_overwrite_checkpoints,
                        save_report)

MODELS = [
    f'CLNet-R50={osp.join(REPO, "configs", "clnet_r50_coco_256x192.py")}',
    'SimpleBaseline-R50=mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
]
WARMUP = 0.05  # fraction of the budget's time
START_FACTOR = 0.001  # lr at the start of the warm-up, times --lr
END_FACTOR = 0.05  # lr at the end of the budget, times --lr
SIZE_KEYS = ('heatmap_size', 'in_featuremap_size')  # input_size / a stride
# training values shown in the report, means since the previous validation
# (a model that does not log one shows '-')
TRAIN_KEYS = ('loss', 'loss_heatmap', 'loss_offset', 'pred_cells')


def lr_factor(fraction: float) -> float:
    """The learning rate over ``--lr`` after ``fraction`` (0 to 1) of the
    training time: linear from ``START_FACTOR`` to 1 over the first
    ``WARMUP``, then a cosine from 1 to ``END_FACTOR``."""
    fraction = min(max(fraction, 0.), 1.)
    if fraction < WARMUP:
        return START_FACTOR + (1 - START_FACTOR) * fraction / WARMUP
    done = (fraction - WARMUP) / (1 - WARMUP)
    return END_FACTOR + (1 - END_FACTOR) * (1 + math.cos(math.pi * done)) / 2


class TimeBudgetHook(Hook):
    """Train for ``minutes`` of training time, with the learning rate set
    from the time spent before every iteration, a validation every
    ``val_minutes`` and one when the budget is spent, then stop and save the
    weights.

    Training time runs from ``before_train`` and excludes the validations.
    The training loop must not validate by itself (``val_interval`` beyond
    its ``max_iters``) and must run until this hook sets
    ``train_loop.stop_training``. Priority ``VERY_LOW``: the validation runs
    after the other hooks are done with the iteration.

    Args:
        minutes (float): The budget of training time.
        val_minutes (float): Training time between two validations.
        lr (float): The peak learning rate (see :func:`lr_factor`).
        clock (callable): Seconds. Defaults to ``tool_utils.clock`` (the
            GPU synchronised at each reading).

    Attributes:
        points (list[dict]): One per validation: ``iter`` (iterations done),
            ``train_minutes``, ``lr``, ``load_average`` (1, 5, 15 minutes),
            ``cpu_steal`` (:func:`stolen_share` since training began),
            ``train`` (the mean of each logged training value, such as
            ``loss_heatmap``, ``loss_offset`` or ``pred_cells``, over the
            iterations since the last validation) and the metrics.
        checkpoint (str): The saved weights, after training: relative to
            the current folder when under it (a report then names no path
            of this machine), else absolute.
    """

    priority = 'VERY_LOW'

    def __init__(self, minutes: float, val_minutes: float, lr: float,
                 clock: Callable[[], float] = clock) -> None:
        self.budget = minutes * 60
        self.val_every = val_minutes * 60
        self.lr = lr
        self.clock = clock
        self.points: List[Dict] = []
        self.checkpoint = None
        self._start = self._paused = 0.
        self._next_val = self.val_every
        self._at = dict(seconds=0., iter=0, lr=0.)  # of the last iteration
        self._sums: Dict[str, float] = {}  # training values since last val
        self._n = 0

    def elapsed(self) -> float:
        """Seconds of training so far."""
        return self.clock() - self._start - self._paused

    def before_train(self, runner) -> None:
        self._start = self.clock()
        self._ticks = cpu_ticks()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        lr = self.lr * lr_factor(self.elapsed() / self.budget)
        for group in runner.optim_wrapper.param_groups:
            group['lr'] = lr
        self._at['lr'] = lr

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        for key, value in (outputs or {}).items():
            self._sums[key] = self._sums.get(key, 0.) + float(value)
        self._n += 1
        seconds = self.elapsed()
        if seconds < min(self.budget, self._next_val):
            return
        if seconds >= self.budget:
            runner.train_loop.stop_training = True
        while self._next_val <= seconds:
            self._next_val += self.val_every
        self._at.update(seconds=seconds, iter=runner.iter + 1)
        paused = self.clock()
        runner.val_loop.run()
        self._paused += self.clock() - paused

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.points.append(dict(
            iter=self._at['iter'], train_minutes=self._at['seconds'] / 60,
            lr=self._at['lr'], load_average=list(os.getloadavg()),
            cpu_steal=stolen_share(self._ticks, cpu_ticks()),
            train={k: v / max(self._n, 1) for k, v in self._sums.items()},
            **{k: float(v) for k, v in (metrics or {}).items()}))
        self._sums, self._n = {}, 0

    def after_train(self, runner) -> None:
        name = f'iter_{runner.iter}.pth'
        runner.save_checkpoint(runner.work_dir, name, save_optimizer=False,
                               save_param_scheduler=False)
        path = osp.abspath(osp.join(runner.work_dir, name))
        here = osp.relpath(path)
        self.checkpoint = path if here.startswith(os.pardir) else here


def cpu_ticks(path: str = '/proc/stat') -> Optional[Tuple[int, int]]:
    """(stolen, total) CPU ticks of the machine since it booted, from the
    first line of Linux's ``/proc/stat`` (user nice system idle iowait irq
    softirq steal ...; guests are counted in user), or None where there is
    no such file."""
    try:
        with open(path) as f:
            ticks = [int(v) for v in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    return (ticks[7] if len(ticks) > 7 else 0), sum(ticks)


def stolen_share(start: Optional[Tuple[int, int]],
                 now: Optional[Tuple[int, int]]) -> Optional[float]:
    """The share of CPU time stolen between two :func:`cpu_ticks`
    readings, or None without them."""
    if start is None or now is None or now[1] <= start[1]:
        return None
    return (now[0] - start[0]) / (now[1] - start[1])


def resize(cfg: Config, name: str, input_size: Sequence[int]) -> None:
    """Rewrite a config in place for crops of ``input_size`` ``(w, h)``:
    every ``input_size`` (codecs, heads such as ``RTMCCHead``,
    ``TopdownAffine``) and every size that is the input over a stride
    (``heatmap_size`` of heatmap codecs, ``in_featuremap_size`` of
    ``RTMCCHead``) at the same stride.

    Raises:
        ValueError: naming the model, when a stride (a ``stride`` field, or
            one implied by a map size) does not divide ``input_size``.
    """
    w, h = input_size

    def fix(d: dict) -> None:
        if 'input_size' not in d:
            return
        old_w, old_h = d['input_size']
        checks = []  # (description, stride x, stride y, size key)
        if isinstance(d.get('stride'), int):
            checks.append((f'stride {d["stride"]} px', d['stride'],
                           d['stride'], None))
        for key in SIZE_KEYS:
            if key in d:
                sx, sy = old_w / d[key][0], old_h / d[key][1]
                checks.append((f'{key} {tuple(d[key])} (a stride of '
                               f'{sx:g}x{sy:g} px)', sx, sy, key))
        for what, sx, sy, key in checks:
            if (w / sx) % 1 or (h / sy) % 1:
                raise ValueError(
                    f'--models {name}: cannot train at {w}x{h}: the '
                    f'{d.get("type")}\'s {what} does not divide {w}x{h}')
            if key is not None:
                d[key] = (int(w / sx), int(h / sy))
        d['input_size'] = (w, h)

    for key in list(cfg.keys()):
        for_each_dict(cfg[key], fix)


def comparison_config(name: str, config: str, options: dict,
                      args: argparse.Namespace) -> Config:
    """A model's own config with everything but the model and its codec
    replaced by the comparison's shared settings."""
    try:
        cfg = load_config(config, options)
    except FileNotFoundError as e:
        raise FileNotFoundError(f'--models {name}: {e}') from None
    if 'codec' not in cfg:
        raise ValueError(f'--models {name}: {config} defines no `codec`, '
                         'so its target encoding is unknown')
    drop_pretrained(cfg.model)  # from scratch, like the others
    resize(cfg, name, args.input_size)
    cfg.model.setdefault('test_cfg', {})['flip_test'] = True
    codec = cfg.codec
    root = osp.abspath(args.data_root)

    def loader(split, pipeline):
        train = split == 'train'
        return dict(
            batch_size=args.batch_size, num_workers=args.workers,
            persistent_workers=args.workers > 0,
            pin_memory=torch.cuda.is_available(), drop_last=False,
            # endless: MMEngine's iteration loop sleeps 2 s at an epoch end
            sampler=dict(type='InfiniteSampler', shuffle=True) if train else
            dict(type='DefaultSampler', shuffle=False, round_up=False),
            dataset=dict(
                type='CocoDataset', data_root=root, data_mode='topdown',
                ann_file=f'annotations/person_keypoints_{split}.json',
                data_prefix=dict(img=f'{split}/'), test_mode=not train,
                pipeline=pipeline))

    load = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale')]
    affine = dict(type='TopdownAffine', input_size=codec['input_size'])
    cfg.train_dataloader = loader('train', load + [
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform'), affine,
        dict(type='GenerateTarget', encoder=codec),  # the model's own codec
        dict(type='PackPoseInputs')
    ])
    cfg.val_dataloader = loader('val', load + [affine,
                                               dict(type='PackPoseInputs')])
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = [
        dict(type='CocoMetric', ann_file=osp.join(
            root, 'annotations', 'person_keypoints_val.json')),
        dict(type='PCKAccuracy', thr=0.05, norm_item='bbox'),
    ]
    cfg.test_evaluator = cfg.val_evaluator
    # TimeBudgetHook validates and stops long before these (10^7: small
    # enough for the ETA that MMEngine's logger prints in a C int of seconds)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=10**7,
                         val_interval=10**7)
    cfg.val_cfg = dict()
    cfg.test_cfg = dict()
    optimizer, paramwise = own_optimizer(cfg, args) \
        if name in args.own_optimizer else (dict(type='Adam', lr=args.lr), None)
    cfg.time_budget = dict(minutes=args.minutes, val_minutes=args.val_minutes,
                           lr=optimizer['lr'])
    cfg.optim_wrapper = dict(
        type='AmpOptimWrapper' if args.amp else 'OptimWrapper',
        optimizer=optimizer)
    if paramwise:
        cfg.optim_wrapper['paramwise_cfg'] = paramwise
    cfg.param_scheduler = None  # TimeBudgetHook sets the lr
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=args.batch_size)
    cfg.custom_hooks = [dict(type='NonFiniteLossHook')]
    cfg.default_hooks = dict(
        timer=dict(type='IterTimerHook'),
        logger=dict(type='LoggerHook', interval=50),
        param_scheduler=dict(type='ParamSchedulerHook'),
        checkpoint=None,  # TimeBudgetHook saves the final weights
        sampler_seed=dict(type='DistSamplerSeedHook'),
        visualization=dict(type='PoseVisualizationHook', enable=False))
    cfg.log_processor = dict(type='LogProcessor', window_size=50,
                             by_epoch=False)
    cfg.randomness = dict(seed=args.seed)
    cfg.env_cfg = dict(cudnn_benchmark=True,
                       mp_cfg=dict(mp_start_method='fork',
                                   opencv_num_threads=0),
                       dist_cfg=dict(backend='nccl'))
    cfg.launcher = 'none'
    cfg.resume = False
    cfg.load_from = None
    cfg.work_dir = osp.join(osp.abspath(args.work_dir), name)
    return cfg


def own_optimizer(cfg: Config, args) -> Tuple[dict, Optional[dict]]:
    """A model's own optimizer (type, weight decay, ``paramwise_cfg``) with
    its learning rate scaled linearly from the config's
    ``auto_scale_lr.base_batch_size`` to ``--batch-size`` (unscaled when the
    config has none). The time-based schedule still shapes it."""
    wrapper = cfg.get('optim_wrapper') or {}
    optimizer = dict(wrapper.get('optimizer') or {})
    if 'type' not in optimizer or 'lr' not in optimizer:
        raise ValueError(f'--own-optimizer: {cfg.filename} has no '
                         'optim_wrapper.optimizer with a type and an lr')
    base = (cfg.get('auto_scale_lr') or {}).get('base_batch_size')
    if base:
        optimizer['lr'] = optimizer['lr'] * args.batch_size / base
    return optimizer, wrapper.get('paramwise_cfg')


def describe_optimizer(optimizer: dict) -> str:
    """``AdamW lr 1.25e-04, weight_decay 0``: the type, then its fields."""
    rest = ', '.join(f'{k} {v:g}' if isinstance(v, float) else f'{k} {v}'
                     for k, v in optimizer.items() if k not in ('type', 'lr'))
    return f'{optimizer["type"]} lr {optimizer["lr"]:.3g}' + (
        f', {rest}' if rest else '')


def train(cfg: Config) -> Dict:
    """Train one model for its budget; its learning curve, size and final
    checkpoint."""
    runner = Runner.from_cfg(cfg)
    budget = TimeBudgetHook(**cfg.time_budget)
    runner.register_hook(budget)
    runner.train()
    iters = runner.iter
    del runner
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    size = model_complexity(cfg, cfg.codec['input_size'])
    return dict(params=size['params'], flops=size['flops'], iters=iters,
                optimizer=describe_optimizer(cfg.optim_wrapper.optimizer),
                train_minutes=budget.points[-1]['train_minutes'],
                checkpoint=budget.checkpoint, curve=budget.points)


def count(ann_file: str) -> Dict:
    with open(ann_file) as f:
        coco = json.load(f)
    return dict(images=len(coco['images']),
                people=sum(a['num_keypoints'] > 0
                           for a in coco['annotations']))


def report(results: Dict, args, env: Dict) -> str:
    """The Markdown report: settings, one row per model, each curve."""
    data = {s: count(osp.join(args.data_root, 'annotations',
                              f'person_keypoints_{s}.json'))
            for s in ('train', 'val')}
    w, h = args.input_size
    lines = [
        f'# Learning from scratch: {" vs ".join(results)}', '',
        describe_environment(env), '',
        f'Data: `{args.data_root}`, {data["train"]["images"]} training '
        f'images ({data["train"]["people"]} people), {data["val"]["images"]} '
        f'held-out val images ({data["val"]["people"]} people), crops of '
        f'{w}x{h}. The same for every model: {args.minutes:g} minutes of '
        'training time (validation excluded), batch '
        f'{args.batch_size}, Adam lr {args.lr:g} (or, where the table says '
        'so, the model\'s own optimizer with its lr scaled to the batch: '
        '`--own-optimizer`) set from the training time '
        f'(linear warm-up from {START_FACTOR:g}x over the first {WARMUP:.0%} '
        f'of the budget, then a cosine to {END_FACTOR:g}x at its end), '
        f'{"AMP (fp16)" if args.amp else "fp32"}, random initialisation, the '
        f'same augmentation, seed {args.seed}, flip test. Validation every '
        f'{args.val_minutes:g} training minutes and at the end, on the val '
        'split with ground-truth boxes: COCO AP (MMPose\'s CocoMetric) and '
        'PCK@0.05 (PCKAccuracy, bbox-normalised). Load average: the '
        '1-minute load average of the machine at the validations (its '
        f'{env["cpus"]} CPUs fully busy = {env["cpus"]}). CPU stolen: the '
        'share of CPU time the hypervisor gave to other guests while the '
        'model trained and validated (Linux `/proc/stat`).', '',
        f'| model | optimizer | params | GFLOPs at {w}x{h} | iterations | '
        'training minutes | final AP | AR .5 | AR .75 | best AP | final '
        'PCK@0.05 | mean load average | CPU stolen | seed |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for name, r in results.items():
        curve = r['curve']
        loads = [p['load_average'][0] for p in curve]
        last = curve[-1]
        lines.append(
            f'| {name} | {r.get("optimizer", "-")} | {r["params"] / 1e6:.2f}M'
            f' | {r["flops"] / 1e9:.2f} | {r["iters"]} | '
            f'{r["train_minutes"]:.2f} | {last["coco/AP"]:.3f} | '
            f'{last.get("coco/AR .5", float("nan")):.3f} | '
            f'{last.get("coco/AR .75", float("nan")):.3f} | '
            f'{max(p["coco/AP"] for p in curve):.3f} | '
            f'{last["PCK"]:.3f} | {sum(loads) / len(loads):.2f} | '
            f'{percent(last.get("cpu_steal"))} | {r["seed"]} |')
    for name, r in results.items():
        options = f' with `{r["options"]}`' if r['options'] else ''
        lines += ['', f'## {name}', '',
                  f'`{r["config"]}`{options}; final checkpoint '
                  f'`{r["checkpoint"]}`.', '',
                  '| training minutes | iteration | lr | AP | PCK@0.05 | '
                  'load average | ' + ' | '.join(TRAIN_KEYS) + ' |',
                  '|---|---|---|---|---|---|' + '---|' * len(TRAIN_KEYS)]
        for p in r['curve']:
            train = p.get('train', {})
            lines.append(
                f'| {p["train_minutes"]:.2f} | {p["iter"]} | {p["lr"]:.2e} | '
                f'{p["coco/AP"]:.3f} | {p["PCK"]:.3f} | '
                f'{p["load_average"][0]:.2f} | ' + ' | '.join(
                    f'{train[k]:.4g}' if k in train else '-'
                    for k in TRAIN_KEYS) + ' |')
    return '\n'.join(lines) + '\n'


def percent(share: Optional[float]) -> str:
    return '-' if share is None else f'{share:.1%}'


def plot(results: Dict, path: str) -> None:
    """AP and PCK@0.05 against training minutes, one line per model."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in zip(axes, ('coco/AP', 'PCK'),
                              ('val COCO AP', 'val PCK@0.05')):
        for name, r in results.items():
            ax.plot([p['train_minutes'] for p in r['curve']],
                    [p[key] for p in r['curve']], marker='o', label=name)
        ax.set_xlabel('training minutes')
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=120)
    plt.close(fig)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'data_root', help='COCO-format dataset with annotations/'
        'person_keypoints_{train,val}.json and train/, val/ '
        '(tools/misc/generate_synthetic_poses.py)')
    parser.add_argument('--models', type=model_spec, nargs='+',
                        default=[model_spec(m) for m in MODELS],
                        metavar='NAME=CONFIG[:KEY=VALUE,...]',
                        help='the models (default: CLNet-R50 and '
                        'SimpleBaseline-R50)')
    parser.add_argument('--minutes', type=at_least(0.01, float), default=20.,
                        help='training time per model (default: %(default)s)')
    parser.add_argument('--val-minutes', type=at_least(0.01, float),
                        help='training time between validations (default: '
                        'a tenth of --minutes)')
    parser.add_argument('--input-size', type=at_least(1), nargs=2,
                        default=[192, 256], metavar=('W', 'H'),
                        help='the crops every model trains and is evaluated '
                        'on (default: 192 256)')
    parser.add_argument('--batch-size', type=at_least(1), default=32,
                        help='(default: %(default)s)')
    parser.add_argument('--lr', type=at_least(0., float), default=1e-3,
                        help='Adam\'s peak learning rate (default: '
                        '%(default)s)')
    parser.add_argument('--workers', type=at_least(0),
                        default=min(8, os.cpu_count() or 1),
                        help='data loader workers (default: %(default)s)')
    parser.add_argument('--seed', type=at_least(0), default=0,
                        help='(default: %(default)s)')
    parser.add_argument('--own-optimizer', nargs='+', default=[],
                        metavar='NAME',
                        help='models that train with their config\'s own '
                        'optimizer (type, weight decay, paramwise_cfg), its '
                        'lr scaled linearly from auto_scale_lr.base_batch_size'
                        ' to --batch-size, instead of Adam at --lr')
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (fp16, needs a GPU)')
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'learning_comparison'))
    parser.add_argument('--out', help='report path without extension '
                        '(default: <work-dir>/learning_comparison)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the checkpoints of an earlier run')
    args = parser.parse_args(argv)
    names = [name for name, _, _ in args.models]
    if len(set(names)) < len(names):
        parser.error(f'--models: each NAME once, got {names}')
    unknown = sorted(set(args.own_optimizer) - set(names))
    if unknown:
        parser.error(f'--own-optimizer: {unknown} not among --models '
                     f'{names}')
    if not args.lr > 0:
        parser.error(f'--lr must be > 0, got {args.lr}')
    if args.amp and not torch.cuda.is_available():
        parser.error('--amp needs a GPU (MMEngine\'s AmpOptimWrapper)')
    for split in ('train', 'val'):
        ann = osp.join(args.data_root, 'annotations',
                       f'person_keypoints_{split}.json')
        if not osp.isfile(ann):
            parser.error(f'{ann} not found: make the dataset with '
                         'tools/misc/generate_synthetic_poses.py')
    args.val_minutes = args.val_minutes or args.minutes / 10
    args.out = args.out or osp.join(args.work_dir, 'learning_comparison')
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    env = environment(__file__, argv)
    # every config is built, and every work dir checked, before training
    cfgs = {name: comparison_config(name, config, options, args)
            for name, config, options in args.models}
    for cfg in cfgs.values():
        refuse_to_overwrite_checkpoints(cfg, args.overwrite)
    results = {}
    for name, config, options in args.models:
        results[name] = dict(config=config, options=options, seed=args.seed,
                             **train(cfgs[name]))
        # after each model: a later crash keeps the finished curves
        save_report(args.out, content=dict(
            environment=env, settings=vars(args), results=results))
    text = report(results, args, env)
    print(text)
    save_report(args.out, text + '\n![val AP and PCK@0.05 against training '
                f'minutes]({osp.basename(args.out)}.png)\n')
    plot(results, f'{args.out}.png')
    print(f'written to {args.out}.md, .json and .png')


if __name__ == '__main__':
    main()
