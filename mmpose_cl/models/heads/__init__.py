from .base_cl_head import BaseCLHead, flip_cl_maps
from .cl_head import CLHead
from .cl_multi_stage_head import CLMultiStageHead
from .multi_stage_heatmap_head import MultiStageHeatmapHead

__all__ = [
    'BaseCLHead', 'CLHead', 'CLMultiStageHead', 'MultiStageHeatmapHead',
    'flip_cl_maps'
]
