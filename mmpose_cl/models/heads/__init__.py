from .base_cl_head import BaseCLHead, flip_cl_maps
from .cl_head import CLHead
from .cl_multi_stage_head import CLMultiStageHead

__all__ = ['BaseCLHead', 'CLHead', 'CLMultiStageHead', 'flip_cl_maps']
