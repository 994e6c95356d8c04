"""CLNet-CSPNeXt: the backbone, its four configs against RTMPose's, loading
RTMPose's pretrained CSPNeXt, training and predicting on bundled samples, and
the errors for bad config values."""
import os.path as osp

import pytest
import torch
from mmdet.models.backbones import CSPNeXt
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.hub import get_config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, MODELS

from mmpose_cl.models.backbones import CLNetCSPNeXt

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..', '..'))
SIZES = 'tsml'
# RTMPose's width factor of each size -> the channels of stage 3
CHANNELS = dict(t=192, s=256, m=384, l=512)


def config(size: str) -> Config:
    return Config.fromfile(
        osp.join(REPO, 'configs', f'clnet_cspnext-{size}_coco_256x192.py'))


def rtmpose_config(size: str) -> Config:
    return get_config('mmpose::body_2d_keypoint/rtmpose/coco/'
                      f'rtmpose-{size}_8xb256-420e_coco-256x192.py')


def build_model(cfg: Config):
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg = None  # no download
    return MODELS.build(cfg.model)


@pytest.mark.parametrize('size', SIZES)
def test_every_size_builds_at_stride_16(size):
    model = build_model(config(size))
    assert model.backbone.output_stride == 16
    assert model.backbone.out_channels == CHANNELS[size]
    assert not hasattr(model.backbone, 'stage4')  # never built
    model.eval()
    with torch.no_grad():
        feats = model.backbone(torch.randn(1, 3, 64, 48))
        heatmaps, offsets = model.head(feats)
    assert feats[-1].shape == (1, CHANNELS[size], 4, 3)
    assert heatmaps.shape == (1, 17, 4, 3) and offsets.shape == (1, 34, 4, 3)


@pytest.mark.parametrize('size', SIZES)
def test_configs_follow_rtmpose(size):
    """The CSPNeXt, pretrained checkpoint, optimiser, schedule, EMA and
    pipeline switch of the RTMPose of the size, and the CL parts of the
    paper."""
    ours, rtm = config(size), rtmpose_config(size)
    for key in ('deepen_factor', 'widen_factor', 'norm_cfg'):
        assert ours.model.backbone[key] == rtm.model.backbone[key], key
    assert ours.model.backbone.init_cfg == rtm.model.backbone.init_cfg
    assert ours.optim_wrapper == rtm.optim_wrapper
    assert ours.param_scheduler == rtm.param_scheduler
    assert ours.train_cfg.max_epochs == rtm.train_cfg.max_epochs
    assert ours.auto_scale_lr == rtm.auto_scale_lr
    ema = [h for h in rtm.custom_hooks if h.type == 'EMAHook']
    assert [h for h in ours.custom_hooks if h.type == 'EMAHook'] == ema
    switch, = [h for h in ours.custom_hooks
               if h.type == 'mmdet.PipelineSwitchHook']
    rtm_switch, = [h for h in rtm.custom_hooks
                   if h.type == 'mmdet.PipelineSwitchHook']
    assert switch.switch_epoch == rtm_switch.switch_epoch
    # the CL parts of the paper
    assert {'NonFiniteLossHook', 'CLDatasetCheckHook'} <= {
        h.type for h in ours.custom_hooks}
    assert ours.codec == dict(type='CLCodec', input_size=(192, 256),
                              stride=16, sigma=16.0, tau=0.6)
    assert ours.model.head.loss.region == 'union'
    assert ours.model.test_cfg.flip_test


def rtmpose_backbone(size: str) -> CSPNeXt:
    """MMDet's CSPNeXt as the RTMPose of the size builds it: all its
    stages, stage4 and its SPP included."""
    backbone = dict(rtmpose_config(size).model.backbone, init_cfg=None)
    return MMDET_MODELS.build(backbone)


@pytest.mark.parametrize('size', SIZES)
def test_pretrained_keys_cover_the_kept_stages(size, tmp_path):
    """RTMPose's pretrained CSPNeXt, faked with random values: its keys
    under ``backbone.`` cover our kept stages (the same modules, printed
    alike), and they load through the config's own ``init_cfg``."""
    full = rtmpose_backbone(size)
    model = build_model(config(size))
    for name in ('stem', 'stage1', 'stage2', 'stage3'):
        assert str(getattr(model.backbone, name)) == str(getattr(full, name))
    theirs = {k: torch.randn(v.shape) if v.is_floating_point() else v
              for k, v in full.state_dict().items()}
    ours = model.backbone.state_dict()
    kept = {k for k in theirs if not k.startswith('stage4')}
    assert set(ours) == kept
    assert all(ours[k].shape == theirs[k].shape for k in ours)
    if size != 't':
        return
    path = str(tmp_path / 'cspnext-tiny.pth')
    state = {f'backbone.{k}': v for k, v in theirs.items()}
    state['head.final_layer.weight'] = torch.zeros(17, 8, 7, 7)
    torch.save(dict(state_dict=state, meta={}), path)
    cfg = config(size)
    init_default_scope('mmpose')
    cfg.model.backbone.init_cfg.checkpoint = path
    model = MODELS.build(cfg.model)
    model.init_weights()
    loaded = model.backbone.state_dict()
    assert all(torch.equal(loaded[k], theirs[k]) for k in kept)


