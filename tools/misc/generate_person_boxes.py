# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Detect people with an MMDet detector and write them as MMPose's
``bbox_file`` (the person boxes that top-down testing crops), for the images
of a pose config's test dataset, as MMPose's
``tools/misc/generate_bbox_file.py`` does.

    python tools/misc/generate_person_boxes.py DET_CONFIG [DET_CHECKPOINT] \\
        --pose-config configs/clnet_r50_coco_256x192.py \\
        --out data/coco/person_detection_results/my_person_boxes.json

then test a pose model on those boxes with
``python tools/test.py CONFIG CKPT --cfg-options
test_dataloader.dataset.bbox_file=data/coco/.../my_person_boxes.json``.

The images and their ``image_id`` are those of
``DATASETS.build(cfg.test_dataloader.dataset)`` of ``--pose-config``
(``--pose-cfg-options`` changes it, e.g. its ``ann_file``): MMPose looks each
``image_id`` up in that annotation file. The detector runs through MMDet's own
``mmdet.apis.DetInferencer`` (its test pipeline, its post-processing), one
image after the other.

Output: a JSON list in COCO's results format, the format of
``COCO_val2017_detections_AP_H_56_person.json``::

    [{"image_id": 785, "category_id": 1,
      "bbox": [x, y, w, h], "score": 0.99}, ...]

