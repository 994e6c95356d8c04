import pytest
import torch
import torchvision
from mmpose.registry import MODELS

from mmpose_cl.models.backbones import CLNetResNet


def test_depth50_stride16_output():
    net = MODELS.build(dict(type='CLNetResNet', depth=50))
    out = net(torch.randn(1, 3, 256, 192))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (1, 1024, 16, 12)
    assert net.out_channels == 1024 and net.output_stride == 16
    assert not hasattr(net, 'layer4')


@pytest.mark.parametrize('stride, channels', [(4, 256), (8, 512), (16, 1024),
                                              (32, 2048)])
def test_output_stride_keeps_stages(stride, channels):
    net = CLNetResNet(depth=50, output_stride=stride)
    out = net(torch.randn(1, 3, 64, 64))[-1]
    assert out.shape == (1, channels, 64 // stride, 64 // stride)


def test_keys_match_torchvision_so_pretrained_weights_load():
    net = CLNetResNet(depth=50)
    tv = torchvision.models.resnet50(weights=None).state_dict()
    ours = net.state_dict()
    assert set(ours) <= set(tv)
    assert all(ours[k].shape == tv[k].shape for k in ours)
    kept = [k for k in tv if not k.startswith(('layer4', 'fc'))]
    assert set(ours) == set(kept)


def test_bad_arguments():
    with pytest.raises(ValueError, match='output_stride'):
        CLNetResNet(depth=50, output_stride=12)
    with pytest.raises(ValueError, match='depth'):
        CLNetResNet(depth=42)
    with pytest.raises(TypeError, match='num_stages'):
        CLNetResNet(depth=50, num_stages=4)


@pytest.mark.parametrize('depth, channels', [(18, 256), (34, 256), (50, 1024),
                                             (101, 1024), (152, 1024)])
def test_every_depth_at_stride_16(depth, channels):
    net = CLNetResNet(depth=depth)
    out = net(torch.randn(1, 3, 64, 48))[-1]
    assert out.shape == (1, channels, 4, 3)
    assert net.out_channels == channels
