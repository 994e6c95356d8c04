# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The composite loss of CLNet (paper eq. 4-6) and its two building blocks,
which the ablation losses reuse. Shapes: B instances, K keypoints, [W, H]
map cells; heatmaps (B, K, H, W), offsets (B, 2K, H, W) y first, in cells;
keypoint weights (B, K)."""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor, nn

REGIONS = ('pred', 'gt', 'union')
# How f of eq. (4) reduces a keypoint's map of squared errors (see
# docs/loss_region.md): the mean over its cells, or their sum
HEATMAP_REDUCTIONS = ('mean', 'sum')


def check_weights(loss: nn.Module, **weights: float) -> None:
    """Raise ``ValueError`` naming the first negative (or NaN) weight."""
    for field, value in weights.items():
        if not value >= 0:
            raise ValueError(f'{loss.__class__.__name__}: {field} must be '
                             f'>= 0, got {value!r}')


def check_cl_maps(loss: nn.Module, pred_heatmaps: Tensor,
                  pred_offsets: Tensor, gt_heatmaps: Tensor,
                  gt_offsets: Tensor) -> None:
    """Raise ``ValueError`` naming ``loss`` and the four shapes unless they
    are heatmaps (B, K, H, W) and offsets (B, 2K, H, W), prediction and
    target alike."""
    B, K, H, W = pred_heatmaps.shape
    if (pred_offsets.shape != (B, 2 * K, H, W)
            or gt_heatmaps.shape != pred_heatmaps.shape
            or gt_offsets.shape != pred_offsets.shape):
        raise ValueError(
            f'{loss.__class__.__name__}: expected heatmaps (B, K, H, W) '
            'and offsets (B, 2K, H, W) for prediction and target, got '
            f'{tuple(pred_heatmaps.shape)}, {tuple(pred_offsets.shape)}, '
            f'{tuple(gt_heatmaps.shape)}, {tuple(gt_offsets.shape)}')


def float_weights(heatmaps: Tensor,
                  keypoint_weights: Optional[Tensor]) -> Tensor:
    """The keypoint weights as (B, K) float32; all ones when None."""
    B, K = heatmaps.shape[:2]
    if keypoint_weights is None:
        return heatmaps.new_ones(B, K, dtype=torch.float32)
    return keypoint_weights.reshape(B, K).float()


def region_smooth_l1(pred_offsets: Tensor, gt_offsets: Tensor,
                     region: Tensor, keypoint_weights: Tensor,
                     beta: float = 1.0) -> Tensor:
    """``L_oy + L_ox`` of eq. (5): the SmoothL1 of the y and x offsets,
    averaged over the cells of each keypoint's region, then weighted by the
    keypoint weights and divided by ``B * K`` (as MMPose's
    ``KeypointMSELoss(use_target_weight=True)`` averages). A keypoint with an
    empty region contributes 0 (never NaN), and a non-finite prediction
    outside the region does not leak into the loss.

    Args:
        pred_offsets (Tensor): (B, 2K, H, W), y first, in cells.
        gt_offsets (Tensor): (B, 2K, H, W).
        region (Tensor): boolean (B, K, H, W), the cells ``Omega_k``.
        keypoint_weights (Tensor): (B, K).
        beta (float): SmoothL1 transition point, in cells. Defaults to 1.0.

    Returns:
        Tensor: scalar.
    """
    B, K = keypoint_weights.shape
    region2 = torch.cat([region, region], dim=1)  # (B, 2K, H, W)
    sl1 = F.smooth_l1_loss(
        pred_offsets, gt_offsets, reduction='none', beta=beta)
    # torch.where, not a product: a non-finite prediction outside the
    # region must not leak into the loss
    sl1 = torch.where(region2, sl1, torch.zeros_like(sl1))
    n_cells = region2.sum(dim=(2, 3)).clamp(min=1)  # (B, 2K)
    per_kpt = sl1.sum(dim=(2, 3)) / n_cells  # (B, 2K): y then x
    weights2 = torch.cat([keypoint_weights, keypoint_weights], dim=1)
    return (per_kpt * weights2).sum() / (B * K)


@MODELS.register_module()
class CLCompositeLoss(nn.Module):
    """Composite loss of CLNet (paper eq. 4-6).

    ``L = w_h * L_h + w_o * (L_oy + L_ox)`` where

    - ``L_h`` (eq. 4) is the squared error between predicted and target
      heatmaps of each keypoint, reduced over the map's cells by
      ``heatmap_reduction`` (``'mean'``: MMPose's
      ``KeypointMSELoss(use_target_weight=True)``; ``'sum'``: the same times
      the number of cells ``H * W``), averaged over keypoints;
    - ``L_oy``, ``L_ox`` (eq. 5) are the SmoothL1 losses on the y and x offset
      maps, averaged over the cells of the region ``Omega_k`` of keypoint
      ``k``, then over keypoints (:func:`region_smooth_l1`).

    The region ``Omega_k`` (no gradient flows through its choice):

    - ``'pred'``: cells where the *predicted* heatmap ``>= tau`` (the paper).
      From scratch, MSE-trained heatmaps stay below ``tau`` for a long time,
      so this region is often empty and the offsets get no training
      (see ``docs/loss_region.md``).
    - ``'gt'``: cells where the target heatmap ``>= tau``, i.e. the cells
      within ``sigma * sqrt(2 ln(1 / tau))`` pixels of the keypoint (16.2 px
      for sigma 16, tau 0.6).
    - ``'union'``: either of the two; it contains the paper's region, so every
      cell that votes at test time is trained. This is the default. It is
      empty only where the target region is empty and the prediction stays
      below ``tau``: at stride 32, a keypoint can lie 22.6 px from its
      nearest cell centre, beyond the 16.2 px of the target region.

    Every term is weighted by the keypoint weight and divided by ``B * K``, so
    keypoints with weight 0 contribute nothing; a keypoint with an empty
    region contributes 0 to the offset loss (never NaN). The loss is computed
    in float32, so fp16 (AMP) maps stay finite.

    Note:
        - batch size: B
        - keypoint number: K
        - map size: [W, H]

    Args:
        heatmap_weight (float): ``w_h``. Defaults to 0.5.
        heatmap_reduction (str): ``f`` of eq. (4) over one keypoint's cells:
            ``'mean'`` (the mean squared error of the map, as SimpleBaseline
            and MMPose reduce a heatmap) or ``'sum'`` (the squared errors
            summed over the map, which weighs the term ``H * W`` times more:
            192 for a 12x16 map). Defaults to ``'mean'``.
        offset_weight (float): ``w_o``. Defaults to 2.0.
        tau (float): Region threshold in ``(0, 1]``; a CL head passes its
            decoder's. Defaults to 0.6.
        region (str): ``'pred'``, ``'gt'`` or ``'union'``.
            Defaults to ``'union'``.
        beta (float): SmoothL1 transition point, in cells. Defaults to 1.0.
    """

    def __init__(self,
                 heatmap_weight: float = 0.5,
                 offset_weight: float = 2.0,
                 tau: float = 0.6,
                 region: str = 'union',
                 beta: float = 1.0,
                 heatmap_reduction: str = 'mean') -> None:
        super().__init__()
        name = self.__class__.__name__
        check_weights(self, heatmap_weight=heatmap_weight,
                      offset_weight=offset_weight)
        if not (0 < tau <= 1):
            raise ValueError(f'{name}: tau must be in (0, 1], got {tau!r}')
        if region not in REGIONS:
            raise ValueError(
                f'{name}: region must be one of {REGIONS}, got {region!r}')
        if not beta > 0:
            raise ValueError(f'{name}: beta must be > 0, got {beta!r}')
        if heatmap_reduction not in HEATMAP_REDUCTIONS:
            raise ValueError(
                f'{name}: heatmap_reduction must be one of '
                f'{HEATMAP_REDUCTIONS}, got {heatmap_reduction!r}')
        self.heatmap_loss = KeypointMSELoss(
            use_target_weight=True, loss_weight=heatmap_weight)
        self.heatmap_weight = float(heatmap_weight)
        self.offset_weight = float(offset_weight)
        self.tau = float(tau)
        self.region = region
        self.beta = float(beta)
        self.heatmap_reduction = heatmap_reduction

    def offset_region(self, pred_heatmaps: Tensor,
                      gt_heatmaps: Tensor) -> Tensor:
        """The cells ``Omega_k`` whose offsets are supervised.

        Args:
            pred_heatmaps (Tensor): shape (B, K, H, W).
            gt_heatmaps (Tensor): shape (B, K, H, W).

        Returns:
            Tensor: boolean mask in shape (B, K, H, W), without gradient.
        """
        pred = pred_heatmaps.detach() >= self.tau
        gt = gt_heatmaps >= self.tau
        return {'pred': pred, 'gt': gt, 'union': pred | gt}[self.region]

    def forward(self,
                pred_heatmaps: Tensor,
                pred_offsets: Tensor,
                gt_heatmaps: Tensor,
                gt_offsets: Tensor,
                keypoint_weights: Optional[Tensor] = None
                ) -> Dict[str, Tensor]:
        """Compute the two weighted terms of eq. (6).

        Args:
            pred_heatmaps (Tensor): shape (B, K, H, W).
            pred_offsets (Tensor): shape (B, 2K, H, W), y first, in cells.
            gt_heatmaps (Tensor): shape (B, K, H, W).
            gt_offsets (Tensor): shape (B, 2K, H, W).
            keypoint_weights (Tensor, optional): shape (B, K).
                Defaults to all ones.

        Returns:
            dict: ``loss_heatmap`` (``w_h * L_h``) and ``loss_offset``
            (``w_o * (L_oy + L_ox)``), scalar tensors in float32.
        """
        check_cl_maps(self, pred_heatmaps, pred_offsets, gt_heatmaps,
                      gt_offsets)
        pred_heatmaps, gt_heatmaps = pred_heatmaps.float(), gt_heatmaps.float()
        weights = float_weights(pred_heatmaps, keypoint_weights)
        region = self.offset_region(pred_heatmaps, gt_heatmaps)
        loss_offset = region_smooth_l1(pred_offsets.float(),
                                       gt_offsets.float(), region, weights,
                                       self.beta)
        loss_heatmap = self.heatmap_loss(pred_heatmaps, gt_heatmaps, weights)
        if self.heatmap_reduction == 'sum':  # the mean times H * W cells
            loss_heatmap = loss_heatmap * pred_heatmaps.shape[-2:].numel()
        return dict(loss_heatmap=loss_heatmap,
                    loss_offset=self.offset_weight * loss_offset)

    def extra_repr(self) -> str:
        return (f'heatmap_weight={self.heatmap_weight}, '
                f'heatmap_reduction={self.heatmap_reduction!r}, '
                f'offset_weight={self.offset_weight}, tau={self.tau}, '
                f'region={self.region!r}, beta={self.beta}')
