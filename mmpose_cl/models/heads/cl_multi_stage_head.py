# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CL head with intermediate supervision. Shapes: B instances, K keypoints,
[W, H] map cells; a stage's maps are (B, 3K, H, W): K heatmaps, then 2K
offsets, y first (channels [K, 2K) y, [2K, 3K) x), in cells."""
from typing import List, Optional, Sequence

from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor

from .base_cl_head import BaseCLHead, Maps


@MODELS.register_module()
class CLMultiStageHead(BaseCLHead):
    """Head of CLNet-Hourglass (paper section 3.2, fig. 2b): the composite
    loss on every stage, decoding from the last, or from any stage with
    ``test_cfg=dict(stage=i)`` (first = 0, negative from the last): the
    accuracy of each hourglass stage of the paper's fig. 4(b), e.g.
    ``tools/test.py CONFIG CKPT --cfg-options model.test_cfg.stage=3``.

    The three-conv head subnetworks of the stages live in the backbone
    (:class:`CLNetHourglass`), because their predictions are re-injected
    into the next stage; this head has no parameters and takes the
    backbone's per-stage maps as they are, so its stages are the backbone's
    outputs. Loss over the stages (summed, ``stage_weights``,
    ``log_stage_losses``), prediction, stage choice, flip test and decoding
    are :class:`BaseCLHead`'s.

    Args:
        num_keypoints (int): K; every stage has 3K channels. In a
            :class:`CLPoseEstimator` it defaults to the backbone's.
        stage_weights (Sequence[float], optional): Weight of each stage's
            loss, first to last; its length must equal the number of stages.
            Defaults to None (1 for every stage, Newell's sum).
        log_stage_losses (bool): Log the per-stage terms. Defaults to False.
        heatmap_act (str, optional): See :class:`BaseCLHead`.
            Defaults to None.
        loss (dict): The composite loss, applied to each stage.
            Defaults to ``dict(type='CLCompositeLoss')``.
        decoder (dict, optional): The :class:`CLCodec` config used to decode
            predictions. Defaults to None.
        init_cfg (dict | list, optional): Unused (no parameters).
            Defaults to None.
    """

    def __init__(self,
                 num_keypoints: int,
                 stage_weights: Optional[Sequence[float]] = None,
                 log_stage_losses: bool = False,
                 heatmap_act: Optional[str] = None,
                 loss: ConfigType = dict(type='CLCompositeLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(
            num_keypoints,
            heatmap_act=heatmap_act,
            stage_weights=stage_weights,
            log_stage_losses=log_stage_losses,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)

    @property
    def in_channels(self) -> int:
        """3K: every stage of the backbone gives K heatmaps and 2K
        offsets."""
        return 3 * self.num_keypoints

    def split_maps(self, maps: Tensor) -> Maps:
        """Split one stage's maps.

        Args:
            maps (Tensor): shape (B, 3K, H, W).

        Returns:
            tuple: heatmaps (B, K, H, W) and offsets (B, 2K, H, W).
        """
        K = self.num_keypoints
        if maps.dim() != 4 or maps.shape[1] != 3 * K:
            raise ValueError(
                f'{self.__class__.__name__}: expected stage maps of shape '
                f'(B, 3K, H, W) = (B, {3 * K}, H, W), got '
                f'{tuple(maps.shape)}')
        return maps[:, :K], maps[:, K:]

    def forward_stages(self, feats: Sequence[Tensor]) -> List[Maps]:
        """Every stage's maps.

        Args:
            feats (Sequence[Tensor]): per-stage maps, first to last, each
                (B, 3K, H, W).

        Returns:
            list[tuple]: heatmaps (B, K, H, W) and offsets (B, 2K, H, W) per
            stage.
        """
        return [self.split_maps(maps) for maps in feats]

    def forward(self, feats: Sequence[Tensor]) -> Maps:
        """The last stage's maps (the others are not split)."""
        return self.split_maps(feats[-1])
