# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The ``clpose`` runtime against MMPose's inferencer: the same checkpoint,
the same person boxes, flip test off.

    python tools/deployment/compare_runtimes.py CONFIG CHECKPOINT FILE.onnx
        [--det-file tests/data/coco/test_coco_det_AP_H_56.json]
        [--images tests/data/coco] [--score-thr 0.3]

``FILE.onnx`` is ``tools/deployment/export_onnx.py``'s export of CHECKPOINT
(without ``--flip-test``). For every image of ``--images`` that has boxes in
``--det-file`` (MMDet's person detections in COCO's results format, those
with a score >= ``--score-thr``), it runs ``MMPoseInferencer(pose2d=CONFIG,
pose2d_weights=CHECKPOINT)`` with those boxes (PyTorch, MMPose's pipeline)
and ``clpose.CLPose(FILE.onnx)`` (ONNX Runtime, numpy + OpenCV crops) and
prints the largest and the median keypoint distance (image pixels) and the
largest score difference.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np

from mmpose_cl.apis import check_checkpoint_matches
from mmpose_cl.deploy.export import CHECK_DATA as COCO
from mmpose_cl.utils import check_cli_paths, person_boxes


def compare(config: str, checkpoint: str, onnx_file: str, det_file: str,
            images: str, score_thr: float) -> dict:
    """Keypoint distance and score difference of clpose against MMPose's
    inferencer over all boxes.

    Returns:
        dict: ``people``, ``max_px``, ``median_px``, ``max_score_diff``.
    """
    import cv2
    from clpose import CLPose
    from mmpose.apis import MMPoseInferencer

    import mmpose_cl  # noqa: F401  (the inferencer honours explicit boxes)
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
                                  det_model='whole_image', device='cpu')
    inferencer.inferencer.model.test_cfg['flip_test'] = False
    runtime = CLPose(onnx_file)
    dists, score_diffs = [], []
    for name in sorted(n for n in os.listdir(images)
                       if n.endswith('.jpg')):
        path = osp.join(images, name)
        boxes = person_boxes(det_file, path, score_thr)
        if len(boxes) == 0:
            continue
        result = next(inferencer(path, bboxes=[boxes.tolist()]))
        ref = result['predictions'][0]
        keypoints, scores = runtime(cv2.imread(path), boxes)
        for person, kpts, score in zip(ref, keypoints, scores):
            dists.append(np.linalg.norm(
                kpts - np.asarray(person['keypoints']), axis=-1))
            score_diffs.append(
                np.abs(score - np.asarray(person['keypoint_scores'])))
    dists, score_diffs = np.concatenate(dists), np.concatenate(score_diffs)
    return dict(people=len(dists) // keypoints.shape[1],
                max_px=float(dists.max()),
                median_px=float(np.median(dists)),
                max_score_diff=float(score_diffs.max()))


def check_inputs(config: str, checkpoint: str, onnx_file: str) -> None:
    """Raise ``ValueError`` unless the checkpoint is of the config's model
    and the ONNX file loads with as many keypoints: the comparison would
    otherwise measure two different models."""
    from clpose import CLPose
    from mmpose.apis import init_model

    import mmpose_cl  # noqa: F401
    model = init_model(config, None, device='cpu')
    check_checkpoint_matches(model, checkpoint)
    num_keypoints = CLPose(onnx_file).num_keypoints
    if num_keypoints != model.dataset_meta['num_keypoints']:
        raise ValueError(
            f'{onnx_file} outputs {num_keypoints} keypoints, the model of '
            f"{config} {model.dataset_meta['num_keypoints']}: not an export "
            'of this model')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('onnx')
    parser.add_argument('--det-file',
                        default=osp.join(COCO, 'test_coco_det_AP_H_56.json'))
    parser.add_argument('--images', default=COCO)
    parser.add_argument('--score-thr', type=float, default=0.3)
    args = parser.parse_args(argv)
    check_cli_paths(parser, (('config', args.config),
                             ('checkpoint', args.checkpoint),
                             ('ONNX file', args.onnx),
                             ('--det-file', args.det_file),
                             ('--images', args.images)))
    try:
        check_inputs(args.config, args.checkpoint, args.onnx)
    except ValueError as e:
        sys.exit(f'compare_runtimes.py: {e}')
    r = compare(args.config, args.checkpoint, args.onnx, args.det_file,
                args.images, args.score_thr)
    print(f'clpose (ONNX Runtime) vs MMPoseInferencer (PyTorch) on '
          f'{r["people"]} people: keypoints max {r["max_px"]:.2e} px, median '
          f'{r["median_px"]:.2e} px; scores max diff '
          f'{r["max_score_diff"]:.2e}')
    return r


if __name__ == '__main__':
    main()
