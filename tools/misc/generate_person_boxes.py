# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Detect people with an MMDet detector and write them as MMPose's
``bbox_file`` (the person boxes that top-down testing crops).

    python tools/misc/generate_person_boxes.py DET_CONFIG [DET_CHECKPOINT] \\
        --img-dir data/coco/val2017 \\
        --ann-file data/coco/annotations/person_keypoints_val2017.json \\
        --out data/coco/person_detection_results/my_person_boxes.json

then test a pose model on those boxes with
``python tools/test.py CONFIG CKPT --cfg-options
test_dataloader.dataset.bbox_file=data/coco/.../my_person_boxes.json``.

The detector runs through MMDet's own ``mmdet.apis.DetInferencer`` (its test
pipeline, its post-processing), one image after the other.

Images and ids:
    - with ``--ann-file`` (a COCO json): the images it lists, in its order,
      read from ``--img-dir``/``file_name``, with its ``id`` as ``image_id``
      (MMPose looks each ``image_id`` up in the same file, so use the
      annotation file the test config reads);
    - without it: every image in ``--img-dir`` (not recursive), with
      ``image_id`` = the file stem as an integer (``000000000785.jpg`` ->
      785, COCO's naming); any other name is an error.

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
import os
import os.path as osp
import tempfile
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction
from tqdm import tqdm

import mmpose_cl  # noqa: F401  (MMEngine checkpoints load on torch >= 2.6)

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif',
                  '.tiff', '.webp')  # those DetInferencer reads from a folder
COCO_PERSON_CATEGORY_ID = 1


