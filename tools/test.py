# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Test (and evaluate) a checkpoint: MMPose's ``tools/test.py`` with
mmpose_cl imported, gloo on machines without CUDA, and a clear error listing
the mismatched keys when the checkpoint is not of the config's model.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out FILE]
        [--dump FILE.pkl] [--cfg-options k=v ...] [--launcher pytorch]
"""
import os.path as osp
import sys

import mmengine
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmpose_cl  # noqa: F401  (registers CLNet, allows MMEngine checkpoints)
from mmpose_cl.apis import check_checkpoint_matches
from mmpose_cl.compat import use_gloo_without_cuda
from mmpose_cl.utils import load_mmpose_tool


class SaveMetricHook(Hook):
    """Write the test metrics to ``--out``."""

    def __init__(self, out_file: str):
        self.out_file = out_file

    def after_test_epoch(self, runner, metrics=None):
        if metrics is not None:
            mmengine.dump(metrics, self.out_file)


def main():
    mmpose_test = load_mmpose_tool('test')
    args = mmpose_test.parse_args()
    if not osp.isfile(args.config):
        sys.exit(f'tools/test.py: config {args.config!r} not found')
    cfg = Config.fromfile(args.config)
    cfg = mmpose_test.merge_args(cfg, args)
    use_gloo_without_cuda(cfg)
    runner = Runner.from_cfg(cfg)
    try:
        check_checkpoint_matches(runner.model, args.checkpoint)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'tools/test.py: {e}')  # the message, not a traceback
    if args.out:
        runner.register_hook(SaveMetricHook(args.out), 'LOWEST')
    runner.test()


if __name__ == '__main__':
    main()
