"""Every config builds and runs forward + loss + predict on real samples of
the bundled mini-COCO through the config's own pipelines."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmpose_cl.utils.complexity import model_complexity

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True))


def build_on_bundled_data(cfg, coco_root):
    """Point the config's datasets at tests/data/coco, no pretrained weights."""
    from mmpose.registry import DATASETS, MODELS
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    common = dict(data_root=coco_root, ann_file='test_coco.json',
                  data_prefix=dict(img=''))
    train_set = DATASETS.build({**cfg.train_dataloader.dataset, **common})
    val_set = DATASETS.build({
        **cfg.val_dataloader.dataset, **common, 'bbox_file':
        osp.join(coco_root, 'test_coco_det_AP_H_56.json')
    })
    return model, train_set, val_set


def test_configs_found():
    assert 'configs/clnet_r50_coco_256x192.py' in CONFIGS


@pytest.mark.parametrize('path', CONFIGS)
def test_config_trains_and_predicts(path, repo_root, coco_root):
    cfg = Config.fromfile(osp.join(repo_root, path))
    assert 'mmpose_cl' in cfg.custom_imports['imports']
    model, train_set, val_set = build_on_bundled_data(cfg, coco_root)
    assert len(train_set) == 12 and len(val_set) == 118

    model.train()
    batch = model.data_preprocessor(
        pseudo_collate([train_set[i] for i in range(2)]), training=True)
    losses = model(**batch, mode='loss')
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
    w, h = cfg.codec['input_size']
    for res in results:
        # keypoints come back in image pixels
        assert res.pred_instances.keypoints.shape == (1, 17, 2)
        assert res.pred_instances.keypoint_scores.shape == (1, 17)


def test_clnet_r50_matches_the_papers_size():
    info = model_complexity(osp.join(REPO, 'configs',
                                     'clnet_r50_coco_256x192.py'))
    # paper: 13.5M parameters, 4.2 GFLOPs at 256x192
    assert info['params'] == pytest.approx(13.5e6, rel=0.10)
    assert info['flops'] == pytest.approx(4.2e9, rel=0.10)
