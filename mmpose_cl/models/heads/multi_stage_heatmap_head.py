# Copyright (c) mmpose-cl contributors. All rights reserved.
"""MMPose's multi-stage heatmap head, able to decode any stage. Shapes: B
instances, K keypoints, [W, H] heatmap size; every stage gives heatmaps
(B, K, H, W)."""
from typing import List, Sequence

from mmpose.models.heads import CPMHead
from mmpose.registry import MODELS
from mmpose.utils.typing import (Features, OptConfigType, OptSampleList,
                                 Predictions)
from torch import Tensor

from .base_cl_head import stage_index


@MODELS.register_module()
class MultiStageHeatmapHead(CPMHead):
    """MMPose's ``CPMHead`` (heatmap loss on every stage, flip test,
    decoding) that decodes the stage ``test_cfg['stage']`` (first = 0,
    negative from the last; default -1, the last), like
    :class:`CLMultiStageHead`: the per-stage accuracy of the plain stacked
    hourglass in the CL paper's fig. 4(b), e.g.
    ``tools/test.py CONFIG CKPT --cfg-options model.test_cfg.stage=3``.

    With :class:`NewellHourglass`, whose stages end in their heatmap convs,
    use ``final_layer=None`` and ``in_channels = out_channels = K``: the head
    then has no parameters.

    Args:
        Same as :class:`mmpose.models.heads.CPMHead`.
    """

    def forward(self, feats: Sequence[Tensor]) -> List[Tensor]:
        """The heatmaps (B, K, H, W) of the first ``len(feats)`` stages (all
        of them in training; fewer when :meth:`predict` stops at a stage).

        Args:
            feats (Sequence[Tensor]): features of the first stages, at most
                ``num_stages``.
        """
        if not 0 < len(feats) <= self.num_stages:
            raise ValueError(
                f'{self.__class__.__name__}: expected the features of 1 .. '
                f'{self.num_stages} stages, got {len(feats)}')
        return [
            self.multi_final_layers[i](self.multi_deconv_layers[i](feat))
            for i, feat in enumerate(feats)
        ]

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: OptConfigType = None) -> Predictions:
        """``CPMHead.predict`` of the stage ``test_cfg['stage']``: the
        features of the later stages are left out, so the stage's heatmaps
        are the last ``forward`` gives.

        Args:
            feats: the multi-stage features, or ``[feats, feats_flip]`` with
                ``test_cfg['flip_test']``.
            batch_data_samples (list[PoseDataSample]): as for ``CPMHead``.
            test_cfg (dict, optional): ``CPMHead``'s, and ``stage`` (int).
                Defaults to None.
        """
        test_cfg = test_cfg or {}
        flip = test_cfg.get('flip_test', False)
        num_stages = len(feats[0] if flip else feats)
        keep = stage_index(self, test_cfg.get('stage', -1), num_stages) + 1
        feats = [f[:keep] for f in feats] if flip else feats[:keep]
        return super().predict(feats, batch_data_samples, test_cfg)
