# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Train a CLNet (or any MMPose) model: MMPose's ``tools/train.py`` with
mmpose_cl imported, gloo on machines without CUDA, and no silent overwrite of
an earlier run's checkpoints.

    python tools/train.py configs/clnet_r50_coco_256x192.py [--work-dir DIR]
        [--resume [CKPT]] [--amp] [--no-validate] [--auto-scale-lr]
        [--cfg-options k=v ...] [--launcher pytorch] [--overwrite]
"""
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

import mmpose_cl  # noqa: F401  (registers CLNet, allows MMEngine checkpoints)
from mmpose_cl.compat import use_gloo_without_cuda
from mmpose_cl.utils import load_mmpose_tool, refuse_to_overwrite_checkpoints


def main():
    overwrite = '--overwrite' in sys.argv
    if overwrite:
        sys.argv.remove('--overwrite')
    mmpose_train = load_mmpose_tool('train')
    args = mmpose_train.parse_args()
    if not osp.isfile(args.config):
        sys.exit(f'tools/train.py: config {args.config!r} not found')
    cfg = Config.fromfile(args.config)
    cfg = mmpose_train.merge_args(cfg, args)
    if 'preprocess_cfg' in cfg:
        cfg.model.setdefault('data_preprocessor', cfg.get('preprocess_cfg'))
    use_gloo_without_cuda(cfg)
    refuse_to_overwrite_checkpoints(cfg, overwrite)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
