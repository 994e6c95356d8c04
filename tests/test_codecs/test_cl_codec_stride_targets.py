"""How many keypoint positions have no target cell >= tau at each stride
(docs/stride32_targets.md), measured with CLCodec.encode and checked against
the geometry: a cell reaches tau iff its centre is within
r = sigma * sqrt(2 ln(1 / tau)) of the keypoint (16.17 px for sigma 16)."""
import math

import numpy as np
import pytest

from mmpose_cl.codecs import CLCodec

TAU = 0.6


def codec_share_without_target(stride, sigma, size=256):
    """Share of the pixel centres of a size x size crop (every integer
    position) for which the codec's target heatmap has no cell >= tau."""
    codec = CLCodec((size, size), stride=stride, sigma=sigma, tau=TAU)
    grid = np.arange(float(size))
    kpts = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    peaks = np.concatenate([
        codec.encode(chunk[None])['heatmaps'].max((1, 2))
        for chunk in np.array_split(kpts, 16)
    ])
    return float((peaks < codec.tau).mean())


def lattice_share(stride, sigma):
    """By hand: cell j spans pixels jS .. jS + S - 1 around its centre
    (j + 0.5) S - 0.5 (eq. 2, MMPose's convention), so on each axis a pixel
    centre sits at u = -(S-1)/2 .. (S-1)/2 from its own cell's centre, the
    nearest one; it has no cell >= tau iff u^2 + v^2 > r^2."""
    u = np.arange(stride) - (stride - 1) / 2
    r2 = 2 * sigma**2 * math.log(1 / TAU)
    return float((u[:, None]**2 + u[None, :]**2 > r2).mean())


def disc_share(stride, sigma):
    """The continuous version: the part of an S x S cell outside the disc
    of radius r around its centre, for S / 2 <= r <= S / sqrt(2) (the disc
    pokes out of the four sides by circular segments)."""
    a, r = stride / 2, sigma * math.sqrt(2 * math.log(1 / TAU))
    segment = r**2 * math.acos(a / r) - a * math.sqrt(r**2 - a**2)
    return 1 - (math.pi * r**2 - 4 * segment) / stride**2


@pytest.mark.parametrize('stride', [4, 8, 16, 32])
@pytest.mark.parametrize('sigma', [16.0, 'stride'])
def test_codec_matches_the_hand_computation(stride, sigma):
    # the share repeats with period S, so a 64 x 64 crop gives the 256 x
    # 256 share (and keeps stride 4 fast)
    s = stride if sigma == 'stride' else sigma
    assert codec_share_without_target(stride, sigma, size=64) == \
        lattice_share(stride, s)


def test_a_fifth_of_the_positions_have_no_target_cell_at_stride_32():
    # the whole 256x256 LSP crop, as in docs/stride32_targets.md
    share = codec_share_without_target(32, 16.0)
    # 204 of the 32 x 32 positions of a cell lie beyond 16.17 px
    assert share == lattice_share(32, 16.0) == 204 / 1024
    assert share == pytest.approx(disc_share(32, 16.0), abs=0.002)  # 19.94%
    # at strides 4 to 16 every cell half-diagonal (S / sqrt(2) <= 11.3 px)
    # is within 16.17 px: no position is lost
    for stride in (4, 8, 16):
        assert lattice_share(stride, 16.0) == 0
    # with sigma = S, r = 1.01 S > S / sqrt(2): none at any stride
    assert codec_share_without_target(32, 'stride') == 0


def test_worst_case_target_at_stride_32_is_exp_minus_1():
    # a cell corner, 16 sqrt(2) = 22.6 px from the four nearest centres
    # (15.5 and 47.5 on each axis)
    corner = np.array([[[31.5, 31.5]]])
    peak = CLCodec((256, 256), stride=32).encode(corner)['heatmaps'].max()
    assert peak == pytest.approx(math.exp(-1), rel=1e-6)
    scaled = CLCodec((256, 256), stride=32, sigma='stride').encode(corner)
    assert scaled['heatmaps'].max() == pytest.approx(math.exp(-0.25),
                                                     rel=1e-6)
