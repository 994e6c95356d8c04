# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Train CLNet-R50 and MMPose's SimpleBaseline-R50 from scratch with the same
budget on a COCO-format dataset and report val AP against training time.

    python tools/misc/generate_synthetic_poses.py data/synthetic_pose
    python tools/analysis/learning_comparison.py data/synthetic_pose \\
        [--epochs 30] [--batch-size 64] [--lr 1e-3] [--workers 8] \\
        [--val-interval 1] [--amp] [--overwrite] \\
        [--work-dir work_dirs/learning_comparison] \\
        [--out docs/learning_comparison]

Both models start from their own configs (``configs/clnet_r50_coco_256x192.py``
and MMPose's ``td-hm_res50_8xb64-210e_coco-256x192.py``) with everything that
makes the budget replaced by the same settings: random initialisation (no
ImageNet weights), the same augmentation pipeline (flip, half body, scale and
rotation; only the target encoding is each model's own codec), data, batch,
loaders, Adam with the same lr, warm-up and steps, epochs, seed, hooks and
evaluation (MMPose's ``CocoMetric`` on the val split, ground-truth boxes).
The models train one after the other in this process, each in
``<work-dir>/<model>/`` (MMEngine's logs, config and last checkpoint).

Training time is the wall time of the training epochs alone (validation and
checkpoint saving excluded, the GPU synchronised at each epoch's ends): on one
GPU, GPU-minutes. The report, ``<out>.md`` (default
``<work-dir>/learning_comparison.md``), ``.json`` and ``.png``, gives AP after
every validation against those minutes, for both models.
"""
import argparse
import gc
import json
import os
import os.path as osp
import platform
import sys
import time
from typing import Dict, List

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmpose_cl  # noqa: F401  (registers CLNet)
from mmpose_cl.utils.cli import at_least
from mmpose_cl.utils.config_walk import drop_pretrained, load_config
from mmpose_cl.utils.runtime import refuse_to_overwrite_checkpoints

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS = {
    'CLNet-R50': osp.join(REPO, 'configs', 'clnet_r50_coco_256x192.py'),
    'SimpleBaseline-R50': 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
}
WARMUP_ITERS = 500


class LearningCurveHook(Hook):
    """Sum the wall time of the training epochs and record it with the
    metrics of every validation. Priority ``VERY_HIGH``: the clock starts
    before and stops after the other hooks' epoch work, but before the
    checkpoint is saved (``CheckpointHook`` is ``VERY_LOW``)."""

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self.train_seconds = 0.
        self.points: List[Dict] = []
        self._start = None

    @staticmethod
    def _now() -> float:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        return time.perf_counter()

    def before_train_epoch(self, runner) -> None:
        self._start = self._now()

    def after_train_epoch(self, runner) -> None:
        self.train_seconds += self._now() - self._start

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.points.append(dict(
            epoch=runner.epoch, iter=runner.iter,
            train_minutes=self.train_seconds / 60,
            **{k: float(v) for k, v in (metrics or {}).items()}))


def comparison_config(name: str, args) -> Config:
    """The model's own config with the shared budget put in."""
    cfg = load_config(MODELS[name])
    drop_pretrained(cfg.model)  # from scratch, like the other model
    codec = cfg.codec
    root = osp.abspath(args.data_root)

    def dataset(split, pipeline):
        return dict(
            type='CocoDataset', data_root=root, data_mode='topdown',
            ann_file=f'annotations/person_keypoints_{split}.json',
            data_prefix=dict(img=f'{split}/'), test_mode=split != 'train',
            pipeline=pipeline)

    def loader(split, pipeline):
        shuffle = split == 'train'
        return dict(
            batch_size=args.batch_size, num_workers=args.workers,
            persistent_workers=args.workers > 0,
            pin_memory=torch.cuda.is_available(), drop_last=False,
            sampler=dict(type='DefaultSampler', shuffle=shuffle,
                         **({} if shuffle else dict(round_up=False))),
            dataset=dataset(split, pipeline))

    load = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale')]
    affine = dict(type='TopdownAffine', input_size=codec['input_size'])
    train_pipeline = load + [
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform'), affine,
        dict(type='GenerateTarget', encoder=codec),  # the model's own codec
        dict(type='PackPoseInputs')
    ]
    val_pipeline = load + [affine, dict(type='PackPoseInputs')]
    cfg.train_dataloader = loader('train', train_pipeline)
    cfg.val_dataloader = loader('val', val_pipeline)
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator = dict(
        type='CocoMetric',
        ann_file=osp.join(root, 'annotations', 'person_keypoints_val.json'))
    cfg.test_evaluator = cfg.val_evaluator
    cfg.train_cfg = dict(by_epoch=True, max_epochs=args.epochs,
                         val_interval=args.val_interval)
    cfg.val_cfg = dict()
    cfg.test_cfg = dict()
    cfg.optim_wrapper = dict(
        type='AmpOptimWrapper' if args.amp else 'OptimWrapper',
        optimizer=dict(type='Adam', lr=args.lr))
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=WARMUP_ITERS, start_factor=0.001,
             by_epoch=False),
        dict(type='MultiStepLR', begin=0, end=args.epochs, by_epoch=True,
             milestones=[round(args.epochs * 2 / 3),
                         round(args.epochs * 8 / 9)], gamma=0.1),
    ]
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=args.batch_size)
    cfg.custom_hooks = [dict(type='NonFiniteLossHook')]
    cfg.default_hooks = dict(
        timer=dict(type='IterTimerHook'),
        logger=dict(type='LoggerHook', interval=50),
        param_scheduler=dict(type='ParamSchedulerHook'),
        checkpoint=dict(type='CheckpointHook', interval=args.epochs,
                        max_keep_ckpts=1),
        sampler_seed=dict(type='DistSamplerSeedHook'),
        visualization=dict(type='PoseVisualizationHook', enable=False))
    cfg.randomness = dict(seed=args.seed)
    cfg.env_cfg = dict(cudnn_benchmark=True,
                       mp_cfg=dict(mp_start_method='fork',
                                   opencv_num_threads=0),
                       dist_cfg=dict(backend='nccl'))
    cfg.launcher = 'none'
    cfg.resume = False
    cfg.load_from = None
    cfg.work_dir = osp.join(args.work_dir, name)
    return cfg


def train(cfg: Config) -> Dict:
    """Train one model; its learning curve and size."""
    from mmpose_cl.utils.complexity import model_complexity
    runner = Runner.from_cfg(cfg)
    hook = LearningCurveHook()
    runner.register_hook(hook)
    runner.train()
    del runner
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    size = model_complexity(cfg)
    return dict(params=size['params'],
                flops=size['flops'], curve=hook.points,
                train_minutes=hook.train_seconds / 60)


def count(ann_file: str) -> Dict:
    with open(ann_file) as f:
        coco = json.load(f)
    return dict(images=len(coco['images']),
                people=sum(a['num_keypoints'] > 0
                           for a in coco['annotations']))


def report(results: Dict, args, env: Dict) -> str:
    names = list(results)
    data = {s: count(osp.join(args.data_root, 'annotations',
                              f'person_keypoints_{s}.json'))
            for s in ('train', 'val')}
    lines = [
        f'# Learning from scratch: {" vs ".join(names)}', '',
        f'`{env["command"]}`, {env["date"]}, on {env["device"]}; torch '
        f'{env["torch"]}, mmpose {env["mmpose"]}.', '',
        f'Data: `{args.data_root}`, {data["train"]["images"]} training '
        f'images ({data["train"]["people"]} people), {data["val"]["images"]} '
        f'val images ({data["val"]["people"]} people). The same budget for '
        f'both: {args.epochs} epochs, batch {args.batch_size}, Adam lr '
        f'{args.lr} ({WARMUP_ITERS}-iteration warm-up, x0.1 at 2/3 and 8/9 of '
        f'the epochs), {"AMP (fp16)" if args.amp else "fp32"}, random '
        'initialisation, the same augmentation, seed '
        f'{args.seed}. AP: MMPose\'s CocoMetric on the val split with '
        'ground-truth boxes. Minutes: wall time of the training epochs '
        '(validation excluded).', '',
        '| model | params | GFLOPs | training minutes | final AP | best AP |',
        '|---|---|---|---|---|---|']
    for name, r in results.items():
        aps = [p['coco/AP'] for p in r['curve']]
        lines.append(
            f'| {name} | {r["params"] / 1e6:.2f}M | {r["flops"] / 1e9:.2f} | '
            f'{r["train_minutes"]:.1f} | {aps[-1]:.3f} | {max(aps):.3f} |')
    header = ' | '.join(f'{n} minutes | {n} AP' for n in names)
    lines += ['', f'| epoch | {header} |',
              '|---|' + '---|---|' * len(names)]
    for i, point in enumerate(results[names[0]]['curve']):
        cells = ' | '.join(
            f'{r["curve"][i]["train_minutes"]:.2f} | '
            f'{r["curve"][i]["coco/AP"]:.3f}' for r in results.values())
        lines.append(f'| {point["epoch"]} | {cells} |')
    return '\n'.join(lines) + '\n'


def plot(results: Dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        ax.plot([p['train_minutes'] for p in r['curve']],
                [p['coco/AP'] for p in r['curve']], marker='o', label=name)
    ax.set_xlabel('training minutes')
    ax.set_ylabel('val AP')
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'data_root', help='COCO-format dataset with annotations/'
        'person_keypoints_{train,val}.json and train/, val/ '
        '(tools/misc/generate_synthetic_poses.py)')
    parser.add_argument('--epochs', type=at_least(1), default=30)
    parser.add_argument('--batch-size', type=at_least(1), default=64)
    parser.add_argument('--lr', type=float, default=1e-3)
    parser.add_argument('--workers', type=at_least(0),
                        default=min(8, os.cpu_count() or 1))
    parser.add_argument('--val-interval', type=at_least(1), default=1)
    parser.add_argument('--seed', type=at_least(0), default=0)
    parser.add_argument('--amp', action='store_true',
                        help='mixed precision (fp16, needs a GPU)')
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'learning_comparison'))
    parser.add_argument('--out', help='report path without extension '
                        '(default: <work-dir>/learning_comparison)')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the checkpoints of an earlier run')
    args = parser.parse_args(argv)
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
    args.out = args.out or osp.join(args.work_dir, 'learning_comparison')
    return args


