"""tools/dist_train.sh and tools/dist_test.sh on the CPU: 2 processes with
gloo (chosen automatically without CUDA), on the bundled mini-COCO."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'
ITERS = 2


def run(repo_root, cmd, port):
    env = dict(os.environ, PYTHON=sys.executable, PORT=str(port),
               OMP_NUM_THREADS='1')
    proc = subprocess.run(cmd, cwd=repo_root, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def dist_trained(repo_root, tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('dist'))
    out = run(repo_root, [
        'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
        '--cfg-options', f'train_cfg.max_iters={ITERS}',
        f'train_cfg.val_interval={ITERS}',
        f'default_hooks.checkpoint.interval={ITERS}',
        'train_dataloader.batch_size=6', 'train_dataloader.num_workers=1',
        'val_dataloader.num_workers=1',
        # SyncBN in the config: replaced by BN on a machine without CUDA
        'model.backbone.norm_cfg.type=SyncBN'
    ], port=29511)
    return work_dir, out


def test_dist_train_writes_one_checkpoint_and_one_log(dist_trained):
    work_dir, out = dist_trained
    log = glob.glob(osp.join(work_dir, '*', '*.log'))
    assert len(log) == 1  # rank 0 only
    with open(log[0]) as f:
        text = f.read()
    assert 'Distributed training: True' in text and 'GPU number: 2' in text
    assert "dist_cfg=dict(backend='gloo')" in text
    # the SyncBN asked for on the command line fell back to BN (no CUDA)
    from mmengine.config import Config
    dumped = Config.fromfile(osp.join(work_dir, osp.basename(CONFIG)))
    assert dumped.model.backbone.norm_cfg.type == 'BN'
    assert sorted(osp.basename(p) for p in glob.glob(
        osp.join(work_dir, '*.pth'))) == [f'iter_{ITERS}.pth']


def test_dist_test_equals_single_process_test(dist_trained, repo_root,
                                              tmp_path):
    work_dir, _ = dist_trained
    ckpt = osp.join(work_dir, f'iter_{ITERS}.pth')
    single, dist = str(tmp_path / 'single.json'), str(tmp_path / 'dist.json')
    run(repo_root, [
        sys.executable, 'tools/test.py', CONFIG, ckpt, '--work-dir',
        str(tmp_path / 's'), '--out', single
    ], port=29512)
    run(repo_root, [
        'bash', 'tools/dist_test.sh', CONFIG, ckpt, '2', '--work-dir',
        str(tmp_path / 'd'), '--out', dist
    ], port=29513)
    with open(single) as f, open(dist) as g:
        a, b = json.load(f), json.load(g)
    assert a['coco/AP'] == pytest.approx(b['coco/AP'], abs=1e-9)
    assert a == pytest.approx(b, abs=1e-9)
