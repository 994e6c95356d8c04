from .backbones import CLNetHourglass, CLNetResNet
from .heads import BaseCLHead, CLHead, CLMultiStageHead, flip_cl_maps
from .losses import CLCompositeLoss, CLPeakOffsetLoss, GRMILoss
from .pose_estimators import CLPoseEstimator

__all__ = [
    'CLNetResNet', 'CLNetHourglass', 'BaseCLHead', 'CLHead',
    'CLMultiStageHead', 'flip_cl_maps', 'CLCompositeLoss', 'CLPeakOffsetLoss',
    'GRMILoss', 'CLPoseEstimator'
]
