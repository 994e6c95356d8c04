"""Bad inputs to MMPoseInferencer with the demo CLNet: each gives a valid
(possibly empty) result or a clear error naming the input, never a crash
inside the model, OpenCV or numpy, and never a NaN keypoint.

The checks live in :mod:`mmpose_cl.apis.input_checks`;
:mod:`mmpose_cl.compat.inferencer` applies them on ``import mmpose_cl``. What
MMPose 1.3.2 does without them is in that module's docstring.
"""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmpose.apis import MMPoseInferencer
from mmpose.apis.inferencers.pose2d_inferencer import Pose2DInferencer

import mmpose_cl  # noqa: F401  registers the model, applies the checks
from mmpose_cl import compat

CONFIG = 'configs/demo/clnet_r18_coco-mini_256x192.py'
IMAGE = '000000000785.jpg'


@pytest.fixture(scope='module')
def inferencer(repo_root, demo_checkpoint):
    inferencer = MMPoseInferencer(
        pose2d=osp.join(repo_root, CONFIG), pose2d_weights=demo_checkpoint,
        det_model='whole_image', device='cpu')
    # one forward per crop instead of two: halves the time on 2 CPU cores;
    # the inputs, not the flip test, are under test here
    inferencer.inferencer.model.test_cfg['flip_test'] = False
    return inferencer


@pytest.fixture(scope='module')
def image(coco_root):
    return cv2.imread(osp.join(coco_root, IMAGE))  # (425, 640, 3) BGR


