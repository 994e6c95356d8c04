"""End to end through the public entry points on the bundled mini-COCO:
tools/train.py -> tools/test.py (COCO AP on the MMDet boxes) ->
MMPoseInferencer, with checkpoints that MMEngine saved, on current torch."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'
ITERS = 3


def run(repo_root, *args):
    proc = subprocess.run([sys.executable, *args], cwd=repo_root,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def trained(repo_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('e2e'))
    out = run(repo_root, 'tools/train.py', CONFIG, '--work-dir', work_dir,
              '--cfg-options', f'train_cfg.max_iters={ITERS}',
              f'train_cfg.val_interval={ITERS}',
              f'default_hooks.checkpoint.interval={ITERS}',
              'default_hooks.logger.interval=1')
    return work_dir, osp.join(work_dir, f'iter_{ITERS}.pth'), out


def test_train_logs_both_loss_terms_and_validates(trained):
    work_dir, checkpoint, out = trained
    assert osp.isfile(checkpoint)
    for key in ('loss_heatmap', 'loss_offset', 'acc_pose', 'coco/AP'):
        assert key in out, key


def test_second_run_does_not_overwrite_checkpoints(trained, repo_root):
    work_dir, checkpoint, _ = trained
    proc = subprocess.run(
        [sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir],
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert 'already holds checkpoints' in proc.stderr
    assert '--resume' in proc.stderr


def test_resume_loads_the_checkpoint(trained, repo_root):
    work_dir, checkpoint, _ = trained
    out = run(repo_root, 'tools/train.py', CONFIG, '--work-dir', work_dir,
              '--resume', checkpoint, '--no-validate', '--cfg-options',
              f'train_cfg.max_iters={ITERS + 1}',
              f'default_hooks.checkpoint.interval={ITERS + 1}')
    assert f'resumed epoch: 0, iter: {ITERS}' in out
    assert osp.isfile(osp.join(work_dir, f'iter_{ITERS + 1}.pth'))


def test_load_from_loads_the_checkpoint(trained, repo_root, tmp_path):
    _, checkpoint, _ = trained
    out = run(repo_root, 'tools/train.py', CONFIG, '--work-dir',
              str(tmp_path), '--no-validate', '--cfg-options',
              f'load_from={checkpoint}', 'train_cfg.max_iters=1',
              'default_hooks.checkpoint.interval=1')
    assert f'Load checkpoint from {checkpoint}' in out
    assert osp.isfile(tmp_path / 'iter_1.pth')


def test_test_py_reports_coco_ap_on_the_mmdet_boxes(trained, repo_root,
                                                    tmp_path):
    _, checkpoint, _ = trained
    out_file = str(tmp_path / 'metrics.json')
    dump = str(tmp_path / 'preds.pkl')
    run(repo_root, 'tools/test.py', CONFIG, checkpoint, '--work-dir',
        str(tmp_path), '--out', out_file, '--dump', dump)
    with open(out_file) as f:
        metrics = json.load(f)
    assert {'coco/AP', 'coco/AP .5', 'coco/AR'} <= set(metrics)
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    # every one of the 118 bundled MMDet person boxes got a pose
    import mmengine
    preds = mmengine.load(dump)
    assert len(preds) == 118
    assert all(p['pred_instances']['keypoints'].shape == (1, 17, 2)
               for p in preds)


def test_inferencer_with_the_checkpoint(trained, repo_root, coco_root,
                                        tmp_path):
    from mmpose.apis import MMPoseInferencer

    import mmpose_cl  # noqa: F401
    _, checkpoint, _ = trained
    inferencer = MMPoseInferencer(
        pose2d=osp.join(repo_root, CONFIG), pose2d_weights=checkpoint,
        device='cpu', det_model='whole_image')
    image = osp.join(coco_root, '000000197388.jpg')
    boxes = [[139.41, 102.25, 361.8, 343.82], [287.17, 61.52, 362.05, 227.13]]
    result = next(inferencer(image, bboxes=[boxes], out_dir=str(tmp_path),
                             draw_heatmap=True))
    preds = result['predictions'][0]
    assert len(preds) == 2  # the explicit boxes were used
    for pred, box in zip(preds, boxes):
        kpts = np.array(pred['keypoints'])
        assert kpts.shape == (17, 2) and np.isfinite(kpts).all()
        np.testing.assert_allclose(pred['bbox'][0], box, atol=1e-2)
    assert osp.isfile(tmp_path / 'visualizations' / '000000197388.jpg')
