"""Faults during training lose nothing: a non-finite loss stops the run
before its weights are saved; a run killed with SIGKILL resumes to the same
weights; checkpoints are never left truncated; a checkpoint of another model
is refused with the mismatched keys listed."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest
import torch

import mmpose_cl  # noqa: F401
from mmpose_cl.engine import NonFiniteLossHook
from mmpose_cl.compat.atomic_checkpoint import save_checkpoint_atomically

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'


def train_cmd(work_dir, iters, *options, resume=False):
    return [
        sys.executable, 'tools/train.py', CONFIG, '--work-dir', work_dir,
        '--no-validate', *(['--resume'] if resume else []), '--cfg-options', f'train_cfg.max_iters={iters}',
        'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1',
        'randomness.deterministic=True', 'train_dataloader.batch_size=4',
        *options
    ]


def test_hook_names_the_iteration():
    runner = SimpleNamespace(iter=41, epoch=0, work_dir='/some/dir')
    hook = NonFiniteLossHook()
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(0.3)))
    with pytest.raises(RuntimeError, match=r'iteration 42 .*loss_offset=nan'):
        hook.after_train_iter(
            runner, 0, outputs=dict(loss=torch.tensor(float('nan')),
                                    loss_offset=torch.tensor(float('nan')),
                                    acc_pose=torch.tensor(0.5)))


def test_non_finite_loss_stops_and_keeps_good_checkpoints(repo_root, tmp_path):
    # Adam at lr 1e30: the first step is finite, the next loss is not
    proc = subprocess.run(
        train_cmd(str(tmp_path), 5, 'optim_wrapper.optimizer.lr=1e30'),
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert proc.returncode != 0
    assert 'Non-finite loss at iteration' in proc.stderr
    saved = sorted(tmp_path.glob('iter_*.pth'))
    assert saved, 'the good iterations were saved'
    failed_at = int(proc.stderr.split('Non-finite loss at iteration ')[1]
                    .split()[0])
    assert not (tmp_path / f'iter_{failed_at}.pth').exists()
    for path in saved:
        state = torch.load(path)['state_dict']
        assert all(torch.isfinite(v).all() for v in state.values()
                   if v.is_floating_point()), path


def test_sigkill_then_resume_gives_the_same_weights(repo_root, tmp_path):
    iters = 6
    env = dict(os.environ, OMP_NUM_THREADS='1')
    straight, killed = str(tmp_path / 'straight'), str(tmp_path / 'killed')
    subprocess.run(train_cmd(straight, iters), cwd=repo_root, env=env,
                   check=True, capture_output=True, timeout=600)

    proc = subprocess.Popen(train_cmd(killed, iters), cwd=repo_root, env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not osp.exists(osp.join(killed, 'iter_2.pth')):
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # mid-run, no chance to clean up
    proc.wait()
    assert not osp.exists(osp.join(killed, f'iter_{iters}.pth'))

    resumed = subprocess.run(
        train_cmd(killed, iters, resume=True), cwd=repo_root, env=env,
        capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed epoch' in resumed.stdout + resumed.stderr

    a = torch.load(osp.join(straight, f'iter_{iters}.pth'))['state_dict']
    b = torch.load(osp.join(killed, f'iter_{iters}.pth'))['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_a_failed_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint_atomically({'state_dict': {'w': torch.ones(3)}}, path)

    def dies_halfway(obj, f, *args, **kwargs):
        f.write(b'PK\x03\x04 half a zip')
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(torch, 'save', dies_halfway)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint_atomically({'state_dict': {'w': torch.zeros(3)}},
                                   path)
    monkeypatch.undo()
    assert torch.equal(torch.load(path)['state_dict']['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # no temporary left


def test_mmengine_runner_saves_through_the_atomic_writer():
    from mmengine.runner import checkpoint, runner
    assert runner.save_checkpoint is save_checkpoint_atomically
    assert checkpoint.save_checkpoint is save_checkpoint_atomically


@pytest.mark.parametrize('config, options, expected', [
    # another model: ResNet50 and 14 keypoints
    ('configs/clnet_r50_lsp_256x256.py', [],
     ['size mismatch', 'missing in the checkpoint (168)',
      'backbone.layer1.0.conv3.weight']),
    # the same model with another number of keypoints
    (CONFIG, ['--cfg-options', 'model.head.num_keypoints=14'],
     ['size mismatch (2)', 'head.final_layer.weight: checkpoint (51, 256, '
      '1, 1) vs model (42, 256, 1, 1)', 'head.final_layer.bias']),
])
def test_checkpoint_of_another_model_lists_the_mismatched_keys(
        repo_root, demo_checkpoint, tmp_path, config, options, expected):
    """tools/test.py stops with the mismatched keys listed, no traceback."""
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', config, demo_checkpoint,
         '--work-dir', str(tmp_path), *options],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert 'does not match the model of the config' in proc.stderr
    for text in expected:
        assert text in proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('tool, args', [('train', []),
                                        ('test', ['model.pth'])])
def test_a_missing_config_is_named(repo_root, tool, args):
    proc = subprocess.run(
        [sys.executable, f'tools/{tool}.py', 'configs/no_such.py', *args],
        cwd=repo_root, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert f"tools/{tool}.py: config 'configs/no_such.py' not found" in \
        proc.stderr
    assert 'Traceback' not in proc.stderr


def test_matching_checkpoint_passes_the_check(demo_checkpoint, repo_root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    from mmpose_cl.apis import check_checkpoint_matches
    init_default_scope('mmpose')
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    check_checkpoint_matches(MODELS.build(cfg.model), demo_checkpoint)
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        check_checkpoint_matches(MODELS.build(cfg.model), 'nope.pth')


@pytest.mark.parametrize('content, reason', [
    (b'', 'EOFError'),  # an empty file
    (b'epoch 1 loss 0.5', ''),  # a log saved as .pth (torch's unpickler
    # fails on it with an IndexError or an UnpicklingError)
    (None, 'RuntimeError: PytorchStreamReader'),  # a truncated download
])
def test_a_file_that_is_not_a_checkpoint_is_named(demo_checkpoint, repo_root,
                                                  tmp_path, content, reason):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    from mmpose_cl.apis import check_checkpoint_matches
    init_default_scope('mmpose')
    if content is None:
        with open(demo_checkpoint, 'rb') as f:
            content = f.read(4096)
    path = tmp_path / 'model.pth'
    path.write_bytes(content)
    cfg = Config.fromfile(osp.join(repo_root, CONFIG))
    with pytest.raises(ValueError) as error:
        check_checkpoint_matches(MODELS.build(cfg.model), str(path))
    assert f"checkpoint '{path}' is not a checkpoint that torch.load can " \
        f'read ({reason}' in str(error.value)
