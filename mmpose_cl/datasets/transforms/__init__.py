# Copyright (c) mmpose-cl contributors. All rights reserved.
from .checked_load_image import CheckedLoadImage
from .clipped_normal_bbox_transform import ClippedNormalBBoxTransform
from .random_shear_topdown_affine import RandomShearTopdownAffine

__all__ = [
    'CheckedLoadImage', 'ClippedNormalBBoxTransform',
    'RandomShearTopdownAffine'
]
