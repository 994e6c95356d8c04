# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What Newell's stacked hourglass and CLNet-Hourglass share.

Shape shorthand: B batch, C trunk channels, M maps per stage, [w, h] input
crop in pixels, S output stride (pixels per map cell). The trunk between
stages runs at stride 4, i.e. (B, C, h / 4, w / 4); every stage predicts
(B, M, h / S, w / S).

This is the hourglass of Newell et al., "Stacked Hourglass Networks for Human
Pose Estimation" (ECCV 2016, https://arxiv.org/abs/1603.06937), not MMPose's
``HourglassNet`` (CornerNet's Hourglass-52, post-activation basic blocks).
"""
import math
from abc import abstractmethod
from typing import Optional, Tuple

import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList, Sequential
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor, nn

from ..utils import loads_pretrained

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
    residual ``low1``, the inner hourglass (a residual at the bottom),
    residual ``low3``; output = ``up1 + nearest_upsample_x2(low)``, at the
    input resolution.

    The ``t = num_truncated`` outermost levels have no up-sampling (CL's
    final stage, paper fig. 2b): their output is ``low`` itself, at
    ``1 / 2**t`` of the input resolution, and they have no ``up1``, the skip
    residual whose only use is to be added to the up-sampled ``low``. An
    input of (B, C, H, W) gives (B, C, H / 2**t, W / 2**t).
    """

    def __init__(self, num_levels: int, channels: int, norm_cfg: ConfigType,
                 num_truncated: int = 0) -> None:
        super().__init__()
        self.upsample = num_truncated == 0
        self.pool = nn.MaxPool2d(2, 2)
        self.up1 = (_PreActResidual(channels, channels, norm_cfg)
                    if self.upsample else None)
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
        if not self.upsample:
            return low
        return self.up1(x) + F.interpolate(
            low, scale_factor=2, mode='nearest')  # (B, C, H, W)


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


class BaseStackedHourglass(BaseModule):
    """Newell's stacked hourglass with intermediate supervision; a subclass
    says what each stage's features and prediction head are.

    Stage ``i``: hourglass, then :meth:`_make_features` (the stage features,
    (B, C, h/4, w/4)), then :meth:`_make_head` (the stage's M maps at stride
    ``S``). Between stages, Newell's re-injection: the trunk (B, C, h/4, w/4)
    gets ``conv1x1(stage features) + up(conv1x1(stage maps))``; at ``S > 4``
    the 1x1 conv maps the predictions to C channels at stride S and nearest
    up-sampling by ``S / 4`` brings them to stride 4 (a 1x1 conv commutes with
    nearest up-sampling, so this is Newell's ``conv1x1(up(pred))`` at
    ``(4 / S)**2`` of the cost). The last hourglass skips its last
    ``log2(S / 4)`` up-samplings (see :class:`_Hourglass`), so the last
    stage's features are at stride S already.

    A subclass sets ``out_channels`` (M), then calls :meth:`_build_stages` at
    the end of its ``__init__``, once the fields its hooks read are set.

    Args:
        num_keypoints (int): K.
        num_stacks (int): Number of hourglass stages.
        channels (int): Trunk channels C (the stem uses C/4 and C/2, 64 and
            128 for Newell's C = 256); divisible by 4.
        num_levels (int): Levels (max-poolings) of each hourglass, at least
            ``log2(S / 4)``. Inputs must be divisible by ``4 * 2**num_levels``.
        output_stride (int): S, one of 4, 8, 16, 32.
        norm_cfg (dict): Norm layers.
        final_layer_std (float, optional): Std of the normal init of the
            last conv of every head (small, as in MMPose's heatmap heads);
            None leaves it to ``init_cfg``.
        init_cfg (dict | list, optional): None gives Kaiming for the convs
            and constant 1 for the norms (no pretraining).
    """

    def __init__(self, num_keypoints: int, num_stacks: int, channels: int,
                 num_levels: int, output_stride: int, norm_cfg: ConfigType,
                 final_layer_std: Optional[float],
                 init_cfg: OptConfigType) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', layer='_BatchNorm', val=1),
            ]
        super().__init__(init_cfg)
        self._check_args(
            num_keypoints=num_keypoints, num_stacks=num_stacks,
            channels=channels, num_levels=num_levels,
            output_stride=output_stride)
        self.num_keypoints = num_keypoints
        self.num_stacks = num_stacks
        self.channels = channels
        self.num_levels = num_levels
        self.output_stride = output_stride
        self.norm_cfg = norm_cfg
        self.final_layer_std = final_layer_std
        self.stem = _stem(channels, norm_cfg)
        self.hourglasses = ModuleList()
        self.features = ModuleList()
        self.heads = ModuleList()
        self.merge_features = ModuleList()
        self.merge_preds = ModuleList()

    def _check_args(self, **args) -> None:
        name = self.__class__.__name__
        for field in ('num_keypoints', 'num_stacks', 'channels',
                      'num_levels'):
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

    @property
    def num_down(self) -> int:
        """``log2(S / 4)``: up-samplings removed from the last hourglass."""
        return int(math.log2(self.output_stride // 4))

    def _residual(self) -> _PreActResidual:
        """A C -> C residual module of Newell's."""
        return _PreActResidual(self.channels, self.channels, self.norm_cfg)

    def _make_features(self) -> nn.Module:
        """A stage's features after its hourglass, (B, C, H, W) -> (B, C, H,
        W): Newell's residual module (what every stage re-injects through
        ``merge_features``)."""
        return self._residual()

    @abstractmethod
    def _make_head(self, last: bool) -> Sequential:
        """A stage's head, (B, C, h/4, w/4) -> (B, M, h/S, w/S), or at
        stride S already in the ``last`` stage; its last module is the conv
        that ``final_layer_std`` initialises."""

    def _build_stages(self) -> None:
        """Build the ``num_stacks`` stages with the subclass's hooks."""
        for i in range(self.num_stacks):
            last = i == self.num_stacks - 1
            self.hourglasses.append(
                _Hourglass(self.num_levels, self.channels, self.norm_cfg,
                           num_truncated=self.num_down if last else 0))
            self.features.append(self._make_features())
            self.heads.append(self._make_head(last))
            if not last:
                self.merge_features.append(
                    nn.Conv2d(self.channels, self.channels, 1))
                self.merge_preds.append(
                    nn.Conv2d(self.out_channels, self.channels, 1))

    def init_weights(self) -> None:
        """Initialise as ``init_cfg`` says, then the last conv of every head
        with N(0, ``final_layer_std``) and zero bias (unless loading
        weights)."""
        super().init_weights()
        if (not loads_pretrained(self.init_cfg)
                and self.final_layer_std is not None):
            for head in self.heads:
                nn.init.normal_(head[-1].weight, 0, self.final_layer_std)
                nn.init.zeros_(head[-1].bias)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Forward the stacked hourglass.

        Args:
            x (Tensor): images (B, 3, h, w), ``h`` and ``w`` divisible by
                ``4 * 2**num_levels``.

        Returns:
            tuple[Tensor]: ``num_stacks`` maps, one per stage, first to last,
            each (B, M, h / S, w / S).
        """
        h, w = x.shape[-2:]
        unit = 4 * 2**self.num_levels
        if h % unit or w % unit:
            raise ValueError(
                f'{self.__class__.__name__}: input height and width must be '
                f'divisible by 4 * 2**num_levels = {unit}, got {h}x{w}')
        x = self.stem(x)  # (B, C, h/4, w/4)
        pred_upsample = self.output_stride // 4
        outs = []
        for i in range(self.num_stacks):
            # (B, C, h/4, w/4); the last stage (B, C, h/S, w/S)
            feat = self.features[i](self.hourglasses[i](x))
            pred = self.heads[i](feat)  # (B, M, h/S, w/S)
            outs.append(pred)
            if i < self.num_stacks - 1:
                pred_in = self.merge_preds[i](pred)  # (B, C, h/S, w/S)
                if pred_upsample > 1:
                    pred_in = F.interpolate(
                        pred_in, scale_factor=pred_upsample,
                        mode='nearest')  # (B, C, h/4, w/4)
                x = x + self.merge_features[i](feat) + pred_in
        return tuple(outs)
