# Copyright (c) mmpose-cl contributors. All rights reserved.
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS


@MODELS.register_module()
class CLPoseEstimator(TopdownPoseEstimator):
    """MMPose's top-down estimator with CLNet's build-time checks.

    Everything (forward, loss, predict, flip test, data samples) is
    :class:`mmpose.models.TopdownPoseEstimator`'s. After building, it checks
    what would otherwise fail later as a shape error deep inside torch:

    - the codec's ``stride`` equals the backbone's ``output_stride``;
    - the head's ``in_channels`` equals the backbone's ``out_channels``.

    Backbones and heads without those attributes are not checked.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        backbone_stride = getattr(self.backbone, 'output_stride', None)
        decoder = getattr(self.head, 'decoder', None)
        codec_stride = getattr(decoder, 'stride', None)
        if None not in (backbone_stride, codec_stride) and \
                backbone_stride != codec_stride:
            raise ValueError(
                f'{self.__class__.__name__}: the codec stride '
                f'({codec_stride}) must equal the backbone output_stride '
                f'({backbone_stride}) so that the head\'s maps line up with '
                'the codec\'s cells; set codec stride and '
                'backbone.output_stride to the same value')
        out_channels = getattr(self.backbone, 'out_channels', None)
        in_channels = getattr(self.head, 'in_channels', None)
        if None not in (out_channels, in_channels) and \
                out_channels != in_channels:
            raise ValueError(
                f'{self.__class__.__name__}: head.in_channels ({in_channels}) '
                f'must equal the backbone\'s output channels ({out_channels})')
