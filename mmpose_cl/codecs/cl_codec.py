# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Composite-localization (CL) codec: sparse heatmaps + short-distance offsets.

Shape shorthand used throughout this module:
    N: instances, K: keypoints, B: batch of instances,
    [w, h]: input crop size in pixels, [W, H]: map size in cells (w // S, h // S),
    S: stride (pixels per cell). Offsets are y-first: channels [0, K) hold y,
    channels [K, 2K) hold x (paper eq. 3), in units of cells (pixels / S).
"""
import math
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from mmpose.codecs.base import BaseKeypointCodec
from mmpose.registry import KEYPOINT_CODECS
from torch import Tensor


@KEYPOINT_CODECS.register_module()
class CLCodec(BaseKeypointCodec):
    """Encode keypoints as a sparse heatmap and 2K short-distance offset maps,
    and decode them by activation-weighted voting (Chen et al., "Composite
    Localization for Human Pose Estimation", sections 3.1 and 3.4).

    Cell centres. Cell ``(i, j)`` (row ``i``, column ``j``, 0-based) is centred
    at ``c = ((j + 0.5) * S - 0.5, (i + 0.5) * S - 0.5)`` in MMPose's keypoint
    coordinates, where pixel centres sit at integers. This is the paper's
    eq. (2), ``t(p') = ((p' - C) * S)`` with 1-based ``p'`` and ``C = 0.5``,
    moved to MMPose's convention. It is symmetric under MMPose's horizontal
    flip ``x -> w - 1 - x``: column ``j`` maps onto column ``W - 1 - j``, so a
    flipped map is again a valid map and the flip test merges exactly.

    Heatmap (eq. 1). ``H_k(c) = exp(-||c - g_k||^2 / (2 sigma^2))`` with the
    distance and ``sigma`` in input pixels. The paper prints the *unsquared*
    norm; with ``sigma = 16`` that would put every cell of a 256x192 crop
    above ``tau`` (``exp(-320 / 512) = 0.54`` only at the far corner), which
    contradicts "sparse", so we read eq. (1) as the usual Gaussian.

    Offsets (eq. 3). ``O_k = (g_y - c_y) / S`` and ``O_{K+k} = (g_x - c_x) / S``.

    Decoding (section 3.4). For keypoint ``k`` every cell with
    ``H_k >= tau`` votes ``c + S * (O_{K+k}, O_k)``; the votes are averaged
    with the activations as weights. When no cell reaches ``tau`` the argmax
    cell votes alone. The score is the maximum activation. A cell whose
    activation or offsets are NaN or infinite never votes (nor counts for the
    score), so a partly non-finite prediction cannot turn a keypoint into NaN;
    a keypoint with no finite cell at all is put at the crop centre with
    score 0.

    Note:
        - instance number: N
        - keypoint number: K
        - keypoint dimension: D (= 2)
        - input size: [w, h] pixels
        - map size: [W, H] cells, ``W = w // S``, ``H = h // S``

    Encoded:
        - heatmaps (np.ndarray): sparse heatmaps in shape (K, H, W), float32
        - offsets (np.ndarray): offset maps in shape (2K, H, W), float32,
          y-offsets first, in cells
        - keypoint_weights (np.ndarray): shape (N, K), float32; 1 for a
          visible keypoint with finite coordinates inside ``[0, w) x [0, h)``,
          else 0 (its heatmap and offset channels are then all zero)

    Args:
        input_size (tuple): Input crop size ``(w, h)`` in pixels. Both must be
            divisible by ``stride``.
        stride (int): Pixels per map cell, ``S``. Defaults to 16.
        sigma (float | str): Gaussian standard deviation in input pixels,
            or ``'stride'`` for ``sigma = S``: the target region (the cells
            within ``sigma * sqrt(2 ln(1 / tau))`` of the keypoint) then
            scales with the cells, and at ``tau = 0.6`` it always reaches
            the nearest cell centre (at most ``S / sqrt(2)`` away). With
            ``sigma = 16`` at ``S = 32`` a fifth of the keypoint positions
            have no cell ``>= tau`` (``docs/stride32_targets.md``). Defaults
            to 16.0 (the paper's, section 4.1).
        tau (float): Activation threshold in ``(0, 1]`` for voting cells.
            Defaults to 0.6.
    """

    label_mapping_table = dict(keypoint_weights='keypoint_weights')
    field_mapping_table = dict(heatmaps='heatmaps', offsets='offsets')

    def __init__(self,
                 input_size: Tuple[int, int],
                 stride: int = 16,
                 sigma: Union[float, str] = 16.0,
                 tau: float = 0.6) -> None:
        super().__init__()
        name = self.__class__.__name__
        if (not isinstance(stride, (int, np.integer))
                or isinstance(stride, bool) or stride < 1):
            raise ValueError(
                f'{name}: stride must be a positive integer, got {stride!r}')
        if len(input_size) != 2 or any(
                int(s) != s or s < stride for s in input_size):
            raise ValueError(
                f'{name}: input_size must be (w, h) integers of at least '
                f'stride={stride} pixels, got {tuple(input_size)!r}')
        if any(int(s) % stride for s in input_size):
            raise ValueError(
                f'{name}: input_size {tuple(input_size)!r} must be divisible '
                f'by stride={stride} (the flip test and the cell grid need '
                'w = W * S and h = H * S)')
        if isinstance(sigma, str):
            if sigma != 'stride':
                raise ValueError(f"{name}: sigma must be a number > 0 or "
                                 f"'stride', got {sigma!r}")
            sigma = stride
        if not np.isfinite(sigma) or sigma <= 0:
            raise ValueError(f'{name}: sigma must be > 0, got {sigma!r}')
        if not (0 < tau <= 1):
            raise ValueError(f'{name}: tau must be in (0, 1], got {tau!r}')

        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.stride = int(stride)
        self.sigma = float(sigma)
        self.tau = float(tau)
        self.heatmap_size = (self.input_size[0] // self.stride,
                             self.input_size[1] // self.stride)

    # ------------------------------------------------------------- geometry
    def cell_centers(self) -> Tuple[np.ndarray, np.ndarray]:
        """Cell centres in input pixels (paper eq. 2, MMPose convention).

        Returns:
            tuple: ``cx`` in shape (W,) and ``cy`` in shape (H,), float64.
        """
        W, H = self.heatmap_size
        S = self.stride
        cx = (np.arange(W) + 0.5) * S - 0.5
        cy = (np.arange(H) + 0.5) * S - 0.5
        return cx, cy

    # --------------------------------------------------------------- encode
    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None) -> dict:
        """Encode one instance's keypoints (paper eq. 1-3).

        Args:
            keypoints (np.ndarray): Keypoints in input-crop pixels, shape
                (N, K, D) with N = 1 (top-down).
            keypoints_visible (np.ndarray, optional): Visibility in shape
                (N, K); values > 0 count as visible. Defaults to all visible.

        Returns:
            dict: ``heatmaps`` (K, H, W), ``offsets`` (2K, H, W) and
            ``keypoint_weights`` (N, K); see the class docstring.
        """
        keypoints = np.asarray(keypoints, dtype=np.float64)
        if keypoints.ndim != 3 or keypoints.shape[-1] < 2:
            raise ValueError(
                f'{self.__class__.__name__}.encode: keypoints must have shape '
                f'(N, K, 2), got {keypoints.shape}')
        N, K = keypoints.shape[:2]
        if N != 1:
            raise ValueError(
                f'{self.__class__.__name__}.encode encodes one instance per '
                f'crop (top-down), got N={N} instances')
        if keypoints_visible is None:
            keypoints_visible = np.ones((N, K), dtype=np.float32)
        keypoints_visible = np.asarray(keypoints_visible)
        if keypoints_visible.shape != (N, K):
            raise ValueError(
                f'{self.__class__.__name__}.encode: keypoints_visible must '
                f'have shape {(N, K)}, got {keypoints_visible.shape}')

        w, h = self.input_size
        gx, gy = keypoints[0, :, 0], keypoints[0, :, 1]  # (K,)
        with np.errstate(invalid='ignore'):
            valid = ((keypoints_visible[0] > 0) & np.isfinite(gx)
                     & np.isfinite(gy) & (gx >= 0) & (gx < w) & (gy >= 0)
                     & (gy < h))
        gx = np.where(valid, gx, 0.)
        gy = np.where(valid, gy, 0.)

        cx, cy = self.cell_centers()
        dx = gx[:, None] - cx[None, :]  # (K, W) pixels
        dy = gy[:, None] - cy[None, :]  # (K, H) pixels
        # eq. (1): Gaussian of the squared distance (see class docstring)
        heatmaps = np.exp(-(dy[:, :, None]**2 + dx[:, None, :]**2) /
                          (2 * self.sigma**2))  # (K, H, W)
        W, H = self.heatmap_size
        # eq. (3): y-offsets first, then x-offsets, in cells
        offsets = np.concatenate([
            np.broadcast_to(dy[:, :, None], (K, H, W)),
            np.broadcast_to(dx[:, None, :], (K, H, W)),
        ]) / self.stride  # (2K, H, W)

        mask = valid.astype(np.float32)
        heatmaps = (heatmaps * mask[:, None, None]).astype(np.float32)
        offsets = (offsets * np.tile(mask, 2)[:, None, None]).astype(
            np.float32)
        return dict(
            heatmaps=heatmaps,
            offsets=offsets,
            keypoint_weights=mask[None].copy())

    # --------------------------------------------------------------- decode
    def decode(self, heatmaps: np.ndarray,
               offsets: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Decode one instance (MMPose's per-instance API) with
        :meth:`decode_torch`.

        Args:
            heatmaps (np.ndarray): Sparse heatmaps in shape (K, H, W).
            offsets (np.ndarray): Offsets in shape (2K, H, W), y first, cells.

        Returns:
            tuple:
            - keypoints (np.ndarray): shape (1, K, 2), x-y in input pixels
            - scores (np.ndarray): shape (1, K), the maximum activation
        """
        keypoints, scores = self.decode_torch(
            torch.as_tensor(np.asarray(heatmaps, np.float32))[None],
            torch.as_tensor(np.asarray(offsets, np.float32))[None])
        return keypoints.numpy(), scores.numpy()

    def decode_torch(self, heatmaps: Tensor,
                     offsets: Tensor) -> Tuple[Tensor, Tensor]:
        """Decode a batch by activation-weighted voting (section 3.4), on
        the maps' device, in float32.

        For each keypoint, every cell with ``H >= tau`` votes its centre
        (eq. 2) plus ``S`` times its offsets, weighted by ``H``; when no cell
        reaches ``tau``, the argmax cell votes alone. Cells whose activation
        or offsets are not finite never vote (nor count for the score); a
        keypoint with no finite cell is put at the crop centre with score 0.
        There is no data-dependent Python branch: the fallbacks are
        ``torch.where``, and the keypoints with a non-finite cell (usually
        none) are voted again from their masked maps, gathered by index; so
        the function traces into an ONNX graph as plain operators.

        Args:
            heatmaps (Tensor): Sparse heatmaps in shape (B, K, H, W).
            offsets (Tensor): Offsets in shape (B, 2K, H, W), y first, cells.

        Returns:
            tuple:
            - keypoints (Tensor): shape (B, K, 2), x-y in input pixels
            - scores (Tensor): shape (B, K), the maximum finite activation
        """
        self._check_maps(heatmaps.shape[1:], offsets.shape[1:])
        B, K, H, W = heatmaps.shape
        hm = heatmaps.detach().float().reshape(B, K, H * W)
        off = offsets.detach().float().reshape(B, 2, K, H * W)
        x, y, scores = self._vote(hm, off[:, 0], off[:, 1])  # (B, K) each

        # keypoints with a non-finite activation or offset (a non-finite sum
        # of their maps): vote again without those cells
        finite = (hm.sum(-1) + off.sum((1, 3))).isfinite()  # (B, K)
        b, k = (~finite).nonzero(as_tuple=True)
        hm_bad, off_bad = hm[b, k], off[b, :, k]  # (n, H*W), (n, 2, H*W)
        # hm + 0 * (off_y + off_x) is NaN where any of the three is not
        # finite: such cells get activation -inf and offsets 0
        hm_bad = torch.nan_to_num(
            torch.add(hm_bad, off_bad.sum(1), alpha=0),
            nan=-math.inf, posinf=-math.inf, neginf=-math.inf)
        off_bad = torch.nan_to_num(off_bad, nan=0., posinf=0., neginf=0.)
        x[b, k], y[b, k], scores[b, k] = self._vote(hm_bad, off_bad[:, 0],
                                                   off_bad[:, 1])

        # no finite cell (or votes that overflow): the crop centre, score 0
        ok = (scores > -math.inf) & x.isfinite() & y.isfinite()
        w, h = self.input_size
        x = torch.where(ok, x, (w - 1) / 2)
        y = torch.where(ok, y, (h - 1) / 2)
        scores = torch.where(ok, scores, 0.)
        return torch.stack([x, y], dim=-1), scores

    def _vote(self, hm: Tensor, off_y: Tensor,
              off_x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Section 3.4 on rows of cells: activations ``hm`` and offsets
        ``off_y``, ``off_x`` (cells) of shape (..., H*W), row-major cells.

        Returns:
            tuple: x, y (input pixels) and the maximum activation, each of
            shape (...).
        """
        H, W = self.heatmap_size[1], self.heatmap_size[0]
        S = self.stride
        cx, cy = (torch.as_tensor(c, dtype=torch.float32, device=hm.device)
                  for c in self.cell_centers())
        cx = cx.repeat(H)  # (H*W,) row-major
        cy = cy.repeat_interleave(W)
        # the cells >= tau vote centre + S * offset, weighted by activation:
        # sum_c w_c (centre_c + S * offset_c) / sum_c w_c
        weights = torch.where(hm >= self.tau, hm, 0.)  # (..., H*W)
        total = weights.sum(-1)
        x = (weights @ cx + S * (weights * off_x).sum(-1)) / total
        y = (weights @ cy + S * (weights * off_y).sum(-1)) / total
        # no cell reaches tau: the argmax cell votes alone
        scores, cell = hm.max(-1)
        alone_x = cx[cell] + S * off_x.gather(-1, cell[..., None])[..., 0]
        alone_y = cy[cell] + S * off_y.gather(-1, cell[..., None])[..., 0]
        return (torch.where(total > 0, x, alone_x),
                torch.where(total > 0, y, alone_y), scores)

    def batch_decode(self, heatmaps: Tensor, offsets: Tensor
                     ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
        """Decode a batch with :meth:`decode_torch`, split per instance as
        :meth:`mmpose.models.heads.BaseHead.decode` expects.

        Args:
            heatmaps (Tensor): shape (B, K, H, W).
            offsets (Tensor): shape (B, 2K, H, W).

        Returns:
            tuple: lists of B arrays, keypoints (1, K, 2) and scores (1, K).
        """
        keypoints, scores = self.decode_torch(heatmaps, offsets)
        keypoints = keypoints.cpu().numpy()[:, None]
        scores = scores.cpu().numpy()[:, None]
        return list(keypoints), list(scores)

    def _check_maps(self, hm_shape, off_shape) -> None:
        W, H = self.heatmap_size
        K = hm_shape[0] if len(hm_shape) == 3 else -1
        if (len(hm_shape) != 3 or tuple(hm_shape[1:]) != (H, W)
                or tuple(off_shape) != (2 * K, H, W)):
            raise ValueError(
                f'{self.__class__.__name__}: expected heatmaps (K, {H}, {W}) '
                f'and offsets (2K, {H}, {W}) for input_size '
                f'{self.input_size} and stride {self.stride}, got '
                f'{tuple(hm_shape)} and {tuple(off_shape)}')

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'stride={self.stride}, sigma={self.sigma}, tau={self.tau})')

