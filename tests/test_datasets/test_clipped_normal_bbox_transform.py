"""ClippedNormalBBoxTransform draws the references' distributions (moments
of a clipped normal computed from the formulas, on a seeded large sample),
and the paper rows' configs use it with their reference's settings."""
import math
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets.transforms import RandomBBoxTransform
from mmpose.registry import TRANSFORMS

from mmpose_cl.datasets.transforms import ClippedNormalBBoxTransform

N = 400_000  # boxes: the sample moments below are within ~0.2% of theirs


def phi(x):  # the standard normal's density
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def clipped_normal_std(c: float) -> float:
    """Standard deviation of clip(N, -c, c), N standard normal:
    E[N^2; |N| < c] + c^2 P(|N| >= c)."""
    return math.sqrt(2 * cdf(c) - 1 - 2 * c * phi(c) + 2 * c * c * cdf(-c))


def truncated_normal_std(c: float) -> float:
    """Standard deviation of N conditioned on |N| <= c (MMPose's draw)."""
    return math.sqrt(1 - 2 * c * phi(c) / (2 * cdf(c) - 1))


def draw(seed=0, **kwargs):
    np.random.seed(seed)
    transform = TRANSFORMS.build(
        dict(type='ClippedNormalBBoxTransform', **kwargs))
    return transform._get_transform_params(N)


def test_simplebaselines_draw():
    """clip(1 + 0.3 N, 0.7, 1.3), and clip(40 N, -80, 80) for 60% of the
    samples: a rotation std of 38.4 degrees where MMPose's
    RandomBBoxTransform(rotate_factor=40) has 21.6."""
    offset, scale, rotate = draw()
    assert offset.shape == (N, 2) and not offset.any()  # no shift
    assert scale.shape == (N, 1) and rotate.shape == (N, )
    scale = scale[:, 0]
    assert scale.min() == pytest.approx(0.7) and scale.max() == pytest.approx(
        1.3)
    # P(N <= -1) of the samples sit on each clip bound
    for bound in (0.7, 1.3):
        share = np.isclose(scale, bound).mean()
        assert share == pytest.approx(cdf(-1), abs=0.003)
    assert scale.mean() == pytest.approx(1.0, abs=0.002)
    assert scale.std() == pytest.approx(0.3 * clipped_normal_std(1), rel=0.01)
    # 40% unrotated; the others 40 * clip(N, -2, 2)
    turned = rotate[rotate != 0]
    assert 1 - len(turned) / N == pytest.approx(0.4, abs=0.003)
    assert np.abs(turned).max() == pytest.approx(80)
    assert (np.abs(turned) >= 80 - 1e-4).mean() == pytest.approx(
        2 * cdf(-2), abs=0.002)
    assert turned.std() == pytest.approx(40 * clipped_normal_std(2), rel=0.01)
    assert 40 * clipped_normal_std(2) == pytest.approx(38.4, abs=0.05)
    # MMPose's: 40 times a normal truncated to [-1, 1]
    mmpose = RandomBBoxTransform(rotate_factor=40, scale_factor=(0.7, 1.3))
    np.random.seed(0)
    _, _, mmpose_rotate = mmpose._get_transform_params(N)
    mmpose_turned = mmpose_rotate[mmpose_rotate != 0]
    assert np.abs(mmpose_turned).max() <= 40
    assert mmpose_turned.std() == pytest.approx(
        40 * truncated_normal_std(1), rel=0.01)
    assert 40 * truncated_normal_std(1) == pytest.approx(21.6, abs=0.05)


def test_newells_draw():
    """2 ** clip(0.25 N, -0.5, 0.5), and clip(30 N, -60, 60) for 40% of
    the samples."""
    _, scale, rotate = draw(
        scale_factor=0.25,
        scale_mode='log2',
        rotate_factor=30,
        rotate_prob=0.4)
    log_scale = np.log2(scale[:, 0])
    assert log_scale.min() == pytest.approx(-0.5, abs=1e-6)
    assert log_scale.max() == pytest.approx(0.5, abs=1e-6)
    assert log_scale.std() == pytest.approx(
        0.25 * clipped_normal_std(2), rel=0.01)
    turned = rotate[rotate != 0]
    assert 1 - len(turned) / N == pytest.approx(0.6, abs=0.003)
    assert np.abs(turned).max() == pytest.approx(60)
    assert turned.std() == pytest.approx(30 * clipped_normal_std(2), rel=0.01)


