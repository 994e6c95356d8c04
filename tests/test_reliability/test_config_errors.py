"""Configuration errors are caught at build time (or before the first
iteration), with the field and the bad value named."""
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmpose.registry import KEYPOINT_CODECS, MODELS

import mmpose_cl  # noqa: F401
from mmpose_cl.engine import CLDatasetCheckHook

CODEC = dict(type='CLCodec', input_size=(192, 256))


@pytest.mark.parametrize('override, pattern', [
    (dict(input_size=(190, 256)), r'\(190, 256\).*divisible by stride=16'),
    (dict(tau=0.0), r'tau must be in \(0, 1\], got 0.0'),
    (dict(tau=1.2), r'tau must be in \(0, 1\], got 1.2'),
    (dict(sigma=0.0), r'sigma must be > 0, got 0.0'),
    (dict(sigma=-3), r'sigma must be > 0, got -3'),
    (dict(stride=0), r'stride must be a positive integer, got 0'),
])
def test_codec_fields(override, pattern):
    with pytest.raises(ValueError, match=pattern):
        KEYPOINT_CODECS.build({**CODEC, **override})


@pytest.mark.parametrize('override, pattern', [
    (dict(heatmap_weight=-0.5), r'heatmap_weight must be >= 0, got -0.5'),
    (dict(offset_weight=-2), r'offset_weight must be >= 0, got -2'),
    (dict(region='peak'), r"region must be one of .* got 'peak'"),
    (dict(tau=0), r'tau must be in \(0, 1\], got 0'),
])
def test_loss_fields(override, pattern):
    with pytest.raises(ValueError, match=pattern):
        MODELS.build(dict(type='CLCompositeLoss', **override))


def test_codec_stride_differs_from_backbone_stride():
    with pytest.raises(ValueError, match=r'codec stride \(8\).*\(16\)'):
        MODELS.build(
            dict(type='CLPoseEstimator',
                 backbone=dict(type='CLNetResNet', depth=18),
                 head=dict(type='CLHead', in_channels=256, num_keypoints=17,
                           decoder={**CODEC, 'stride': 8})))


def fake_runner(num_keypoints=17, dataset_keypoints=17, flip_test=True,
                flip_indices=list(range(17))):
    head = SimpleNamespace(num_keypoints=num_keypoints)
    model = torch.nn.Module()
    model.head = head
    model.test_cfg = dict(flip_test=flip_test)
    meta = dict(dataset_name='fake', num_keypoints=dataset_keypoints)
    if flip_indices is not None:
        meta['flip_indices'] = flip_indices
    loader = SimpleNamespace(dataset=SimpleNamespace(metainfo=meta))
    return SimpleNamespace(model=model, train_dataloader=loader,
                           val_dataloader=loader, test_dataloader=loader)


def test_head_keypoints_differ_from_the_dataset():
    hook = CLDatasetCheckHook()
    with pytest.raises(ValueError,
                       match=r'num_keypoints=14 but .* has 17 keypoints'):
        hook.before_train(fake_runner(num_keypoints=14))
    hook.before_train(fake_runner())  # consistent: no error


def test_flip_test_needs_flip_indices():
    hook = CLDatasetCheckHook()
    runner = fake_runner(flip_indices=None)
    with pytest.raises(ValueError, match=r'flip_test=True .* no flip_indices'):
        hook.before_val(runner)
    with pytest.raises(ValueError, match='no flip_indices'):
        hook.before_test(runner)
    hook.before_train(runner)  # training does not flip-test
    hook.before_test(fake_runner(flip_indices=None, flip_test=False))


def test_the_hook_runs_in_a_real_run(repo_root, tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(
        osp.join(repo_root, 'configs', 'demo', 'clnet_r18_coco-mini_256x192.py'))
    cfg.work_dir = str(tmp_path)
    cfg.model.head.num_keypoints = 14
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = osp.join(repo_root, 'tests', 'data',
                                                 'coco')
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='num_keypoints=14 but the '
                       'train_dataloader dataset'):
        runner.train()
    assert not list(tmp_path.glob('*.pth'))
