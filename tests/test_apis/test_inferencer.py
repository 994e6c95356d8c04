"""MMPoseInferencer on the CLNet demo config (random pose weights) with an
MMDet detector (the random-weight RTMDet-tiny of tests/data/mmdet/), with the
whole image as the box, with explicit boxes (honoured by ``import
mmpose_cl``), and with ``draw_heatmap=True``."""
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# a config *path*: the inferencer reads custom_imports only from a path
POSE_CONFIG = osp.join(REPO, 'configs', 'demo',
                       'clnet_r18_coco-mini_256x192.py')
DET_CONFIG = osp.join(REPO, 'tests', 'data', 'mmdet',
                      'rtmdet_tiny_random-weights_coco.py')
IMAGE = '000000197388.jpg'
NUM_KEYPOINTS = 17


@pytest.fixture(scope='module')
def pose_checkpoint(demo_checkpoint):
    """The demo model with random weights (tests/conftest.py)."""
    return demo_checkpoint


def build_inferencer(pose_checkpoint, det_model, **kwargs):
    from mmpose.apis import MMPoseInferencer

    import mmpose_cl  # noqa: F401  (explicit boxes)
    torch.manual_seed(0)
    return MMPoseInferencer(
        pose2d=POSE_CONFIG, pose2d_weights=pose_checkpoint,
        det_model=det_model, device='cpu', **kwargs)


@pytest.fixture(scope='module')
def det_inferencer(pose_checkpoint):
    return build_inferencer(pose_checkpoint, DET_CONFIG, det_weights=None,
                            det_cat_ids=[0])


@pytest.fixture(scope='module')
def whole_image_inferencer(pose_checkpoint):
    return build_inferencer(pose_checkpoint, 'whole_image')


def check_pose(pred):
    kpts = np.array(pred['keypoints'])
    scores = np.array(pred['keypoint_scores'])
    assert kpts.shape == (NUM_KEYPOINTS, 2) and np.isfinite(kpts).all()
    assert scores.shape == (NUM_KEYPOINTS, ) and np.isfinite(scores).all()


def pred_boxes(preds):
    """(N, 4) ``x1, y1, x2, y2`` of the predicted people, in order."""
    return np.array([pred['bbox'][0] for pred in preds]).reshape(-1, 4)


def test_inferencer_with_mmdet_detector(det_inferencer, coco_root):
    from mmpose.evaluation.functional import nms

    image = osp.join(coco_root, IMAGE)
    preds = next(det_inferencer(image))['predictions'][0]
    # the people are the detector's person boxes kept by MMPose's default
    # bbox_thr=0.3 and nms_thr=0.3 (a random detector scores about 0.5)
    detector = det_inferencer.inferencer.detector
    det = detector(image, return_datasamples=True)['predictions'][0]
    det = det.pred_instances.cpu().numpy()
    boxes = np.concatenate([det.bboxes, det.scores[:, None]], axis=1)
    boxes = boxes[(det.labels == 0) & (det.scores > 0.3)]
    boxes = boxes[nms(boxes, 0.3)]
    assert len(boxes) >= 1
    assert len(preds) == len(boxes)
    order = np.lexsort(pred_boxes(preds).T)
    np.testing.assert_allclose(pred_boxes(preds)[order],
                               boxes[np.lexsort(boxes[:, :4].T), :4],
                               atol=1e-3)
    for pred in preds:
        check_pose(pred)


def test_inferencer_whole_image(whole_image_inferencer, coco_root):
    image = osp.join(coco_root, IMAGE)
    height, width = mmcv.imread(image).shape[:2]
    preds = next(whole_image_inferencer(image))['predictions'][0]
    assert len(preds) == 1
    np.testing.assert_allclose(pred_boxes(preds), [[0, 0, width, height]])
    check_pose(preds[0])


def test_inferencer_uses_explicit_bboxes(det_inferencer, coco_root,
                                         tmp_path):
    images = [osp.join(coco_root, IMAGE),
              osp.join(coco_root, '000000000785.jpg')]
    bboxes = [
        [[139.41, 102.25, 361.8, 343.82], [287.17, 61.52, 362.05, 227.13]],
        [[280.0, 44.0, 495.0, 390.0, 0.75]],  # with a score
    ]
    results = list(det_inferencer(images, bboxes=bboxes,
                                  out_dir=str(tmp_path)))
    assert len(results) == 2  # one result per image (batch size 1)
    for result, image, boxes in zip(results, images, bboxes):
        preds = result['predictions'][0]
        # the given boxes, not the detector's
        assert len(preds) == len(boxes)
        np.testing.assert_allclose(pred_boxes(preds),
                                   np.array(boxes)[:, :4], atol=1e-2)
        expected_scores = [box[4] if len(box) == 5 else 1.0 for box in boxes]
        np.testing.assert_allclose([pred['bbox_score'] for pred in preds],
                                   expected_scores, atol=1e-6)
        for pred in preds:
            check_pose(pred)
        stem = osp.splitext(osp.basename(image))[0]
        assert osp.isfile(tmp_path / 'visualizations' / osp.basename(image))
        with open(tmp_path / 'predictions' / f'{stem}.json') as f:
            saved = json.load(f)
        assert len(saved) == len(boxes)
        np.testing.assert_allclose(saved[0]['keypoints'],
                                   preds[0]['keypoints'], atol=1e-4)


def test_draw_heatmap_adds_the_heatmap_panel(whole_image_inferencer,
                                             coco_root, tmp_path):
    image = osp.join(coco_root, IMAGE)
    height, width = mmcv.imread(image).shape[:2]
    box = [[[139.41, 102.25, 361.8, 343.82]]]
    for draw_heatmap, out_dir in ((True, tmp_path / 'heatmap'),
                                  (False, tmp_path / 'plain')):
        result = next(whole_image_inferencer(
            image, bboxes=box, out_dir=str(out_dir),
            draw_heatmap=draw_heatmap))
        assert len(result['predictions'][0]) == 1
        vis_file = out_dir / 'visualizations' / IMAGE
        assert osp.isfile(vis_file)
        saved = mmcv.imread(str(vis_file))
        # MMPose's visualizer stacks the heatmap panel under the picture
        expected_height = 2 * height if draw_heatmap else height
        assert saved.shape == (expected_height, width, 3)


def test_inferencer_runs_clnet_cspnext(coco_root):
    """The CSPNeXt CL configs drive MMPoseInferencer as RTMPose's do (random
    weights: the config's pretrained backbone is not downloaded)."""
    from mmpose.apis import MMPoseInferencer

    import mmpose_cl  # noqa: F401  (explicit boxes)
    inferencer = MMPoseInferencer(
        pose2d=osp.join(REPO, 'configs', 'clnet_cspnext-t_coco_256x192.py'),
        det_model='whole_image', device='cpu')
    result = next(inferencer(osp.join(coco_root, IMAGE),
                             bboxes=[[[100, 50, 300, 400]]]))
    (pred, ) = result['predictions'][0]
    check_pose(pred)
