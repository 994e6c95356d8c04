"""RandomShearTopdownAffine: the warp matrix and keypoints against a
hand-composed affine, a drawn dot landing on its transformed keypoint, the
shear-0 case equal to MMPose's TopdownAffine bit for bit, the random draw,
argument errors, and MMPose's pipeline with CLCodec on a bundled sample."""
import copy
import math

import numpy as np
import pytest
from mmcv.transforms.utils import cache_random_params
from mmengine.registry import init_default_scope

import mmpose_cl  # noqa: F401  (registers CLCodec and the transform)
from mmpose.datasets.transforms import TopdownAffine
from mmpose.registry import TRANSFORMS
from mmpose_cl.datasets.transforms import RandomShearTopdownAffine

INPUT_SIZE = (192, 256)  # (w, h)


def hand_matrix(center, box_w, rot_deg, shear_deg, size=INPUT_SIZE):
    """Image -> crop by hand, without MMPose: MMPose's crop maps the box
    centre to (w / 2, h / 2), scales by w / box_w and rotates by -rot (its
    source direction is the crop's x axis rotated by +rot); the shear then
    adds tan(shear) * (y - h / 2) to x."""
    w, h = size
    s = w / box_w
    c, si = math.cos(math.radians(rot_deg)), math.sin(math.radians(rot_deg))
    similarity = np.array([
        [s * c, s * si, w / 2 - s * (c * center[0] + si * center[1])],
        [-s * si, s * c, h / 2 - s * (-si * center[0] + c * center[1])],
        [0, 0, 1],
    ])
    t = math.tan(math.radians(shear_deg))
    shear = np.array([[1, t, -t * h / 2], [0, 1, 0], [0, 0, 1]])
    return (shear @ similarity)[:2]


def apply(mat, pts):
    return pts @ mat[:, :2].T + mat[:, 2]


def results_for(img, center, scale, rot=None, keypoints=None):
    results = dict(
        img=img,
        bbox_center=np.array([center], dtype=np.float32),
        bbox_scale=np.array([scale], dtype=np.float32))
    if rot is not None:
        results['bbox_rotation'] = np.array([rot], dtype=np.float32)
    if keypoints is not None:
        results['keypoints'] = np.array([keypoints], dtype=np.float32)
        results['keypoints_visible'] = np.ones(
            (1, len(keypoints)), dtype=np.float32)
    return results


def fixed_shear(shear_deg, **kwargs):
    """The transform with its draw fixed to ``shear_deg``."""
    t = RandomShearTopdownAffine(input_size=INPUT_SIZE, **kwargs)
    t._get_shear = lambda n: np.full(n, float(shear_deg))
    return t


@pytest.fixture(scope='module')
def coco_sample(coco_root):
    """One bundled COCO person after MMPose's loading transforms."""
    from mmpose.datasets import CocoDataset
    init_default_scope('mmpose')
    ds = CocoDataset(
        data_root=coco_root,
        ann_file='test_coco.json',
        data_prefix=dict(img=''),
        data_mode='topdown',
        test_mode=True,
        pipeline=[dict(type='LoadImage'),
                  dict(type='GetBBoxCenterScale')])
    sample = ds[0]
    sample.pop('dataset')  # a reference to ds, not data
    return sample


def test_registered():
    assert TRANSFORMS.get('RandomShearTopdownAffine') is \
        RandomShearTopdownAffine
    t = TRANSFORMS.build(
        dict(type='RandomShearTopdownAffine', input_size=INPUT_SIZE,
             shear_factor=15, shear_prob=0.3))
    assert (t.shear_factor, t.shear_prob, t.use_udp) == (15.0, 0.3, False)
    assert repr(t) == ('RandomShearTopdownAffine(input_size=(192, 256), '
                       'shear_factor=15.0, shear_prob=0.3, use_udp=False)')


@pytest.mark.parametrize('rot,shear', [(0, 20), (30, 15), (-25, -30)])
def test_matrix_and_keypoints_match_a_hand_composed_affine(rot, shear):
    # a 90 x 120 box (already 3:4) centred at (150.5, 140): scale 192/90
    center, scale = (150.5, 140.), (90., 120.)
    kpts = [[150.5, 140.], [130., 95.], [170., 190.], [120.25, 180.75]]
    t = fixed_shear(shear)
    expected = hand_matrix(center, scale[0], rot, shear)
    np.testing.assert_allclose(
        t.get_warp_matrix(np.array(center), np.array(scale), rot, shear),
        expected, rtol=1e-5, atol=1e-4)

    out = t(results_for(np.zeros((300, 320, 3), np.uint8), center, scale,
                        rot=rot, keypoints=kpts))
    got = out['transformed_keypoints'][0]
    # float32 keypoints: 4e-5 px from the float64 hand computation
    np.testing.assert_allclose(got, apply(expected, np.array(kpts)),
                               atol=1e-3)
    # the box centre stays at the crop centre
    np.testing.assert_allclose(got[0], [96, 128], atol=1e-3)
    assert out['bbox_shear'].tolist() == [shear]
    assert out['img'].shape == (256, 192, 3)
    assert out['input_size'] == INPUT_SIZE
    np.testing.assert_array_equal(out['input_center'], center)
    np.testing.assert_array_equal(out['input_scale'], scale)


