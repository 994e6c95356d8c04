"""PersonDetector on end2end ONNX files built by conftest.py (constant
``dets`` and ``labels``): the letterbox, the filters, the NMS and the map
back to the image against hand computations; the file's metadata and the
arguments; files not in the format, named."""
import json

import numpy as np
import pytest

from clpose import PersonDetector, letterbox


class RecordingSession:
    """Wraps an ``InferenceSession``; keeps the last input fed."""

    def __init__(self, session):
        self.session, self.feed = session, None

    def run(self, names, feeds):
        (self.feed, ) = feeds.values()
        return self.session.run(names, feeds)


def recording(det: PersonDetector) -> PersonDetector:
    det.session = RecordingSession(det.session)
    return det


# ------------------------------------------------------------ letterbox
def test_letterbox_by_hand():
    image = np.empty((7, 20, 3), np.uint8)
    image[...] = [10, 20, 30]  # B, G, R: any resize keeps a constant
    canvas, scale = letterbox(image, (16, 16), (114, 115, 116))
    # ratio = min(16 / 20, 16 / 7) = 0.8: 16 x 5.6 -> 16 x 6 (MMCV's
    # int(5.6 + 0.5); rtmlib's int(5.6) = 5)
    assert canvas.shape == (16, 16, 3) and canvas.dtype == np.float32
    assert scale == (16 / 20, 6 / 7)
    assert (canvas[:6] == [10, 20, 30]).all()
    assert (canvas[6:] == [114, 115, 116]).all()  # bottom: padding


def test_letterbox_pads_the_right_of_a_tall_image():
    canvas, scale = letterbox(np.full((40, 12, 3), 7, np.uint8), (16, 16), 0)
    # ratio = min(16 / 12, 16 / 40) = 0.4: 4.8 x 16 -> 5 x 16
    assert scale == (5 / 12, 0.4)
    assert (canvas[:, :5] == 7).all() and (canvas[:, 5:] == 0).all()


# ---------------------------------------------------------- whole path
#: detector-input pixels of a 320 x 320 detector, label, and what happens
DETS = [
    ([10, 20, 110, 220, 0.9], 0),  # kept
    ([12, 20, 112, 220, 0.8], 0),  # IoU 0.96 with the first: NMS
    ([200, 50, 300, 150, 0.7], 1),  # not a person
    ([150, 40, 250, 200, 0.25], 0),  # below the score threshold
    ([200, 230, 300, 300, 0.95], 0),  # in the bottom padding
    ([-10, 100, 100, 150, 0.6], 0),  # left of the image: clipped
]


@pytest.fixture(scope='module')
def det_path(tmp_path_factory, contract):
    return contract.write_detector(
        str(tmp_path_factory.mktemp('det') / 'det.onnx'), [d for d, _ in DETS],
        [label for _, label in DETS])


def test_boxes_map_back_to_the_image_by_hand(det_path, image):
    det = recording(PersonDetector(det_path, threads=1))
    boxes = det(image)
    # the 640 x 425 image: ratio = min(320 / 640, 320 / 425) = 0.5, resized
    # to 320 x int(212.5 + 0.5) = 320 x 213: x / 0.5, y * 425 / 213
    sy = 425 / 213
    expected = [
        [20, 20 * sy, 220, 425, 0.9],  # y2 = 220 * sy = 439: clipped
        [0, 100 * sy, 200, 150 * sy, 0.6],  # x1 = -20: clipped
    ]
    np.testing.assert_allclose(boxes, expected, rtol=1e-6)
    assert boxes.dtype == np.float64
    feed = det.session.feed
    assert feed.shape == (1, 3, 320, 320) and feed.dtype == np.float32
    assert (feed[0, :, 213:] == 114).all(), 'rows 213.. are not padding'
    # rows 0..212: the image, halved; its channel means stay within 1 level
    np.testing.assert_allclose(feed[0, :, :213].mean(axis=(1, 2)),
                               image.reshape(-1, 3).mean(axis=0),
                               atol=1)


