"""CLPose: MMPose's crop to the grey level, the map back to the image by a
hand-computed affine, one batched run, and errors naming bad files and
inputs. The models are conftest.py's (constant keypoints; scores = channel
means of the crop / 255)."""
import os

import cv2
import numpy as np
import pytest

from clpose import CLPose
from clpose.affine import bbox_center_scale, crop, warp_matrix


class CountingSession:
    """Wraps an ``InferenceSession``; records the batch size of each run."""

    def __init__(self, session):
        self.session, self.batches = session, []

    def run(self, names, feeds):
        self.batches.append(len(feeds['crops']))
        return self.session.run(names, feeds)


def counting(model: CLPose) -> CLPose:
    model.session = CountingSession(model.session)
    return model


@pytest.fixture(scope='module')
def model(model_path) -> CLPose:
    return CLPose(model_path, threads=1)


# ------------------------------------------------------------ the crop
def test_crop_equals_mmposes_topdown_pipeline(model, image, contract):
    transforms = pytest.importorskip('mmpose.datasets.transforms')
    w, h = contract.INPUT_SIZE
    boxes = np.array(
        [
            contract.BOX,
            [500, 300, 700, 500],  # partly outside the image: zero padding
            [10.3, 200.7, 400.2, 260.9],  # wider than 3:4: the height grows
        ],
        dtype=np.float32)  # as MMPose's datasets and detectors give them
    crops, center, scale = model.crops(image, boxes)
    for i, box in enumerate(boxes):
        results = {
            'img': image.copy(),
            'bbox': box[None],
            'bbox_score': np.ones(1, np.float32)
        }
        results = transforms.GetBBoxCenterScale(padding=1.25)(results)
        results = transforms.TopdownAffine(input_size=(w, h))(results)
        # float32 boxes: the same float32 centre and scale, the same matrix
        # to the bit, the same crop to the grey level
        np.testing.assert_array_equal(center[i], results['input_center'])
        np.testing.assert_array_equal(scale[i], results['input_scale'])
        np.testing.assert_array_equal(crops[i].transpose(1, 2, 0),
                                      results['img'])  # (h, w, 3) BGR
        # and the model saw that crop, in BGR order: scores = channel means
        _, scores = model(image, box[None])
        np.testing.assert_allclose(scores[0],
                                   results['img'].mean(axis=(0, 1)) / 255,
                                   rtol=1e-5)


def test_crop_equals_mmposes_on_random_boxes(image):
    transforms = pytest.importorskip('mmpose.datasets.transforms')
    rng = np.random.default_rng(0)
    for _ in range(50):  # in and out of the image, 1 to 500 px
        x1, y1, bw, bh = rng.uniform([-100, -100, 1, 1], [600, 400, 500, 500])
        box = np.array([[x1, y1, x1 + bw, y1 + bh]], np.float32)
        results = {'img': image, 'bbox': box, 'bbox_score': np.ones(1)}
        results = transforms.GetBBoxCenterScale(padding=1.25)(results)
        results = transforms.TopdownAffine(input_size=(192, 256))(results)
        center, scale = bbox_center_scale(box, 1.25, (192, 256))
        np.testing.assert_array_equal(
            crop(image, center[0], scale[0], (192, 256)), results['img'])


def test_keypoints_map_back_by_the_inverse_affine(model, image, contract):
    keypoints, scores = model(image, [contract.BOX])
    assert keypoints.shape == (1, 3, 2) and keypoints.dtype == np.float32
    assert scores.shape == (1, 3) and scores.dtype == np.float32
    # by hand: box 280.79..499.49 x 44.73..391.41, centre (390.14, 218.07);
    # 1.25 * size = 273.375 x 433.35; 3:4 widens it to 325.0125 x 433.35
    cx, cy, sw, sh = 390.14, 218.07, 433.35 * 0.75, 433.35
    expected = [
        [cx - sw / 2, cy - sh / 2],  # crop pixel (0, 0)
        [cx - sw / 2 + 47 * sw / 48, cy - sh / 2 + 63 * sh / 64],  # (47, 63)
        [cx, cy],  # crop centre (24, 32)
    ]
    np.testing.assert_allclose(keypoints[0], expected, atol=1e-3)
    # the inverse of the warp that made the crop
    mat = warp_matrix(np.array([cx, cy]), np.array([sw, sh]), (48, 64))
    np.testing.assert_allclose(cv2.transform(
        keypoints[0][None].astype(np.float64), mat)[0],
                               contract.KPTS,
                               atol=1e-3)


