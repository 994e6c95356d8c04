"""CLNetHourglass: Newell's stacked hourglass with per-stage CL heads."""
import pytest
import torch
from mmcv.cnn import ConvModule
from mmpose.registry import MODELS
from torch import nn

from mmpose_cl.models.backbones.clnet_hourglass import CLNetHourglass

K = 3
SMALL = dict(num_keypoints=K, channels=16)  # few channels: fast on CPU


pytestmark = pytest.mark.usefixtures('one_thread')


def stage_feature_shapes(net, x):
    """Shapes of each stage's features (the input of its CL head)."""
    shapes = []
    hooks = [
        f.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
        for f in net.features
    ]
    out = net(x)
    for h in hooks:
        h.remove()
    return out, shapes


@pytest.mark.parametrize('stride', [4, 8, 16, 32])
def test_output_stride(stride):
    net = CLNetHourglass(num_stacks=2, output_stride=stride, **SMALL)
    out, feat_shapes = stage_feature_shapes(net, torch.randn(2, 3, 128, 64))
    assert isinstance(out, tuple) and len(out) == 2
    for maps in out:
        assert maps.shape == (2, 3 * K, 128 // stride, 64 // stride)
    # intermediate stages keep the trunk at stride 4, the heads bring it to
    # S; the last hourglass itself stops at S (fig. 2b)
    assert feat_shapes[0] == (2, 16, 32, 16)
    assert feat_shapes[1] == (2, 16, 128 // stride, 64 // stride)
    assert net.output_stride == stride and net.out_channels == 3 * K


@pytest.mark.parametrize('num_stacks', [1, 2, 8])
def test_num_stacks(num_stacks):
    net = CLNetHourglass(num_stacks=num_stacks, **SMALL)
    # batch 2: in training mode BN needs 2 values at the 1x1 bottom level
    out = net(torch.randn(2, 3, 64, 64))
    assert len(out) == num_stacks == net.num_stacks
    assert all(o.shape == (2, 3 * K, 4, 4) for o in out)
    # re-injection convs between stages only
    assert len(net.merge_features) == len(net.merge_preds) == num_stacks - 1


def test_default_geometry_at_256x192():
    # default stacks, stride and levels; few channels to stay fast
    net = MODELS.build(
        dict(type='CLNetHourglass', num_keypoints=17, channels=16))
    out = net(torch.randn(1, 3, 256, 192))
    assert len(out) == 8
    assert all(o.shape == (1, 51, 16, 12) for o in out)


def test_default_architecture_is_newell_with_cl_heads():
    net = CLNetHourglass(num_keypoints=17)
    assert (net.num_stacks, net.channels, net.output_stride) == (8, 256, 16)
    # stem: conv7x7/2 (64), residuals 64->128, pool, 128->128, 128->256
    conv = net.stem[0]
    assert conv.conv.kernel_size == (7, 7) and conv.conv.stride == (2, 2)
    assert conv.conv.out_channels == 64
    assert isinstance(net.stem[2], nn.MaxPool2d)
    # 1x1-conv skips where the channels change (64->128, 128->256)
    assert [net.stem[i].skip is None
            for i in (1, 3, 4)] == [False, True, False]
    assert [net.stem[i].convs[-1].conv.out_channels
            for i in (1, 3, 4)] == [128, 128, 256]
    # pre-activation residual: BN-ReLU-conv 1x1 (128), 3x3 (128), 1x1 (256)
    res = net.hourglasses[0].up1
    assert all(isinstance(c, ConvModule) and c.order == ('norm', 'act', 'conv')
               for c in res.convs)
    assert [(c.conv.kernel_size, c.conv.out_channels)
            for c in res.convs] == [((1, 1), 128), ((3, 3), 128),
                                    ((1, 1), 256)]
    assert res.skip is None

    def levels(hg):
        flags = [hg.upsample]
        while isinstance(hg.low2, type(hg)):
            hg = hg.low2
            flags.append(hg.upsample)
        return flags

    # 4-level hourglasses; the last drops its two outermost up-samplings
    # and the skip residuals that fed them
    assert levels(net.hourglasses[0]) == [True] * 4
    assert levels(net.hourglasses[-1]) == [False, False, True, True]
    last = net.hourglasses[-1]
    assert last.up1 is None and last.low2.up1 is None
    assert last.low2.low2.up1 is not None
    # the stage features are Newell's residual module: the CL head takes
    # the place of his two 1x1 convs (lin and the heatmap conv)
    assert all(len(f.convs) == 3 for f in net.features)
    # three convs in series per head: stride 2, 2, 1 to reach stride 16
    # from the trunk's stride 4, stride 1 in the last stage
    head = net.heads[0]
    assert len(head) == 3
    assert [m.stride for m in (head[0].conv, head[1].conv, head[2])] == [
        (2, 2), (2, 2), (1, 1)
    ]
    assert [m.stride for m in (net.heads[-1][0].conv, net.heads[-1][1].conv,
                               net.heads[-1][2])] == [(1, 1)] * 3
    assert head[2].out_channels == 51 and head[2].kernel_size == (1, 1)
    # 32-channel heads (head_channels)
    assert [head[0].conv.out_channels, head[1].conv.out_channels,
            head[2].in_channels] == [32, 32, 32]
    assert net.merge_preds[0].in_channels == 51


def test_final_layer_init():
    net = CLNetHourglass(num_stacks=2, **SMALL)  # default: N(0, 0.001)
    net.init_weights()
    for head in net.heads:
        assert head[-1].weight.std().item() == pytest.approx(0.001, rel=0.3)
        assert not head[-1].bias.any()
    net = CLNetHourglass(num_stacks=2, final_layer_std=None, **SMALL)
    net.init_weights()
    for head in net.heads:
        fan_out = head[-1].out_channels  # 1x1 conv
        assert head[-1].weight.std().item() == pytest.approx(
            (2 / fan_out)**0.5, rel=0.3)


def test_predictions_are_reinjected():
    net = CLNetHourglass(num_stacks=2, **SMALL).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        out = net(x)
        nn.init.zeros_(net.merge_preds[0].weight)
        out_without = net(x)
    torch.testing.assert_close(out_without[0], out[0])
    assert not torch.allclose(out_without[1], out[1])


def test_input_not_divisible_is_a_clear_error():
    net = CLNetHourglass(num_stacks=1, **SMALL)
    with pytest.raises(ValueError, match=r'CLNetHourglass.*divisible.*64'):
        net(torch.randn(1, 3, 96, 64))


def residual_params(cin, cout):
    """Newell's pre-activation residual module: BN + conv1x1 (no bias),
    BN + conv3x3, BN + conv1x1, and a biased 1x1 conv skip when cin != cout
    (BN: 2 parameters a channel)."""
    mid = cout // 2
    skip = cin * cout + cout if cin != cout else 0
    return (2 * cin + cin * mid + 2 * mid + 9 * mid * mid + 2 * mid +
            mid * cout + skip)


def stem_params(C):
    """conv7x7 (no bias) + BN to C/4, residuals C/4 -> C/2 -> C/2 -> C."""
    return (3 * 49 * C // 4 + 2 * C // 4 + residual_params(C // 4, C // 2) +
            residual_params(C // 2, C // 2) + residual_params(C // 2, C))


@pytest.mark.parametrize('K', [17, 16])
def test_fewer_parameters_than_the_plain_8_stack(K):
    """The paper's conclusion: fewer parameters than the plain hourglass.
    Both counted by hand from Newell's modules (C = 256, 8 stacks, 4 levels:
    13 residuals an hourglass, 7 re-injections)."""
    from mmpose_cl.models.backbones.newell_hourglass import NewellHourglass
    C, h, res = 256, 32, residual_params(256, 256)
    hourglass = 13 * res
    # Newell: residual + lin (conv1x1 + BN) + conv1x1 to K; re-injection
    # conv1x1(lin) + conv1x1(K heatmaps)
    plain = stem_params(C) + 8 * (
        hourglass + res + C * C + 2 * C + C * K + K) + 7 * (
            C * C + C + K * C + C)
    # CL: residual + head (conv3x3 C->h + BN, conv3x3 h->h + BN,
    # conv1x1 h->3K); the last hourglass lacks 2 skip residuals
    head = 9 * C * h + 2 * h + 9 * h * h + 2 * h + h * 3 * K + 3 * K
    cl = stem_params(C) + 8 * (hourglass + res + head) - 2 * res + 7 * (
        C * C + C + 3 * K * C + C)

    def count(net):
        return sum(p.numel() for p in net.parameters())

    assert count(NewellHourglass(num_keypoints=K)) == plain
    assert count(CLNetHourglass(num_keypoints=K)) == cl
    assert cl < plain
    # 256-wide heads (head_channels=256) do not fit under the plain model
    assert count(CLNetHourglass(num_keypoints=K, head_channels=256)) > plain


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_keypoints=0), 'num_keypoints'),
    (dict(num_keypoints=K, num_stacks=0), 'num_stacks'),
    (dict(num_keypoints=K, channels=18), 'channels'),
    (dict(num_keypoints=K, output_stride=12), 'output_stride.*12'),
    (dict(num_keypoints=K, num_levels=1), 'num_levels'),
    (dict(num_keypoints=K, head_channels=0), 'head_channels.*0'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f'CLNetHourglass: .*{match}'):
        CLNetHourglass(**kwargs)
