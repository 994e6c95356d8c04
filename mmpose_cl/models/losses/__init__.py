from .cl_composite_loss import CLCompositeLoss

__all__ = ['CLCompositeLoss']