def test_thresholds_and_person_label(det_path, image):
    low = PersonDetector(det_path, score_thr=0.2, nms_iou_thr=0.99)
    # 0.25 passes; the duplicate passes NMS at 0.99; the padding box stays
    # dropped (no area once clipped); sorted by score
    np.testing.assert_allclose(low(image)[:, 4], [0.9, 0.8, 0.6, 0.25],
                               rtol=1e-6)
    cars = PersonDetector(det_path, person_label=1)
    np.testing.assert_allclose(cars(image)[:, 4], [0.7], rtol=1e-6)
    assert PersonDetector(det_path, score_thr=0.95)(image).shape == (0, 5)


def test_pad_mean_std_from_metadata_then_arguments(tmp_path, contract):
    path = contract.write_detector(str(tmp_path / 'rtmdet.onnx'),
                                   [[0, 0, 10, 10, 0.9]], [0],
                                   input_size=(64, 64),
                                   meta={
                                       'det_pad_value': '0',
                                       'det_mean': '[10, 20, 30]',
                                       'det_std': '2'
                                   })
    image = np.empty((100, 200, 3), np.uint8)
    image[...] = [110, 120, 130]
    # ratio 0.32: the image fills rows 0..31, padding below
    det = recording(PersonDetector(path))
    det(image)
    feed = det.session.feed[0]  # (3, 64, 64)
    np.testing.assert_array_equal(feed[:, :32, 0], np.full((3, 32), 50))
    np.testing.assert_array_equal(feed[:, 32:, 0],
                                  [[-5] * 32, [-10] * 32, [-15] * 32])
    det = recording(PersonDetector(path, pad_value=114, mean=0, std=1))
    det(image)
    feed = det.session.feed[0]
    assert feed[:, 0, 0].tolist() == [110, 120, 130]
    assert (feed[:, 32:] == 114).all()


# ------------------------------------------------------------ bad files
@pytest.mark.parametrize('kwargs, match', [
    (dict(outputs=('output', )),
     r"not in MMDeploy's end2end format: .*outputs: \{'output': \[1, 1, 6\]"),
    (dict(outputs=('boxes', 'labels')), r"outputs: \{'boxes'"),
    (dict(input_shape=(1, 3, 'height', 'width')),
     r"input 'input' has shape \[1, 3, 'height', 'width'\], expected .*"
     'static'),
    (dict(meta={'det_mean': '[1, 2]'}),
     r'metadata det_mean must be a number or 3 numbers .* got \[1, 2\]'),
    (dict(meta={'det_std': '[1, 0, 1]'}),
     r'metadata det_std must be > 0, got \[1, 0, 1\]'),
    (dict(meta={'det_pad_value': 'grey'}), r"det_pad_value is not JSON: 'gr"),
])
def test_bad_detector_files_are_named(tmp_path, contract, kwargs, match):
    path = contract.write_detector(str(tmp_path / 'bad.onnx'),
                                   [[0, 0, 1, 1, 1]], [0], **kwargs)
    with pytest.raises(ValueError,
                       match=r"^detector '.*bad\.onnx': .*" + match):
        PersonDetector(path)


@pytest.mark.parametrize('kwargs, match', [
    (dict(score_thr=1.5), 'score_thr must be a number in [0, 1], got 1.5'),
    (dict(nms_iou_thr=-0.1), 'nms_iou_thr must be a number in [0, 1]'),
    (dict(person_label=0.0), 'person_label must be an int >= 0, got 0.0'),
    (dict(mean='abc'), "mean must be a number or 3 numbers .* got 'abc'"),
    (dict(std=-1), 'std must be > 0, got -1'),
])
def test_bad_arguments_are_named(det_path, kwargs, match):
    with pytest.raises(ValueError,
                       match='^PersonDetector ' +
                       match.replace('[', r'\[').replace(']', r'\]')):
        PersonDetector(det_path, **kwargs)


def test_a_pose_model_is_not_a_detector(model_path):
    with pytest.raises(ValueError, match=r"outputs: \{'keypoints'"):
        PersonDetector(model_path)


def test_metadata_values_are_json(tmp_path, contract):
    meta = {'det_mean': json.dumps([103.53, 116.28, 123.675])}
    path = contract.write_detector(str(tmp_path / 'm.onnx'), [[0, 0, 1, 1, 1]],
                                   [0],
                                   meta=meta)
    det = PersonDetector(path)
    np.testing.assert_allclose(det.mean, [103.53, 116.28, 123.675], rtol=1e-6)
    assert det.pad_value.tolist() == [114] * 3 and det.std.tolist() == [1] * 3
