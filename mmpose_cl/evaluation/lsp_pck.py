# Copyright (c) mmpose-cl contributors. All rights reserved.
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpose.evaluation.functional import keypoint_pck_accuracy
from mmpose.evaluation.metrics import PCKAccuracy
from mmpose.registry import METRICS


@METRICS.register_module()
class LspPCKAccuracy(PCKAccuracy):
    """PCK@0.2 on LSP, normalised by the torso, overall and per joint group as
    in the paper's Table 4 (Head, Sho., Elb., Wri., Hip, Knee, Ank.).

    A predicted joint is correct when its distance to the ground truth is
    below ``thr`` x the instance's torso size (MMPose's strict ``<``; the
    MATLAB reference uses ``<=``, which differs only on exact ties).

    Torso size: ``||left_shoulder - right_hip||`` in LSP's order, i.e. joints
    9 and 2 (0-based). This is the torso of the LSP PCK reference code,
    ``eval_pck.m`` (after Sapp & Taskar, CVPR'13), the version from the MPII
    benchmark's site that Yang et al., CVPR'16 redistribute
    (https://github.com/bearpaw/eval_pose, ``utils/eval_pck.m``:
    ``norm(gt(:,10) - gt(:,3))``, 1-based); the same code's LSP demo calls
    this pair "right shoulder and left hip (from observer's perspective)",
    the phrase often quoted for LSP's torso. It is also the same two joints
    by name as MMPose's JHMDB torso (JHMDB indices 4 = left_shoulder,
    5 = right_hip). MMPose's ``PCKAccuracy(norm_item='torso')`` hard-codes
    those JHMDB indices, which on LSP are the left knee and the left ankle.

    An instance whose ground-truth torso is unlabelled
    (``keypoints_visible`` 0 at joint 2 or 9) or shorter than 1 px is left out
    of the torso-normalised PCK, with a warning. MMPose's ``PCKAccuracy``
    would fall back to the *predicted* torso, letting a prediction set its
    own tolerance. On LSP's test set all 14 joints are labelled, so this
    never happens there.

    Joint groups average left and right (Head averages neck and head top, as
    the reference code does); a joint counts only where it is labelled
    (``keypoints_visible`` > 0, so LSP's labelled-but-occluded joints count,
    as in the reference protocol). The overall PCK is MMPose's: the mean of
    the 14 per-joint PCKs. Values are fractions in [0, 1] like MMPose's
    ``PCKAccuracy`` (the paper prints percentages); a group none of whose
    joints is labelled in any instance reports -1, MMPose's "no valid
    keypoint" value.

    Note:
        - length of dataset: N
        - num_keypoints: K = 14, LSP's order
        - number of keypoint dimensions: D = 2, pixel ``(x, y)`` in the
          original image, the same frame for ground truth and prediction

    Args:
        thr (float): PCK threshold, a fraction of the normalising size.
            Defaults to 0.2.
        norm_item (str | Sequence[str]): ``'torso'`` (keys ``'tPCK'``,
            ``'Head tPCK'``, ...) and/or ``'bbox'`` (the longer side of the
            ground-truth box; keys ``'PCK'``, ``'Head PCK'``, ...). LSP has no
            head boxes, so ``'head'`` is refused. Defaults to ``'torso'``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results of
            different ranks are gathered. Defaults to ``'cpu'``.
        prefix (str, optional): Prefix of the metric names, as in MMEngine's
            ``BaseMetric``. Defaults to ``None``.

    Returns of :meth:`compute_metrics` (for ``norm_item='torso'``):
        ``'Head tPCK'``, ``'Sho tPCK'``, ``'Elb tPCK'``, ``'Wri tPCK'``,
        ``'Hip tPCK'``, ``'Knee tPCK'``, ``'Ank tPCK'`` and ``'tPCK'``, the
        same names as :class:`mmpose.evaluation.JhmdbPCKAccuracy`.
    """

    #: (left shoulder, right hip) in LSP's 0-based order.
    TORSO_IDS: Tuple[int, int] = (9, 2)
    #: Table 4's groups in LSP's 0-based order, named as in MMPose's
    #: JhmdbPCKAccuracy.
    JOINT_GROUPS: Dict[str, Tuple[int, ...]] = {
        'Head': (12, 13),
        'Sho': (8, 9),
        'Elb': (7, 10),
        'Wri': (6, 11),
        'Hip': (2, 3),
        'Knee': (1, 4),
        'Ank': (0, 5),
    }
    NUM_KEYPOINTS: int = 14

    def __init__(self,
                 thr: float = 0.2,
                 norm_item: Union[str, Sequence[str]] = 'torso',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        is_number = isinstance(thr, (int, float)) and not isinstance(thr, bool)
        if not (is_number and np.isfinite(thr) and thr > 0):
            raise ValueError(f'{self.__class__.__name__}: thr must be a '
                             f'positive number, got {thr!r}')
        items = [norm_item] if isinstance(norm_item, str) else norm_item
        bad = [item for item in items if item not in ('torso', 'bbox')]
        if bad or not items:
            raise ValueError(
                f'{self.__class__.__name__}: norm_item must be \'torso\' '
                f'and/or \'bbox\' (LSP has no head boxes), got {norm_item!r}')
        super().__init__(
            thr=thr,
            norm_item=norm_item,
            collect_device=collect_device,
            prefix=prefix)

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Store predictions, ground truth, mask and normalising sizes.

        The parent handles ``'bbox'``; its ``'torso'`` uses JHMDB's indices,
        so it is taken off for the parent's call and LSP's torso is added to
        each new result here.

        Args:
            data_batch (Sequence[dict]): A batch of data from the dataloader.
            data_samples (Sequence[dict]): The model's outputs, each with
                ``pred_instances.keypoints`` (1, K, D) and ``gt_instances``
                with ``keypoints`` (1, K, D) and ``keypoints_visible``
                (1, K) or (1, K, 1).
        """
        first = len(self.results)
        norm_item = self.norm_item
        self.norm_item = [item for item in norm_item if item != 'torso']
        try:
            super().process(data_batch, data_samples)
        finally:
            self.norm_item = norm_item
        if 'torso' not in self.norm_item:
            return
        for result in self.results[first:]:
            torso = self._torso_size(result['gt_coords'], result['mask'])
            result['torso_size'] = np.full((1, 2), torso)  # (1, D)

    def _torso_size(self, gt_coords: np.ndarray, mask: np.ndarray) -> float:
        """||left_shoulder - right_hip|| of one instance in pixels, or 0
        (which MMPose's ``keypoint_pck_accuracy`` leaves out) when either
        joint is unlabelled or the torso is shorter than 1 px.

        Args:
            gt_coords (np.ndarray): (1, K, D) ground-truth keypoints.
            mask (np.ndarray): (1, K) bool, labelled keypoints.
        """
        if gt_coords.shape[1] != self.NUM_KEYPOINTS:
            raise ValueError(
                f'{self.__class__.__name__}: gt keypoints must have '
                f'{self.NUM_KEYPOINTS} joints in LSP\'s order, got shape '
                f'{tuple(gt_coords.shape)}')
        i, j = self.TORSO_IDS
        size = float(np.linalg.norm(gt_coords[0, i] - gt_coords[0, j]))
        if not (mask[0, i] and mask[0, j]) or size < 1:
            warnings.warn(
                f'{self.__class__.__name__}: ground-truth torso unlabelled '
                f'or < 1 px ({size:.2f}); instance left out of tPCK')
            return 0.0
        return size

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Per-group and overall PCK for each normalising item.

        Args:
            results (list): What :meth:`process` stored.

        Returns:
            Dict[str, float]: ``'<Group> tPCK'`` for the 7 groups and
            ``'tPCK'`` (torso), and/or the same with ``PCK`` (bbox).
        """
        logger: MMLogger = MMLogger.get_current_instance()
        pred_coords = np.concatenate([r['pred_coords'] for r in results])
        gt_coords = np.concatenate([r['gt_coords'] for r in results])
        mask = np.concatenate([r['mask'] for r in results])  # (N, K)

        metrics = dict()
        for item, name in (('torso', 'tPCK'), ('bbox', 'PCK')):
            if item not in self.norm_item:
                continue
            # (N, D); keypoint_pck_accuracy edits it in place, hence concat
            norm_size = np.concatenate([r[f'{item}_size'] for r in results])
            logger.info(f'Evaluating {self.__class__.__name__} '
                        f'(normalized by ``"{item}_size"``)...')
            pck_per_joint, pck, _ = keypoint_pck_accuracy(
                pred_coords, gt_coords, mask, self.thr, norm_size)
            for group, ids in self.JOINT_GROUPS.items():
                valid = [
                    pck_per_joint[i] for i in ids if pck_per_joint[i] >= 0
                ]
                metrics[f'{group} {name}'] = (
                    float(np.mean(valid)) if valid else -1.0)
            metrics[name] = float(pck)
        return metrics
