# Copyright (c) mmpose-cl contributors. All rights reserved.
from typing import Dict, Optional

import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS
from torch import Tensor, nn

from .cl_composite_loss import check_cl_maps, check_weights, float_weights


@MODELS.register_module()
class CLPeakOffsetLoss(nn.Module):
    """Ablation (a) of the paper's section 4.3: the usual Gaussian heatmap
    MSE, plus an MSE on the offsets of the target's *peak* cell only.

    ``L = w_h * L_h + w_o * (L_oy + L_ox)``: ``L_h`` as in
    :class:`CLCompositeLoss` (eq. 4, MMPose's ``KeypointMSELoss``);
    ``L_oy`` / ``L_ox`` are the squared errors of the y / x offsets at the
    cell where the target heatmap of the keypoint is largest, averaged over
    keypoints. The paper reports 93.2 PCK@0.2 on LSP with it, against 94.9
    with the composite loss.

    Args:
        heatmap_weight (float): ``w_h``. Defaults to 0.5.
        offset_weight (float): ``w_o``. Defaults to 2.0.
    """

    def __init__(self,
                 heatmap_weight: float = 0.5,
                 offset_weight: float = 2.0) -> None:
        super().__init__()
        check_weights(self, heatmap_weight=heatmap_weight,
                      offset_weight=offset_weight)
        self.heatmap_loss = KeypointMSELoss(
            use_target_weight=True, loss_weight=heatmap_weight)
        self.offset_weight = float(offset_weight)

    def forward(self,
                pred_heatmaps: Tensor,
                pred_offsets: Tensor,
                gt_heatmaps: Tensor,
                gt_offsets: Tensor,
                keypoint_weights: Optional[Tensor] = None
                ) -> Dict[str, Tensor]:
        """Shapes as :meth:`CLCompositeLoss.forward`: heatmaps (B, K, H, W),
        offsets (B, 2K, H, W) y first, weights (B, K).

        Returns:
            dict: ``loss_heatmap`` and ``loss_offset`` (weighted), float32.
        """
        check_cl_maps(self, pred_heatmaps, pred_offsets, gt_heatmaps,
                      gt_offsets)
        B, K = pred_heatmaps.shape[:2]
        w = float_weights(pred_heatmaps, keypoint_weights)
        gt_heatmaps = gt_heatmaps.float()
        peak = gt_heatmaps.flatten(2).argmax(-1)  # (B, K) cell index
        index = torch.cat([peak, peak], dim=1)[..., None]  # (B, 2K, 1)
        pred_at = pred_offsets.float().flatten(2).gather(2, index)[..., 0]
        gt_at = gt_offsets.float().flatten(2).gather(2, index)[..., 0]
        sq = (pred_at - gt_at).pow(2)  # (B, 2K): y then x
        loss_offset = (sq * torch.cat([w, w], dim=1)).sum() / (B * K)
        return dict(
            loss_heatmap=self.heatmap_loss(pred_heatmaps.float(),
                                           gt_heatmaps, w),
            loss_offset=self.offset_weight * loss_offset)
