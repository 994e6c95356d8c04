# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Held-out AP of pose models trained from scratch for equal minutes.

Trains pose models with the same wall-clock budget on a COCO-format dataset
and reports held-out COCO AP and PCK@0.05 against the training minutes.

    python -m benchmarks.generate_synthetic_poses data/synthetic_pose
    python -m benchmarks.learning_comparison data/synthetic_pose \\
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
import time
from typing import Callable, Dict, List, Optional

import torch
from clpose.files import atomic_output
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmpose_cl  # noqa: F401  (registers CLNet)
from benchmarks.lib.comparison import comparison_config, describe_optimizer
from benchmarks.lib.report import (REPO, describe_environment, environment,
                                   save_report)
from benchmarks.lib.specs import model_spec
from benchmarks.lib.timing import clock, cpu_ticks, stolen_share
from mmpose_cl.utils import (at_least, model_complexity,
                             refuse_to_overwrite_checkpoints)

MODELS = [
    f'CLNet-R50={osp.join(REPO, "configs", "clnet_r50_coco_256x192.py")}',
    'SimpleBaseline-R50=mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
]
WARMUP = 0.05  # fraction of the budget's time
START_FACTOR = 0.001  # lr at the start of the warm-up, times --lr
END_FACTOR = 0.05  # lr at the end of the budget, times --lr
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
        pause_file (str, optional): While this file exists, training waits
            before its next iteration, and the wait is not counted (as the
            validations are not): other work can run on a shared machine
            without taking the budget's time. Defaults to None.
        clock (callable): Seconds. Defaults to :func:`benchmarks.lib.timing.clock` (the
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
                 pause_file: Optional[str] = None,
                 clock: Callable[[], float] = clock) -> None:
        self.budget = minutes * 60
        self.val_every = val_minutes * 60
        self.lr = lr
        self.clock = clock
        self.pause_file = pause_file
        self.paused_minutes = 0.  # waits for the pause file
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
        if self.pause_file and osp.exists(self.pause_file):
            start = self.clock()
            while osp.exists(self.pause_file):
                time.sleep(1)
            waited = self.clock() - start
            self._paused += waited
            self.paused_minutes += waited / 60
        lr = self.lr * lr_factor(self.elapsed() / self.budget)
        for group in runner.optim_wrapper.param_groups:
            group['lr'] = lr
        self._at['lr'] = lr

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        for key, value in (outputs or {}).items():
            value = value.item() if torch.is_tensor(value) else float(value)
            self._sums[key] = self._sums.get(key, 0.) + value
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
            paused_minutes=self.paused_minutes,
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
        '(benchmarks/generate_synthetic_poses.py)')
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
    parser.add_argument('--pause-file', metavar='PATH',
                        help='while this file exists, training waits before '
                        'its next iteration, outside the budget (to run '
                        'other work on a shared machine in between)')
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
                         'benchmarks/generate_synthetic_poses.py')
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
