# Copyright (c) mmpose-cl contributors. All rights reserved.
from .checked_coco_dataset import CheckedCocoDataset
from .lsp_dataset import LspDataset
from .transforms import (CheckedLoadImage, ClippedNormalBBoxTransform,
                         RandomShearTopdownAffine)

__all__ = [
    'LspDataset', 'CheckedCocoDataset', 'CheckedLoadImage',
    'ClippedNormalBBoxTransform', 'RandomShearTopdownAffine'
]
