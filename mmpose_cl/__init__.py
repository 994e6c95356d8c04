# Copyright (c) mmpose-cl contributors. All rights reserved.
"""mmpose-cl: Composite Localization (CLNet) for MMPose 1.x.

``import mmpose_cl`` registers every component below into MMPose's
registries, makes MMEngine's checkpoints save atomically and load on
torch >= 2.6 with ``weights_only`` kept on (:mod:`mmpose_cl.utils.checkpoint`),
and makes MMPose's inferencer use explicit person boxes and check its inputs
(:mod:`mmpose_cl.apis`). Where ``pkg_resources`` is missing (setuptools >= 82,
a bare Python 3.12 venv) it first gives MMEngine an ``importlib`` package
lookup (:mod:`mmpose_cl.utils.package_lookup`), which ``mmpose.apis`` and
``mmpose::`` configs need.
"""
# isort: off
from .utils import patch_mmengine_checkpoints, patch_mmengine_package_lookup

patch_mmengine_package_lookup()  # before anything imports mmpose.apis

from .apis import honour_explicit_bboxes, install_inference_input_checks
from .codecs import CLCodec
from .datasets import CheckedCocoDataset, CheckedLoadImage, LspDataset
from .engine import CLDatasetCheckHook, NonFiniteLossHook
from .evaluation import LspPCKAccuracy
from .models import (CLCompositeLoss, CLHead, CLMultiStageHead, CLNetHourglass,
                     CLNetResNet, CLPeakOffsetLoss, CLPoseEstimator, GRMILoss,
                     flip_cl_maps)
from .version import __version__
# isort: on

patch_mmengine_checkpoints()
honour_explicit_bboxes()
install_inference_input_checks()  # after honour_explicit_bboxes

__all__ = [
    'CLCodec', 'CLNetResNet', 'CLNetHourglass', 'CLHead', 'CLMultiStageHead',
    'flip_cl_maps', 'CLCompositeLoss', 'CLPeakOffsetLoss', 'GRMILoss',
    'CLPoseEstimator', 'LspDataset', 'CheckedCocoDataset', 'CheckedLoadImage',
    'LspPCKAccuracy', 'CLDatasetCheckHook', 'NonFiniteLossHook',
    'patch_mmengine_checkpoints', 'patch_mmengine_package_lookup',
    'honour_explicit_bboxes',
    'install_inference_input_checks', '__version__'
]
