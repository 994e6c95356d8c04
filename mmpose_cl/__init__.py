# Copyright (c) mmpose-cl contributors. All rights reserved.
"""mmpose-cl: Composite Localization (CLNet) for MMPose 1.x.

``import mmpose_cl`` registers every component below into MMPose's
registries and applies the work-arounds of :mod:`mmpose_cl.compat` (the only
changes it makes to other packages; docs/installation.md lists them).
"""
# isort: off
from . import compat

compat.apply()  # first: importing mmpose.apis may need its package lookup

from .codecs import CLCodec
from .datasets import (CheckedCocoDataset, CheckedLoadImage,
                       ClippedNormalBBoxTransform, LspDataset,
                       RandomShearTopdownAffine)
from .engine import CLDatasetCheckHook, NonFiniteLossHook
from .evaluation import LspPCKAccuracy
from .models import (BaseCLHead, CLCompositeLoss, CLHead, CLMultiStageHead,
                     CLNetCSPNeXt, CLNetHourglass, CLNetResNet,
                     CLPeakOffsetLoss, CLPoseEstimator, GRMILoss,
                     MultiStageHeatmapHead, NewellHourglass, flip_cl_maps)
from .version import __version__
# isort: on

__all__ = [
    'CLCodec', 'CLNetResNet', 'CLNetHourglass', 'CLNetCSPNeXt',
    'NewellHourglass', 'MultiStageHeatmapHead', 'BaseCLHead', 'CLHead',
    'CLMultiStageHead', 'flip_cl_maps', 'CLCompositeLoss', 'CLPeakOffsetLoss',
    'GRMILoss', 'CLPoseEstimator', 'LspDataset', 'CheckedCocoDataset',
    'CheckedLoadImage', 'ClippedNormalBBoxTransform',
    'RandomShearTopdownAffine', 'LspPCKAccuracy', 'CLDatasetCheckHook',
    'NonFiniteLossHook', '__version__'
]
