# Copyright (c) mmpose-cl contributors. All rights reserved.
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

REGIONS = ('pred', 'gt', 'union')


def check_weights(loss: nn.Module, **weights: float) -> None:
    """Raise ``ValueError`` naming the first negative (or NaN) weight."""
    for field, value in weights.items():
        if not value >= 0:
            raise ValueError(f'{loss.__class__.__name__}: {field} must be '
                             f'>= 0, got {value!r}')


def check_loss_inputs(
    loss: nn.Module,
    pred_heatmaps: Tensor,
    pred_offsets: Tensor,
    gt_heatmaps: Tensor,
    gt_offsets: Tensor,
    keypoint_weights: Optional[Tensor] = None
) -> Tuple[int, int, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Check CL map shapes (heatmaps (B, K, H, W), offsets (B, 2K, H, W)) and
    cast to float32, so that AMP (fp16) training stays finite.

    Returns:
        tuple: ``B, K``, the four maps in float32 and the keypoint weights
        (B, K) (all ones when not given).
    """
    B, K, H, W = pred_heatmaps.shape
    if (pred_offsets.shape != (B, 2 * K, H, W)
            or gt_heatmaps.shape != pred_heatmaps.shape
            or gt_offsets.shape != pred_offsets.shape):
        raise ValueError(
            f'{loss.__class__.__name__}: expected heatmaps (B, K, H, W) '
            'and offsets (B, 2K, H, W) for prediction and target, got '
            f'{tuple(pred_heatmaps.shape)}, {tuple(pred_offsets.shape)}, '
            f'{tuple(gt_heatmaps.shape)}, {tuple(gt_offsets.shape)}')
    weights = (pred_heatmaps.new_ones(B, K) if keypoint_weights is None else
               keypoint_weights.reshape(B, K))
    return (B, K, pred_heatmaps.float(), pred_offsets.float(),
            gt_heatmaps.float(), gt_offsets.float(), weights.float())


@MODELS.register_module()
class CLCompositeLoss(nn.Module):
    """Composite loss of CLNet (paper eq. 4-6).

    ``L = w_h * L_h + w_o * (L_oy + L_ox)`` where

    - ``L_h`` (eq. 4) is the MSE between predicted and target heatmaps of each
      keypoint (mean over cells), averaged over keypoints;
    - ``L_oy``, ``L_ox`` (eq. 5) are the SmoothL1 losses on the y and x offset
      maps, averaged over the cells of the region ``Omega_k`` of keypoint
      ``k``, then over keypoints.

    The region ``Omega_k`` (no gradient flows through its choice):

    - ``'pred'``: cells where the *predicted* heatmap ``>= tau`` (the paper).
      From scratch, MSE-trained heatmaps stay below ``tau`` for a long time,
      so this region is often empty and the offsets get no training
      (see ``docs/loss_region.md``).
    - ``'gt'``: cells where the target heatmap ``>= tau``, i.e. the cells
      within ``sigma * sqrt(2 ln(1 / tau))`` pixels of the keypoint.
    - ``'union'``: either of the two; it contains the paper's region, so every
      cell that votes at test time is trained, and it is never empty for a
      keypoint inside the crop. This is the default.

    Averaging follows MMPose's ``KeypointMSELoss(use_target_weight=True)``:
    every term is weighted by the keypoint weight and divided by ``B * K``, so
    keypoints with weight 0 contribute nothing. A keypoint with an empty
    region contributes 0 to the offset loss (never NaN).

    Note:
        - batch size: B
        - keypoint number: K
        - map size: [W, H]

    Args:
        heatmap_weight (float): ``w_h``. Defaults to 0.5.
        offset_weight (float): ``w_o``. Defaults to 2.0.
        tau (float): Region threshold in ``(0, 1]``. Defaults to 0.6.
        region (str): ``'pred'``, ``'gt'`` or ``'union'``.
            Defaults to ``'union'``.
        beta (float): SmoothL1 transition point, in cells. Defaults to 1.0.
    """

    def __init__(self,
                 heatmap_weight: float = 0.5,
                 offset_weight: float = 2.0,
                 tau: float = 0.6,
                 region: str = 'union',
                 beta: float = 1.0) -> None:
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
        self.heatmap_weight = float(heatmap_weight)
        self.offset_weight = float(offset_weight)
        self.tau = float(tau)
        self.region = region
        self.beta = float(beta)

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
        B, K, pred_heatmaps, pred_offsets, gt_heatmaps, gt_offsets, \
            keypoint_weights = check_loss_inputs(
                self, pred_heatmaps, pred_offsets, gt_heatmaps, gt_offsets,
                keypoint_weights)

        # eq. (4): per-keypoint MSE over cells, averaged over keypoints
        mse = (pred_heatmaps - gt_heatmaps).pow(2).mean(dim=(2, 3))  # (B, K)
        loss_heatmap = (mse * keypoint_weights).sum() / (B * K)

        # eq. (5): SmoothL1 averaged over Omega_k, then over keypoints
        region = self.offset_region(pred_heatmaps, gt_heatmaps)  # (B, K, H, W)
        region2 = torch.cat([region, region], dim=1)  # (B, 2K, H, W)
        sl1 = F.smooth_l1_loss(
            pred_offsets, gt_offsets, reduction='none', beta=self.beta)
        # torch.where, not a product: a non-finite prediction outside the
        # region must not leak into the loss
        sl1 = torch.where(region2, sl1, torch.zeros_like(sl1))
        n_cells = region2.sum(dim=(2, 3)).clamp(min=1)  # (B, 2K)
        per_kpt = sl1.sum(dim=(2, 3)) / n_cells  # (B, 2K): y then x
        w2 = torch.cat([keypoint_weights, keypoint_weights], dim=1)
        loss_offset = (per_kpt * w2).sum() / (B * K)  # = L_oy + L_ox

        return dict(
            loss_heatmap=self.heatmap_weight * loss_heatmap,
            loss_offset=self.offset_weight * loss_offset)

    def extra_repr(self) -> str:
        return (f'heatmap_weight={self.heatmap_weight}, '
                f'offset_weight={self.offset_weight}, tau={self.tau}, '
                f'region={self.region!r}, beta={self.beta}')
