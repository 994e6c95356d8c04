from .checkpoint import patch_mmengine_checkpoints

__all__ = ['patch_mmengine_checkpoints']
