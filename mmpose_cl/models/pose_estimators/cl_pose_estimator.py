# Copyright (c) mmpose-cl contributors. All rights reserved.
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType


@MODELS.register_module()
class CLPoseEstimator(TopdownPoseEstimator):
    """MMPose's top-down estimator with CLNet's build-time checks.

    Everything (forward, loss, predict, flip test, data samples) is
    :class:`mmpose.models.TopdownPoseEstimator`'s. Before building, a head
    config without ``num_keypoints`` gets the backbone's (a
    :class:`CLNetHourglass` predicts the maps itself, so its config states
    K once). After building, it checks what would otherwise fail later as a
    shape error deep inside torch:

    - the codec's ``stride`` equals the backbone's ``output_stride``;
    - the channels the head takes (``head.in_channels``) equal the
      backbone's ``out_channels``.

    Backbones and heads without those attributes are not checked.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: OptConfigType = None,
                 head: OptConfigType = None,
                 **kwargs):
        if (isinstance(head, dict) and 'num_keypoints' not in head
                and 'num_keypoints' in backbone):
            head = dict(head, num_keypoints=backbone['num_keypoints'])
        super().__init__(backbone, neck=neck, head=head, **kwargs)
        name = self.__class__.__name__
        backbone_stride = getattr(self.backbone, 'output_stride', None)
        decoder = getattr(self.head, 'decoder', None)
        codec_stride = getattr(decoder, 'stride', None)
        if None not in (backbone_stride, codec_stride) and \
                backbone_stride != codec_stride:
            raise ValueError(
                f'{name}: the codec stride ({codec_stride}) must equal the '
                f'backbone output_stride ({backbone_stride}) so that the '
                'head\'s maps line up with the codec\'s cells; write '
                "output_stride=codec['stride'] in the backbone config")
        out_channels = getattr(self.backbone, 'out_channels', None)
        in_channels = getattr(self.head, 'in_channels', None)
        if None not in (out_channels, in_channels) and \
                out_channels != in_channels:
            raise ValueError(
                f'{name}: head.in_channels ({in_channels}) must equal the '
                f'backbone\'s output channels ({out_channels})')
