# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Backbone of CLNet-CSPNeXt (not in the paper): composite localization on
RTMPose's backbone, so that a CL model can be put beside RTMPose at each of
its sizes.

It is the stem and stages 1-3 of MMDet's CSPNeXt
(:class:`mmdet.models.backbones.CSPNeXt`), at RTMPose's t, s, m and l
widths and depths in ``configs/clnet_cspnext-*.py``, ending at stride 16,
where CL's maps are decoded (section 3), without up-sampling: a
(B, 3, h, w) crop gives (B, C, h / 16, w / 16).
Stage 4 and its SPP, which take CSPNeXt to stride 32, are never built. Of
the four ways measured to reach stride 16 (stop after stage 3; stage 4
dilated at stride 1; a lighter head; stage 4 up-sampled onto stage 3),
stopping after stage 3 and keeping the paper's ``CLHead`` is the one that
needs no more GFLOPs than RTMPose and at most 0.9x its latency at every
size, as CLNet-ResNet keeps ResNet's first three stages
(docs/cspnext_design.md).
"""
from typing import Optional, Sequence

from mmdet.models.backbones import CSPNeXt
from mmpose.registry import MODELS

# the stem has stride 2 and each stage halves the map (its first conv has
# stride 2), so n stages give stride 2 ** (n + 1)
_STAGES_FOR_STRIDE = {4: 1, 8: 2, 16: 3, 32: 4, 64: 5}


@MODELS.register_module()
class CLNetCSPNeXt(CSPNeXt):
    """Backbone of CLNet-CSPNeXt: the stem and the first stages of RTMPose's
    CSPNeXt (:class:`mmdet.models.backbones.CSPNeXt`), no up-sampling.

    With the default ``output_stride=16`` it builds the stem and
    ``stage1``-``stage3`` only (``stage4`` and its SPP are never built), so a
    (B, 3, h, w) input gives one feature map of shape (B, C, h / 16, w / 16)
    with C = ``int(512 * widen_factor)``: 192, 256, 384 and 512 for
    RTMPose's t, s, m and l widths (0.375, 0.5, 0.75, 1.0). The module names
    are CSPNeXt's, so RTMPose's checkpoints load with
    ``init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=...)``
    (their ``stage4`` and head weights are reported as unused).

    Args:
        arch (str): ``'P5'`` (4 stages, stride up to 32) or ``'P6'``
            (5 stages, up to 64). Defaults to ``'P5'``.
        output_stride (int): 4, 8, 16, 32 or 64 (P6 only): keeps 1, 2, 3,
            4 or 5 stages. Defaults to 16.
        arch_ovewrite (list, optional): CSPNeXt's per-stage settings
            ``[in, out, num_blocks, add_identity, use_spp]`` replacing
            ``arch``'s (MMDet's spelling); the first stages of it are kept.
            Defaults to None.
        **kwargs: Other arguments of :class:`mmdet.models.backbones.CSPNeXt`
            (``widen_factor``, ``deepen_factor``, ``expand_ratio``,
            ``channel_attention``, ``norm_cfg``, ``init_cfg`` ...) except
            ``out_indices``, which ``output_stride`` sets.
    """

    def __init__(self,
                 arch: str = 'P5',
                 output_stride: int = 16,
                 arch_ovewrite: Optional[Sequence[list]] = None,
                 **kwargs):
        name = self.__class__.__name__
        if arch not in self.arch_settings:
            raise ValueError(f'{name}: arch must be one of '
                             f'{sorted(self.arch_settings)}, got {arch!r}')
        stages = list(arch_ovewrite or self.arch_settings[arch])
        strides = [
            s for s, n in _STAGES_FOR_STRIDE.items() if n <= len(stages)
        ]
        if output_stride not in strides:
            raise ValueError(
                f'{name}: output_stride must be one of {strides} for '
                f'{len(stages)} stages (arch {arch!r}), got {output_stride!r}')
        if 'out_indices' in kwargs:
            raise TypeError(f'{name}: out_indices is set by output_stride '
                            'and cannot be given')
        num_stages = _STAGES_FOR_STRIDE[output_stride]
        super().__init__(
            arch=arch,
            arch_ovewrite=stages[:num_stages],
            out_indices=(num_stages, ),  # CSPNeXt counts the stem as 0
            **kwargs)
        self.output_stride = output_stride
        self.out_channels = int(stages[num_stages - 1][1] *
                                kwargs.get('widen_factor', 1.0))
