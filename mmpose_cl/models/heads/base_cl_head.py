# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What every CL head shares: the flip test, decoding, targets and the loss
over stages. Shapes: B instances, K keypoints, [W, H] map cells; heatmaps
(B, K, H, W), offsets (B, 2K, H, W), y first (channels [0, K) y, [K, 2K) x),
in cells."""
import inspect
from abc import abstractmethod
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import PixelData
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.heads import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, Features, OptConfigType,
                                 OptSampleList, Predictions)
from torch import Tensor

#: one stage's output: heatmaps (B, K, H, W) and offsets (B, 2K, H, W)
Maps = Tuple[Tensor, Tensor]


def flip_cl_maps(heatmaps: Tensor, offsets: Tensor,
                 flip_indices: Sequence[int]) -> Maps:
    """Map the outputs for a horizontally flipped crop back onto the
    original crop.

    Columns are mirrored (cell ``j`` -> ``W - 1 - j``, exact because cell
    centres are symmetric under ``x -> w - 1 - x``), keypoint channels are
    swapped with ``flip_indices`` and x-offsets change sign. MMPose's
    ``flip_heatmaps(flip_mode='offset')`` expects an interleaved x-first
    layout and cannot be used for CL's y-first ``[y_1..y_K, x_1..x_K]``.

    Args:
        heatmaps (Tensor): shape (B, K, H, W).
        offsets (Tensor): shape (B, 2K, H, W).
        flip_indices (Sequence[int]): the symmetric keypoint of each keypoint.

    Returns:
        tuple: heatmaps (B, K, H, W) and offsets (B, 2K, H, W).
    """
    K = heatmaps.shape[1]
    if len(flip_indices) != K:
        raise ValueError(f'flip_indices has {len(flip_indices)} entries but '
                         f'the head predicts {K} keypoints')
    idx = list(flip_indices)
    heatmaps = heatmaps.flip(-1)[:, idx]
    offsets = offsets.flip(-1)
    off_y = offsets[:, :K][:, idx]
    off_x = -offsets[:, K:][:, idx]
    return heatmaps, torch.cat([off_y, off_x], dim=1)


def stage_index(owner: object, stage: int, num_stages: int) -> int:
    """The index in ``[0, num_stages)`` of ``test_cfg['stage']`` (first =
    0; negative indices count from the last, -1).

    Raises:
        ValueError: naming ``owner``'s class, when ``stage`` is not an int in
            ``[-num_stages, num_stages)``.
    """
    name, n = owner.__class__.__name__, num_stages
    if not isinstance(stage, int) or isinstance(stage, bool):
        raise ValueError(
            f'{name}: test_cfg.stage must be an int, got {stage!r}')
    if not -n <= stage < n:
        raise ValueError(
            f'{name}: test_cfg.stage={stage} is out of range: there are '
            f'{n} stages (0 .. {n - 1}, or -{n} .. -1 from the last)')
    return stage % n


class BaseCLHead(BaseHead):
    """Base class of the CL heads: a subclass says how its stages' maps are
    produced (:meth:`forward_stages`) and which input channels it takes
    (:attr:`in_channels`); everything else is here.

    - :meth:`predict`: decodes the last stage (or ``test_cfg['stage']``)
      with the codec's section-3.4 voting, with the flip test and
      ``output_heatmaps``;
    - :meth:`loss`: the loss module on every stage against the same targets,
      each ``loss_*`` term summed over the stages weighted by
      ``stage_weights`` (Newell's intermediate supervision; one stage for
      :class:`CLHead`), plus ``pred_cells`` and ``acc_pose`` of the last
      stage;
    - one source per parameter: the loss gets the decoder's ``tau`` and
      ``stride`` unless its config sets them.

    Args:
        num_keypoints (int): K.
        heatmap_act (str, optional): ``'sigmoid'`` when the loss trains the
            heatmaps as logits (:class:`GRMILoss`): decoding, the flip test
            and the logged diagnostics then see probabilities. Defaults to
            None (the heatmaps are regressed, as in the paper).
        stage_weights (Sequence[float], optional): Weight of each stage's
            loss, first to last. Defaults to None (1 for every stage).
        log_stage_losses (bool): Also log the unweighted terms of every
            stage as ``s{i}_heatmap``, ``s{i}_offset`` (detached, named
            without ``loss`` so that MMEngine does not add them to the total
            again). Defaults to False.
        loss (dict): The loss module. Defaults to
            ``dict(type='CLCompositeLoss')``.
        decoder (dict, optional): The :class:`CLCodec` config used to decode
            predictions. Defaults to None.
        init_cfg (dict | list, optional): Defaults to None.
    """

    def __init__(self,
                 num_keypoints: int,
                 heatmap_act: Optional[str] = None,
                 stage_weights: Optional[Sequence[float]] = None,
                 log_stage_losses: bool = False,
                 loss: ConfigType = dict(type='CLCompositeLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg)
        name = self.__class__.__name__
        if not (isinstance(num_keypoints, int) and num_keypoints > 0):
            raise ValueError(
                f'{name}: num_keypoints must be a positive int, got '
                f'{num_keypoints!r}')
        if heatmap_act not in (None, 'sigmoid'):
            raise ValueError(f"{name}: heatmap_act must be None or 'sigmoid', "
                             f'got {heatmap_act!r}')
        if stage_weights is not None:
            stage_weights = [float(w) for w in stage_weights]
            if not stage_weights or not all(w >= 0 for w in stage_weights):
                raise ValueError(
                    f'{name}: stage_weights must be a non-empty sequence of '
                    f'weights >= 0, got {stage_weights!r}')
        self.num_keypoints = num_keypoints
        self.heatmap_act = heatmap_act
        self.stage_weights = stage_weights
        self.log_stage_losses = log_stage_losses
        self.decoder = (
            KEYPOINT_CODECS.build(decoder) if decoder is not None else None)
        self.loss_module = MODELS.build(self._with_decoder_params(loss))

    def _with_decoder_params(self, loss: ConfigType) -> dict:
        """The loss config with the decoder's ``tau`` and ``stride`` filled
        in where the loss takes them and its config does not set them."""
        loss = dict(loss)
        if self.decoder is None:
            return loss
        loss_cls = MODELS.get(loss['type']) if isinstance(
            loss['type'], str) else loss['type']
        params = inspect.signature(loss_cls).parameters if loss_cls else {}
        for field in ('tau', 'stride'):
            if field in params:
                loss.setdefault(field, getattr(self.decoder, field))
        return loss

    @property
    @abstractmethod
    def in_channels(self) -> int:
        """Channels of the backbone output this head takes (checked by
        :class:`CLPoseEstimator` at build time)."""

    @abstractmethod
    def forward_stages(self, feats: Features) -> List[Maps]:
        """The maps of every stage, first to last: raw heatmaps (before
        ``heatmap_act``) (B, K, H, W) and offsets (B, 2K, H, W)."""

    def forward(self, feats: Features) -> Maps:
        """The last stage's raw heatmaps (B, K, H, W) and offsets
        (B, 2K, H, W)."""
        return self.forward_stages(feats)[-1]

    def activate(self, heatmaps: Tensor) -> Tensor:
        """Heatmap scores as decoding sees them (``heatmap_act``)."""
        return heatmaps.sigmoid() if self.heatmap_act == 'sigmoid' else heatmaps

    def stage_maps(self, feats: Features, stage: int = -1) -> Maps:
        """Raw heatmaps (B, K, H, W) and offsets (B, 2K, H, W) of one stage.

        Args:
            feats: backbone features.
            stage (int): Index of the stage, first = 0; negative indices
                count from the last (-1). Defaults to -1.

        Raises:
            ValueError: ``stage`` is not an int in ``[-n, n)`` for ``n``
                stages.
        """
        if stage == -1 and isinstance(stage, int):
            return self.forward(feats)
        stages = self.forward_stages(feats)
        return stages[stage_index(self, stage, len(stages))]

    def scored_maps(self,
                    feats: Features,
                    flip_indices: Optional[Sequence[int]] = None,
                    stage: int = -1) -> Maps:
        """Activated heatmaps (B, K, H, W) and offsets (B, 2K, H, W) of the
        stage ``stage`` (:meth:`stage_maps`; the last by default). With
        ``flip_indices``, ``feats`` is ``[feats,
        feats_of_the_mirrored_crops]`` and the mirrored maps are flipped back
        (:func:`flip_cl_maps`) and averaged with the others (flip test)."""
        if flip_indices is None:
            heatmaps, offsets = self.stage_maps(feats, stage)
            return self.activate(heatmaps), offsets
        heatmaps, offsets = self.scored_maps(feats[0], stage=stage)
        heatmaps_f, offsets_f = flip_cl_maps(
            *self.scored_maps(feats[1], stage=stage), flip_indices)
        return (heatmaps + heatmaps_f) * 0.5, (offsets + offsets_f) * 0.5

    def predict_maps(self, feats: Features, batch_data_samples: OptSampleList,
                     test_cfg: OptConfigType = None) -> Maps:
        """The maps that :meth:`predict` decodes: :meth:`scored_maps` of the
        stage ``test_cfg['stage']`` (default -1, the last), with the flip
        test when ``test_cfg['flip_test']``."""
        test_cfg = test_cfg or {}
        stage = test_cfg.get('stage', -1)
        if not test_cfg.get('flip_test', False):
            return self.scored_maps(feats, stage=stage)
        if not (isinstance(feats, list) and len(feats) == 2):
            raise ValueError(
                f'{self.__class__.__name__}: flip_test needs the features '
                'of the image and of its mirror as a list of two')
        metainfo = batch_data_samples[0].metainfo
        if metainfo.get('flip_indices') is None:
            raise ValueError(
                f'{self.__class__.__name__}: test_cfg.flip_test=True but the '
                'data samples carry no flip_indices; use a dataset whose '
                'metainfo defines flip pairs, or set flip_test=False')
        return self.scored_maps(feats, metainfo['flip_indices'], stage)

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: OptConfigType = None) -> Predictions:
        """Predict keypoints in input-crop pixels from the last stage, or
        from the stage ``test_cfg['stage']``.

        Args:
            feats: backbone features, or ``[feats, feats_of_flipped_input]``
                when ``test_cfg['flip_test']``.
            batch_data_samples (list[PoseDataSample]): with ``flip_indices``
                in the metainfo for the flip test.
            test_cfg (dict, optional): ``flip_test`` (bool),
                ``output_heatmaps`` (bool) and ``stage`` (int, the stage to
                decode, first = 0, negative from the last; default -1, the
                last: per-stage accuracy, paper fig. 4b).

        Returns:
            list[InstanceData] with ``keypoints`` (1, K, 2) and
            ``keypoint_scores`` (1, K); with ``output_heatmaps`` also a list
            of ``PixelData(heatmaps=(K, H, W))``.
        """
        test_cfg = test_cfg or {}
        heatmaps, offsets = self.predict_maps(feats, batch_data_samples,
                                              test_cfg)
        preds = self.decode((heatmaps, offsets))
        if test_cfg.get('output_heatmaps', False):
            return preds, [
                PixelData(heatmaps=hm) for hm in heatmaps.detach().float()
            ]
        return preds

    def loss(self,
             feats: Features,
             batch_data_samples: OptSampleList,
             train_cfg: OptConfigType = None) -> dict:
        """The loss module's terms summed over the stages (weighted by
        ``stage_weights``), ``pred_cells`` (mean number of predicted cells
        >= tau per visible keypoint: the cells that vote at test time) and,
        with a decoder, ``acc_pose``: the PCK@0.05 (of the input size) of
        the keypoints decoded from the prediction against those decoded from
        the target, like MMPose's heatmap heads; both of the last stage.

        Args:
            feats: backbone features.
            batch_data_samples (list[PoseDataSample]): with
                ``gt_fields.heatmaps`` (K, H, W), ``gt_fields.offsets``
                (2K, H, W) and ``gt_instance_labels.keypoint_weights`` (1, K).
            train_cfg (dict, optional): ``compute_acc`` (bool).

        Returns:
            dict: ``loss_*`` terms, ``pred_cells``, ``acc_pose`` and, with
            ``log_stage_losses``, ``s{i}_{term}`` per stage.
        """
        train_cfg = train_cfg or {}
        stages = self.forward_stages(feats)
        weights = self.stage_weights or [1.0] * len(stages)
        if len(weights) != len(stages):
            raise ValueError(
                f'{self.__class__.__name__}: stage_weights has '
                f'{len(weights)} entries but there are {len(stages)} stages')
        gt_heatmaps, gt_offsets, keypoint_weights = self.targets(
            batch_data_samples)
        per_stage = [
            self.loss_module(heatmaps, offsets, gt_heatmaps, gt_offsets,
                             keypoint_weights) for heatmaps, offsets in stages
        ]
        keys = [k for k in per_stage[-1] if k.startswith('loss')]
        losses = {
            k: sum(w * stage[k] for w, stage in zip(weights, per_stage))
            for k in keys
        }
        if self.log_stage_losses:
            for i, stage in enumerate(per_stage):
                for key in keys:
                    # 'loss_heatmap' -> 's0_heatmap'
                    losses[f's{i}_{key[len("loss_"):]}'] = stage[key].detach()

        heatmaps, offsets = stages[-1]
        visible = keypoint_weights > 0
        tau = self.decoder.tau if self.decoder is not None else getattr(
            self.loss_module, 'tau', None)
        if tau is not None and visible.any():
            cells = (self.activate(heatmaps.detach()) >= tau).sum((2, 3))
            losses['pred_cells'] = cells[visible].float().mean()
        if train_cfg.get('compute_acc', True) and self.decoder is not None:
            losses['acc_pose'] = self._pck(heatmaps, offsets, gt_heatmaps,
                                           gt_offsets, keypoint_weights)
        return losses

    @staticmethod
    def targets(batch_data_samples: OptSampleList
                ) -> Tuple[Tensor, Tensor, Tensor]:
        """Stack the encoded targets of a batch.

        Returns:
            tuple: heatmaps (B, K, H, W), offsets (B, 2K, H, W) and keypoint
            weights (B, K).
        """
        gt_heatmaps = torch.stack(
            [d.gt_fields.heatmaps for d in batch_data_samples])
        gt_offsets = torch.stack(
            [d.gt_fields.offsets for d in batch_data_samples])
        keypoint_weights = torch.cat([
            d.gt_instance_labels.keypoint_weights for d in batch_data_samples
        ])
        return gt_heatmaps, gt_offsets, keypoint_weights

    def _pck(self, heatmaps: Tensor, offsets: Tensor, gt_heatmaps: Tensor,
             gt_offsets: Tensor, keypoint_weights: Tensor) -> Tensor:
        """PCK@0.05 of decoded keypoints, normalised by the input size."""
        codec = self.decoder
        pred, _ = codec.decode_torch(self.activate(heatmaps), offsets)
        gt, _ = codec.decode_torch(gt_heatmaps, gt_offsets)
        norm = np.tile(np.array([codec.input_size], dtype=np.float32),
                       (pred.shape[0], 1))
        _, avg_acc, _ = keypoint_pck_accuracy(
            to_numpy(pred), to_numpy(gt),
            to_numpy(keypoint_weights) > 0, 0.05, norm)
        return torch.tensor(avg_acc, device=heatmaps.device)