def test_bgra_and_float_images_give_the_bgr_uint8_result(
        model, image, contract):
    kpts, scores = model(image, [contract.BOX])
    bgra = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    for other in (bgra, image.astype(np.float32), image.astype(np.float64)):
        k, s = model(other, [contract.BOX])
        np.testing.assert_array_equal(k, kpts)
        np.testing.assert_allclose(s, scores, atol=1 / 255)


# ------------------------------------------------------------- batching
def test_all_boxes_go_through_one_run(model_path, image, contract):
    model = counting(CLPose(model_path, threads=1))
    boxes = [contract.BOX, [0, 0, 100, 80], [300, 10, 420, 300]]
    keypoints, scores = model(image, boxes)
    assert model.session.batches == [3]
    assert keypoints.shape == (3, 3, 2) and scores.shape == (3, 3)
    for i, box in enumerate(boxes):  # the same as one box at a time
        k, s = model(image, [box])
        np.testing.assert_array_equal(k[0], keypoints[i])
        np.testing.assert_allclose(s[0], scores[i], rtol=1e-6)


@pytest.mark.parametrize('boxes', [[], np.zeros((0, 4)), np.zeros((0, 5))])
def test_no_box_gives_empty_arrays_without_a_run(model_path, image, boxes):
    model = counting(CLPose(model_path))
    keypoints, scores = model(image, boxes)
    assert keypoints.shape == (0, 3, 2) and keypoints.dtype == np.float32
    assert scores.shape == (0, 3) and scores.dtype == np.float32
    assert model.session.batches == []


@pytest.mark.parametrize('batch, runs', [(1, [1, 1, 1]), (2, [2, 2])])
def test_a_fixed_batch_runs_padded_chunks(tmp_path, model, image, contract,
                                          batch, runs):
    path = contract.write_model(str(tmp_path / 'b.onnx'), batch=batch)
    fixed = counting(CLPose(path))
    assert fixed.batch_size == batch and model.batch_size is None
    boxes = [contract.BOX, [0, 0, 100, 80], [300, 10, 420, 300]]
    keypoints, scores = fixed(image, boxes)
    assert fixed.session.batches == runs
    expected = model(image, boxes)
    np.testing.assert_array_equal(keypoints, expected[0])
    np.testing.assert_allclose(scores, expected[1], rtol=1e-6)


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize('make, error, match', [
    (lambda img: img[:2, :2].tolist(), TypeError,
     r'image \(list\): expected an image array'),
    (lambda img: img[..., 0], ValueError,
     r'uint8 \(425, 640\)\): a grayscale .*COLOR_GRAY2BGR'),
    (lambda img: img[..., :2], ValueError, r'expected an image of shape'),
    (lambda img: img[:0], ValueError, r'\(0, 640, 3\)\): the image is empty'),
    (lambda img: img.astype(np.int64), TypeError,
     r'int64 \(425, 640, 3\)\): image dtype must be'),
    (lambda img: np.full((9, 9, 3), np.nan), ValueError, 'NaN'),
])
def test_bad_images_are_named(model, image, contract, make, error, match):
    with pytest.raises(error, match=match):
        model(make(image), [contract.BOX])


@pytest.mark.parametrize('boxes, match', [
    ([[1, 2, 3]], r'got shape \(1, 3\)'),
    ([[1, 2, 3, 4, 5, 6]], r'got shape \(1, 6\)'),
    ([[[1, 2, 3, 4]]], r'got shape \(1, 1, 4\)'),
    ([['a', 2, 3, 4]], 'bboxes must be numbers'),
    ([[0, 0, 10, 10], [np.nan, 0, 10, 10]], r'bbox 1 \[nan.* is not finite'),
    ([[0, 0, np.inf, 10]], 'is not finite'),
    ([[100, 50, 100, 300]], 'zero or negative width or height'),
    ([[300, 300, 100, 100]], r'x1, y1, x2, y2.*not \[x, y, w, h\]'),
])
def test_bad_boxes_are_named(model, image, boxes, match):
    with pytest.raises(ValueError, match=match):
        model(image, boxes)


