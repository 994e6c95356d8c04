# Copyright (c) mmpose-cl contributors. All rights reserved.
from mmpose.models.backbones import ResNet
from mmpose.registry import MODELS

# output stride -> number of residual stages kept after the stem
# (stem = 7x7 conv stride 2 + max-pool stride 2, then stages of stride 1,2,2,2)
_STAGES_FOR_STRIDE = {4: 1, 8: 2, 16: 3, 32: 4}


@MODELS.register_module()
class CLNetResNet(ResNet):
    """Backbone of CLNet-ResNet (paper section 3.2, fig. 2a): the ResNet stem
    and its first residual stages, no up-sampling.

    With the default ``output_stride=16`` it keeps the stem and three stages
    (``layer1``-``layer3``), so a (B, 3, h, w) input gives one feature map of
    shape (B, C, h / 16, w / 16) with C = 1024 for depth 50/101/152 and 256
    for depth 18/34. The stage names match torchvision's ResNet, so
    ``init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')``
    loads the kept stages (``layer4`` and ``fc`` are reported as unused).

    Args:
        depth (int): ResNet depth, one of 18, 34, 50, 101, 152.
        output_stride (int): 4, 8, 16 or 32: keeps 1, 2, 3 or 4 stages
            (the stride ablation of the paper's Table 5). Defaults to 16.
        **kwargs: Other arguments of :class:`mmpose.models.ResNet` except
            ``num_stages``, ``strides``, ``dilations`` and ``out_indices``,
            which ``output_stride`` sets.
    """

    def __init__(self, depth: int = 50, output_stride: int = 16, **kwargs):
        name = self.__class__.__name__
        if output_stride not in _STAGES_FOR_STRIDE:
            raise ValueError(
                f'{name}: output_stride must be one of '
                f'{sorted(_STAGES_FOR_STRIDE)}, got {output_stride!r}')
        if depth not in self.arch_settings:
            raise ValueError(
                f'{name}: depth must be one of {sorted(self.arch_settings)}, '
                f'got {depth!r}')
        fixed = {'num_stages', 'strides', 'dilations', 'out_indices'} & set(
            kwargs)
        if fixed:
            raise TypeError(f'{name}: {sorted(fixed)} are set by '
                            f'output_stride and cannot be given')
        num_stages = _STAGES_FOR_STRIDE[output_stride]
        super().__init__(
            depth=depth,
            num_stages=num_stages,
            strides=(1, 2, 2, 2)[:num_stages],
            dilations=(1, ) * num_stages,
            out_indices=(num_stages - 1, ),
            **kwargs)
        self.output_stride = output_stride
        self.out_channels = self.feat_dim
