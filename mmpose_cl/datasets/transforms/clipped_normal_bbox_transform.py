# Copyright (c) mmpose-cl contributors. All rights reserved.
from typing import Tuple

import numpy as np
from clpose.checks import check_range
from mmcv.transforms.utils import cache_randomness
from mmpose.datasets.transforms import RandomBBoxTransform
from mmpose.registry import TRANSFORMS

#: how the scale is drawn from a standard normal N: SimpleBaseline's and
#: Newell et al.'s (see the class docstring)
SCALE_MODES = ('linear', 'log2')


@TRANSFORMS.register_module()
class ClippedNormalBBoxTransform(RandomBBoxTransform):
    """:class:`mmpose.datasets.transforms.RandomBBoxTransform` drawing the
    box's scale and rotation as the code of SimpleBaseline [3] and of
    Newell et al. [9] draws them: a normal clipped at its bounds, where
    MMPose truncates it.

    MMPose 1.3.2 draws ``t`` from a standard normal truncated to
    ``[-1, 1]`` and rotates by ``rotate_factor * t``: with
    ``rotate_factor=40`` the angles have a standard deviation of 21.6
    degrees and never pass 40; its scale is ``mu + t * (hi - lo) / 2`` for
    ``scale_factor=(lo, hi)``. The references draw ``N`` from a standard
    normal and clip (``sf`` is ``scale_factor``, ``rf`` ``rotate_factor``):

    - SimpleBaseline (``lib/dataset/JointsDataset.py`` of
      microsoft/human-pose-estimation.pytorch; its COCO files set
      ``SCALE_FACTOR: 0.3``, ``ROT_FACTOR: 40``, its MPII files 0.25 and
      30), ``scale_mode='linear'``: scale ``clip(1 + sf * N, 1 - sf,
      1 + sf)``; rotation ``clip(rf * N, -2 rf, 2 rf)`` for 60% of the
      samples, else 0. At rf = 40 the rotated samples' standard deviation
      is 38.4 degrees, 4.6% of them at +-80.
    - Newell et al. (``src/util/pose.lua`` of princeton-vl/pose-hg-train,
      ``-scale 0.25 -rotate 30``), ``scale_mode='log2'``: scale
      ``2 ** clip(sf * N, -2 sf, 2 sf)``; the same rotation for 40% of the
      samples (``r = 0`` when a uniform draw is ``<= 0.6``).

    Neither reference shifts the box; the shift, when asked for, is
    MMPose's (``shift_factor`` times a truncated normal, with probability
    ``shift_prob``). The draws come from NumPy's global random state
    (seeded by MMEngine's ``randomness``), in a ``cache_randomness`` method
    as MMPose's.

    Note:
        - instance number: N

    Required Keys:
        - bbox_center (N, 2), bbox_scale (N, 2) in pixels

    Modified Keys:
        - bbox_center, bbox_scale

    Added Keys:
        - bbox_rotation (N, ) in degrees

    Args:
        shift_factor (float): The box shift in units of its size, as
            MMPose's. Defaults to 0.16.
        shift_prob (float): The probability of a shift. Defaults to 0.0
            (the references do not shift).
        scale_factor (float): ``sf``, the standard deviation of the scale
            draw (not MMPose's ``(lo, hi)`` range), in ``[0, 1)``.
            Defaults to 0.3 (SimpleBaseline's on COCO).
        scale_mode (str): ``'linear'`` (SimpleBaseline) or ``'log2'``
            (Newell et al.). Defaults to ``'linear'``.
        scale_prob (float): The probability of a scale other than 1.
            Defaults to 1.0 (both references always scale).
        rotate_factor (float): ``rf``, the standard deviation of the
            rotation before clipping at ``+-2 rf``, in degrees. Defaults to
            40.0 (SimpleBaseline's on COCO).
        rotate_prob (float): The probability of a rotation. Defaults to 0.6
            (SimpleBaseline's; Newell et al.'s is 0.4).
    """

    def __init__(self,
                 shift_factor: float = 0.16,
                 shift_prob: float = 0.0,
                 scale_factor: float = 0.3,
                 scale_mode: str = 'linear',
                 scale_prob: float = 1.0,
                 rotate_factor: float = 40.0,
                 rotate_prob: float = 0.6) -> None:
        name = self.__class__.__name__

        def check(field, value, low, high=None, high_open=False):
            return float(check_range(f'{name}: {field}', value, low, high,
                                     high_open=high_open))

        if isinstance(scale_factor, (tuple, list)):
            raise ValueError(
                f'{name}: scale_factor is the standard deviation sf of the '
                f'scale draw (e.g. 0.3 for 0.7-1.3), not RandomBBoxTransform'
                f"'s (lo, hi) range; got {scale_factor!r}")
        if scale_mode not in SCALE_MODES:
            raise ValueError(f'{name}: scale_mode must be one of '
                             f'{SCALE_MODES}, got {scale_mode!r}')
        super().__init__(
            shift_factor=check('shift_factor', shift_factor, 0),
            shift_prob=check('shift_prob', shift_prob, 0, 1),
            scale_factor=check('scale_factor', scale_factor, 0, 1, True),
            scale_prob=check('scale_prob', scale_prob, 0, 1),
            rotate_factor=check('rotate_factor', rotate_factor, 0),
            rotate_prob=check('rotate_prob', rotate_prob, 0, 1))
        self.scale_mode = scale_mode

    @cache_randomness
    def _get_transform_params(self, num_bboxes: int) -> Tuple[np.ndarray, ...]:
        """Draw the parameters of ``num_bboxes`` boxes.

        Returns:
            tuple:
            - offset (np.ndarray): shift in units of the box size, (n, 2)
            - scale (np.ndarray): scale factor of the box, (n, 1)
            - rotate (np.ndarray): rotation in degrees, (n, )
        """
        offset = self._truncnorm(size=(num_bboxes, 2)) * self.shift_factor
        offset = np.where(
            np.random.rand(num_bboxes, 1) < self.shift_prob, offset, 0.)

        sf, rf = self.scale_factor, self.rotate_factor
        scale_n, rotate_n = np.random.randn(2, num_bboxes)
        if self.scale_mode == 'linear':  # SimpleBaseline
            scale = np.clip(1 + sf * scale_n, 1 - sf, 1 + sf)
        else:  # Newell et al.
            scale = 2**np.clip(sf * scale_n, -2 * sf, 2 * sf)
        scale = np.where(
            np.random.rand(num_bboxes) < self.scale_prob, scale, 1.)

        rotate = np.clip(rf * rotate_n, -2 * rf, 2 * rf)
        rotate = np.where(
            np.random.rand(num_bboxes) < self.rotate_prob, rotate, 0.)
        return (offset.astype(np.float32), scale[:, None].astype(np.float32),
                rotate.astype(np.float32))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(shift_prob={self.shift_prob}, '
                f'shift_factor={self.shift_factor}, '
                f'scale_prob={self.scale_prob}, '
                f'scale_factor={self.scale_factor}, '
                f'scale_mode={self.scale_mode!r}, '
                f'rotate_prob={self.rotate_prob}, '
                f'rotate_factor={self.rotate_factor})')