def test_shear_is_along_x_about_the_crop_centre():
    # no rotation, box 192 x 256 at scale 1: crop pixels = image pixels
    # shifted so that the centre (200, 150) lands on (96, 128)
    t = fixed_shear(45)  # tan = 1
    pts = [[200., 150.], [200., 160.], [200., 140.], [210., 150.]]
    out = t(results_for(np.zeros((400, 400, 3), np.uint8), (200., 150.),
                        (192., 256.), keypoints=pts))
    np.testing.assert_allclose(
        out['transformed_keypoints'][0],
        [[96, 128], [106, 138], [86, 118], [106, 128]], atol=1e-3)


def test_udp_shears_about_its_own_crop_centre():
    # UDP maps the box centre to ((w - 1) / 2, (h - 1) / 2)
    t = fixed_shear(45, use_udp=True)
    out = t(results_for(np.zeros((400, 400, 3), np.uint8), (200., 150.),
                        (191., 255.), keypoints=[[200., 150.], [200., 160.]]))
    np.testing.assert_allclose(out['transformed_keypoints'][0],
                               [[95.5, 127.5], [105.5, 137.5]], atol=1e-3)


def test_a_drawn_dot_lands_on_its_transformed_keypoint():
    # three Gaussian dots, one per colour channel, at sub-pixel positions;
    # after the warp each channel's intensity centroid is where the same
    # matrix puts the keypoint (measured: within 0.015 px; asked: 1 px)
    h, w = 300, 320
    kpts = np.array([[150.3, 140.6], [138.8, 122.2], [163.5, 158.4]])
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.uint8)
    for ch, (x, y) in enumerate(kpts):
        img[..., ch] = np.round(
            255 * np.exp(-((xx - x)**2 + (yy - y)**2) / (2 * 2.0**2)))
    t = fixed_shear(25)
    out = t(results_for(img, (150., 140.), (90., 120.), rot=30,
                        keypoints=kpts))
    warped = out['img'].astype(np.float64)
    cy, cx = np.mgrid[0:256, 0:192]
    for ch in range(3):
        m = warped[..., ch]
        kpt = out['transformed_keypoints'][0, ch]
        # the whole dot (3 sigma, scaled by 192 / 90) is inside the crop
        assert (kpt > 13).all() and (kpt < [192 - 13, 256 - 13]).all()
        centroid = [(m * cx).sum() / m.sum(), (m * cy).sum() / m.sum()]
        np.testing.assert_allclose(
            centroid, kpt, atol=0.1)
        # and both are where the hand-composed matrix puts the dot
        np.testing.assert_allclose(
            centroid, apply(hand_matrix((150., 140.), 90., 30, 25),
                            kpts[ch]), atol=0.1)


def test_keypoints_leaving_the_crop_keep_visibility_and_get_weight_0():
    from mmpose_cl.codecs import CLCodec
    # a keypoint near the crop's top-left corner: a +30 degree shear moves
    # the top part left, out of the crop
    t = fixed_shear(30)
    out = t(results_for(np.zeros((400, 400, 3), np.uint8), (200., 150.),
                        (192., 256.), keypoints=[[110., 30.], [200., 150.]]))
    x0 = out['transformed_keypoints'][0, 0, 0]
    assert x0 == pytest.approx(6 + math.tan(math.radians(30)) * (8 - 128),
                               abs=1e-3) and x0 < 0
    # like TopdownAffine: the visibility is left to the codec
    np.testing.assert_array_equal(out['keypoints_visible'], [[1, 1]])
    codec = CLCodec(input_size=INPUT_SIZE)
    enc = codec.encode(out['transformed_keypoints'], out['keypoints_visible'])
    np.testing.assert_array_equal(enc['keypoint_weights'], [[0, 1]])


@pytest.mark.parametrize('kwargs', [
    dict(shear_prob=0.), dict(shear_factor=0.), dict(shear_prob=0.,
                                                    use_udp=True)])
@pytest.mark.parametrize('rot', [None, 17.5])
def test_shear_0_is_topdown_affine_bit_for_bit(coco_sample, kwargs, rot):
    sample = copy.deepcopy(coco_sample)
    if rot is not None:
        sample['bbox_rotation'] = np.array([rot], dtype=np.float32)
    ours = RandomShearTopdownAffine(input_size=INPUT_SIZE, **kwargs)
    theirs = TopdownAffine(input_size=INPUT_SIZE,
                           use_udp=kwargs.get('use_udp', False))
    state = np.random.get_state()
    a = ours(copy.deepcopy(sample))
    after = np.random.get_state()
    b = theirs(copy.deepcopy(sample))
    # no random number drawn: the following transforms' draws are unchanged
    assert after[1].tolist() == state[1].tolist() and after[2] == state[2]
    assert a['bbox_shear'].tolist() == [0.0]
    assert set(a) - set(b) == {'bbox_shear'} and set(b) <= set(a)
    for key in b:
        if isinstance(b[key], np.ndarray):
            assert a[key].dtype == b[key].dtype, key
            np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        else:
            assert a[key] == b[key], key
    assert a['img'].tobytes() == b['img'].tobytes()


