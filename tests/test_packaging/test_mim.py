"""``mim train mmpose_cl CONFIG`` and ``mim test mmpose_cl CONFIG
--checkpoint CKPT`` (openmim, requirements.txt) on the bundled mini-COCO,
with mmpose_cl installed non-editable (the ``installed`` fixture): MIM finds
the config by its file name under ``mmpose_cl/.mim/configs`` and runs
``mmpose_cl/.mim/tools/{train,test}.py``. One training iteration; about 40 s
on 2 cores."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = 'clnet_r18_coco-mini_256x192.py'  # configs/demo/, found by name

# the console script, not `python -m mim`: that puts the working directory
# (the repository root here) on sys.path, where pkg_resources would find the
# checkout through the mmpose_cl.egg-info an editable install leaves there
MIM = osp.join(osp.dirname(sys.executable), 'mim')
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('mim') is None or not osp.isfile(MIM),
    reason='openmim is not installed (requirements.txt)')


def mim(installed, *args):
    # from the repository root: the demo config's data_root is relative
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            [installed] + [p for p in [os.environ.get('PYTHONPATH')] if p]),
        OMP_NUM_THREADS='1')
    proc = subprocess.run([MIM, *args], cwd=REPO,
                          env=env, capture_output=True, text=True,
                          timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def test_mim_train_then_test(installed, tmp_path):
    mim_dir = osp.join(installed, 'mmpose_cl', '.mim')
    config = osp.join(mim_dir, 'configs', 'demo', CONFIG)
    work_dir = str(tmp_path / 'work')
    out = mim(installed, 'train', 'mmpose_cl', CONFIG, '--work-dir',
              work_dir, '--no-validate', '--cfg-options',
              'train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1',
              'train_dataloader.batch_size=2',
              'train_dataloader.num_workers=1')
    assert f'will use {config} instead' in out
    assert f'{osp.join(mim_dir, "tools", "train.py")} {config}' in out
    checkpoint = osp.join(work_dir, 'iter_1.pth')
    assert osp.isfile(checkpoint)

    metrics = str(tmp_path / 'metrics.json')
    out = mim(installed, 'test', 'mmpose_cl', CONFIG, '--checkpoint',
              checkpoint, '--work-dir', work_dir, '--out', metrics,
              '--cfg-options', 'test_dataloader.dataset.bbox_file=None',
              'test_dataloader.dataset.indices=2',
              'test_dataloader.batch_size=2', 'test_dataloader.num_workers=1',
              'model.test_cfg.flip_test=False')
    assert f'{osp.join(mim_dir, "tools", "test.py")} {config} ' \
        f'{checkpoint}' in out
    with open(metrics) as f:
        result = json.load(f)
    assert 0 <= result['coco/AP'] <= 1 and 'coco/AR' in result
