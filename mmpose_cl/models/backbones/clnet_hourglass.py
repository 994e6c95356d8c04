# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CLNet-Hourglass backbone: Newell et al.'s stacked hourglass with CL heads.

Shape shorthand: B batch, C trunk channels, K keypoints, [w, h] input crop in
pixels, S output stride (pixels per CL cell). The trunk between stages runs
at stride 4, i.e. (B, C, h / 4, w / 4); every stage predicts CL maps
(B, 3K, h / S, w / S): K sparse heatmaps, then 2K offsets, y first.
"""
from typing import Optional

from mmcv.cnn import ConvModule
from mmengine.model import Sequential
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import nn

from .base_stacked_hourglass import BaseStackedHourglass


@MODELS.register_module()
class CLNetHourglass(BaseStackedHourglass):
    """Backbone of CLNet-Hourglass (paper section 3.2, fig. 2b), including
    the CL head subnetwork of every stage.

    :class:`NewellHourglass` (pre-activation residual modules,
    ``num_levels``-level hourglasses, stem to stride 4, no pretraining)
    where every stage's head, Newell's two 1x1 convs (``lin`` and the
    heatmap conv), is a CL head of three convolutions in series that
    predicts 3K maps at stride ``S = output_stride``:

    - stages ``0 .. num_stacks - 2``: hourglass at stride 4, residual module
      (the stage features, re-injected); head = conv3x3-BN-ReLU,
      conv3x3-BN-ReLU (``head_channels`` wide), conv1x1 to 3K, where the
      first ``log2(S / 4)`` convs have stride 2 (S = 32 makes the last one a
      stride-2 conv3x3);
    - the last stage: its hourglass skips the last ``log2(S / 4)``
      up-samplings and drops the skip residuals that only fed them (see
      :class:`_Hourglass`), so the residual module and the three head convs
      run at stride S, with stride 1.

    Between stages, Newell's re-injection (:class:`BaseStackedHourglass`):
    ``conv1x1(stage features) + up(conv1x1(stage predictions))``.

    Why fewer parameters than the plain 8-stack (the paper's conclusion):
    the CL head replaces Newell's head, whose ``lin`` alone is a C x C conv
    (66k parameters at C = 256) in every stage, and the last hourglass loses
    two skip residuals (2 x 214k); a CL head costs 85k at
    ``head_channels = 32`` (and its 3K maps make each re-injection conv 9k
    larger). With 17 keypoints: 25.13M parameters against 25.38M for
    :class:`NewellHourglass`; 256-wide heads (``head_channels=256``) give
    34.00M.

    The heads live here, not in the pose head, because their predictions
    are re-injected. The matching head is :class:`CLMultiStageHead`, which
    has no parameters: it applies the loss to every stage and decodes the
    last (or the stage ``test_cfg['stage']``).

    Args:
        num_keypoints (int): K.
        num_stacks (int): Number of hourglass stages. Defaults to 8.
        channels (int): Trunk channels C (the stem uses C/4 and C/2, 64 and
            128 for Newell's C = 256); divisible by 4. Defaults to 256.
        head_channels (int): Channels of the first two head convs.
            Defaults to 32.
        output_stride (int): S, one of 4, 8, 16, 32. Defaults to 16.
        num_levels (int): Levels (max-poolings) of each hourglass, at least
            ``log2(S / 4)``. Inputs must be divisible by ``4 * 2**num_levels``
            (64 by default). Defaults to 4.
        norm_cfg (dict): Norm layers. Defaults to ``dict(type='BN')``.
        final_layer_std (float, optional): Std of the normal init of the
            last conv of every head, small as in :class:`CLHead`. None leaves
            it to ``init_cfg`` (Kaiming). Defaults to 0.001.
        init_cfg (dict | list, optional): Defaults to Kaiming for the convs
            and constant 1 for the norms (no pretraining, as in the paper).

    Example:
        >>> import torch
        >>> net = CLNetHourglass(num_keypoints=17)
        >>> outs = net(torch.rand(1, 3, 256, 192))
        >>> len(outs), tuple(outs[-1].shape)
        (8, (1, 51, 16, 12))
    """

    def __init__(self,
                 num_keypoints: int,
                 num_stacks: int = 8,
                 channels: int = 256,
                 head_channels: int = 32,
                 output_stride: int = 16,
                 num_levels: int = 4,
                 norm_cfg: ConfigType = dict(type='BN'),
                 final_layer_std: Optional[float] = 0.001,
                 init_cfg: OptConfigType = None) -> None:
        super().__init__(
            num_keypoints=num_keypoints,
            num_stacks=num_stacks,
            channels=channels,
            num_levels=num_levels,
            output_stride=output_stride,
            norm_cfg=norm_cfg,
            final_layer_std=final_layer_std,
            init_cfg=init_cfg)
        if not (isinstance(head_channels, int) and head_channels > 0):
            raise ValueError(
                f'{self.__class__.__name__}: head_channels must be a positive '
                f'int, got {head_channels!r}')
        self.head_channels = head_channels
        self.out_channels = 3 * num_keypoints
        self._build_stages()

    def _make_head(self, last: bool) -> Sequential:
        """The CL head subnetwork: three convs in series (paper sec. 3.2),
        (B, C, H, W) -> (B, 3K, H / 2**n, W / 2**n), ``n = log2(S / 4)``
        stride-2 convs first, none in the ``last`` stage (already at S)."""
        n = 0 if last else self.num_down
        s1, s2, s3 = (2, ) * n + (1, ) * (3 - n)
        C, mid = self.channels, self.head_channels
        return Sequential(
            ConvModule(C, mid, 3, stride=s1, padding=1,
                       norm_cfg=self.norm_cfg),
            ConvModule(mid, mid, 3, stride=s2, padding=1,
                       norm_cfg=self.norm_cfg),
            # 1x1 unless a third stride-2 step is needed (S = 32)
            nn.Conv2d(mid, self.out_channels, 1 if s3 == 1 else 3,
                      stride=s3, padding=0 if s3 == 1 else 1))
