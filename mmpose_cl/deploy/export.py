# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Export a CL model to one ONNX file that outputs keypoints, checked
against the PyTorch model; ``tools/deployment/export_onnx.py`` is its command
line.

The check (:func:`compare_with_pytorch`) runs ONNX Runtime against MMPose's
``inference_topdown`` path of the same model (its ``test_step``) on real
crops: the people of the bundled COCO images (``tests/data/coco`` of a source
checkout), cropped by the config's test pipeline.
"""
import json
import os.path as osp
from typing import List, Tuple

import numpy as np
import torch
from clpose.affine import crop_to_image

KEYPOINT_TOL = 1e-3  # px
SCORE_TOL = 1e-5
#: the lowest opset of the graph: the decoding's index assignment needs
#: ScatterND (11); quantisation needs 13 (per-channel DequantizeLinear)
MIN_OPSET = 11
#: the bundled people of a source checkout
CHECK_DATA = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tests',
    'data', 'coco')


def bundled_people(data_root: str = CHECK_DATA
                   ) -> List[Tuple[str, np.ndarray]]:
    """(image path, box x1 y1 x2 y2 in pixels) of every annotated person of
    the COCO images in ``data_root`` (its ``test_coco.json``)."""
    ann_file = osp.join(data_root, 'test_coco.json')
    if not osp.isfile(ann_file):
        raise FileNotFoundError(
            f'{ann_file} not found: the export is checked on COCO people, '
            "by default the bundled ones of a source checkout's "
            'tests/data/coco')
    with open(ann_file) as f:
        coco = json.load(f)
    files = {im['id']: im['file_name'] for im in coco['images']}
    people = []
    for ann in coco['annotations']:
        if ann.get('num_keypoints', 0) > 0:
            x, y, w, h = ann['bbox']
            people.append((osp.join(data_root, files[ann['image_id']]),
                           np.array([x, y, x + w, y + h], np.float32)))
    return people


def compare_with_pytorch(model, onnx_path: str, flip_test: bool, batch,
                         data_root: str = CHECK_DATA) -> dict:
    """Keypoints (image pixels) and scores of the ONNX graph under ONNX
    Runtime against MMPose's ``inference_topdown`` of the same model on the
    same crops (:func:`bundled_people`).

    Args:
        model: an MMPose top-down model with ``cfg`` and ``dataset_meta``
            (``mmpose.apis.init_model``).
        onnx_path (str): the exported file.
        flip_test (bool): whether the file merges the mirrored crops.
        batch (int | str): the file's batch size, or ``'dynamic'``.
        data_root (str): the people's folder (:func:`bundled_people`).

    Returns:
        dict: ``people``, ``max_keypoint_diff`` (px), ``max_score_diff``.
    """
    import onnxruntime as ort
    from mmengine.dataset import Compose, pseudo_collate
    model.test_cfg['flip_test'] = flip_test
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    data = [
        pipeline(dict(img_path=path, bbox=box[None],
                      bbox_score=np.ones(1, np.float32), **model.dataset_meta))
        for path, box in bundled_people(data_root)
    ]
    batch_data = pseudo_collate(data)
    with torch.no_grad():
        results = model.test_step(batch_data)
    crops = torch.stack(batch_data['inputs']).float().numpy()
    session = ort.InferenceSession(onnx_path,
                                   providers=['CPUExecutionProvider'])
    size = crops.shape[0] if batch == 'dynamic' else int(batch)
    keypoints, scores = [], []
    for start in range(0, len(crops), size):
        chunk = crops[start:start + size]
        pad = size - len(chunk)
        if pad:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], pad, 0)])
        k, s = session.run(['keypoints', 'scores'], {'crops': chunk})
        keypoints.append(k[:size - pad])
        scores.append(s[:size - pad])
    keypoints, scores = np.concatenate(keypoints), np.concatenate(scores)
    kpt_diff = score_diff = 0.
    for sample, kpts, score in zip(results, keypoints, scores):
        meta = sample.metainfo
        image_kpts = crop_to_image(kpts[None], meta['input_center'][None],
                                   meta['input_scale'][None],
                                   meta['input_size'])[0]
        pred = sample.pred_instances
        kpt_diff = max(kpt_diff,
                       float(np.abs(image_kpts - pred.keypoints[0]).max()))
        score_diff = max(score_diff, float(
            np.abs(score - pred.keypoint_scores[0]).max()))
    return dict(people=len(results), max_keypoint_diff=kpt_diff,
                max_score_diff=score_diff)
