# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Distributed training on a machine without CUDA.

Upstream defect: MMEngine 0.10.7 calls ``torch.cuda.set_device`` before it
initialises a ``pytorch``-launched process group, which fails without CUDA,
and its DDP wrapper passes a GPU index as ``device_ids``, which CPU modules
refuse; SyncBN has no CPU kernel. Unlike the other work-arounds this one
changes a config, not a package: ``tools/train.py`` and ``tools/test.py``
call :func:`use_gloo_without_cuda` on theirs. It becomes unnecessary once
MMEngine initialises gloo groups without CUDA itself.
"""
from mmengine.config import Config

from mmpose_cl.utils.config_utils import for_each_dict


def use_gloo_without_cuda(cfg: Config) -> None:
    """NCCL needs GPUs: on a machine without CUDA, distributed runs use gloo
    and SyncBN falls back to BN (SyncBN has no CPU kernel).

    MMEngine 0.10.7 calls ``torch.cuda.set_device`` before initialising a
    ``pytorch``-launched process group, which fails without CUDA, so the
    gloo group is initialised here (from torchrun's environment); MMEngine
    then finds it initialised and uses it. Its DDP wrapper also passes a GPU
    index as ``device_ids``, which CPU modules refuse: ``device_ids=None``.
    """
    import torch
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

    def syncbn_to_bn(d: dict) -> None:
        if d.get('type') == 'SyncBN':
            d['type'] = 'BN'

    for_each_dict(cfg.get('model', {}), syncbn_to_bn)
