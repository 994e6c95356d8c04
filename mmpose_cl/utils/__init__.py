from .checkpoint import patch_mmengine_checkpoints
from .package_lookup import patch_mmengine_package_lookup

__all__ = ['patch_mmengine_checkpoints', 'patch_mmengine_package_lookup']
