# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CL head of CLNet-ResNet. Shapes: B instances, K keypoints, [W, H] map
cells; offsets are y-first (channels [0, K) y, [K, 2K) x) in cells."""
from typing import List, Optional

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, Features, OptConfigType
from torch import nn

from ..utils import loads_pretrained
from .base_cl_head import BaseCLHead, Maps


@MODELS.register_module()
class CLHead(BaseCLHead):
    """Head subnetwork of CLNet-ResNet (paper section 3.2, fig. 2a).

    Two DetNet dilated bottlenecks (dilation 2, stride 1; the first with a 1x1
    projection shortcut, the second with an identity shortcut), one plain
    bottleneck, then a 1x1 conv to 3K channels: K sparse heatmaps followed by
    2K offset maps. The bottlenecks are MMPose's ResNet ``Bottleneck``. One
    stage; prediction, flip test and loss are :class:`BaseCLHead`'s.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_keypoints (int): K.
        block_channels (int, optional): Output channels of each bottleneck
            (its middle width is a quarter of it). Defaults to
            ``in_channels``.
        dilation (int): Dilation of the two DetNet bottlenecks. Defaults to 2.
        norm_cfg (dict): Norm layers of the bottlenecks.
            Defaults to ``dict(type='BN')``.
        final_layer_std (float, optional): Std of the normal init of the last
            conv, small so that the first heatmaps and offsets are near 0, as
            in MMPose's heatmap heads. None leaves it to ``init_cfg``
            (Kaiming): coarser keypoints early in training
            (docs/loss_region.md). Defaults to 0.001.
        heatmap_act (str, optional): See :class:`BaseCLHead`.
            Defaults to None.
        loss (dict): The composite loss; it gets the decoder's ``tau``
            unless it sets its own. Defaults to
            ``dict(type='CLCompositeLoss')``.
        decoder (dict, optional): The :class:`CLCodec` config used to decode
            predictions. Defaults to None.
        init_cfg (dict | list, optional): Defaults to Kaiming for the
            bottleneck convs and constant 1 for their norms.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 block_channels: Optional[int] = None,
                 dilation: int = 2,
                 norm_cfg: ConfigType = dict(type='BN'),
                 final_layer_std: Optional[float] = 0.001,
                 heatmap_act: Optional[str] = None,
                 loss: ConfigType = dict(type='CLCompositeLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', layer='_BatchNorm', val=1),
            ]
        super().__init__(
            num_keypoints,
            heatmap_act=heatmap_act,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)
        self.final_layer_std = final_layer_std
        block_channels = block_channels or in_channels
        if block_channels % 4:
            raise ValueError(
                f'{self.__class__.__name__}: block_channels must be divisible '
                f'by 4 (bottleneck expansion), got {block_channels}')
        projection = nn.Sequential(
            build_conv_layer(
                None, in_channels, block_channels, kernel_size=1, bias=False),
            build_norm_layer(norm_cfg, block_channels)[1])
        self.blocks = nn.Sequential(
            Bottleneck(in_channels, block_channels, dilation=dilation,
                       downsample=projection, norm_cfg=norm_cfg),
            Bottleneck(block_channels, block_channels, dilation=dilation,
                       norm_cfg=norm_cfg),
            Bottleneck(block_channels, block_channels, norm_cfg=norm_cfg),
        )
        self.final_layer = nn.Conv2d(block_channels, 3 * num_keypoints, 1)

    @property
    def in_channels(self) -> int:
        """Channels of the backbone's last feature map."""
        return self.blocks[0].conv1.in_channels

    def init_weights(self) -> None:
        """Initialise as ``init_cfg`` says, then (with ``final_layer_std``)
        the last conv with N(0, ``final_layer_std``) and zero bias, unless
        loading weights."""
        super().init_weights()
        if (not loads_pretrained(self.init_cfg)
                and self.final_layer_std is not None):
            nn.init.normal_(self.final_layer.weight, 0, self.final_layer_std)
            nn.init.zeros_(self.final_layer.bias)

    def forward_stages(self, feats: Features) -> List[Maps]:
        """One stage from the last feature map (B, C, H, W): raw heatmaps
        (B, K, H, W) and offsets (B, 2K, H, W)."""
        x = self.final_layer(self.blocks(feats[-1]))  # (B, 3K, H, W)
        K = self.num_keypoints
        return [(x[:, :K], x[:, K:])]
