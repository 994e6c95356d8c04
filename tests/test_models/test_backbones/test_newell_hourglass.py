"""NewellHourglass: the plain stacked hourglass of Newell et al., the
baseline of CLNet-Hourglass (its parameter count is checked by hand against
CLNet's in test_clnet_hourglass.py)."""
import pytest
import torch
from mmcv.cnn import ConvModule
from mmpose.registry import MODELS
from torch import nn

from mmpose_cl.models.backbones.newell_hourglass import NewellHourglass

K = 3
SMALL = dict(num_keypoints=K, channels=16)  # few channels: fast on CPU

pytestmark = pytest.mark.usefixtures('one_thread')


@pytest.mark.parametrize('num_stacks', [1, 3])
def test_every_stage_gives_heatmaps_at_stride_4(num_stacks):
    net = MODELS.build(dict(type='NewellHourglass', num_stacks=num_stacks,
                            **SMALL))
    out = net(torch.randn(2, 3, 128, 64))
    assert isinstance(out, tuple) and len(out) == num_stacks
    assert all(o.shape == (2, K, 32, 16) for o in out)
    assert (net.out_channels, net.output_stride) == (K, 4)
    assert len(net.merge_features) == len(net.merge_preds) == num_stacks - 1


def test_default_architecture_is_newells():
    net = NewellHourglass(num_keypoints=16)
    assert (net.num_stacks, net.channels, net.num_levels) == (8, 256, 4)
    # no truncated hourglass: every level up-samples and has its skip
    for hg in net.hourglasses:
        while isinstance(hg, type(net.hourglasses[0])):
            assert hg.upsample and hg.up1 is not None
            hg = hg.low2
    # after the hourglass: residual, lin (conv1x1-BN-ReLU), conv1x1 to K
    res, lin = net.features[0]
    assert len(res.convs) == 3
    assert isinstance(lin, ConvModule) and lin.conv.kernel_size == (1, 1)
    assert lin.norm is not None and lin.activate is not None
    (out_conv, ) = net.heads[0]
    assert isinstance(out_conv, nn.Conv2d)
    assert (out_conv.in_channels, out_conv.out_channels,
            out_conv.kernel_size) == (256, 16, (1, 1))
    # re-injection: conv1x1 of the lin features and of the heatmaps
    assert (net.merge_features[0].in_channels,
            net.merge_preds[0].in_channels) == (256, 16)


def test_reinjection_of_features_and_heatmaps():
    net = NewellHourglass(num_stacks=2, **SMALL).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        out = net(x)
        # the trunk of stage 1 is x + conv(lin) + conv(heatmaps): without
        # the heatmaps, stage 0 is unchanged and stage 1 is not
        nn.init.zeros_(net.merge_preds[0].weight)
        nn.init.zeros_(net.merge_preds[0].bias)
        out_without = net(x)
    torch.testing.assert_close(out_without[0], out[0])
    assert not torch.allclose(out_without[1], out[1])


def test_every_parameter_gets_gradient_and_heads_start_small():
    net = NewellHourglass(num_stacks=2, **SMALL)
    net.init_weights()
    for head in net.heads:
        assert head[-1].weight.std().item() == pytest.approx(0.001, rel=0.3)
        assert not head[-1].bias.any()
    sum(o.square().sum() for o in net(torch.randn(2, 3, 64, 64))).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_keypoints=0), 'num_keypoints'),
    (dict(num_keypoints=K, channels=18), 'channels'),
    (dict(num_keypoints=K, num_stacks=0), 'num_stacks'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f'NewellHourglass: .*{match}'):
        NewellHourglass(**kwargs)
