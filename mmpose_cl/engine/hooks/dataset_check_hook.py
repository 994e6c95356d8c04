# Copyright (c) mmpose-cl contributors. All rights reserved.
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpose.registry import HOOKS


@HOOKS.register_module()
class CLDatasetCheckHook(Hook):
    """Check the model against each dataset before any sample is used.

    - the head's ``num_keypoints`` must equal the dataset's;
    - ``test_cfg.flip_test`` needs ``flip_indices`` in the dataset metainfo.

    Each mismatch is a ``ValueError`` naming the field and the values, raised
    before the first iteration of training, validation or testing instead of
    as a shape error (or wrong flip pairs) later.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'train_dataloader',
                    flip=False)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_dataloader, 'val_dataloader')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_dataloader, 'test_dataloader')

    @staticmethod
    def _check(runner, dataloader, name: str, flip: bool = True) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        meta = getattr(getattr(dataloader, 'dataset', None), 'metainfo', None)
        head = getattr(model, 'head', None)
        if not meta or head is None:
            return
        expected = getattr(head, 'num_keypoints', None)
        actual = meta.get('num_keypoints')
        if None not in (expected, actual) and expected != actual:
            raise ValueError(
                f'model.head.num_keypoints={expected} but the {name} dataset '
                f'({meta.get("dataset_name", "?")}) has {actual} keypoints; '
                f'set num_keypoints={actual} in the head')
        test_cfg = getattr(model, 'test_cfg', None) or {}
        if flip and test_cfg.get('flip_test', False) and not meta.get(
                'flip_indices'):
            raise ValueError(
                f'model.test_cfg.flip_test=True but the {name} dataset '
                f'({meta.get("dataset_name", "?")}) has no flip_indices '
                '(no left/right swap pairs in its metainfo); define them or '
                'set model.test_cfg.flip_test=False')
