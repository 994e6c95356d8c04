# Copyright (c) mmpose-cl contributors. All rights reserved.
"""CL head. Shapes: B instances, K keypoints, [W, H] map cells, [w, h] input
pixels; offsets are y-first (channels [0, K) y, [K, 2K) x) in cells."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.structures import PixelData
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.models.heads import BaseHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import (ConfigType, Features, OptConfigType,
                                 OptSampleList, Predictions)
from torch import Tensor, nn


def flip_cl_maps(heatmaps: Tensor, offsets: Tensor,
                 flip_indices: Sequence[int]) -> Tuple[Tensor, Tensor]:
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


@MODELS.register_module()
class CLHead(BaseHead):
    """Head subnetwork of CLNet-ResNet (paper section 3.2, fig. 2a).

    Two DetNet dilated bottlenecks (dilation 2, stride 1; the first with a 1x1
    projection shortcut, the second with an identity shortcut), one plain
    bottleneck, then a 1x1 conv to 3K channels: K sparse heatmaps followed by
    2K offset maps. The bottlenecks are MMPose's ResNet ``Bottleneck``.

    Args:
        in_channels (int): Channels of the backbone's last feature map.
        num_keypoints (int): K.
        block_channels (int, optional): Output channels of each bottleneck
            (its middle width is a quarter of it). Defaults to
            ``in_channels``.
        dilation (int): Dilation of the two DetNet bottlenecks. Defaults to 2.
        norm_cfg (dict): Norm layers of the bottlenecks.
            Defaults to ``dict(type='BN')``.
        final_layer_std (float, optional): Std of the normal init of the last
            conv, small so that the first heatmaps and offsets are near 0, as
            in MMPose's heatmap heads. None leaves it to ``init_cfg``
            (Kaiming): coarser keypoints early in training
            (docs/loss_region.md). Defaults to 0.001.
        heatmap_act (str, optional): ``'sigmoid'`` when the loss trains the
            heatmaps as logits (:class:`GRMILoss`): decoding, the flip test
            and the logged diagnostics then see probabilities. Defaults to
            None (the heatmaps are regressed, as in the paper).
        loss (dict): The composite loss. Defaults to
            ``dict(type='CLCompositeLoss')``.
        decoder (dict, optional): The :class:`CLCodec` config used to decode
            predictions. Defaults to None.
        init_cfg (dict | list, optional): Defaults to Kaiming for the
            bottleneck convs and constant 1 for their norms.
    """

    def __init__(self,
                 in_channels: int,
                 num_keypoints: int,
                 block_channels: Optional[int] = None,
                 dilation: int = 2,
                 norm_cfg: ConfigType = dict(type='BN'),
                 final_layer_std: Optional[float] = 0.001,
                 heatmap_act: Optional[str] = None,
                 loss: ConfigType = dict(type='CLCompositeLoss'),
                 decoder: OptConfigType = None,
                 init_cfg: OptConfigType = None):
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', layer='_BatchNorm', val=1),
            ]
        super().__init__(init_cfg)
        name = self.__class__.__name__
        if not (isinstance(num_keypoints, int) and num_keypoints > 0):
            raise ValueError(
                f'{name}: num_keypoints must be a positive int, got '
                f'{num_keypoints!r}')
        if heatmap_act not in (None, 'sigmoid'):
            raise ValueError(f"{name}: heatmap_act must be None or 'sigmoid', "
                             f'got {heatmap_act!r}')
        self.heatmap_act = heatmap_act
        self.in_channels = in_channels
        self.num_keypoints = num_keypoints
        self.final_layer_std = final_layer_std
        self._build_layers(in_channels, block_channels or in_channels,
                           dilation, norm_cfg)
        self.loss_module = MODELS.build(loss)
        self.decoder = (
            KEYPOINT_CODECS.build(decoder) if decoder is not None else None)

    def _build_layers(self, in_channels: int, block_channels: int,
                      dilation: int, norm_cfg: ConfigType) -> None:
        """The head subnetwork of fig. 2a: ``blocks`` and ``final_layer``."""
        if block_channels % 4:
            raise ValueError(
                f'{self.__class__.__name__}: block_channels must be divisible '
                f'by 4 (bottleneck expansion), got {block_channels}')
        projection = nn.Sequential(
            build_conv_layer(
                None, in_channels, block_channels, kernel_size=1, bias=False),
            build_norm_layer(norm_cfg, block_channels)[1])
        self.blocks = nn.Sequential(
            Bottleneck(in_channels, block_channels, dilation=dilation,
                       downsample=projection, norm_cfg=norm_cfg),
            Bottleneck(block_channels, block_channels, dilation=dilation,
                       norm_cfg=norm_cfg),
            Bottleneck(block_channels, block_channels, norm_cfg=norm_cfg),
        )
        self.final_layer = nn.Conv2d(block_channels, 3 * self.num_keypoints,
                                     1)

    def init_weights(self) -> None:
        """Initialise as ``init_cfg`` says, then (with ``final_layer_std``)
        the last conv with N(0, ``final_layer_std``) and zero bias, unless
        loading weights."""
        super().init_weights()
        pretrained = any(
            c.get('type') == 'Pretrained' for c in (
                self.init_cfg if isinstance(self.init_cfg, list) else
                [self.init_cfg or {}]))
        if not pretrained and self.final_layer_std is not None:
            nn.init.normal_(self.final_layer.weight, 0, self.final_layer_std)
            nn.init.zeros_(self.final_layer.bias)

    def forward(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Forward the last feature map.

        Args:
            feats (Tuple[Tensor]): backbone features; the last has shape
                (B, C, H, W).

        Returns:
            tuple: heatmaps (B, K, H, W) and offsets (B, 2K, H, W).
        """
        x = self.final_layer(self.blocks(feats[-1]))  # (B, 3K, H, W)
        K = self.num_keypoints
        return x[:, :K], x[:, K:]

    def activate(self, heatmaps: Tensor) -> Tensor:
        """Heatmap scores as decoding sees them (``heatmap_act``)."""
        return heatmaps.sigmoid() if self.heatmap_act == 'sigmoid' else heatmaps

    def _scored_maps(self, feats) -> Tuple[Tensor, Tensor]:
        heatmaps, offsets = self.forward(feats)
        return self.activate(heatmaps), offsets

    def predict_maps(self, feats: Features, batch_data_samples: OptSampleList,
                     test_cfg: OptConfigType = None) -> Tuple[Tensor, Tensor]:
        """The maps that :meth:`predict` decodes: activated heatmaps
        (B, K, H, W) and offsets (B, 2K, H, W), merged with those of the
        mirrored crop when ``test_cfg['flip_test']``."""
        test_cfg = test_cfg or {}
        if not test_cfg.get('flip_test', False):
            return self._scored_maps(feats)
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
        heatmaps, offsets = self._scored_maps(feats[0])
        heatmaps_f, offsets_f = flip_cl_maps(
            *self._scored_maps(feats[1]), metainfo['flip_indices'])
        return (heatmaps + heatmaps_f) * 0.5, (offsets + offsets_f) * 0.5

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: OptConfigType = None) -> Predictions:
        """Predict keypoints in input-crop pixels.

        Args:
            feats: backbone features, or ``[feats, feats_of_flipped_input]``
                when ``test_cfg['flip_test']``.
            batch_data_samples (list[PoseDataSample]): with ``flip_indices``
                in the metainfo for the flip test.
            test_cfg (dict, optional): ``flip_test`` (bool) and
                ``output_heatmaps`` (bool).

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
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: OptConfigType = None) -> dict:
        """Composite loss (``loss_heatmap``, ``loss_offset``), ``pred_cells``
        (mean number of predicted cells >= tau per visible keypoint) and
        ``acc_pose`` (when the head has a decoder), the PCK@0.05 (of the
        input size) of the keypoints decoded from the prediction against
        those decoded from the target, like MMPose's heatmap heads.
        """
        train_cfg = train_cfg or {}
        heatmaps, offsets = self.forward(feats)
        gt_heatmaps, gt_offsets, keypoint_weights = self.targets(
            batch_data_samples)

        losses = self.loss_module(heatmaps, offsets, gt_heatmaps, gt_offsets,
                                  keypoint_weights)
        # diagnostic: predicted cells >= tau per keypoint (the cells that
        # vote at test time, and the paper's offset region)
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
