from .cl_head import CLHead, flip_cl_maps

__all__ = ['CLHead', 'flip_cl_maps']
