"""Property-based tests of CLCodec on bad and random data: keypoints anywhere
(outside the crop, NaN, +-inf), random crop sizes, strides and sigmas, and
maps with non-finite values. Hand-computed cases are in test_cl_codec.py."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mmpose_cl.codecs import CLCodec

NON_FINITE = (math.nan, math.inf, -math.inf)


@st.composite
def codecs(draw):
    """A codec of a random size; sigma >= S / 4 so that the heatmap of the
    cell nearest to a keypoint (at most S / sqrt(2) away) is >= exp(-4) and
    never underflows in float32."""
    stride = draw(st.sampled_from([4, 8, 16, 32]))
    W, H = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    sigma = stride * draw(st.floats(0.25, 4.0))
    tau = draw(st.floats(0.05, 1.0))
    return CLCodec(input_size=(W * stride, H * stride), stride=stride,
                   sigma=sigma, tau=tau)


@st.composite
def keypoints_anywhere(draw, codec):
    """(1, K, 2) keypoints inside, outside or non-finite, and (1, K)
    visibilities (0, fractional, > 1, or NaN)."""
    w, h = codec.input_size
    K = draw(st.integers(1, 17))

    def coord(size):
        return st.one_of(
            st.floats(0, size, exclude_max=True),  # inside
            st.floats(-3.0 * size, 3.0 * size),  # anywhere near
            st.floats(-1e30, 1e30),  # far away
            st.sampled_from(NON_FINITE))

    kpts = [[draw(coord(w)), draw(coord(h))] for _ in range(K)]
    vis = [draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, math.nan]))
           for _ in range(K)]
    return np.array([kpts]), np.array([vis], dtype=np.float32)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_encode_is_finite_masks_bad_keypoints_and_round_trips(data):
    codec = data.draw(codecs())
    kpts, vis = data.draw(keypoints_anywhere(codec))
    w, h = codec.input_size
    K = kpts.shape[1]

    enc = codec.encode(kpts, vis)

    W, H = codec.heatmap_size
    assert enc['heatmaps'].shape == (K, H, W)
    assert enc['offsets'].shape == (2 * K, H, W)
    assert np.isfinite(enc['heatmaps']).all()
    assert np.isfinite(enc['offsets']).all()
    with np.errstate(invalid='ignore'):
        good = ((vis[0] > 0) & np.isfinite(kpts[0]).all(-1)
                & (kpts[0, :, 0] >= 0) & (kpts[0, :, 0] < w)
                & (kpts[0, :, 1] >= 0) & (kpts[0, :, 1] < h))
    np.testing.assert_array_equal(enc['keypoint_weights'], good[None] * 1.0)
    for k in np.flatnonzero(~good):
        assert not enc['heatmaps'][k].any(), k
        assert not enc['offsets'][k].any(), k
        assert not enc['offsets'][K + k].any(), k

    decoded, scores = codec.decode(enc['heatmaps'], enc['offsets'])
    assert np.isfinite(decoded).all() and np.isfinite(scores).all()
    err = np.abs(decoded[0] - kpts[0])[good]
    assert err.size == 0 or err.max() < 1e-3, err.max()

    kpts_t, scores_t = codec.decode_torch(
        torch.from_numpy(enc['heatmaps'])[None],
        torch.from_numpy(enc['offsets'])[None])
    np.testing.assert_allclose(kpts_t[0].numpy(), decoded[0], atol=1e-3)
    np.testing.assert_allclose(scores_t[0].numpy(), scores[0], atol=1e-6)


@st.composite
def maps_with_non_finite_values(draw, codec):
    """Random (K, H, W) heatmaps and (2K, H, W) offsets, a random share of
    whose cells hold NaN or +-inf (sometimes every cell of a keypoint)."""
    W, H = codec.heatmap_size
    K = draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    heatmaps = rng.uniform(-0.2, 1.2, (K, H, W)).astype(np.float32)
    offsets = rng.normal(0, 2, (2 * K, H, W)).astype(np.float32)
    share = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0]))
    for maps in (heatmaps, offsets):
        bad = rng.uniform(size=maps.shape) < share
        maps[bad] = rng.choice(NON_FINITE, size=bad.sum())
    if draw(st.booleans()):  # one keypoint with no finite activation
        heatmaps[rng.integers(K)] = draw(st.sampled_from(NON_FINITE))
    return heatmaps, offsets


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_non_finite_cells_never_vote(data):
    """Decoding drops every cell whose activation or offset is not finite
    (the same result as giving it an activation that never wins); a keypoint
    left with no cell goes to the crop centre with score 0."""
    codec = data.draw(codecs())
    heatmaps, offsets = data.draw(maps_with_non_finite_values(codec))
    K = heatmaps.shape[0]
    w, h = codec.input_size

    kpts, scores = codec.decode(heatmaps, offsets)
    assert np.isfinite(kpts).all() and np.isfinite(scores).all()

    # reference: bad cells get activation -1e30 and offsets 0, so they vote
    # only if they are the argmax of a keypoint with no good cell at all
    bad = ~(np.isfinite(heatmaps) & np.isfinite(offsets[:K])
            & np.isfinite(offsets[K:]))  # (K, H, W)
    ref_hm = np.where(bad, np.float32(-1e30), heatmaps)
    bad2 = np.concatenate([bad, bad])
    ref_off = np.where(bad2, np.float32(0), offsets)
    ref_kpts, ref_scores = codec.decode(ref_hm, ref_off)
    has_cell = ~bad.reshape(K, -1).all(-1)
    np.testing.assert_allclose(kpts[0, has_cell], ref_kpts[0, has_cell],
                               rtol=1e-6, atol=1e-4)
    np.testing.assert_allclose(scores[0, has_cell], ref_scores[0, has_cell])
    np.testing.assert_allclose(kpts[0, ~has_cell].reshape(-1, 2),
                               np.tile([[(w - 1) / 2, (h - 1) / 2]],
                                       ((~has_cell).sum(), 1)))
    np.testing.assert_array_equal(scores[0, ~has_cell], 0)

    kpts_t, scores_t = codec.decode_torch(
        torch.from_numpy(heatmaps)[None], torch.from_numpy(offsets)[None])
    assert torch.isfinite(kpts_t).all() and torch.isfinite(scores_t).all()
    np.testing.assert_allclose(kpts_t[0].numpy(), kpts[0], atol=1e-3)
    np.testing.assert_allclose(scores_t[0].numpy(), scores[0], atol=1e-6)


def test_non_finite_cells_hand_computed():
    codec = CLCodec(input_size=(64, 32), stride=16, tau=0.6)
    heatmaps = np.zeros((3, 2, 4), np.float32)
    offsets = np.zeros((6, 2, 4), np.float32)
    # keypoint 0: a NaN and a +inf activation next to one finite voter
    heatmaps[0, 0, 1] = 0.9  # votes its centre (23.5, 7.5)
    heatmaps[0, 0, 2] = np.nan
    heatmaps[0, 1, 1] = np.inf
    # keypoint 1: the strongest cell has a NaN x-offset; the other votes
    heatmaps[1, 0, 0] = 0.95
    offsets[4, 0, 0] = np.nan
    heatmaps[1, 1, 3] = 0.7  # votes (55.5, 23.5 + 16 * 0.25)
    offsets[1, 1, 3] = 0.25
    # keypoint 2: nothing finite
    heatmaps[2] = np.nan
    kpts, scores = codec.decode(heatmaps, offsets)
    np.testing.assert_allclose(kpts[0], [[23.5, 7.5], [55.5, 27.5],
                                         [31.5, 15.5]])
    np.testing.assert_allclose(scores[0], [0.9, 0.7, 0.0])
    kpts_t, scores_t = codec.decode_torch(
        torch.from_numpy(heatmaps)[None], torch.from_numpy(offsets)[None])
    np.testing.assert_allclose(kpts_t[0].numpy(), kpts[0])
    np.testing.assert_allclose(scores_t[0].numpy(), scores[0])


@pytest.mark.parametrize('value', NON_FINITE)
def test_batch_decode_of_a_non_finite_prediction_is_finite(value):
    """What CLHead.predict feeds the inferencer: never a NaN keypoint."""
    codec = CLCodec(input_size=(192, 256))
    heatmaps = torch.full((2, 17, 16, 12), value)
    offsets = torch.full((2, 34, 16, 12), value)
    kpts, scores = codec.batch_decode(heatmaps, offsets)
    assert all(np.isfinite(k).all() for k in kpts)
    assert all((s == 0).all() for s in scores)
