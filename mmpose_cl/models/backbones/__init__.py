from .clnet_resnet import CLNetResNet

__all__ = ['CLNetResNet']
