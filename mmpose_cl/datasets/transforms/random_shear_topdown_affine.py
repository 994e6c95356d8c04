# Copyright (c) mmpose-cl contributors. All rights reserved.
import math
from numbers import Real
from typing import Dict, Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmpose.datasets.transforms import RandomBBoxTransform, TopdownAffine
from mmpose.registry import TRANSFORMS
from mmpose.structures.bbox import get_udp_warp_matrix, get_warp_matrix


@TRANSFORMS.register_module()
class RandomShearTopdownAffine(TopdownAffine):
    """:class:`mmpose.datasets.transforms.TopdownAffine` with a random
    horizontal shear about the crop centre, in the same warp.

    Section 4.1 of the paper augments with "shearing, scaling, rotation,
    flipping"; MMPose's top-down pipeline has no shear. This transform
    replaces ``TopdownAffine`` in a training pipeline (after
    ``RandomBBoxTransform`` or :class:`ClippedNormalBBoxTransform`, which
    still sample shift, scale and rotation).
    Each sample draws a shear angle ``theta`` (degrees) and warps the image
    once, with

    .. math::

        M = \\begin{bmatrix} 1 & \\tan\\theta & -c_y \\tan\\theta \\\\
                             0 & 1 & 0 \\end{bmatrix}
            \\begin{bmatrix} W \\\\ 0 \\; 0 \\; 1 \\end{bmatrix}

    where ``W`` (2x3) is the matrix ``TopdownAffine`` uses (MMPose's
    ``get_warp_matrix``, or ``get_udp_warp_matrix`` with ``use_udp``) and
    ``(c_x, c_y)`` is the crop centre, the point the bbox centre maps to:
    ``(w / 2, h / 2)``, or ``((w - 1) / 2, (h - 1) / 2)`` with UDP. In the crop
    (pixels, x right, y down) a point moves by ``tan(theta) * (y - c_y)``
    along x: with ``theta > 0`` the part below the centre moves right and the
    part above moves left; y, the crop centre and the area are unchanged.
    The keypoints go through the same ``M``.

    With ``theta = 0`` (``shear_prob=0``, ``shear_factor=0``, or a draw
    that is not applied) it is ``TopdownAffine``: the same matrix, image and
    keypoints, bit for bit, and with ``shear_factor=0`` or ``shear_prob=0``
    it draws no random numbers, so the other transforms' random streams are
    unchanged too. ``input_center``, ``input_scale`` and ``input_size`` are
    set as by ``TopdownAffine`` and describe the unsheared box: decoding
    assumes ``W``, so use this transform (with a shear) for training only
    and ``TopdownAffine`` in test pipelines. Like ``TopdownAffine`` it does
    not change ``keypoints_visible``: a keypoint the warp moves out of the
    crop keeps its visibility, and the codec gives it weight 0 (``CLCodec``
    for a point outside ``[0, w) x [0, h)``, MMPose's ``MSRAHeatmap`` when
    its Gaussian misses the map).

    ``TopdownAffine.transform`` builds its matrix inside the method, with no
    hook for another one, so :meth:`transform` repeats its steps (aspect
    ratio, one ``cv2.warpAffine``, ``cv2.transform`` of the keypoints, the
    ``input_*`` keys) around :meth:`get_warp_matrix`; the tests check that
    with no shear the result equals ``TopdownAffine``'s bit for bit.

    The angle is drawn as MMPose's ``RandomBBoxTransform`` draws its
    rotation: ``theta = shear_factor * t`` with ``t`` from a standard
    normal truncated to ``[-1, 1]`` (so ``|theta| <= shear_factor``),
    applied with probability ``shear_prob`` and 0 otherwise, from NumPy's
    global random state (seeded by MMEngine's ``randomness``). The draw is
    a ``cache_randomness`` method, so ``cache_random_params`` repeats it.

    Note:
        - instance number: N (top-down: 1)
        - keypoint number: K
        - input size: [w, h] (``input_size``)

    Required Keys:
        - img
        - bbox_center (N, 2), bbox_scale (N, 2) in pixels
        - bbox_rotation (N, ) in degrees (optional)
        - keypoints (N, K, 2) in pixels (optional)

    Modified Keys:
        - img: the (h, w) crop
        - bbox_scale: fixed to the aspect ratio ``w / h``

    Added Keys:
        - input_size, input_center, input_scale (as ``TopdownAffine``)
        - transformed_keypoints (N, K, 2): ``keypoints`` through ``M``, in
          crop pixels
        - bbox_shear (N, ): the drawn angles in degrees

    Args:
        input_size (Tuple[int, int]): The model input size ``(w, h)``.
        shear_factor (float): The largest shear angle in degrees, in
            ``[0, 90)``. The paper gives no range; 10 degrees moves a point
            at the crop's top or bottom edge by ``tan(10) * h / 2`` = 0.09 h.
            Defaults to 10.0.
        shear_prob (float): The probability of a non-zero shear, in
            ``[0, 1]``. Defaults to 0.5.
        use_udp (bool): Use MMPose's UDP warp matrix, as
            ``TopdownAffine(use_udp=True)``. Defaults to False.
    """

    def __init__(self,
                 input_size: Tuple[int, int],
                 shear_factor: float = 10.0,
                 shear_prob: float = 0.5,
                 use_udp: bool = False) -> None:
        super().__init__(input_size=input_size, use_udp=use_udp)
        name = self.__class__.__name__
        if (not isinstance(shear_factor, Real)
                or isinstance(shear_factor, bool)
                or not 0 <= shear_factor < 90):
            raise ValueError(f'{name}: shear_factor must be a number of '
                             f'degrees in [0, 90), got {shear_factor!r}')
        if (not isinstance(shear_prob, Real) or isinstance(shear_prob, bool)
                or not 0 <= shear_prob <= 1):
            raise ValueError(f'{name}: shear_prob must be a probability in '
                             f'[0, 1], got {shear_prob!r}')
        self.shear_factor = float(shear_factor)
        self.shear_prob = float(shear_prob)

    @cache_randomness
    def _get_shear(self, num_bboxes: int) -> np.ndarray:
        """Draw the shear angles (degrees) of ``num_bboxes`` boxes, (N, )."""
        if self.shear_factor == 0 or self.shear_prob == 0:
            return np.zeros(num_bboxes)  # no draw: other streams unchanged
        # the truncated normal RandomBBoxTransform uses for its rotation
        shear = RandomBBoxTransform._truncnorm(size=(num_bboxes, ))
        shear = shear.astype(np.float64) * self.shear_factor
        return np.where(
            np.random.rand(num_bboxes) < self.shear_prob, shear, 0.)

    def get_warp_matrix(self,
                        center: np.ndarray,
                        scale: np.ndarray,
                        rot: float = 0.,
                        shear: float = 0.) -> np.ndarray:
        """The 2x3 matrix ``M`` from image pixels to crop pixels.

        Args:
            center (np.ndarray): The box centre ``(x, y)`` in image pixels,
                shape (2, ).
            scale (np.ndarray): The box size ``(w, h)`` in image pixels,
                shape (2, ), already at the aspect ratio of ``input_size``.
            rot (float): The rotation in degrees, as ``TopdownAffine``.
                Defaults to 0.
            shear (float): The shear angle ``theta`` in degrees (see the
                class docstring). Defaults to 0.

        Returns:
            np.ndarray: ``M`` (2, 3); exactly ``TopdownAffine``'s matrix when
            ``shear == 0``.
        """
        w, h = self.input_size
        if self.use_udp:
            warp_mat = get_udp_warp_matrix(
                center, scale, rot, output_size=(w, h))
            centre_y = (h - 1) / 2
        else:
            warp_mat = get_warp_matrix(center, scale, rot, output_size=(w, h))
            centre_y = h / 2
        if shear == 0:
            return warp_mat
        t = math.tan(math.radians(shear))
        shear_mat = np.array([[1., t, -t * centre_y], [0., 1., 0.],
                              [0., 0., 1.]])
        return (shear_mat @ np.vstack([warp_mat, [0., 0., 1.]]))[:2]

    def transform(self, results: Dict) -> Optional[dict]:
        """Crop, resize, rotate and shear ``img`` and ``keypoints`` with one
        matrix (see the class docstring).

        Args:
            results (dict): The result dict of the pipeline.

        Returns:
            dict: The result dict with the (h, w) crop in ``img``.
        """
        w, h = self.input_size
        results['bbox_scale'] = self._fix_aspect_ratio(
            results['bbox_scale'], aspect_ratio=w / h)
        if results['bbox_center'].shape[0] != 1:
            raise ValueError(
                f'{self.__class__.__name__}: top-down needs one instance per '
                f'sample, got bbox_center of shape '
                f'{results["bbox_center"].shape}')
        shear = self._get_shear(1)
        center = results['bbox_center'][0]
        scale = results['bbox_scale'][0]
        rot = results['bbox_rotation'][0] if 'bbox_rotation' in results \
            else 0.
        warp_mat = self.get_warp_matrix(center, scale, rot, shear[0])

        def warp(img: np.ndarray) -> np.ndarray:
            return cv2.warpAffine(
                img, warp_mat, (int(w), int(h)), flags=cv2.INTER_LINEAR)

        img = results['img']
        results['img'] = [warp(i) for i in img] if isinstance(img, list) \
            else warp(img)

        if results.get('keypoints', None) is not None:
            # TopdownAffine keeps the extra columns of an earlier
            # transformed_keypoints and replaces (x, y)
            base = results.get('transformed_keypoints', None)
            transformed = (results['keypoints']
                           if base is None else base).copy()
            transformed[..., :2] = cv2.transform(results['keypoints'][..., :2],
                                                 warp_mat)
            results['transformed_keypoints'] = transformed
        else:
            results['transformed_keypoints'] = np.zeros([])
            results['keypoints_visible'] = np.ones((1, 1, 1))

        results['input_size'] = (w, h)
        results['input_center'] = center
        results['input_scale'] = scale
        results['bbox_shear'] = shear
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'shear_factor={self.shear_factor}, '
                f'shear_prob={self.shear_prob}, use_udp={self.use_udp})')
