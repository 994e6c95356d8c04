# Copyright (c) mmpose-cl contributors. All rights reserved.
"""mmpose-cl: Composite Localization (CLNet) for MMPose 1.x.

``import mmpose_cl`` registers every component below into MMPose's
registries and lets checkpoints saved by MMEngine load on torch >= 2.6
(see :mod:`mmpose_cl.utils.checkpoint`), and makes MMPose's inferencer use
explicit person boxes (see :mod:`mmpose_cl.apis.explicit_bboxes`).
"""
from .apis import honour_explicit_bboxes
from .codecs import CLCodec
from .datasets import LspDataset
from .engine import CLDatasetCheckHook, NonFiniteLossHook
from .evaluation import LspPCKAccuracy
from .models import (CLCompositeLoss, CLHead, CLMultiStageHead, CLNetHourglass,
                     CLNetResNet, CLPeakOffsetLoss, CLPoseEstimator, GRMILoss,
                     flip_cl_maps)
from .utils import patch_mmengine_checkpoints
from .version import __version__

patch_mmengine_checkpoints()
honour_explicit_bboxes()

__all__ = [
    'CLCodec', 'CLNetResNet', 'CLNetHourglass', 'CLHead', 'CLMultiStageHead',
    'CLCompositeLoss', 'CLPeakOffsetLoss',
    'GRMILoss', 'CLPoseEstimator', 'flip_cl_maps', 'LspDataset', 'LspPCKAccuracy',
    'CLDatasetCheckHook', 'NonFiniteLossHook', 'patch_mmengine_checkpoints', 'honour_explicit_bboxes', '__version__'
]
