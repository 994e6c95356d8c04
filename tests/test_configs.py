"""Every config builds and runs forward + loss + predict on real samples of
the bundled mini-COCO through the config's own pipelines."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmpose_cl.utils import model_complexity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))


def bundled_data(dataset_type, data_root):
    """Overrides that point a config's datasets at the bundled data, and the
    number of train / val instances they hold."""
    coco = osp.join(data_root, 'coco')
    mpii = osp.join(data_root, 'mpii')
    common = dict(data_prefix=dict(img=''))
    if dataset_type in ('CocoDataset', 'CheckedCocoDataset'):
        train = dict(data_root=coco, ann_file='test_coco.json', **common)
        val = dict(train, bbox_file=osp.join(coco, 'test_coco_det_AP_H_56.json'))
        return train, val, 12, 118
    if dataset_type == 'MpiiDataset':
        train = dict(data_root=mpii, ann_file='test_mpii.json', **common)
        return train, dict(train, headbox_file=None), 5, 5
    if dataset_type == 'LspDataset':  # the MPII people as LSP joints
        train = dict(data_root=data_root, ann_file='lsp/test_lsp_from_mpii.json',
                     data_prefix=dict(img='mpii/'))
        return train, train, 5, 5
    raise NotImplementedError(f'no bundled data for {dataset_type}')


def build_on_bundled_data(cfg, data_root):
    """Build the model (no pretrained weights) and the config's own train and
    val datasets on the bundled data. An 8-stack hourglass is built as
    configured, then shrunk to 2 stacks of 64 channels for the CPU run."""
    from mmpose.registry import DATASETS, MODELS
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None
    if cfg.model.backbone.type in ('CLNetHourglass', 'NewellHourglass'):
        MODELS.build(cfg.model)  # the configured model builds
        cfg.model.backbone.update(num_stacks=2, channels=64)
        if 'num_stages' in cfg.model.head:
            cfg.model.head.num_stages = 2
    model = MODELS.build(cfg.model)
    model.init_weights()
    train, val, n_train, n_val = bundled_data(
        cfg.train_dataloader.dataset.type, data_root)
    train_set = DATASETS.build({**cfg.train_dataloader.dataset, **train})
    val_set = DATASETS.build({**cfg.val_dataloader.dataset, **val})
    assert len(train_set) == n_train and len(val_set) == n_val
    return model, train_set, val_set


def test_configs_found():
    assert 'configs/clnet_r50_coco_256x192.py' in CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_trains_and_predicts(path, repo_root):
    cfg = Config.fromfile(osp.join(repo_root, path))
    assert 'mmpose_cl' in cfg.custom_imports['imports']
    model, train_set, val_set = build_on_bundled_data(
        cfg, osp.join(repo_root, 'tests', 'data'))
    num_keypoints = train_set.metainfo['num_keypoints']
    is_cl = cfg.model.head.type.startswith('CL')

    model.train()
    batch = model.data_preprocessor(
        pseudo_collate([train_set[i] for i in range(2)]), training=True)
    losses = model(**batch, mode='loss')
    if is_cl:
        assert {'loss_heatmap', 'loss_offset', 'acc_pose'} <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    missing = [n for n, p in model.named_parameters()
               if p.requires_grad and p.grad is None]
    assert not missing, missing

    model.eval()
    batch = model.data_preprocessor(
        pseudo_collate([val_set[i] for i in range(2)]), training=False)
    with torch.no_grad():
        results = model(**batch, mode='predict')
    for res in results:
        assert res.pred_instances.keypoints.shape == (1, num_keypoints, 2)
        assert res.pred_instances.keypoint_scores.shape == (1, num_keypoints)


def test_clnet_r50_matches_the_papers_size():
    info = model_complexity(osp.join(REPO, 'configs',
                                     'clnet_r50_coco_256x192.py'))
    # paper: 13.5M parameters, 4.2 GFLOPs at 256x192
    assert info['params'] == pytest.approx(13.5e6, rel=0.10)
    assert info['flops'] == pytest.approx(4.2e9, rel=0.10)