def test_transform_applies_the_draw_to_the_box():
    """Seeded: the same draw twice; the box keeps its centre (no shift) and
    is scaled and rotated within the bounds."""

    def run(seed):
        np.random.seed(seed)
        results = dict(
            bbox_center=np.full((64, 2), 50.),
            bbox_scale=np.full((64, 2), 100.))
        return ClippedNormalBBoxTransform()(results)

    results = run(1)
    np.testing.assert_array_equal(results['bbox_center'], 50.)
    ratio = results['bbox_scale'] / 100.
    assert (ratio[:, 0] == ratio[:, 1]).all()
    assert ((ratio >= 0.7 - 1e-6) & (ratio <= 1.3 + 1e-6)).all()
    assert np.ptp(ratio) > 0.1
    assert (np.abs(results['bbox_rotation']) <= 80).all()
    again = run(1)
    np.testing.assert_array_equal(again['bbox_scale'], results['bbox_scale'])
    np.testing.assert_array_equal(again['bbox_rotation'],
                                  results['bbox_rotation'])


@pytest.mark.parametrize('kwargs, message', [
    (dict(scale_factor=(0.7, 1.3)), r'scale_factor is the standard '
     r'deviation .* got \(0.7, 1.3\)'),
    (dict(scale_factor=1.0), r'scale_factor must be a number in \[0, 1\)'),
    (dict(scale_mode='exp'), r"scale_mode must be one of .* got 'exp'"),
    (dict(rotate_prob=1.5), r'rotate_prob must be a number in \[0, 1\], '
     r'got 1.5'),
    (dict(rotate_factor=-40), r'rotate_factor .* got -40'),
])
def test_bad_arguments_name_the_class_and_field(kwargs, message):
    with pytest.raises(
            ValueError, match=r'ClippedNormalBBoxTransform: ' + message):
        ClippedNormalBBoxTransform(**kwargs)


SIMPLEBASELINE = dict(
    type='ClippedNormalBBoxTransform',
    shift_prob=0,
    scale_factor=0.3,
    scale_mode='linear',
    rotate_factor=40,
    rotate_prob=0.6)
NEWELL = dict(
    type='ClippedNormalBBoxTransform',
    shift_prob=0,
    scale_factor=0.25,
    scale_mode='log2',
    rotate_factor=30,
    rotate_prob=0.4)
SIMPLEBASELINE_MPII = dict(SIMPLEBASELINE, scale_factor=0.25, rotate_factor=30)
PAPER_ROWS = {
    'clnet_r50_coco_256x192.py': SIMPLEBASELINE,
    'clnet_r18_coco_256x192.py': SIMPLEBASELINE,
    'clnet_r152_coco_384x288.py': SIMPLEBASELINE,
    # SimpleBaseline's MPII files: SCALE_FACTOR 0.25, ROT_FACTOR 30
    'clnet_r50_mpii_256x256.py': SIMPLEBASELINE_MPII,
    'clnet_r50_lsp_256x256.py': SIMPLEBASELINE_MPII,
    'ablations/clnet_r50_lsp_256x256_stride32.py': SIMPLEBASELINE_MPII,
    'clnet_hourglass8_coco_256x192.py': NEWELL,
    'clnet_hourglass8_coco_384x256.py': NEWELL,
    'clnet_hourglass8_mpii_256x256.py': NEWELL,
    'clnet_hourglass8_lsp_256x256.py': NEWELL,
    'baselines/td-hm_hourglass8_coco_256x192.py': NEWELL,
    'baselines/td-hm_hourglass8_mpii_256x256.py': NEWELL,
    'baselines/td-hm_hourglass8_lsp_256x256.py': NEWELL,
}


def box_transforms(cfg):
    return [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t['type'].endswith('BBoxTransform')
    ]


@pytest.mark.parametrize('name', sorted(PAPER_ROWS))
def test_paper_rows_draw_as_their_reference(name, repo_root):
    """Each paper row (and the plain hourglass beside CLNet-Hourglass)
    trains with its reference's draw, and it builds."""
    import mmpose_cl  # noqa: F401  (registers the transform)
    cfg = Config.fromfile(osp.join(repo_root, 'configs', name))
    [box] = box_transforms(cfg)
    assert box == PAPER_ROWS[name]
    assert isinstance(TRANSFORMS.build(box), ClippedNormalBBoxTransform)


@pytest.mark.parametrize('size', 'tsml')
def test_cspnext_rows_keep_rtmposes_draw(size, repo_root):
    """CLNet-CSPNeXt (not a paper row) keeps RTMPose's recipe: MMPose's
    RandomBBoxTransform, in both of its training stages."""
    name = f'clnet_cspnext-{size}_coco_256x192.py'
    cfg = Config.fromfile(osp.join(repo_root, 'configs', name))
    assert [t['type'] for t in box_transforms(cfg)] == ['RandomBBoxTransform']
    [hook] = [
        h for h in cfg.custom_hooks if h['type'] == 'mmdet.PipelineSwitchHook'
    ]
    assert [
        t['type'] for t in hook['switch_pipeline']
        if t['type'].endswith('BBoxTransform')
    ] == ['RandomBBoxTransform']
