# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The plain stacked hourglass of Newell et al., the baseline of
CLNet-Hourglass. Shape shorthand: B batch, C trunk channels, K keypoints,
[w, h] input crop in pixels; every stage predicts K heatmaps
(B, K, h / 4, w / 4)."""
from typing import Optional

from mmcv.cnn import ConvModule
from mmengine.model import Sequential
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import nn

from .base_stacked_hourglass import BaseStackedHourglass


@MODELS.register_module()
class NewellHourglass(BaseStackedHourglass):
    """The stacked hourglass of Newell et al. (ECCV 2016,
    https://arxiv.org/abs/1603.06937) with its per-stage heatmap heads: the
    plain counterpart of :class:`CLNetHourglass` (same stem, hourglasses,
    residual modules and re-injection).

    Each stage: hourglass at stride 4, residual module, ``lin``
    (conv1x1-BN-ReLU, the stage features that are re-injected), then a 1x1
    conv to K heatmaps: Newell's "two consecutive rounds of 1x1
    convolutions" after the hourglass (his section 3.1). Between stages the
    trunk gets ``conv1x1(lin) + conv1x1(heatmaps)``. The matching head is
    :class:`MultiStageHeatmapHead` (MMPose's ``CPMHead``) with
    ``final_layer=None``: no parameters, a heatmap loss on every stage,
    decoding of the last or of ``test_cfg['stage']``, with MMPose's
    ``MSRAHeatmap`` codec at stride 4
    (``configs/baselines/td-hm_hourglass8_*.py``).

    Args:
        num_keypoints (int): K.
        num_stacks (int): Number of hourglass stages. Defaults to 8.
        channels (int): Trunk channels C; divisible by 4. Defaults to 256.
        num_levels (int): Levels (max-poolings) of each hourglass. Inputs
            must be divisible by ``4 * 2**num_levels`` (64 by default).
            Defaults to 4.
        norm_cfg (dict): Norm layers. Defaults to ``dict(type='BN')``.
        final_layer_std (float, optional): Std of the normal init of the
            heatmap convs, as in MMPose's heatmap heads. None leaves it to
            ``init_cfg`` (Kaiming). Defaults to 0.001.
        init_cfg (dict | list, optional): Defaults to Kaiming for the convs
            and constant 1 for the norms (no pretraining).

    Example:
        >>> import torch
        >>> net = NewellHourglass(num_keypoints=17, num_stacks=2)
        >>> outs = net(torch.rand(1, 3, 256, 192))
        >>> len(outs), tuple(outs[-1].shape)
        (2, (1, 17, 64, 48))
    """

    def __init__(self,
                 num_keypoints: int,
                 num_stacks: int = 8,
                 channels: int = 256,
                 num_levels: int = 4,
                 norm_cfg: ConfigType = dict(type='BN'),
                 final_layer_std: Optional[float] = 0.001,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(
            num_keypoints=num_keypoints,
            num_stacks=num_stacks,
            channels=channels,
            num_levels=num_levels,
            output_stride=4,  # Newell's heatmaps: the trunk's resolution
            norm_cfg=norm_cfg,
            final_layer_std=final_layer_std,
            init_cfg=init_cfg)
        self.out_channels = num_keypoints
        self._build_stages()

    def _make_features(self) -> Sequential:
        """Residual module, then ``lin`` (conv1x1-BN-ReLU), (B, C, H, W) ->
        (B, C, H, W)."""
        return Sequential(
            self._residual(),
            ConvModule(self.channels, self.channels, 1,
                       norm_cfg=self.norm_cfg))

    def _make_head(self, last: bool) -> Sequential:
        """The 1x1 conv to K heatmaps, (B, C, H, W) -> (B, K, H, W)."""
        return Sequential(nn.Conv2d(self.channels, self.num_keypoints, 1))
