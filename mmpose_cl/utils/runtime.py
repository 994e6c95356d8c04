# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Small runtime fixes applied by ``tools/train.py`` and ``tools/test.py``."""
import glob
import os.path as osp

import torch
from mmengine.config import Config

from .config_walk import for_each_dict


def use_gloo_without_cuda(cfg: Config) -> None:
    """NCCL needs GPUs: on a machine without CUDA, distributed runs use gloo
    and SyncBN falls back to BN (SyncBN has no CPU kernel).

    MMEngine 0.10.7 calls ``torch.cuda.set_device`` before initialising a
    ``pytorch``-launched process group, which fails without CUDA, so the
    gloo group is initialised here (from torchrun's environment); MMEngine
    then finds it initialised and uses it. Its DDP wrapper also passes a GPU
    index as ``device_ids``, which CPU modules refuse: ``device_ids=None``.
    """
    if torch.cuda.is_available():
        return
    launcher = cfg.get('launcher', 'none')
    if launcher != 'none':
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if launcher == 'pytorch' and not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend='gloo')
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False))
    for_each_dict(cfg.get('model', {}), _syncbn_to_bn)


def _syncbn_to_bn(d: dict) -> None:
    if d.get('type') == 'SyncBN':
        d['type'] = 'BN'


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


def check_checkpoint_matches(model, checkpoint_path: str) -> None:
    """Raise ``ValueError`` listing the mismatched keys when a checkpoint's
    weights do not fit ``model`` (another architecture, another number of
    keypoints), instead of testing a half-loaded model after a warning."""
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint
    if not osp.isfile(checkpoint_path):
        raise FileNotFoundError(f'checkpoint {checkpoint_path!r} not found')
    ckpt = _load_checkpoint(checkpoint_path, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    model = model.module if is_model_wrapper(model) else model
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    if not (missing or unexpected or shapes):
        return

    def listing(title, items):
        head = '\n    '.join(items[:10])
        more = f'\n    ... and {len(items) - 10} more' if len(items) > 10 \
            else ''
        return f'\n  {title} ({len(items)}):\n    {head}{more}' if items \
            else ''

    raise ValueError(
        f'checkpoint {checkpoint_path!r} does not match the model of the '
        'config (another model or another number of keypoints?):' +
        listing('size mismatch', shapes) +
        listing('missing in the checkpoint', missing) +
        listing('not in the model', unexpected))