def main(argv=None):
    args = parse_args(argv)
    import mmpose
    env = dict(
        command=' '.join(['python', osp.relpath(__file__, REPO),
                          *(sys.argv[1:] if argv is None else argv)]),
        date=time.strftime('%Y-%m-%d %H:%M'),
        device=(torch.cuda.get_device_name(0) if torch.cuda.is_available()
                else f'CPU ({platform.machine()}, '
                f'{torch.get_num_threads()} threads)'),
        torch=torch.__version__, mmpose=mmpose.__version__)
    cfgs = {name: comparison_config(name, args) for name in MODELS}
    for cfg in cfgs.values():  # before any training starts
        refuse_to_overwrite_checkpoints(cfg, args.overwrite)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    results = {}
    for name, cfg in cfgs.items():
        results[name] = dict(config=MODELS[name], **train(cfg))
        # after each model: a later crash keeps the finished curves
        with open(f'{args.out}.json', 'w') as f:
            json.dump(dict(environment=env, settings=vars(args),
                           results=results), f, indent=1)
    text = report(results, args, env)
    print(text)
    with open(f'{args.out}.md', 'w') as f:
        f.write(text + f'\n![val AP against training minutes]'
                f'({osp.basename(args.out)}.png)\n')
    plot(results, f'{args.out}.png')
    print(f'written to {args.out}.md, .json and .png')


if __name__ == '__main__':
    main()
