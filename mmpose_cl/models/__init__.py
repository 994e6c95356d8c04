from .backbones import CLNetResNet
from .heads import CLHead, flip_cl_maps
from .losses import CLCompositeLoss

__all__ = ['CLNetResNet', 'CLHead', 'flip_cl_maps', 'CLCompositeLoss']