@pytest.fixture(scope='module')
def files(tmp_path_factory, image):
    d = tmp_path_factory.mktemp('inputs')
    (d / 'empty.jpg').write_bytes(b'')
    (d / 'random.jpg').write_bytes(np.random.default_rng(0).bytes(4096))
    cv2.imwrite(str(d / 'gray.png'), cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    cv2.imwrite(str(d / 'rgba.png'), cv2.cvtColor(image, cv2.COLOR_BGR2BGRA))
    cv2.imwrite(str(d / 'one_pixel.png'), image[:1, :1])
    # 8000 x 6000: 144 MB decoded, a 0.7 MB JPEG as it is uniform
    cv2.imwrite(str(d / 'huge.jpg'), np.full((6000, 8000, 3), 90, np.uint8))
    jpg = cv2.imencode('.jpg', image)[1].tobytes()
    (d / 'truncated.jpg').write_bytes(jpg[:len(jpg) // 2])
    (d / 'jpeg_without_extension').write_bytes(jpg)
    (d / 'notes.txt').write_text('not an image')
    for sub, names in [('empty_dir', []), ('no_images', ['a.txt', 'README']),
                       ('some_images', ['README', 'b.txt'])]:
        (d / sub).mkdir()
        for name in names:
            (d / sub / name).write_text('x')
    cv2.imwrite(str(d / 'some_images' / 'a.jpg'), image[:100, :80])
    return d


def run(inferencer, inputs, **kwargs):
    """All results; assert every keypoint and score is finite."""
    results = list(inferencer(inputs, **kwargs))
    for result in results:
        for image_preds in result['predictions']:
            for person in image_preds:
                assert np.isfinite(person['keypoints']).all()
                assert np.isfinite(person['keypoint_scores']).all()
    return results


def whole_image_box(result):
    (person, ), = result['predictions']  # one image, one person
    assert np.array(person['keypoints']).shape == (17, 2)
    return person['bbox'][0]


# ----------------------------------------------------------- valid results
@pytest.mark.parametrize('name, size', [
    ('gray.png', (640, 425)),
    ('rgba.png', (640, 425)),
    ('one_pixel.png', (1, 1)),
    ('huge.jpg', (8000, 6000)),
    ('jpeg_without_extension', (640, 425)),
])
def test_unusual_image_files_give_a_pose(inferencer, files, name,
                                         size):
    result, = run(inferencer, str(files / name))
    assert whole_image_box(result) == [0, 0, *size]


@pytest.mark.parametrize('make, size', [
    (lambda img: cv2.cvtColor(img, cv2.COLOR_BGR2BGRA), (640, 425)),
    (lambda img: img[:1, :1], (1, 1)),
    (lambda img: img.astype(np.float32), (640, 425)),
])
def test_unusual_image_arrays_give_a_pose(inferencer, image, make,
                                          size):
    result, = run(inferencer, make(image))
    assert whole_image_box(result) == [0, 0, *size]


def test_a_directory_lists_only_its_images(inferencer, files):
    """MMPose's own listing fails on a file without an extension."""
    result, = run(inferencer, str(files / 'some_images'))
    assert whole_image_box(result) == [0, 0, 80, 100]


@pytest.mark.parametrize('box', [
    [1000, 1000, 1200, 1300],  # wholly outside the 640 x 425 image
    [-500, -400, -100, -100],
    [600, 400, 800, 700],  # partly outside
])
def test_boxes_outside_the_image_give_keypoints_in_the_box(
        inferencer, coco_root, box):
    result, = run(inferencer, osp.join(coco_root, IMAGE), bboxes=[[box]])
    (person, ), = result['predictions']
    kpts = np.array(person['keypoints'])
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    # the crop is the box padded by 1.25 and widened to 3:4
    assert (kpts[:, 0] >= x1 - w).all() and (kpts[:, 0] <= x2 + w).all()
    assert (kpts[:, 1] >= y1 - h).all() and (kpts[:, 1] <= y2 + h).all()


# ------------------------------------------------------------ clear errors
@pytest.mark.parametrize('name, error, match', [
    ('empty.jpg', ValueError, r"'.*empty\.jpg': the file is empty"),
    ('random.jpg', ValueError, r"'.*random\.jpg': cannot decode"),
    ('truncated.jpg', ValueError, r"'.*truncated\.jpg': cannot decode"),
    ('missing.jpg', FileNotFoundError, r"'.*missing\.jpg': no such file"),
    ('missing', FileNotFoundError, r"'.*missing': no such file"),
    ('empty_dir', ValueError, r"directory '.*empty_dir' holds no image"),
    ('no_images', ValueError, r"directory '.*no_images' holds no image"),
    ('notes.txt', ValueError, r'notes\.txt of type text'),  # MMPose's own
])
def test_bad_paths_name_the_path(inferencer, files, name, error,
                                 match):
    with pytest.raises(error, match=match):
        run(inferencer, str(files / name))


def test_a_bad_file_in_a_list_is_named_with_its_index(inferencer,
                                                      files, coco_root):
    inputs = [osp.join(coco_root, IMAGE), str(files / 'missing.jpg')]
    with pytest.raises(FileNotFoundError, match=r"input 1 '.*missing\.jpg'"):
        run(inferencer, inputs)


@pytest.mark.parametrize('make, error, match', [
    (lambda img: img[..., 0], ValueError,
     r'uint8 \(425, 640\)\): a grayscale'),
    (lambda img: img[..., :1], ValueError,
     r'uint8 \(425, 640, 1\)\): a grayscale'),
    (lambda img: img[..., :2], ValueError, r'uint8 \(425, 640, 2\)\): '
     r'expected an image of shape \(H, W, 3\)'),
    (lambda img: img.reshape(-1), ValueError,
     r'uint8 \(816000,\)\): expected'),
    (lambda img: img[None], ValueError,
     r'uint8 \(1, 425, 640, 3\)\): expected'),
    (lambda img: img[:0], ValueError,
     r'uint8 \(0, 640, 3\)\): the image is empty'),
    (lambda img: img > 100, TypeError,
     r'bool \(425, 640, 3\)\): image dtype must be'),
    (lambda img: img.astype(np.int64), TypeError, r'int64 .*dtype must be'),
    (lambda img: img.astype(np.float16), TypeError, r'float16'),
    (lambda img: np.full((50, 40, 3), np.nan, np.float32), ValueError,
     r'float32 \(50, 40, 3\)\): the image holds NaN'),
])
def test_bad_arrays_are_named_by_dtype_and_shape(inferencer, image,
                                                 make, error, match):
    with pytest.raises(error, match=r'input 0 \(array ' + match):
        run(inferencer, make(image))


@pytest.mark.parametrize('inputs', [3, None, 2.5])
def test_inputs_of_the_wrong_type(inferencer, inputs):
    with pytest.raises(TypeError, match='got ' + type(inputs).__name__):
        run(inferencer, inputs)


def test_list_element_of_the_wrong_type(inferencer, image):
    with pytest.raises(TypeError, match=r'input 1 \(int\)'):
        run(inferencer, [image, 7])


@pytest.mark.parametrize('box, match', [
    ([100, 100, 100, 100], 'zero or negative width or height'),
    ([100, 50, 100, 300], 'zero or negative width or height'),
    ([100, 50, 300, 50], 'zero or negative width or height'),
    ([300, 300, 100, 100], r'not \[x, y, w, h\]'),
    ([np.nan, 0, 100, 100], 'is not finite'),
    ([0, 0, np.inf, 100, 1.0], 'is not finite'),
    ([0, 0, 100, 100, np.nan], 'is not finite'),
    ([1, 2, 3], r'got shape \(1, 3\)'),
    (['a', 2, 3, 4], 'bboxes must be numbers'),
])
def test_bad_explicit_boxes_are_named(inferencer, coco_root, box,
                                      match):
    with pytest.raises(ValueError, match=r"input 0 '.*000000000785\.jpg': "
                       f'.*{match}'):
        run(inferencer, osp.join(coco_root, IMAGE), bboxes=[[box]])


# ------------------------------------------------------------- the hook-up
def test_compat_apply_wraps_once():
    wrapped = (Pose2DInferencer.preprocess_single,
               Pose2DInferencer._inputs_to_list)
    compat.apply()  # already applied by ``import mmpose_cl``: a no-op
    assert (Pose2DInferencer.preprocess_single,
            Pose2DInferencer._inputs_to_list) == wrapped
    # one wrapper over MMPose's own method, which it falls back to
    assert wrapped[0].__wrapped__.__module__ == (
        'mmpose.apis.inferencers.pose2d_inferencer')
    assert wrapped[1].__wrapped__.__module__.startswith('mmpose.apis')
