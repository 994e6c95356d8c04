from .cl_head import CLHead, flip_cl_maps
from .cl_multi_stage_head import CLMultiStageHead

__all__ = ['CLHead', 'CLMultiStageHead', 'flip_cl_maps']
