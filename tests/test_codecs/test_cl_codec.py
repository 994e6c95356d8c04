"""CLCodec against the paper's eq. 1-3 and section 3.4, computed by hand."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from mmpose.registry import KEYPOINT_CODECS

from mmpose_cl.codecs import CLCodec


def test_registered_and_defaults():
    codec = KEYPOINT_CODECS.build(dict(type='CLCodec', input_size=(192, 256)))
    assert isinstance(codec, CLCodec)
    assert (codec.stride, codec.sigma, codec.tau) == (16, 16.0, 0.6)
    assert codec.heatmap_size == (12, 16)  # (W', H') = (192 // 16, 256 // 16)


def test_cell_centres_eq2_and_flip_symmetry():
    codec = CLCodec(input_size=(64, 32), stride=16)
    cx, cy = codec.cell_centers()
    # ((j + 0.5) * S - 0.5): 7.5, 23.5, 39.5, 55.5 and 7.5, 23.5
    np.testing.assert_allclose(cx, [7.5, 23.5, 39.5, 55.5])
    np.testing.assert_allclose(cy, [7.5, 23.5])
    # MMPose's flip x -> w - 1 - x maps column j onto column W - 1 - j
    np.testing.assert_allclose(63 - cx, cx[::-1])


def test_encode_hand_computed_cell():
    codec = CLCodec(input_size=(64, 32), stride=16, sigma=16.0)
    enc = codec.encode(np.array([[[20.0, 7.0]]]), np.ones((1, 1)))
    assert enc['heatmaps'].shape == (1, 2, 4)
    assert enc['offsets'].shape == (2, 2, 4)
    assert enc['heatmaps'].dtype == enc['offsets'].dtype == np.float32
    # cell (i=0, j=1): centre (23.5, 7.5); squared distance 3.5^2 + 0.5^2
    assert enc['heatmaps'][0, 0, 1] == pytest.approx(
        math.exp(-12.5 / 512), rel=1e-6)
    # cell (i=1, j=3): centre (55.5, 23.5); squared distance 35.5^2 + 16.5^2
    assert enc['heatmaps'][0, 1, 3] == pytest.approx(
        math.exp(-(35.5**2 + 16.5**2) / 512), rel=1e-6)
    # eq. 3: first K maps are y-offsets, last K are x-offsets, in cells
    assert enc['offsets'][0, 0, 1] == pytest.approx((7.0 - 7.5) / 16)
    assert enc['offsets'][1, 0, 1] == pytest.approx((20.0 - 23.5) / 16)
    assert enc['offsets'][0, 1, 3] == pytest.approx((7.0 - 23.5) / 16)
    assert enc['offsets'][1, 1, 3] == pytest.approx((20.0 - 55.5) / 16)
    np.testing.assert_array_equal(enc['keypoint_weights'], [[1.0]])


def test_encode_is_sparse_at_paper_settings():
    # sigma 16 at stride 16: only cells within 16 * sqrt(2 ln(1/0.6)) = 16.2
    # px reach tau, i.e. the centre cell and its 4 neighbours at most
    codec = CLCodec(input_size=(192, 256))
    enc = codec.encode(np.array([[[87.5, 119.5]]]))  # exactly a cell centre
    assert (enc['heatmaps'][0] >= 0.6).sum() == 5
    assert enc['heatmaps'][0].max() == pytest.approx(1.0)


def test_invisible_and_outside_keypoints_get_zero_weight_and_maps():
    codec = CLCodec(input_size=(192, 256))
    kpts = np.array([[[10.0, 10.0], [50.0, 60.0], [-0.5, 30.0],
                      [192.0, 30.0], [191.9, 255.9], [np.nan, 3.0],
                      [0.0, 0.0]]])
    vis = np.array([[1, 0, 1, 1, 1, 1, 1]])
    enc = codec.encode(kpts, vis)
    np.testing.assert_array_equal(enc['keypoint_weights'],
                                  [[1, 0, 0, 0, 1, 0, 1]])
    for k in (1, 2, 3, 5):
        assert not enc['heatmaps'][k].any()
        assert not enc['offsets'][k].any()
        assert not enc['offsets'][7 + k].any()
    assert np.isfinite(enc['heatmaps']).all()
    assert np.isfinite(enc['offsets']).all()


def test_decode_weighted_vote_hand_computed():
    codec = CLCodec(input_size=(64, 32), stride=16, tau=0.6)
    heatmaps = np.zeros((1, 2, 4), np.float32)
    offsets = np.zeros((2, 2, 4), np.float32)
    heatmaps[0, 0, 1] = 0.9  # centre (23.5, 7.5), votes (23.5 + 16*0.5, 7.5)
    offsets[1, 0, 1] = 0.5
    heatmaps[0, 1, 2] = 0.6  # centre (39.5, 23.5), votes (39.5, 23.5 - 16)
    offsets[0, 1, 2] = -1.0
    heatmaps[0, 1, 0] = 0.59  # below tau: no vote
    offsets[:, 1, 0] = 100.
    kpts, scores = codec.decode(heatmaps, offsets)
    assert kpts.shape == (1, 1, 2) and scores.shape == (1, 1)
    x = (0.9 * 31.5 + 0.6 * 39.5) / 1.5
    y = (0.9 * 7.5 + 0.6 * 7.5) / 1.5
    np.testing.assert_allclose(kpts[0, 0], [x, y], rtol=1e-6)
    assert scores[0, 0] == pytest.approx(0.9)


def test_decode_falls_back_to_argmax_cell():
    codec = CLCodec(input_size=(64, 32), stride=16, tau=0.6)
    heatmaps = np.full((1, 2, 4), 0.1, np.float32)
    heatmaps[0, 1, 3] = 0.3  # the maximum, below tau
    offsets = np.zeros((2, 2, 4), np.float32)
    offsets[0, 1, 3], offsets[1, 1, 3] = 0.25, -0.5
    kpts, scores = codec.decode(heatmaps, offsets)
    np.testing.assert_allclose(kpts[0, 0], [55.5 - 8, 23.5 + 4])
    assert scores[0, 0] == pytest.approx(0.3)


@settings(max_examples=60, deadline=None)
@given(
    stride=st.sampled_from([4, 8, 16, 32]),
    cells=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    sigma=st.floats(8.0, 32.0),  # sigma >= S / 4: no float32 underflow
    seed=st.integers(0, 2**31 - 1))
def test_round_trip_within_1e_3_px(stride, cells, sigma, seed):
    input_size = (cells[0] * stride, cells[1] * stride)
    codec = CLCodec(input_size=input_size, stride=stride, sigma=sigma)
    rng = np.random.default_rng(seed)
    kpts = rng.uniform(0, 1, (1, 17, 2)) * np.array(input_size) * 1.2 - 0.1 \
        * np.array(input_size)
    vis = (rng.uniform(size=(1, 17)) > 0.2).astype(np.float32)
    enc = codec.encode(kpts, vis)
    decoded, _ = codec.decode(enc['heatmaps'], enc['offsets'])
    inside = (vis > 0) & (kpts >= 0).all(-1) & (kpts < input_size).all(-1)
    np.testing.assert_array_equal(enc['keypoint_weights'] > 0, inside)
    err = np.abs(decoded - kpts)[inside]
    assert err.size == 0 or err.max() < 1e-3


def test_batch_decode_equals_section_3_4_by_hand(section_3_4_by_hand):
    """decode_torch (batched, in torch), decode (MMPose's per-instance API)
    and batch_decode (what BaseHead.decode consumes) against the plain
    loop of conftest.py, on keypoints with many voting cells and with none
    (the argmax fallback)."""
    codec = CLCodec(input_size=(192, 256))
    rng = np.random.default_rng(0)
    heatmaps = rng.uniform(0, 0.7, (8, 17, 16, 12)).astype(np.float32)
    heatmaps[:, :6] *= 0.5  # no cell reaches tau: argmax fallback
    heatmaps[:, 5, 3, 4] = 0.95  # keypoint 5: one cell reaches tau
    offsets = rng.normal(0, 1, (8, 34, 16, 12)).astype(np.float32)
    kpts, scores = codec.decode_torch(
        torch.from_numpy(heatmaps), torch.from_numpy(offsets))
    assert kpts.shape == (8, 17, 2) and scores.shape == (8, 17)
    batch_k, batch_s = codec.batch_decode(
        torch.from_numpy(heatmaps), torch.from_numpy(offsets))
    assert len(batch_k) == len(batch_s) == 8
    for b in range(8):
        ref_k, ref_s = section_3_4_by_hand(heatmaps[b], offsets[b], 16, 0.6,
                                           (192, 256))
        one_k, one_s = codec.decode(heatmaps[b], offsets[b])
        assert one_k.shape == batch_k[b].shape == (1, 17, 2)
        assert one_s.shape == batch_s[b].shape == (1, 17)
        # float32 sums of ~30 votes of ~100 px against float64: 1e-3 px
        for k, s in ((kpts[b].numpy(), scores[b].numpy()),
                     (one_k[0], one_s[0]), (batch_k[b][0], batch_s[b][0])):
            np.testing.assert_allclose(k, ref_k, atol=1e-3)
            np.testing.assert_allclose(s, ref_s, atol=1e-6)


@pytest.mark.parametrize('kwargs, field', [
    (dict(input_size=(190, 256)), 'divisible'),
    (dict(input_size=(192, 256), stride=0), 'stride'),
    (dict(input_size=(192, 256), sigma=0), 'sigma'),
    (dict(input_size=(192, 256), sigma=-1.0), 'sigma'),
    (dict(input_size=(192, 256), tau=0.0), 'tau'),
    (dict(input_size=(192, 256), tau=1.5), 'tau'),
])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        CLCodec(**kwargs)


def test_encode_rejects_several_instances():
    codec = CLCodec(input_size=(192, 256))
    with pytest.raises(ValueError, match='N=2'):
        codec.encode(np.zeros((2, 17, 2)))


def test_generate_target_and_pack_put_maps_where_the_head_reads_them():
    from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
    codec = dict(type='CLCodec', input_size=(192, 256))
    results = dict(
        img=np.zeros((256, 192, 3), np.uint8),
        keypoints=np.array([[[30.0, 40.0], [100.0, 200.0]]]),
        keypoints_visible=np.array([[1.0, 1.0]]))
    results = GenerateTarget(encoder=codec)(results)
    packed = PackPoseInputs()(results)['data_samples']
    assert packed.gt_fields.heatmaps.shape == (2, 16, 12)
    assert packed.gt_fields.offsets.shape == (4, 16, 12)
    assert packed.gt_instance_labels.keypoint_weights.shape == (1, 2)


@pytest.mark.parametrize('stride', [4, 8, 16, 32])
def test_sigma_scaled_with_the_stride(stride):
    codec = KEYPOINT_CODECS.build(
        dict(type='CLCodec', input_size=(256, 256), stride=stride,
             sigma='stride'))
    assert codec.sigma == float(stride)
    # eq. (1) with sigma = S: the cell (0, 1) of a keypoint at (10, 3)
    enc = codec.encode(np.array([[[10.0, 3.0]]]))
    cx, cy = 1.5 * stride - 0.5, 0.5 * stride - 0.5
    assert enc['heatmaps'][0, 0, 1] == pytest.approx(
        math.exp(-((10 - cx)**2 + (3 - cy)**2) / (2 * stride**2)), rel=1e-6)
    assert 'sigma=' + str(float(stride)) in repr(codec)


def test_sigma_default_is_the_papers_16_px_at_every_stride():
    assert CLCodec((256, 256), stride=32).sigma == 16.0


@pytest.mark.parametrize('sigma, match', [
    ('pixel', r"CLCodec: sigma must be a number > 0 or 'stride', got 'pixel'"),
    (0.0, 'CLCodec: sigma must be > 0, got 0.0'),
])
def test_bad_sigma_is_a_clear_error(sigma, match):
    with pytest.raises(ValueError, match=match):
        CLCodec((256, 256), sigma=sigma)
