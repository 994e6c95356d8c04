# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The configs of a learning comparison: each model keeps its backbone, head,
loss, codec and data preprocessor, and everything else is the comparison's
(``benchmarks/learning_comparison.py`` states the protocol). The studies
that evaluate its checkpoints (``int8_accuracy``, ``error_breakdown``)
rebuild the same configs from its json."""
import argparse
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import torch
from mmengine.config import Config

from mmpose_cl.utils import drop_pretrained, for_each_dict, load_config

SIZE_KEYS = ('heatmap_size', 'in_featuremap_size')  # input_size / a stride


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
    if name in getattr(args, 'own_optimizer', ()):
        optimizer, paramwise = own_optimizer(cfg, args)
    else:  # older comparisons have no --own-optimizer: Adam for all
        optimizer, paramwise = dict(type='Adam', lr=args.lr), None
    cfg.time_budget = dict(minutes=args.minutes, val_minutes=args.val_minutes,
                           lr=optimizer['lr'],
                           pause_file=getattr(args, 'pause_file', None))
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


def read_comparison(path: str, root: Optional[str] = None) -> Dict:
    """The json of ``learning_comparison.py``, checked: its settings, and
    for each model a config and a checkpoint that exists. A relative
    checkpoint path (the comparison records it relative to where it ran) is
    made absolute against ``root`` (default: the current folder).

    Raises:
        ValueError: naming the file, and the model or the missing key.
    """
    try:
        with open(path) as f:
            comparison = json.load(f)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f'{path}: not a json file ({e})') from None
    if not (isinstance(comparison, dict)
            and isinstance(comparison.get('settings'), dict)
            and isinstance(comparison.get('results'), dict)
            and comparison['results']):
        raise ValueError(
            f'{path}: not the .json of learning_comparison.py (expected '
            "'settings' and 'results' with one entry per model)")
    for name, result in comparison['results'].items():
        missing = [k for k in ('config', 'checkpoint')
                   if not isinstance(result, dict) or k not in result]
        if missing:
            raise ValueError(f'{path}: model {name!r} has no {missing}')
        recorded = result['checkpoint']
        result['checkpoint'] = osp.join(root or os.getcwd(), recorded)
        if not osp.isfile(result['checkpoint']):
            raise ValueError(
                f"{path}: model {name!r}: checkpoint {recorded!r} not found "
                f"in {root or os.getcwd()!r} (the comparison's --work-dir "
                'holds the final checkpoints; a relative path is relative to '
                'where learning_comparison.py ran: see --checkpoint-root)')
    return comparison
