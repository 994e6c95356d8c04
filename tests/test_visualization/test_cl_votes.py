"""The CL visualisation, its tool, the CL target browser and the curves."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np

from mmpose_cl.codecs import CLCodec
from mmpose_cl.visualization import crop_to_person_image, draw_cl_votes

COLORS = [(255, 0, 0), (0, 255, 0)]  # RGB


def test_draws_cells_arrows_and_keypoints_where_they_belong():
    codec = CLCodec(input_size=(96, 64))
    keypoints = np.array([[[30.0, 20.0], [70.0, 45.0]]])
    enc = codec.encode(keypoints)
    blank = np.full((64, 96, 3), 255, np.uint8)
    drawn = draw_cl_votes(blank, enc['heatmaps'], enc['offsets'], codec,
                          COLORS)
    assert drawn.shape == blank.shape and (blank == 255).all()  # a copy
    for (x, y), rgb in zip(keypoints[0], COLORS):
        # the decoded keypoint is a dot of its colour (BGR on the image)
        np.testing.assert_array_equal(drawn[int(y), int(x)], rgb[::-1])
    # the voting cells of keypoint 0 are tinted red, a far corner is not
    cells = np.argwhere(enc['heatmaps'][0] >= codec.tau)
    i, j = cells[0]
    y0, x0 = i * 16 + 2, j * 16 + 2
    b, g, r = drawn[y0, x0].astype(int)
    assert r > g and r > b
    assert (drawn[1, 94] == 255).all()


def test_crop_to_person_image_is_mmposes_mapping():
    """The map draw_people_votes draws with (clpose.affine.crop_to_image on
    points of any shape) is MMPose's TopdownPoseEstimator's."""
    from types import SimpleNamespace

    from mmengine.structures import InstanceData
    from mmpose.models.pose_estimators import TopdownPoseEstimator
    from mmpose.structures import PoseDataSample
    meta = dict(input_center=np.array([100., 80.]),
                input_scale=np.array([48., 64.]), input_size=(96, 128))
    to_image = crop_to_person_image(meta)
    # crop corners map to the box corners, the crop centre to the centre
    np.testing.assert_allclose(
        to_image(np.array([[0., 0.], [96., 128.], [48., 64.]])),
        [[76., 48.], [124., 112.], [100., 80.]])
    np.testing.assert_allclose(to_image(np.array([48., 64.])), [100., 80.])
    # K keypoints as MMPose maps a prediction into the image
    kpts = np.random.default_rng(0).uniform(-10, 130, (1, 17, 2))
    sample = PoseDataSample(metainfo=meta)
    sample.gt_instances = InstanceData(bboxes=np.zeros((1, 4)),
                                       bbox_scores=np.ones(1))
    TopdownPoseEstimator.add_pred_to_datasample(
        SimpleNamespace(test_cfg={}),
        [InstanceData(keypoints=kpts.copy(), keypoint_scores=np.ones(
            (1, 17)))], None, [sample])
    np.testing.assert_allclose(to_image(kpts[0]),
                               sample.pred_instances.keypoints[0], rtol=1e-6)


def run(repo_root, *args):
    proc = subprocess.run([sys.executable, *args], cwd=repo_root,
                          capture_output=True, text=True, timeout=300)
    return proc


def test_visualize_tool_writes_a_png_and_keeps_existing_files(
        repo_root, coco_root, demo_checkpoint, tmp_path):
    out = str(tmp_path / 'votes.png')
    args = ['tools/analysis/visualize_cl_votes.py',
            'configs/demo/clnet_r18_coco-mini_256x192.py', demo_checkpoint,
            osp.join(coco_root, '000000197388.jpg'), '--det-file',
            osp.join(coco_root, 'test_coco_det_AP_H_56.json'), '--out', out]
    proc = run(repo_root, *args)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '6 people drawn' in proc.stdout  # the 6 boxes with score >= 0.5
    assert cv2.imread(out).shape == (392, 640, 3)
    again = run(repo_root, *args)
    assert again.returncode != 0 and 'pass --overwrite' in again.stderr
    bad = run(repo_root, *args[:4], '--bboxes', '1', '2', '3', '--out',
              str(tmp_path / 'x.png'))
    assert bad.returncode != 0 and 'groups of 4' in bad.stderr
    # a checkpoint of another model is named, not drawn
    other = run(repo_root, args[0], 'configs/clnet_r50_coco_256x192.py',
                *args[2:4], '--out', str(tmp_path / 'y.png'))
    assert other.returncode != 0 and 'does not match the model' in (
        other.stderr)
    assert 'Traceback' not in other.stderr
    assert not (tmp_path / 'y.png').exists()


def test_browse_cl_targets(repo_root, coco_root, tmp_path):
    proc = run(repo_root, 'tools/misc/browse_cl_targets.py',
               'configs/demo/clnet_r18_coco-mini_256x192.py', '--output-dir',
               str(tmp_path), '--num', '3', '--cfg-options',
               f'train_dataloader.dataset.data_root={coco_root}/')
    assert proc.returncode == 0, proc.stderr[-2000:]
    pngs = sorted(tmp_path.glob('*.png'))
    assert len(pngs) == 3
    assert cv2.imread(str(pngs[0])).shape == (512, 384, 3)  # 2x the crop


def test_plot_curves(repo_root, tmp_path):
    run_dir = tmp_path / '20260101_000000' / 'vis_data'
    run_dir.mkdir(parents=True)
    with open(run_dir / 'scalars.json', 'w') as f:
        for step in range(1, 6):
            f.write(json.dumps(dict(step=step, loss=1.0 / step,
                                    loss_heatmap=0.1 / step,
                                    loss_offset=0.9 / step)) + '\n')
        f.write(json.dumps({'coco/AP': 0.3, 'step': 5}) + '\n')
    out = str(tmp_path / 'curves.png')
    proc = run(repo_root, 'tools/analysis/plot_curves.py', str(tmp_path),
               '--out', out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '5 training and 1 validation records' in proc.stdout
    assert cv2.imread(out) is not None
    missing = run(repo_root, 'tools/analysis/plot_curves.py',
                  str(tmp_path / 'nothing'), '--out', out)
    assert missing.returncode != 0 and 'scalars.json' in missing.stderr
    text = tmp_path / 'train.log'
    text.write_text('epoch 1 loss 0.5\n')
    foreign = run(repo_root, 'tools/analysis/plot_curves.py', str(text),
                  '--out', str(tmp_path / 'x.png'))
    assert foreign.returncode != 0
    assert 'train.log: line 1 is not a JSON record' in foreign.stderr
    assert 'Traceback' not in foreign.stderr
