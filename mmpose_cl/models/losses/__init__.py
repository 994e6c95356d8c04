from .cl_composite_loss import CLCompositeLoss
from .cl_peak_offset_loss import CLPeakOffsetLoss
from .grmi_loss import GRMILoss

__all__ = ['CLCompositeLoss', 'CLPeakOffsetLoss', 'GRMILoss']
