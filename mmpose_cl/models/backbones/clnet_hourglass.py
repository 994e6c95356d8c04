# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CLNet-Hourglass backbone: Newell et al.'s stacked hourglass with CL heads.

Shape shorthand: B batch, C trunk channels, K keypoints, [w, h] input crop in
pixels, S output stride (pixels per CL cell). The trunk between stages runs
at stride 4, i.e. (B, C, h / 4, w / 4); every stage predicts CL maps
(B, 3K, h / S, w / S): K sparse heatmaps, then 2K offsets, y first.

This is the hourglass of Newell et al., "Stacked Hourglass Networks for Human
Pose Estimation" (ECCV 2016, https://arxiv.org/abs/1603.06937), not MMPose's
``HourglassNet`` (CornerNet's Hourglass-52, post-activation basic blocks).
"""
import math
from typing import Optional, Sequence, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList, Sequential
from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor, nn

# BN -> ReLU -> conv: the pre-activation order of Newell's residual module
_PRE_ACT = ('norm', 'act', 'conv')


class _PreActResidual(BaseModule):
    """Newell's residual module: BN-ReLU-conv1x1(C/2), BN-ReLU-conv3x3(C/2),
    BN-ReLU-conv1x1(C), plus the input (through a plain 1x1 conv when the
    channels change). Shape (B, C_in, H, W) -> (B, C_out, H, W)."""

    def __init__(self, in_channels: int, out_channels: int,
                 norm_cfg: ConfigType) -> None:
        super().__init__()
        mid = out_channels // 2
        kw = dict(norm_cfg=norm_cfg, order=_PRE_ACT)
        self.convs = Sequential(
            ConvModule(in_channels, mid, 1, **kw),
            ConvModule(mid, mid, 3, padding=1, **kw),
            ConvModule(mid, out_channels, 1, **kw))
        self.skip = (None if in_channels == out_channels else nn.Conv2d(
            in_channels, out_channels, 1))

    def forward(self, x: Tensor) -> Tensor:
        skip = x if self.skip is None else self.skip(x)
        return self.convs(x) + skip


class _Hourglass(BaseModule):
    """One recursive hourglass of ``num_levels`` levels (Newell's fig. 3).

    Each level: ``up1`` = residual on the input; ``low`` = max-pool /2,
    residual, the inner hourglass (a residual at the bottom), residual;
    output = ``up1 + nearest_upsample_x2(low)``, at the input resolution.

    The ``t = num_truncated`` outermost levels skip their up-sampling (CL's
    final stage, paper fig. 2b), so ``low`` stays at ``1 / 2**t`` of the
    input resolution; their output is ``up1(max_pool_{2**t}(x)) + low``: the
    skip branch is kept, max-pooled to the resolution it is added at. An
    input of (B, C, H, W) gives (B, C, H / 2**t, W / 2**t).
    """

    def __init__(self, num_levels: int, channels: int, norm_cfg: ConfigType,
                 num_truncated: int = 0) -> None:
        super().__init__()
        self.upsample = num_truncated == 0
        self.pool = nn.MaxPool2d(2, 2)
        scale = 2**num_truncated
        self.skip_pool = None if self.upsample else nn.MaxPool2d(scale, scale)
        self.up1 = _PreActResidual(channels, channels, norm_cfg)
        self.low1 = _PreActResidual(channels, channels, norm_cfg)
        self.low2 = (
            _Hourglass(num_levels - 1, channels, norm_cfg,
                       max(num_truncated - 1, 0))
            if num_levels > 1 else _PreActResidual(channels, channels,
                                                   norm_cfg))
        self.low3 = _PreActResidual(channels, channels, norm_cfg)

    def forward(self, x: Tensor) -> Tensor:
        low = self.low1(self.pool(x))  # (B, C, H/2, W/2)
        low = self.low3(self.low2(low))  # (B, C, H/2**t, W/2**t), t >= 1
        if self.upsample:  # t = 0: low is (B, C, H/2, W/2)
            return self.up1(x) + F.interpolate(
                low, scale_factor=2, mode='nearest')  # (B, C, H, W)
        return self.up1(self.skip_pool(x)) + low  # (B, C, H/2**t, W/2**t)


def _stem(channels: int, norm_cfg: ConfigType) -> Sequential:
    """Newell's stem: conv7x7/2-BN-ReLU (C/4), residual to C/2, max-pool /2,
    residual, residual to C (64, 128, 256 for C = 256).
    (B, 3, h, w) -> (B, C, h/4, w/4)."""
    return Sequential(
        ConvModule(3, channels // 4, 7, stride=2, padding=3,
                   norm_cfg=norm_cfg),
        _PreActResidual(channels // 4, channels // 2, norm_cfg),
        nn.MaxPool2d(2, 2),
        _PreActResidual(channels // 2, channels // 2, norm_cfg),
        _PreActResidual(channels // 2, channels, norm_cfg))


@MODELS.register_module()
class CLNetHourglass(BaseModule):
    """Backbone of CLNet-Hourglass (paper section 3.2, fig. 2b), including
    the CL head subnetwork of every stage.

    The stacked hourglass of Newell et al. (pre-activation residual modules,
    ``num_levels``-level hourglasses, stem to stride 4, no pretraining),
    where every stage ends with a CL head of three convolutions in series
    that predicts 3K maps at stride ``S = output_stride``:

    - stages ``0 .. num_stacks - 2``: hourglass at stride 4, residual,
      ``lin`` (conv1x1-BN-ReLU) giving the stage features (B, C, h/4, w/4);
      head = conv3x3-BN-ReLU, conv3x3-BN-ReLU, conv1x1 to 3K, where the
      first ``log2(S / 4)`` convs have stride 2 (S = 32 makes the last one a
      stride-2 conv3x3);
    - the last stage: its hourglass skips the last ``log2(S / 4)``
      up-samplings (see :class:`_Hourglass`), so the residual, ``lin`` and
      the three head convs all run at stride S, with stride 1.

    Between stages, Newell's re-injection: the trunk (B, C, h/4, w/4) gets
    ``conv1x1(stage features) + up(conv1x1(stage predictions))``. The
    predictions are at stride S; the 1x1 conv maps them to C channels at
    stride S, then nearest up-sampling by ``S / 4`` brings them to stride 4.
    A 1x1 conv commutes with nearest up-sampling, so this equals Newell's
    ``conv1x1(up(pred))`` at ``(4 / S)**2`` of the cost.

    The heads live here, not in the pose head, because their predictions
    are re-injected. The matching head is :class:`CLMultiStageHead`, which
    has no parameters: it applies the loss to every stage and decodes the
    last.

    Args:
        num_keypoints (int): K.
        num_stacks (int): Number of hourglass stages. Defaults to 8.
        channels (int): Trunk channels C (the stem uses C/4 and C/2, 64 and
            128 for Newell's C = 256); divisible by 4. Defaults to 256.
        head_channels (int, optional): Channels of the first two head convs.
            Defaults to ``channels``.
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
                 head_channels: Optional[int] = None,
                 output_stride: int = 16,
                 num_levels: int = 4,
                 norm_cfg: ConfigType = dict(type='BN'),
                 final_layer_std: Optional[float] = 0.001,
                 init_cfg: OptConfigType = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', layer='_BatchNorm', val=1),
            ]
        super().__init__(init_cfg)
        head_channels = channels if head_channels is None else head_channels
        self._check_args(
            num_keypoints=num_keypoints, num_stacks=num_stacks,
            channels=channels, head_channels=head_channels,
            output_stride=output_stride, num_levels=num_levels)
        self.num_keypoints = num_keypoints
        self.num_stacks = num_stacks
        self.channels = channels
        self.output_stride = output_stride
        self.num_levels = num_levels
        self.out_channels = 3 * num_keypoints
        self.final_layer_std = final_layer_std
        # up-samplings removed from the last hourglass, and stride-2 head
        # convs in the other stages: both bring stride 4 to S
        num_down = int(math.log2(output_stride // 4))
        self._pred_upsample = output_stride // 4

        self.stem = _stem(channels, norm_cfg)
        self.hourglasses = ModuleList()
        self.features = ModuleList()
        self.heads = ModuleList()
        self.merge_features = ModuleList()
        self.merge_preds = ModuleList()
        for i in range(num_stacks):
            last = i == num_stacks - 1
            self.hourglasses.append(
                _Hourglass(num_levels, channels, norm_cfg,
                           num_truncated=num_down if last else 0))
            self.features.append(
                Sequential(
                    _PreActResidual(channels, channels, norm_cfg),
                    ConvModule(channels, channels, 1, norm_cfg=norm_cfg)))
            # stride-2 convs first; the last stage is already at S
            strides = (1, 1, 1) if last else (2, ) * num_down + (1, ) * (
                3 - num_down)
            self.heads.append(
                self._make_head(channels, head_channels, strides, norm_cfg))
            if not last:
                self.merge_features.append(nn.Conv2d(channels, channels, 1))
                self.merge_preds.append(
                    nn.Conv2d(self.out_channels, channels, 1))

    def _check_args(self, **args) -> None:
        name = self.__class__.__name__
        for field in ('num_keypoints', 'num_stacks', 'channels',
                      'head_channels', 'num_levels'):
            value = args[field]
            if not (isinstance(value, int) and value > 0):
                raise ValueError(f'{name}: {field} must be a positive int, '
                                 f'got {value!r}')
        if args['channels'] % 4:
            raise ValueError(f'{name}: channels must be divisible by 4 (the '
                             f'stem uses C/4 and C/2), got {args["channels"]}')
        stride = args['output_stride']
        if stride not in (4, 8, 16, 32):
            raise ValueError(f'{name}: output_stride must be one of '
                             f'(4, 8, 16, 32), got {stride!r}')
        if 4 * 2**args['num_levels'] < stride:
            raise ValueError(
                f'{name}: num_levels must be at least log2(output_stride / 4)'
                f' = {int(math.log2(stride // 4))} so that the last '
                f'hourglass can stop at stride {stride}, got '
                f'{args["num_levels"]}')

    def _make_head(self, channels: int, head_channels: int,
                   strides: Sequence[int],
                   norm_cfg: ConfigType) -> Sequential:
        """The CL head subnetwork: three convs in series (paper sec. 3.2),
        (B, C, H, W) -> (B, 3K, H / prod(strides), W / prod(strides))."""
        s1, s2, s3 = strides
        return Sequential(
            ConvModule(channels, head_channels, 3, stride=s1, padding=1,
                       norm_cfg=norm_cfg),
            ConvModule(head_channels, head_channels, 3, stride=s2, padding=1,
                       norm_cfg=norm_cfg),
            # 1x1 unless a third stride-2 step is needed (S = 32)
            nn.Conv2d(head_channels, self.out_channels, 1 if s3 == 1 else 3,
                      stride=s3, padding=0 if s3 == 1 else 1))

    def init_weights(self) -> None:
        """Initialise as ``init_cfg`` says, then the last conv of every head
        with N(0, ``final_layer_std``) and zero bias (unless loading
        weights)."""
        super().init_weights()
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [
            self.init_cfg or {}
        ]
        pretrained = any(c.get('type') == 'Pretrained' for c in cfgs)
        if not pretrained and self.final_layer_std is not None:
            for head in self.heads:
                nn.init.normal_(head[-1].weight, 0, self.final_layer_std)
                nn.init.zeros_(head[-1].bias)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Forward the stacked hourglass.

        Args:
            x (Tensor): images (B, 3, h, w), ``h`` and ``w`` divisible by
                ``4 * 2**num_levels``.

        Returns:
            tuple[Tensor]: ``num_stacks`` CL maps, one per stage, first to
            last, each (B, 3K, h / S, w / S): channels ``[0, K)`` heatmaps,
            ``[K, 2K)`` y-offsets, ``[2K, 3K)`` x-offsets (in cells).
        """
        h, w = x.shape[-2:]
        unit = 4 * 2**self.num_levels
        if h % unit or w % unit:
            raise ValueError(
                f'{self.__class__.__name__}: input height and width must be '
                f'divisible by 4 * 2**num_levels = {unit}, got {h}x{w}')
        x = self.stem(x)  # (B, C, h/4, w/4)
        outs = []
        for i in range(self.num_stacks):
            # (B, C, h/4, w/4); the last stage (B, C, h/S, w/S)
            feat = self.features[i](self.hourglasses[i](x))
            pred = self.heads[i](feat)  # (B, 3K, h/S, w/S)
            outs.append(pred)
            if i < self.num_stacks - 1:
                pred_in = self.merge_preds[i](pred)  # (B, C, h/S, w/S)
                if self._pred_upsample > 1:
                    pred_in = F.interpolate(
                        pred_in, scale_factor=self._pred_upsample,
                        mode='nearest')  # (B, C, h/4, w/4)
                x = x + self.merge_features[i](feat) + pred_in
        return tuple(outs)
