from .backbones import (CLNetCSPNeXt, CLNetHourglass, CLNetResNet,
                        NewellHourglass)
from .heads import (BaseCLHead, CLHead, CLMultiStageHead,
                    MultiStageHeatmapHead, flip_cl_maps)
from .losses import CLCompositeLoss, CLPeakOffsetLoss, GRMILoss
from .pose_estimators import CLPoseEstimator

__all__ = [
    'CLNetResNet', 'CLNetHourglass', 'CLNetCSPNeXt', 'NewellHourglass',
    'BaseCLHead', 'CLHead', 'CLMultiStageHead', 'MultiStageHeatmapHead',
    'flip_cl_maps', 'CLCompositeLoss', 'CLPeakOffsetLoss', 'GRMILoss',
    'CLPoseEstimator'
]
