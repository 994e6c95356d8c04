# Copyright (c) mmpose-cl contributors. All rights reserved.
import json
import logging
from numbers import Real
from typing import List

import numpy as np
from mmengine.fileio import exists, load
from mmengine.logging import print_log
from mmpose.datasets import CocoDataset
from mmpose.registry import DATASETS

DETECTION_KEYS = ('image_id', 'bbox', 'score', 'category_id')


def check_detection_file(bbox_file: str) -> None:
    """Check a person detection file in COCO's results format: a JSON list
    of dicts with ``image_id``, ``bbox`` (``[x, y, w, h]``, 4 numbers),
    ``score`` (a number) and ``category_id``.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: it does not parse, or is not such a list; the message
            names the file and the first bad entry.
    """
    if not exists(bbox_file):
        raise FileNotFoundError(f'bbox_file {bbox_file!r} does not exist')
    try:
        dets = load(bbox_file)
    except Exception as e:  # JSONDecodeError, unknown suffix, bad pickle
        raise ValueError(f'bbox_file {bbox_file!r} is not a valid JSON/YAML/'
                         f'pickle file: {e}') from e
    if not isinstance(dets, list):
        raise ValueError(
            f'bbox_file {bbox_file!r} must hold a list of detections '
            f'(dicts with {", ".join(DETECTION_KEYS)}), got '
            f'{type(dets).__name__}')
    for i, det in enumerate(dets):
        missing = ([k for k in DETECTION_KEYS if k not in det]
                   if isinstance(det, dict) else list(DETECTION_KEYS))
        bbox = det.get('bbox') if isinstance(det, dict) else None
        score = det.get('score') if isinstance(det, dict) else None
        if (missing or not isinstance(bbox, (list, tuple)) or len(bbox) < 4
                or not all(isinstance(v, Real) for v in bbox[:4])
                or not isinstance(score, Real)):
            detail = (f'missing {missing}' if missing else
                      'bbox must be [x, y, w, h] numbers and score a number')
            raise ValueError(
                f'bbox_file {bbox_file!r}: detection {i} is not a dict with '
                f'{", ".join(DETECTION_KEYS)} ({detail}): {det!r:.200}')


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """:class:`mmpose.datasets.CocoDataset` that rejects bad files with a
    clear error and skips degenerate person detections.

    MMPose 1.3.2 reports a missing ``ann_file`` or ``bbox_file`` with an
    ``AssertionError``, a detection file that is not JSON without its name,
    a detection without ``bbox``/``score`` as a bare ``KeyError``, and a
    dataset left with no instance (every person unlabelled or filtered) as
    MMEngine's ``need at least one array to concatenate``. A detection with
    a non-finite box or score gives NaN keypoints. This class raises instead:

    - ``FileNotFoundError`` naming a missing ``ann_file`` or ``bbox_file``;
    - ``ValueError`` naming the file for a ``bbox_file`` that does not parse,
      is not a list of dicts with ``image_id``, ``bbox``, ``score`` and
      ``category_id``, or names an ``image_id`` missing from ``ann_file``,
      and for a dataset with no instance left after filtering;

    and it skips (with one logged warning) detections whose box has zero or
    negative width or height, or a non-finite box or score: they hold no
    person to estimate (MMPose would still crop a point or a line and
    return keypoints on it, or NaN).

    Args:
        Same as :class:`mmpose.datasets.CocoDataset`.
    """

    def load_data_list(self) -> List[dict]:
        """Check the files, then load as :class:`CocoDataset` does."""
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'{self.__class__.__name__}: ann_file {self.ann_file!r} '
                'does not exist')
        if self.bbox_file:
            check_detection_file(self.bbox_file)
        try:
            data_list = super().load_data_list()
        except json.JSONDecodeError as e:
            raise ValueError(
                f'{self.__class__.__name__}: ann_file {self.ann_file!r} is '
                f'not valid JSON: {e}') from e
        except KeyError as e:  # COCO.loadImgs of an unknown image id
            if not self.bbox_file:
                raise
            raise ValueError(
                f'{self.__class__.__name__}: bbox_file {self.bbox_file!r} '
                f'has a detection of image_id {e.args[0]!r}, which is not '
                f'in ann_file {self.ann_file!r}') from e
        if self.bbox_file:
            data_list = self._drop_degenerate_boxes(data_list)
        return data_list

    def _drop_degenerate_boxes(self, data_list: List[dict]) -> List[dict]:
        kept = []
        for info in data_list:
            x1, y1, x2, y2 = info['bbox'][0]  # (1, 4) x1 y1 x2 y2 pixels
            if (np.isfinite(info['bbox']).all()
                    and np.isfinite(info['bbox_score']).all() and x2 > x1
                    and y2 > y1):
                kept.append(info)
        if len(kept) < len(data_list):
            print_log(
                f'{self.__class__.__name__}: skipped '
                f'{len(data_list) - len(kept)} of {len(data_list)} '
                f'detections in {self.bbox_file!r} with zero width or '
                'height or a non-finite box or score',
                logger='current', level=logging.WARNING)
        return kept

    def filter_data(self) -> List[dict]:
        """As :class:`CocoDataset`, and refuse to end up empty."""
        data_list = super().filter_data()
        if not data_list:
            source = (f'bbox_file {self.bbox_file!r}' if self.bbox_file else
                      f'ann_file {self.ann_file!r}')
            raise ValueError(
                f'{self.__class__.__name__}: no instance left in {source} '
                '(MMPose drops crowd people, people with num_keypoints == 0 '
                'or all-zero keypoints, empty boxes, and detections below '
                'filter_cfg.bbox_score_thr)')
        return data_list