with ``bbox`` the top-left corner, width and height in the image's pixels and
``category_id`` 1 (COCO's person, the only class MMPose keeps). For each
image: the detector's boxes of class ``--det-cat-id`` (its label index, 0 =
person for detectors trained on COCO's 80 classes) with score >=
``--score-thr`` (default 0.0: like MMPose's files, keep low scores and let
the test config's ``bbox_score_thr`` / OKS-NMS decide), optionally an
extra NMS at ``--nms-thr`` IoU, boxes of zero or negative width or height
dropped, sorted by score, best first.

Without a checkpoint the detector has random weights and its boxes mean
nothing: that is only for testing a pipeline without downloads.
"""
import argparse
import json
import os.path as osp
import sys
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from clpose.files import atomic_output, refuse_to_overwrite
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from tqdm import tqdm

import mmpose_cl  # noqa: F401  (MMEngine checkpoints load on torch >= 2.6)

COCO_PERSON_CATEGORY_ID = 1


def list_images(pose_config: str,
                cfg_options: Optional[dict] = None) -> List[Tuple[int, str]]:
    """The images of a pose config's test dataset and their COCO ids.

    Args:
        pose_config (str): A top-down pose config.
        cfg_options (dict, optional): Overrides of that config.

    Returns:
        list[tuple[int, str]]: ``(image_id, image path)`` pairs, in the
        dataset's order.

    Raises:
        FileNotFoundError: the config, its annotation file or an image that
            it lists does not exist.
    """
    from mmpose.registry import DATASETS
    if not osp.isfile(pose_config):
        raise FileNotFoundError(f'--pose-config: not found: {pose_config}')
    cfg = Config.fromfile(pose_config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    # one item per image (people or not), no detections, no transforms
    dataset = DATASETS.build(dict(
        cfg.test_dataloader.dataset, data_mode='bottomup', test_mode=True,
        bbox_file=None, pipeline=[], lazy_init=True))
    if not osp.isfile(dataset.ann_file):
        raise FileNotFoundError(
            f'annotation file of {pose_config}\'s test_dataloader.dataset '
            f'not found: {dataset.ann_file}')
    dataset.full_init()
    pairs = [(int(info['img_id']), info['img_path'])
             for info in map(dataset.get_data_info, range(len(dataset)))]
    missing = [path for _, path in pairs if not osp.isfile(path)]
    if missing:
        raise FileNotFoundError(
            f'{len(missing)} of the {len(pairs)} images listed in '
            f'{dataset.ann_file} are missing, e.g. {missing[:3]}')
    return pairs


def select_person_boxes(bboxes: np.ndarray,
                        scores: np.ndarray,
                        labels: np.ndarray,
                        det_cat_id: int = 0,
                        score_thr: float = 0.0,
                        nms_thr: Optional[float] = None
                        ) -> Tuple[np.ndarray, np.ndarray]:
    """Keep one image's person boxes.

    Note:
        - N: number of the detector's boxes

    Args:
        bboxes (np.ndarray): (N, 4) ``x1, y1, x2, y2`` in pixels.
        scores (np.ndarray): (N,) scores.
        labels (np.ndarray): (N,) class indices of the detector.
        det_cat_id (int): The person's class index. Defaults to 0.
        score_thr (float): Keep scores >= this. Defaults to 0.0.
        nms_thr (float, optional): IoU of an extra NMS among the kept boxes
            (``mmcv.ops.nms``). Defaults to None (no extra NMS).

    Returns:
        tuple[np.ndarray, np.ndarray]: (M, 4) float32 ``x1, y1, x2, y2`` and
        (M,) float32 scores, sorted by score, best first, with no box of
        width or height <= 0.
    """
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    labels = np.asarray(labels).reshape(-1)
    keep = ((labels == det_cat_id) & (scores >= score_thr)
            & (bboxes[:, 2] > bboxes[:, 0]) & (bboxes[:, 3] > bboxes[:, 1]))
    bboxes, scores = bboxes[keep], scores[keep]
    if nms_thr is not None and len(bboxes) > 0:
        from mmcv.ops import nms
        _, kept = nms(torch.from_numpy(bboxes), torch.from_numpy(scores),
                      iou_threshold=nms_thr)
        kept = kept.numpy()
        bboxes, scores = bboxes[kept], scores[kept]
    order = np.argsort(-scores, kind='stable')
    return bboxes[order], scores[order]


def to_coco_results(image_id: int, bboxes: np.ndarray,
                    scores: np.ndarray) -> List[Dict]:
    """(M, 4) ``x1, y1, x2, y2`` boxes and (M,) scores to COCO results
    entries with ``bbox`` ``[x, y, w, h]`` (pixels) and category 1."""
    from mmpose.structures.bbox import bbox_xyxy2xywh
    return [
        dict(image_id=int(image_id), category_id=COCO_PERSON_CATEGORY_ID,
             bbox=bbox, score=score)
        for bbox, score in zip(
            bbox_xyxy2xywh(np.asarray(bboxes, np.float64).reshape(-1, 4))
            .tolist(), np.asarray(scores, np.float64).tolist())
    ]


def build_detector(config: str,
                   checkpoint: Optional[str] = None,
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None):
    """An ``mmdet.apis.DetInferencer`` from a config path (and weights).

    Raises:
        FileNotFoundError: ``config`` or a local ``checkpoint`` is missing.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'detector config not found: {config}')
    if checkpoint is not None and '://' not in checkpoint \
            and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'detector checkpoint not found: '
                                f'{checkpoint}')
    from mmdet.apis import DetInferencer

    # load the config here (custom_imports included) so that --cfg-options
    # can change it before the inferencer builds the model
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if checkpoint is None:
        warnings.warn(
            'no detector checkpoint: the detector has random weights, so the '
            'person boxes are meaningless (only good for testing a pipeline)')
    return DetInferencer(
        model=cfg,
        weights=checkpoint,
        device=device,
        scope=cfg.get('default_scope', 'mmdet'),
        show_progress=False)


