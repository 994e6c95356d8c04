from .dataset_check_hook import CLDatasetCheckHook
from .non_finite_loss_hook import NonFiniteLossHook

__all__ = ['CLDatasetCheckHook', 'NonFiniteLossHook']