# ------------------------------------------------------- bad ONNX files
@pytest.mark.parametrize('kwargs, match', [
    (lambda c: dict(meta=None), "no 'clpose' metadata"),
    (lambda c: dict(meta='{not json'), 'metadata is not JSON'),
    (lambda c: dict(meta='[1, 2]'), 'not a JSON object'),
    (lambda c: dict(meta={'input_size': [48, 64]}), r"lacks \['bbox_padding'"),
    (lambda c: dict(meta=c.make_meta(input_size=[48])),
     r'bad .*input_size=\[48\]'),
    (lambda c: dict(meta=c.make_meta(skeleton=[[0, 3]])),
     r'bad .*skeleton=\[\[0, 3\]\]'),
    (lambda c: dict(meta=c.make_meta(keypoint_colors=[[0, 0, 0]])),
     'bad .*keypoint_colors'),
    (lambda c: dict(meta=c.make_meta(keypoint_names='abc')),
     "bad .*keypoint_names='abc'"),
    (lambda c: dict(meta=c.make_meta(skeleton_colors=7)),
     'bad .*skeleton_colors=7'),
    (lambda c: dict(meta=c.make_meta(4, keypoint_colors=[[0, 0, 0]] * 4)),
     r'"keypoints" has shape \[.N., 3, 2\], expected \(N, 4, 2\)'),
    (lambda c: dict(input_name='images'), r'no input named "crops" .*images'),
    (lambda c: dict(outputs=('keypoints', 'confidence')),
     r"no output named \['scores"),
    (lambda c: dict(shape=(3, 64 * 48)),
     r'shape \[.N., 3, 3072\], expected 4-D'),
    (lambda c: dict(shape=(3, 48, 64)),
     r'input_size \[w, h\] = \[48, 64\] needs \(N, 3, 64, 48\)'),
])
def test_bad_onnx_files_are_named(tmp_path, contract, kwargs, match):
    path = contract.write_model(str(tmp_path / 'bad.onnx'), **kwargs(contract))
    with pytest.raises(ValueError, match=r"bad\.onnx': .*" + match):
        CLPose(path)


def test_outputs_of_the_wrong_shape_are_named_at_run_time(
        tmp_path, image, contract):
    path = contract.write_model(str(tmp_path / 'b1.onnx'), batch_kpts=False)
    model = CLPose(path)
    model(image, [contract.BOX])  # (1, K, 2) is right for one box
    with pytest.raises(ValueError,
                       match=r"b1\.onnx' gave keypoints "
                       r'\(1, 3, 2\) .* for 2 crops, expected \(2, 3, 2\)'):
        model(image, [contract.BOX, contract.BOX])


def test_a_missing_or_non_onnx_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"'.*missing\.onnx'"):
        CLPose(str(tmp_path / 'missing.onnx'))
    with pytest.raises(ValueError, match='is a directory'):
        CLPose(str(tmp_path))
    (tmp_path / 'notes.onnx').write_text('not a model')
    with pytest.raises(ValueError, match=r"notes\.onnx': not an ONNX model"):
        CLPose(str(tmp_path / 'notes.onnx'))


@pytest.mark.parametrize('threads', [0, 1.5])
def test_bad_thread_counts(model_path, threads):
    with pytest.raises(ValueError, match=f'threads .* got {threads}'):
        CLPose(model_path, threads=threads)


def test_session_options_are_used_and_threads_override_them(model_path):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = 4
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    used = CLPose(model_path, threads=1,
                  session_options=options).session.get_session_options()
    assert used.intra_op_num_threads == 1
    assert used.get_session_config_entry(
        'session.intra_op.allow_spinning') == '0'


def test_repr_names_the_file(model, model_path):
    assert os.path.basename(model_path) in repr(model)
    assert 'batch=dynamic' in repr(model)