def list_images(img_dir: str,
                ann_file: Optional[str] = None) -> List[Tuple[int, str]]:
    """The images to detect on and their COCO image ids.

    Args:
        img_dir (str): Folder of the images.
        ann_file (str, optional): COCO json whose ``images`` (``id``,
            ``file_name`` relative to ``img_dir``) are used, in its order.
            Defaults to None: every image file in ``img_dir``, sorted by
            name, with id = ``int(file stem)``.

    Returns:
        list[tuple[int, str]]: ``(image_id, image path)`` pairs.

    Raises:
        FileNotFoundError: ``img_dir``, ``ann_file`` or an image that
            ``ann_file`` lists does not exist.
        ValueError: no images, a file stem that is not an integer (without
            ``ann_file``), or two images with the same id.
    """
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'--img-dir: image folder not found: '
                                f'{img_dir}')
    if ann_file is not None:
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'--ann-file: annotation file not '
                                    f'found: {ann_file}')
        with open(ann_file) as f:
            images = json.load(f).get('images', [])
        pairs = [(int(img['id']), osp.join(img_dir, img['file_name']))
                 for img in images]
        missing = [path for _, path in pairs if not osp.isfile(path)]
        if missing:
            raise FileNotFoundError(
                f'{len(missing)} of the {len(pairs)} images listed in '
                f'{ann_file} are not in {img_dir}, e.g. {missing[:3]}')
    else:
        names = sorted(
            name for name in os.listdir(img_dir)
            if name.lower().endswith(IMG_EXTENSIONS)
            and osp.isfile(osp.join(img_dir, name)))
        pairs = []
        for name in names:
            stem = osp.splitext(name)[0]
            try:
                image_id = int(stem)
            except ValueError:
                raise ValueError(
                    f'cannot take an image id from {name!r} in {img_dir}: '
                    f'its stem {stem!r} is not an integer; pass --ann-file '
                    'with the COCO annotation file that lists the images') \
                    from None
            pairs.append((image_id, osp.join(img_dir, name)))
    if not pairs:
        source = ann_file if ann_file is not None else img_dir
        raise ValueError(f'no images found in {source}')
    ids = [image_id for image_id, _ in pairs]
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f'several images share the image ids '
                         f'{duplicated[:5]}: each id must name one image')
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
    return [
        dict(
            image_id=int(image_id),
            category_id=COCO_PERSON_CATEGORY_ID,
            bbox=[float(x1), float(y1), float(x2 - x1), float(y2 - y1)],
            score=float(score))
        for (x1, y1, x2, y2), score in zip(bboxes.tolist(), scores.tolist())
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
                          img_dir: str,
                          out: str,
                          checkpoint: Optional[str] = None,
                          ann_file: Optional[str] = None,
                          score_thr: float = 0.0,
                          nms_thr: Optional[float] = None,
                          det_cat_id: int = 0,
                          device: str = 'cpu',
                          overwrite: bool = False,
                          cfg_options: Optional[dict] = None) -> List[Dict]:
    """Detect people on the images and write MMPose's ``bbox_file``.

    Args:
        config (str): MMDet detector config path.
        img_dir (str): Image folder.
        out (str): Output JSON path.
        checkpoint (str, optional): Detector weights. Defaults to None
            (random weights, with a warning).
        ann_file (str, optional): COCO json giving the images and their ids
            (see :func:`list_images`). Defaults to None.
        score_thr (float): Keep person boxes with score >= this.
            Defaults to 0.0.
        nms_thr (float, optional): IoU of an extra per-image NMS over the
            person boxes. Defaults to None.
        det_cat_id (int): The detector's person class index. Defaults to 0.
        device (str): Defaults to ``'cpu'``.
        overwrite (bool): Replace an existing ``out``. Defaults to False.
        cfg_options (dict, optional): Overrides of the detector config.

    Returns:
        list[dict]: The COCO results entries written to ``out``.

    Raises:
        FileExistsError: ``out`` exists and ``overwrite`` is False.
        FileNotFoundError: a missing config, checkpoint, folder, annotation
            file or listed image.
        ValueError: a bad threshold or class index, or images without ids.
    """
    if det_cat_id < 0:
        raise ValueError(f'--det-cat-id must be >= 0, got {det_cat_id}')
    if nms_thr is not None and not 0.0 < nms_thr <= 1.0:
        raise ValueError(f'--nms-thr must be in (0, 1], got {nms_thr}')
    if osp.exists(out) and not overwrite:
        raise FileExistsError(f'{out} already exists; pass --overwrite to '
                              'replace it')
    images = list_images(img_dir, ann_file)
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

    # write next to `out` and rename: an interrupted run leaves no
    # half-written file that a later run would refuse to overwrite
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(suffix='.json', dir=out_dir)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(results, f)
        if osp.exists(out) and not overwrite:
            raise FileExistsError(f'{out} appeared while detecting; pass '
                                  '--overwrite to replace it')
        os.replace(tmp_path, out)
    finally:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
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
        'checkpoint',
        nargs='?',
        default=None,
        help='detector checkpoint; without it the weights are random and '
        'the boxes meaningless')
    parser.add_argument('--img-dir', required=True, help='image folder')
    parser.add_argument(
        '--ann-file',
        help='COCO json listing the images (id, file_name relative to '
        '--img-dir); without it: all images of --img-dir, id = int(stem)')
    parser.add_argument('--out', required=True, help='output JSON file')
    parser.add_argument(
        '--score-thr',
        type=float,
        default=0.0,
        help='keep person boxes with score >= this (default 0.0: keep all, '
        'as MMPose\'s detection files do)')
    parser.add_argument(
        '--nms-thr',
        type=float,
        default=None,
        help='IoU threshold of an extra NMS over each image\'s person boxes '
        '(default: none, the detector\'s own NMS only)')
    parser.add_argument(
        '--det-cat-id',
        type=int,
        default=0,
        help='the detector\'s person class index (default 0: COCO classes)')
    parser.add_argument('--device', default='cpu', help='e.g. cpu, cuda:0')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace --out if it exists (default: refuse)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override detector config settings, e.g. '
        'model.test_cfg.max_per_img=100')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    generate_person_boxes(
        args.config,
        args.img_dir,
        args.out,
        checkpoint=args.checkpoint,
        ann_file=args.ann_file,
        score_thr=args.score_thr,
        nms_thr=args.nms_thr,
        det_cat_id=args.det_cat_id,
        device=args.device,
        overwrite=args.overwrite,
        cfg_options=args.cfg_options)


if __name__ == '__main__':
    main()
