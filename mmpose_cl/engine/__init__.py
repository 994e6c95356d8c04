from .hooks import CLDatasetCheckHook, NonFiniteLossHook

__all__ = ['CLDatasetCheckHook', 'NonFiniteLossHook']