def bundled(dataset: dict, pipeline: list, coco_root: str, **kwargs):
    return DATASETS.build(
        dict(dataset, data_root=coco_root, ann_file='test_coco.json',
             data_prefix=dict(img=''), pipeline=pipeline, **kwargs))


def test_t_trains_on_both_pipelines_and_predicts(coco_root):
    """The t config's stage-1 and stage-2 (after the switch) train pipelines
    and its val pipeline on bundled COCO people: a finite loss, a gradient
    for every parameter, finite keypoints with the flip test."""
    torch.manual_seed(0)
    cfg = config('t')
    model = build_model(cfg)
    model.init_weights()
    switch, = [h for h in cfg.custom_hooks
               if h.type == 'mmdet.PipelineSwitchHook']
    train = cfg.train_dataloader.dataset
    samples = [
        bundled(train, cfg.train_dataloader.dataset.pipeline, coco_root)[0],
        bundled(train, switch.switch_pipeline, coco_root)[1],
    ]
    model.train()
    batch = model.data_preprocessor(pseudo_collate(samples), training=True)
    losses = model(**batch, mode='loss')
    assert {'loss_heatmap', 'loss_offset'} <= set(losses)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total) and total > 0
    total.backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, missing

    model.eval()
    val = bundled(
        cfg.val_dataloader.dataset, cfg.val_dataloader.dataset.pipeline,
        coco_root,
        bbox_file=osp.join(coco_root, 'test_coco_det_AP_H_56.json'))
    batch = model.data_preprocessor(
        pseudo_collate([val[0], val[1]]), training=False)
    with torch.no_grad():
        results = model(**batch, mode='predict')
    for res in results:
        kpts = res.pred_instances.keypoints
        assert kpts.shape == (1, 17, 2) and torch.isfinite(
            torch.as_tensor(kpts)).all()
        assert res.pred_instances.keypoint_scores.shape == (1, 17)


@pytest.mark.parametrize('stride, stages, channels', [(4, 1, 48), (8, 2, 96),
                                                      (16, 3, 192),
                                                      (32, 4, 384)])
def test_output_stride_keeps_stages(stride, stages, channels):
    net = CLNetCSPNeXt(
        output_stride=stride, deepen_factor=0.167, widen_factor=0.375)
    assert net.layers == ['stem'] + [f'stage{i + 1}' for i in range(stages)]
    assert net.out_channels == channels
    net.eval()  # CSPNeXt.train() returns None, so no chaining
    with torch.no_grad():
        out = net(torch.randn(1, 3, 64, 64))
    assert len(out) == 1 and out[0].shape == (1, channels, 64 // stride,
                                              64 // stride)


def test_p6_reaches_stride_64():
    net = CLNetCSPNeXt(arch='P6', output_stride=64, deepen_factor=0.167,
                       widen_factor=0.375)
    assert net.out_channels == 384
    net.eval()
    with torch.no_grad():
        assert net(torch.randn(1, 3, 128, 64))[0].shape == (1, 384, 2, 1)


def test_bad_backbone_values_name_the_field():
    with pytest.raises(ValueError, match=r'CLNetCSPNeXt: output_stride .*12'):
        CLNetCSPNeXt(output_stride=12)
    # P5 has 4 stages: stride 64 would need a fifth
    with pytest.raises(ValueError, match=r'output_stride .*\[4, 8, 16, 32\]'):
        CLNetCSPNeXt(arch='P5', output_stride=64)
    with pytest.raises(ValueError, match=r'CLNetCSPNeXt: arch .*P7'):
        CLNetCSPNeXt(arch='P7')
    with pytest.raises(TypeError, match='out_indices'):
        CLNetCSPNeXt(out_indices=(4, ))
    # stage 4 is not built at stride 16, so it cannot be frozen
    with pytest.raises(ValueError, match='frozen_stages'):
        CLNetCSPNeXt(frozen_stages=4)


@pytest.mark.parametrize('change, match', [
    ({'head.in_channels': 384},
     r'head.in_channels \(384\) must equal the backbone.s output channels '
     r'\(192\)'),
    ({'head.block_channels': 190}, 'block_channels must be divisible'),
    ({'head.decoder.stride': 32},
     r'codec stride \(32\) must equal the backbone output_stride \(16\)'),
    ({'backbone.output_stride': 24}, 'CLNetCSPNeXt: output_stride'),
])
def test_bad_config_values_name_the_field(change, match):
    cfg = config('t')
    cfg.merge_from_dict({f'model.{k}': v for k, v in change.items()})
    with pytest.raises(ValueError, match=match):
        build_model(cfg)
