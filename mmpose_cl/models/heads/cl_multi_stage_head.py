# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CL head with intermediate supervision. Shapes: B instances, K keypoints,
[W, H] map cells; a stage's maps are (B, 3K, H, W): K heatmaps, then 2K
offsets, y first (channels [K, 2K) y, [2K, 3K) x), in cells."""
from typing import List, Optional, Sequence, Tuple

from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor

from .cl_head import CLHead


@MODELS.register_module()
class CLMultiStageHead(CLHead):
    """Head of CLNet-Hourglass (paper section 3.2, fig. 2b): the composite
    loss on every stage, decoding from the last.

    The three-conv head subnetworks of the stages live in the backbone
    (:class:`CLNetHourglass`), because their predictions are re-injected
    into the next stage; this head therefore has no parameters and takes the
    backbone's per-stage maps as they are. Everything else is
    :class:`CLHead`'s: ``forward`` returns the last stage's maps, so
    ``predict`` (flip test with :func:`flip_cl_maps`, ``output_heatmaps``),
    decoding and ``acc_pose`` see the last stage only.

    Loss (intermediate supervision, as in Newell et al.): the same
    ``loss_module`` is applied to every stage against the same targets, and
    each ``loss_*`` term it returns is **summed** over the stages, weighted
    by ``stage_weights`` (all 1 by default, Newell's sum). ``pred_cells`` and
    ``acc_pose`` are computed on the last stage. With
    ``log_stage_losses=True`` the unweighted per-stage terms are also logged
    as ``s{i}_heatmap``, ``s{i}_offset`` (detached, and named without
    ``loss`` so that MMEngine does not add them to the total a second time).

    Args:
        num_keypoints (int): K; every stage has 3K channels.
        stage_weights (Sequence[float], optional): Weight of each stage's
            loss, first to last; its length must equal the number of stages.
            Defaults to None (1 for every stage).
        log_stage_losses (bool): Log the per-stage terms. Defaults to False.
        heatmap_act (str, optional): As in :class:`CLHead`. Defaults to None.
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
            in_channels=3 * num_keypoints,  # what the backbone must output
            num_keypoints=num_keypoints,
            final_layer_std=None,
            heatmap_act=heatmap_act,
            loss=loss,
            decoder=decoder,
            init_cfg=init_cfg)
        if stage_weights is not None:
            stage_weights = [float(w) for w in stage_weights]
            if not stage_weights or not all(w >= 0 for w in stage_weights):
                raise ValueError(
                    f'{self.__class__.__name__}: stage_weights must be a '
                    f'non-empty sequence of weights >= 0, got '
                    f'{stage_weights!r}')
        self.stage_weights = stage_weights
        self.log_stage_losses = log_stage_losses

    def _build_layers(self, *args) -> None:
        """No layers: the stages' three-conv heads live in the backbone."""

    def split_maps(self, maps: Tensor) -> Tuple[Tensor, Tensor]:
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

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """The last stage's maps.

        Args:
            feats (Sequence[Tensor]): per-stage maps, first to last, each
                (B, 3K, H, W).

        Returns:
            tuple: heatmaps (B, K, H, W) and offsets (B, 2K, H, W).
        """
        return self.split_maps(feats[-1])

    def _weights(self, num_stages: int) -> List[float]:
        if self.stage_weights is None:
            return [1.0] * num_stages
        if len(self.stage_weights) != num_stages:
            raise ValueError(
                f'{self.__class__.__name__}: stage_weights has '
                f'{len(self.stage_weights)} entries but the backbone gives '
                f'{num_stages} stages')
        return self.stage_weights

    def loss(self,
             feats: Sequence[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: OptConfigType = None) -> dict:
        """Composite loss of every stage, summed (weighted by
        ``stage_weights``), plus ``pred_cells`` and ``acc_pose`` of the last
        stage (see :meth:`CLHead.loss`).

        Args:
            feats (Sequence[Tensor]): per-stage maps, each (B, 3K, H, W).
            batch_data_samples (list[PoseDataSample]): with
                ``gt_fields.heatmaps`` (K, H, W), ``gt_fields.offsets``
                (2K, H, W) and ``gt_instance_labels.keypoint_weights`` (1, K).
            train_cfg (dict, optional): ``compute_acc`` (bool).

        Returns:
            dict: the loss module's ``loss_*`` terms summed over stages,
            ``pred_cells``, ``acc_pose`` (with a decoder) and, with
            ``log_stage_losses``, ``s{i}_{term}`` per stage.
        """
        weights = self._weights(len(feats))
        # CLHead.loss sees the last stage through forward(): it gives that
        # stage's loss terms, pred_cells and acc_pose
        losses = super().loss(feats, batch_data_samples, train_cfg)
        per_stage = []
        if len(feats) > 1:
            gt_heatmaps, gt_offsets, keypoint_weights = self.targets(
                batch_data_samples)
            for maps in feats[:-1]:
                heatmaps, offsets = self.split_maps(maps)
                per_stage.append(
                    self.loss_module(heatmaps, offsets, gt_heatmaps,
                                     gt_offsets, keypoint_weights))
        keys = [k for k in losses if k.startswith('loss')]
        per_stage.append({k: losses[k] for k in keys})
        for key in keys:
            losses[key] = sum(w * stage[key]
                              for w, stage in zip(weights, per_stage))
        if self.log_stage_losses:
            for i, stage in enumerate(per_stage):
                for key in keys:
                    # 'loss_heatmap' -> 's0_heatmap'
                    losses[f's{i}_{key[len("loss_"):]}'] = stage[key].detach()
        return losses