def test_a_draw_that_is_not_applied_is_topdown_affine(coco_sample):
    ours = RandomShearTopdownAffine(input_size=INPUT_SIZE, shear_prob=1e-12)
    a = ours(copy.deepcopy(coco_sample))
    b = TopdownAffine(input_size=INPUT_SIZE)(copy.deepcopy(coco_sample))
    assert a['bbox_shear'].tolist() == [0.0]
    assert a['img'].tobytes() == b['img'].tobytes()
    assert a['transformed_keypoints'].tobytes() == \
        b['transformed_keypoints'].tobytes()


def test_draw_range_probability_and_seed():
    t = RandomShearTopdownAffine(input_size=INPUT_SIZE, shear_factor=20.,
                                 shear_prob=0.3)
    np.random.seed(0)
    draws = t._get_shear(4000)
    np.random.seed(0)
    np.testing.assert_array_equal(t._get_shear(4000), draws)  # seeded
    on = draws[draws != 0]
    assert np.abs(draws).max() <= 20.
    assert abs(len(on) / 4000 - 0.3) < 0.03  # 4.1 binomial std
    # a standard normal truncated to [-1, 1] has std 0.538
    assert np.std(on) == pytest.approx(20 * 0.538, rel=0.06)
    assert abs(np.mean(on)) < 0.6


def test_cache_random_params_repeats_the_draw(coco_sample):
    t = RandomShearTopdownAffine(input_size=INPUT_SIZE, shear_factor=30.,
                                 shear_prob=1.)
    np.random.seed(1)
    with cache_random_params(t):
        a = t(copy.deepcopy(coco_sample))
        b = t(copy.deepcopy(coco_sample))
    assert a['bbox_shear'][0] != 0
    assert a['bbox_shear'].tolist() == b['bbox_shear'].tolist()
    assert a['img'].tobytes() == b['img'].tobytes()
    c = t(copy.deepcopy(coco_sample))  # outside the context: a new draw
    assert c['bbox_shear'].tolist() != a['bbox_shear'].tolist()


@pytest.mark.parametrize('field,value', [
    ('shear_factor', -1.0), ('shear_factor', 90.0), ('shear_factor', 'ten'),
    ('shear_factor', float('nan')), ('shear_factor', True),
    ('shear_prob', 1.5), ('shear_prob', -0.1), ('shear_prob', None)])
def test_argument_errors_name_class_field_and_value(field, value):
    with pytest.raises(ValueError,
                       match=rf'RandomShearTopdownAffine: {field} .*'
                       rf'got {repr(value)[:3]}'):
        RandomShearTopdownAffine(input_size=INPUT_SIZE, **{field: value})


def test_more_than_one_instance_is_refused():
    t = RandomShearTopdownAffine(input_size=INPUT_SIZE)
    results = dict(img=np.zeros((10, 10, 3), np.uint8),
                   bbox_center=np.zeros((2, 2), np.float32),
                   bbox_scale=np.ones((2, 2), np.float32))
    with pytest.raises(ValueError, match=r'one instance .*\(2, 2\)'):
        t(results)


def test_in_mmpose_pipeline_with_cl_codec(coco_root):
    from mmpose.datasets import CocoDataset
    init_default_scope('mmpose')
    codec = dict(type='CLCodec', input_size=INPUT_SIZE)
    pipeline = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomBBoxTransform', shift_prob=0,
             scale_factor=(0.7, 1.3), rotate_factor=40),
        dict(type='RandomShearTopdownAffine', input_size=INPUT_SIZE,
             shear_factor=20, shear_prob=1.0),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs', pack_transformed=True,
             meta_keys=('id', 'img_id', 'bbox_shear', 'input_size',
                        'input_center', 'input_scale', 'flip_indices'))
    ]
    ds = CocoDataset(
        data_root=coco_root, ann_file='test_coco.json',
        data_prefix=dict(img=''), data_mode='topdown', pipeline=pipeline)
    np.random.seed(3)
    packed = ds[0]
    assert tuple(packed['inputs'].shape) == (3, 256, 192)
    sample = packed['data_samples']
    shear = sample.metainfo['bbox_shear']
    assert 0 < abs(shear[0]) <= 20
    # the targets are CLCodec's encoding of the sheared keypoints
    from mmpose_cl.codecs import CLCodec
    kpts = sample.gt_instances.transformed_keypoints
    vis = sample.gt_instances.keypoints_visible
    enc = CLCodec(input_size=INPUT_SIZE).encode(kpts, vis)
    for key in ('heatmaps', 'offsets'):
        np.testing.assert_array_equal(
            getattr(sample.gt_fields, key).numpy(), enc[key], err_msg=key)
    np.testing.assert_array_equal(
        sample.gt_instance_labels.keypoint_weights.numpy(),
        enc['keypoint_weights'])
    assert enc['keypoint_weights'].sum() > 0