def generate_person_boxes(config: str,
                          pose_config: str,
                          out: str,
                          checkpoint: Optional[str] = None,
                          score_thr: float = 0.0,
                          nms_thr: Optional[float] = None,
                          det_cat_id: int = 0,
                          device: str = 'cpu',
                          overwrite: bool = False,
                          cfg_options: Optional[dict] = None,
                          pose_cfg_options: Optional[dict] = None
                          ) -> List[Dict]:
    """Detect people on the images of a pose config's test dataset and
    write MMPose's ``bbox_file``.

    Args:
        config (str): MMDet detector config path.
        pose_config (str): Pose config whose ``test_dataloader.dataset``
            gives the images and their ids (see :func:`list_images`).
        out (str): Output JSON path.
        checkpoint (str, optional): Detector weights. Defaults to None
            (random weights, with a warning).
        score_thr (float): Keep person boxes with score >= this.
            Defaults to 0.0.
        nms_thr (float, optional): IoU of an extra per-image NMS over the
            person boxes. Defaults to None.
        det_cat_id (int): The detector's person class index. Defaults to 0.
        device (str): Defaults to ``'cpu'``.
        overwrite (bool): Replace an existing ``out``. Defaults to False.
        cfg_options (dict, optional): Overrides of the detector config.
        pose_cfg_options (dict, optional): Overrides of the pose config.

    Returns:
        list[dict]: The COCO results entries written to ``out``.

    Raises:
        FileExistsError: ``out`` exists and ``overwrite`` is False.
        FileNotFoundError: a missing config, checkpoint, annotation file or
            listed image.
        ValueError: a bad threshold or class index.
    """
    if det_cat_id < 0:
        raise ValueError(f'--det-cat-id must be >= 0, got {det_cat_id}')
    if nms_thr is not None and not 0.0 < nms_thr <= 1.0:
        raise ValueError(f'--nms-thr must be in (0, 1], got {nms_thr}')
    refuse_to_overwrite(out, overwrite)
    images = list_images(pose_config, pose_cfg_options)
    detector = build_detector(config, checkpoint, device, cfg_options)
    classes = detector.model.dataset_meta.get('classes')
    if classes is not None and det_cat_id < len(classes):
        print(f'person class: label {det_cat_id} '
              f'({classes[det_cat_id]!r} in the detector\'s class names)')

    results = []
    for image_id, path in tqdm(images, desc='detecting', unit='img'):
        pred = detector(path, return_datasamples=True)['predictions'][0]
        instances = pred.pred_instances.cpu().numpy()
        bboxes, scores = select_person_boxes(
            instances.bboxes, instances.scores, instances.labels,
            det_cat_id=det_cat_id, score_thr=score_thr, nms_thr=nms_thr)
        results.extend(to_coco_results(image_id, bboxes, scores))
    # refuses an `out` that appeared while detecting, unless --overwrite
    with atomic_output(out, overwrite) as tmp, open(tmp, 'w') as f:
        json.dump(results, f)
    with_boxes = len({r['image_id'] for r in results})
    print(f'wrote {len(results)} person boxes on {with_boxes} of '
          f'{len(images)} images to {out}')
    return results


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Write MMDet person detections as MMPose\'s bbox_file '
        '(COCO results json, xywh pixels)')
    parser.add_argument('config', help='MMDet detector config file')
    parser.add_argument(
        'checkpoint', nargs='?', default=None,
        help='detector checkpoint; without it the weights are random and '
        'the boxes meaningless')
    parser.add_argument(
        '--pose-config', required=True,
        help='pose config whose test_dataloader.dataset lists the images '
        'and their ids')
    parser.add_argument('--out', required=True, help='output JSON file')
    parser.add_argument(
        '--score-thr', type=float, default=0.0,
        help='keep person boxes with score >= this (default 0.0: keep all, '
        'as MMPose\'s detection files do)')
    parser.add_argument(
        '--nms-thr', type=float, default=None,
        help='IoU threshold of an extra NMS over each image\'s person boxes '
        '(default: none, the detector\'s own NMS only)')
    parser.add_argument(
        '--det-cat-id', type=int, default=0,
        help='the detector\'s person class index (default 0: COCO classes)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace --out if it exists (default: refuse)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override detector config settings, e.g. '
        'model.test_cfg.max_per_img=100')
    parser.add_argument(
        '--pose-cfg-options', nargs='+', action=DictAction,
        help='override pose config settings, e.g. '
        'test_dataloader.dataset.data_root=data/coco/')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    try:
        generate_person_boxes(**vars(args))
    except FileNotFoundError as e:  # names the file: no traceback
        sys.exit(f'generate_person_boxes.py: {e}')


if __name__ == '__main__':
    main()
