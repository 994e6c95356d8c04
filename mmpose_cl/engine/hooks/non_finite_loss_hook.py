# Copyright (c) mmpose-cl contributors. All rights reserved.
import math
from typing import Optional

from mmengine.hooks import Hook
from mmpose.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first non-finite loss, naming the iteration.

    It runs after every training iteration and before MMEngine's
    ``CheckpointHook`` (priority ``ABOVE_NORMAL`` vs ``VERY_LOW``), so the
    weights of the failed step are never saved: the checkpoints already on
    disk are the last good ones, and ``--resume`` continues from them.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        bad = {}
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            value = float(value.item() if hasattr(value, 'item') else value)
            if not math.isfinite(value):
                bad[key] = value
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in bad.items())
            raise RuntimeError(
                f'Non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {terms}. Training stopped before this '
                f'step was saved; the checkpoints in {runner.work_dir} are '
                'from before it. Lower the learning rate, check the data, or '
                'resume from the last checkpoint with --resume.')
