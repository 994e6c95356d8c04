"""PCKh@0.5 of the MPII configs (MMPose's MpiiDataset + MpiiPCKAccuracy) on
the 5 bundled MPII images, with a generated head-box file."""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from scipy.io import savemat

import mmpose_cl  # noqa: F401

HEAD_TOP, UPPER_NECK = 9, 8


@pytest.fixture
def val_set(repo_root, tmp_path):
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'clnet_r50_mpii_256x256.py'))
    mpii = osp.join(repo_root, 'tests', 'data', 'mpii')
    import json
    with open(osp.join(mpii, 'test_mpii.json')) as f:
        anns = json.load(f)
    # head boxes in MPII's layout: headboxes_src (2, 2, N) = [[x1, y1],
    # [x2, y2]] per instance, here a square spanning head top to upper neck
    boxes = []
    for ann in anns:
        joints = np.array(ann['joints'])
        centre = (joints[HEAD_TOP] + joints[UPPER_NECK]) / 2
        half = np.linalg.norm(joints[HEAD_TOP] - joints[UPPER_NECK]) / 2
        boxes.append([centre - half, centre + half])
    headbox_file = str(tmp_path / 'mpii_gt_val.mat')
    savemat(headbox_file,
            {'headboxes_src': np.transpose(np.array(boxes), [1, 2, 0])})
    dataset = DATASETS.build({
        **cfg.val_dataloader.dataset, 'data_root': mpii,
        'ann_file': 'test_mpii.json', 'data_prefix': dict(img=''),
        'headbox_file': headbox_file
    })
    return cfg, dataset, np.array(boxes)


def evaluate(cfg, dataset, shift_px):
    """Feed the ground truth shifted by shift_px[i] (pixels, along x) of
    instance i as the prediction."""
    from mmpose.registry import METRICS
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = dataset.metainfo
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        # MpiiPCKAccuracy adds 1 to predictions (MATLAB's 1-based pixels)
        pred = info['keypoints'] - 1.0
        pred[..., 0] += shift_px[i]
        sample = dict(
            gt_instances=dict(
                keypoints=info['keypoints'],
                keypoints_visible=info['keypoints_visible'],
                head_size=info['head_size']),
            pred_instances=dict(keypoints=pred))
        metric.process([], [sample])
    return metric.evaluate(len(dataset))


def test_head_sizes_come_from_the_generated_file(val_set):
    _, dataset, boxes = val_set
    assert len(dataset) == 5
    for i in range(5):
        diag = np.linalg.norm(boxes[i][1] - boxes[i][0])
        np.testing.assert_allclose(dataset.get_data_info(i)['head_size'],
                                   [[0.6 * diag]])  # MPII's SC_BIAS


def test_pckh_by_hand(val_set):
    cfg, dataset, _ = val_set
    heads = [dataset.get_data_info(i)['head_size'].item() for i in range(5)]
    assert evaluate(cfg, dataset, [0.0] * 5)['PCK'] == pytest.approx(100.0)
    # within 0.5 head sizes: still correct; beyond: wrong
    assert evaluate(cfg, dataset,
                    [0.45 * h for h in heads])['PCK'] == pytest.approx(100.0)
    shift = [0.55 * h if i in (1, 3) else 0.0 for i, h in enumerate(heads)]
    metrics = evaluate(cfg, dataset, shift)
    # PCKh counts the labelled joints except pelvis and thorax (6, 7)
    counted = []
    for i in range(5):
        vis = dataset.get_data_info(i)['keypoints_visible'][0] > 0
        vis[[6, 7]] = False
        counted.append(vis.sum())
    expected = 100.0 * (sum(counted) - counted[1] - counted[3]) / sum(counted)
    assert metrics['PCK'] == pytest.approx(expected, abs=1e-6)
    assert metrics['PCK@0.1'] == pytest.approx(expected, abs=1e-6)
