from .clnet_cspnext import CLNetCSPNeXt
from .clnet_hourglass import CLNetHourglass
from .clnet_resnet import CLNetResNet
from .newell_hourglass import NewellHourglass

__all__ = ['CLNetResNet', 'CLNetHourglass', 'CLNetCSPNeXt',
           'NewellHourglass']
