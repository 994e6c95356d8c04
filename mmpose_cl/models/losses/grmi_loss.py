# Copyright (c) mmpose-cl contributors. All rights reserved.
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from .cl_composite_loss import (check_cl_maps, check_weights, float_weights,
                                region_smooth_l1)


@MODELS.register_module()
class GRMILoss(nn.Module):
    """Ablation (b) of the paper's section 4.3: the loss of G-RMI
    (Papandreou et al., CVPR 2017) on CL's maps.

    The heatmap is a binary classification per cell: positive when the cell
    centre lies within ``radius`` pixels of the keypoint (a disk), trained
    with a logistic loss on the predicted heatmap *logits*; the offsets are
    trained with a Huber (SmoothL1) loss on the positive cells only
    (:func:`region_smooth_l1` with the disk as the region). The disk is
    derived from the target offsets (``S * ||offset|| <= radius``), so the
    ordinary :class:`CLCodec` targets serve. Use it with
    ``CLHead(heatmap_act='sigmoid')`` so that decoding sees probabilities.
    The paper reports 93.7 PCK@0.2 on LSP with it, against 94.9.

    Args:
        stride (int): The codec's stride S (pixels per cell); a CL head
            passes its decoder's.
        radius (float): Disk radius in input pixels. Defaults to 16.0, about
            the 16.17 px (``sigma * sqrt(2 ln(1 / tau))``) within which CL's
            Gaussian (sigma 16) reaches tau = 0.6.
        heatmap_weight (float): Defaults to 4.0 (G-RMI's).
        offset_weight (float): Defaults to 1.0 (G-RMI's).
    """

    def __init__(self,
                 stride: int,
                 radius: float = 16.0,
                 heatmap_weight: float = 4.0,
                 offset_weight: float = 1.0) -> None:
        super().__init__()
        check_weights(self, heatmap_weight=heatmap_weight,
                      offset_weight=offset_weight)
        if not stride > 0:
            raise ValueError(f'{self.__class__.__name__}: stride must be > 0, '
                             f'got {stride!r}')
        if not radius > 0:
            raise ValueError(f'{self.__class__.__name__}: radius must be > 0, '
                             f'got {radius!r}')
        self.stride = stride
        self.radius = float(radius)
        self.heatmap_weight = float(heatmap_weight)
        self.offset_weight = float(offset_weight)

    def forward(self,
                pred_heatmaps: Tensor,
                pred_offsets: Tensor,
                gt_heatmaps: Tensor,
                gt_offsets: Tensor,
                keypoint_weights: Optional[Tensor] = None
                ) -> Dict[str, Tensor]:
        """Shapes as :meth:`CLCompositeLoss.forward`; ``pred_heatmaps`` are
        logits.

        Returns:
            dict: ``loss_heatmap`` and ``loss_offset`` (weighted), float32.
        """
        check_cl_maps(self, pred_heatmaps, pred_offsets, gt_heatmaps,
                      gt_offsets)
        B, K = pred_heatmaps.shape[:2]
        w = float_weights(pred_heatmaps, keypoint_weights)
        gt_offsets = gt_offsets.float()
        dist = self.stride * torch.hypot(gt_offsets[:, :K],
                                         gt_offsets[:, K:])  # (B, K, H, W)
        disk = dist <= self.radius
        bce = F.binary_cross_entropy_with_logits(
            pred_heatmaps.float(), disk.float(),
            reduction='none').mean(dim=(2, 3))  # (B, K)
        loss_heatmap = (bce * w).sum() / (B * K)
        loss_offset = region_smooth_l1(pred_offsets.float(), gt_offsets, disk,
                                       w)
        return dict(
            loss_heatmap=self.heatmap_weight * loss_heatmap,
            loss_offset=self.offset_weight * loss_offset)
