"""CLHead: architecture, loss/predict contract, exact flip test."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.backbones.resnet import Bottleneck
from mmpose.structures import PoseDataSample

from mmpose_cl.codecs import CLCodec
from mmpose_cl.models.heads import CLHead, flip_cl_maps

INPUT_SIZE = (192, 256)
K = 4
FLIP_INDICES = [0, 2, 1, 3]  # keypoints 1 and 2 are a left/right pair
CODEC = dict(type='CLCodec', input_size=INPUT_SIZE)


def make_head(**kwargs):
    head = CLHead(in_channels=64, num_keypoints=K, decoder=CODEC, **kwargs)
    head.init_weights()
    return head


def random_keypoints(rng, n=1):
    return rng.uniform([2, 2], [INPUT_SIZE[0] - 3, INPUT_SIZE[1] - 3],
                       (n, K, 2))


def data_sample(codec, keypoints):
    enc = codec.encode(keypoints, np.ones(keypoints.shape[:2]))
    ds = PoseDataSample(metainfo=dict(
        flip_indices=FLIP_INDICES, input_size=INPUT_SIZE))
    ds.gt_fields = PixelData(
        heatmaps=torch.from_numpy(enc['heatmaps']),
        offsets=torch.from_numpy(enc['offsets']))
    ds.gt_instance_labels = InstanceData(
        keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
    return ds, enc


def test_architecture_is_fig_2a_from_mmpose_blocks():
    head = CLHead(in_channels=1024, num_keypoints=17)
    b1, b2, b3 = head.blocks
    assert all(isinstance(b, Bottleneck) for b in (b1, b2, b3))
    # two DetNet dilated bottlenecks: projection shortcut, then identity
    assert b1.conv2.dilation == (2, 2) and b1.conv2.stride == (1, 1)
    assert isinstance(b1.downsample[0], torch.nn.Conv2d)
    assert b1.downsample[0].kernel_size == (1, 1)
    assert b2.conv2.dilation == (2, 2) and b2.downsample is None
    assert b3.conv2.dilation == (1, 1) and b3.downsample is None
    assert b1.mid_channels == 256
    assert head.final_layer.kernel_size == (1, 1)
    assert head.final_layer.out_channels == 3 * 17


def test_forward_shapes_and_final_layer_init():
    head = make_head()
    heatmaps, offsets = head((torch.randn(2, 64, 16, 12), ))
    assert heatmaps.shape == (2, K, 16, 12)
    assert offsets.shape == (2, 2 * K, 16, 12)
    # default: N(0, 0.001) and zero bias, as MMPose's heatmap heads
    assert head.final_layer.weight.std().item() == pytest.approx(0.001,
                                                                 rel=0.3)
    assert not head.final_layer.bias.any()
    # None: Kaiming (fan_out, ReLU) as the other convs, std sqrt(2 / 3K)
    kaiming = make_head(final_layer_std=None).final_layer
    assert kaiming.weight.std().item() == pytest.approx((2 / (3 * K))**0.5,
                                                        rel=0.3)


def test_loss_terms_accuracy_and_every_parameter_gets_gradient():
    head = make_head()
    codec = CLCodec(INPUT_SIZE)
    rng = np.random.default_rng(0)
    samples = [data_sample(codec, random_keypoints(rng))[0] for _ in range(2)]
    losses = head.loss((torch.randn(2, 64, 16, 12), ), samples)
    assert set(losses) == {
        'loss_heatmap', 'loss_offset', 'acc_pose', 'pred_cells'
    }
    total = losses['loss_heatmap'] + losses['loss_offset']
    assert torch.isfinite(total)
    total.backward()
    for name, p in head.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def perfect_forward(codec, keypoints_for):
    """A forward that returns the target maps of the crop it is given."""

    def forward(feats):
        kpts = keypoints_for[id(feats)]
        maps = [codec.encode(k[None]) for k in kpts]
        hm = torch.stack([torch.from_numpy(m['heatmaps']) for m in maps])
        off = torch.stack([torch.from_numpy(m['offsets']) for m in maps])
        return hm, off

    return forward


def mirror(keypoints):
    """MMPose's horizontal flip of keypoints: x -> w - 1 - x, swap pairs."""
    flipped = keypoints.copy()
    flipped[..., 0] = INPUT_SIZE[0] - 1 - flipped[..., 0]
    return flipped[:, FLIP_INDICES]


