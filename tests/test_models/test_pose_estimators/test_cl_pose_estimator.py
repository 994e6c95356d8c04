import pytest
from mmpose.registry import MODELS

import mmpose_cl  # noqa: F401


def model_cfg(codec_stride=16, backbone_stride=16, in_channels=256):
    codec = dict(type='CLCodec', input_size=(64, 64), stride=codec_stride)
    return dict(
        type='CLPoseEstimator',
        backbone=dict(type='CLNetResNet', depth=18,
                      output_stride=backbone_stride),
        head=dict(type='CLHead', in_channels=in_channels, num_keypoints=3,
                  decoder=codec))


def test_builds_when_consistent():
    model = MODELS.build(model_cfg())
    assert model.backbone.output_stride == model.head.decoder.stride == 16


def test_stride_mismatch_is_a_build_time_error():
    with pytest.raises(ValueError, match=r'codec stride \(8\).*output_stride'
                       r' \(16\)'):
        MODELS.build(model_cfg(codec_stride=8, backbone_stride=16))


def test_channel_mismatch_is_a_build_time_error():
    with pytest.raises(ValueError, match=r'in_channels \(1024\).*\(256\)'):
        MODELS.build(model_cfg(in_channels=1024))


def test_a_multi_stage_head_takes_num_keypoints_from_the_backbone():
    cfg = dict(
        type='CLPoseEstimator',
        backbone=dict(type='CLNetHourglass', num_keypoints=5, num_stacks=2,
                      channels=16),
        head=dict(type='CLMultiStageHead',
                  decoder=dict(type='CLCodec', input_size=(64, 64))))
    model = MODELS.build(cfg)
    assert model.head.num_keypoints == 5
    assert model.head.in_channels == model.backbone.out_channels == 15
