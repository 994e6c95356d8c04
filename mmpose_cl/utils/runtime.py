# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Small runtime fixes applied by ``tools/train.py`` and ``tools/test.py``."""
import glob
import os.path as osp

import torch
from mmengine.config import Config


def use_gloo_without_cuda(cfg: Config) -> None:
    """NCCL needs GPUs: on a machine without CUDA, distributed runs use gloo
    and SyncBN falls back to BN (SyncBN has no CPU kernel)."""
    if torch.cuda.is_available():
        return
    if cfg.get('launcher', 'none') != 'none':
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    _replace_syncbn(cfg.get('model', {}))


def _replace_syncbn(node) -> None:
    if isinstance(node, dict):
        if node.get('type') == 'SyncBN':
            node['type'] = 'BN'
        for value in node.values():
            _replace_syncbn(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _replace_syncbn(value)


def refuse_to_overwrite_checkpoints(cfg: Config, overwrite: bool) -> None:
    """Stop before a fresh (not resumed) run overwrites the checkpoints of an
    earlier run in the same work_dir."""
    if overwrite or cfg.get('resume', False):
        return
    existing = sorted(glob.glob(osp.join(cfg.work_dir, '*.pth')))
    if existing:
        raise FileExistsError(
            f'work_dir {cfg.work_dir!r} already holds checkpoints '
            f'({", ".join(osp.basename(p) for p in existing[:3])}'
            f'{", ..." if len(existing) > 3 else ""}) that a new run would '
            'overwrite. Pass --resume to continue that run, --work-dir to '
            'train elsewhere, or --overwrite to replace them.')