def test_predict_perfect_maps_gives_the_keypoints():
    head = make_head()
    codec = CLCodec(INPUT_SIZE)
    kpts = random_keypoints(np.random.default_rng(1), n=3)
    feats = (torch.zeros(1), )
    head.forward = perfect_forward(codec, {id(feats): kpts})
    samples = [data_sample(codec, k[None])[0] for k in kpts]
    preds = head.predict(feats, samples, dict(flip_test=False))
    assert len(preds) == 3
    for pred, k in zip(preds, kpts):
        assert pred.keypoints.shape == (1, K, 2)
        assert pred.keypoint_scores.shape == (1, K)
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)


def test_flip_test_merge_is_exact():
    head = make_head()
    codec = CLCodec(INPUT_SIZE)
    kpts = random_keypoints(np.random.default_rng(2), n=3)
    feats, feats_flip = (torch.zeros(1), ), (torch.zeros(1), )
    head.forward = perfect_forward(codec, {
        id(feats): kpts,
        id(feats_flip): mirror(kpts)
    })
    samples = [data_sample(codec, k[None])[0] for k in kpts]
    preds = head.predict([feats, feats_flip], samples, dict(flip_test=True))
    for pred, k in zip(preds, kpts):
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)
    # and the mirrored maps, flipped back, are the original maps
    hm, off = head.forward(feats)
    hm_f, off_f = flip_cl_maps(*head.forward(feats_flip), FLIP_INDICES)
    torch.testing.assert_close(hm_f, hm, atol=1e-5, rtol=0)
    torch.testing.assert_close(off_f, off, atol=1e-5, rtol=0)


def test_output_heatmaps_returns_the_sparse_heatmaps():
    head = make_head()
    codec = CLCodec(INPUT_SIZE)
    samples = [data_sample(codec, random_keypoints(np.random.default_rng(3)))[0]]
    preds, fields = head.predict((torch.randn(1, 64, 16, 12), ), samples,
                                 dict(output_heatmaps=True))
    assert len(preds) == len(fields) == 1
    assert fields[0].heatmaps.shape == (K, 16, 12)


def test_flip_test_without_flip_indices_is_a_clear_error():
    head = make_head()
    sample = PoseDataSample(metainfo=dict(input_size=INPUT_SIZE))
    feats = (torch.randn(1, 64, 16, 12), )
    with pytest.raises(ValueError, match='flip_indices'):
        head.predict([feats, feats], [sample], dict(flip_test=True))


def test_bad_num_keypoints_is_a_clear_error():
    with pytest.raises(ValueError, match='num_keypoints'):
        CLHead(in_channels=64, num_keypoints=0)


def test_sigmoid_heatmaps_for_logit_losses():
    head = make_head(heatmap_act='sigmoid',
                     loss=dict(type='GRMILoss', stride=16))
    codec = CLCodec(INPUT_SIZE)
    samples = [data_sample(codec, random_keypoints(np.random.default_rng(4)))[0]]
    feats = (torch.randn(1, 64, 16, 12), )
    logits, _ = head.forward(feats)
    preds, fields = head.predict(feats, samples, dict(output_heatmaps=True))
    torch.testing.assert_close(fields[0].heatmaps, logits[0].sigmoid())
    np.testing.assert_allclose(
        preds[0].keypoint_scores[0],
        logits[0].sigmoid().flatten(1).max(1).values.detach().numpy(),
        rtol=1e-6)
    losses = head.loss(feats, samples)
    assert {'loss_heatmap', 'loss_offset', 'acc_pose'} <= set(losses)
    with pytest.raises(ValueError, match='heatmap_act'):
        make_head(heatmap_act='softmax')


def test_the_loss_gets_the_decoders_tau_and_stride_unless_it_sets_them():
    codec = dict(type='CLCodec', input_size=INPUT_SIZE, stride=16, tau=0.5)

    def loss_of(**loss):
        return CLHead(in_channels=64, num_keypoints=K, decoder=codec,
                      loss=loss).loss_module

    assert loss_of(type='CLCompositeLoss').tau == 0.5
    assert loss_of(type='CLCompositeLoss', tau=0.7).tau == 0.7
    assert loss_of(type='GRMILoss').stride == 16
    assert loss_of(type='GRMILoss', stride=8).stride == 8
    loss_of(type='CLPeakOffsetLoss')  # takes neither: nothing is added
    # without a decoder the loss keeps its own default
    assert CLHead(in_channels=64, num_keypoints=K).loss_module.tau == 0.6
