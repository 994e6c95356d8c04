from .clnet_hourglass import CLNetHourglass
from .clnet_resnet import CLNetResNet

__all__ = ['CLNetResNet', 'CLNetHourglass']
