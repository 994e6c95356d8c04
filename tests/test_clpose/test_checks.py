"""clpose.checks accepts what MMPose's top-down pipeline accepts (the
inputs of mmpose_cl.apis.input_checks) and names the image in its errors."""
import numpy as np
import pytest

from clpose.checks import (check_bboxes, check_image, check_range, describe,
                           read_image)


@pytest.mark.parametrize(
    'img',
    [
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((5, 7, 4), np.uint8),  # BGRA
        np.full((5, 7, 3), 254.5, np.float32),
        np.zeros((5, 7, 3), np.float64),
    ])
def test_accepted_images(img):
    check_image(img)


def test_the_caller_names_the_image():
    img = np.zeros((4, 6), np.uint8)
    assert describe(img, 'input 2') == 'input 2 (array uint8 (4, 6))'
    with pytest.raises(ValueError,
                       match=r'^input 2 \(array uint8 \(4, 6\)\)'
                       ': a grayscale'):
        check_image(img, describe(img, 'input 2'))
    with pytest.raises(ValueError, match=r"^input 0 'a\.jpg': bbox 0"):
        check_bboxes([0, 0, 0, 0], describe('a.jpg', 'input 0'))


@pytest.mark.parametrize(
    'bboxes, shape',
    [
        ([1, 2, 3, 4], (1, 4)),  # one box, flat
        ([[1, 2, 3, 4, 0.5], [-50, -50, 1e5, 1e5, 0.1]], (2, 5)),  # outside
        ([], (0, 4)),
        (np.zeros((0, 5)), (0, 5)),
    ])
def test_accepted_boxes(bboxes, shape):
    boxes = check_bboxes(bboxes)
    assert boxes.shape == shape and boxes.dtype == np.float64


@pytest.mark.parametrize('bboxes, match', [
    (None, r'got shape \(\)'),
    ('1,2,3,4', 'bboxes must be numbers'),
    ([[0, 0, 10, 10, np.nan]], r'bbox 0 .* is not finite'),
    ([[10, 0, 10, 5]], 'zero or negative width'),
])
def test_bad_boxes(bboxes, match):
    with pytest.raises(ValueError, match='^image: .*' + match):
        check_bboxes(bboxes)


def test_read_image_names_the_file(tmp_path, contract):
    assert read_image(contract.IMAGE).shape == (425, 640, 3)
    with pytest.raises(FileNotFoundError, match=r"'.*nope\.jpg': no such"):
        read_image(str(tmp_path / 'nope.jpg'))
    with pytest.raises(ValueError, match='is a directory'):
        read_image(str(tmp_path))
    (tmp_path / 'empty.jpg').write_bytes(b'')
    with pytest.raises(ValueError, match=r"empty\.jpg': the file is empty"):
        read_image(str(tmp_path / 'empty.jpg'))
    (tmp_path / 'text.jpg').write_text('hello')
    with pytest.raises(ValueError, match=r"text\.jpg': cannot decode"):
        read_image(str(tmp_path / 'text.jpg'))


@pytest.mark.parametrize('kwargs, value, message', [
    (dict(low=0, high=1), 1.5, r'x must be a number in \[0, 1\], got 1.5'),
    (dict(low=0, high=1, high_open=True), 1,
     r'x must be a number in \[0, 1\), got 1'),
    (dict(low=0, low_open=True), 0, r'x must be a number > 0, got 0'),
    (dict(low=1, integer=True), 2.0, r'x must be an int >= 1, got 2.0'),
    (dict(low=0), True, r'x must be a number >= 0, got True'),
    (dict(low=0), float('nan'), r'x must be a number >= 0, got nan'),
])
def test_check_range_names_the_value_and_its_bounds(kwargs, value, message):
    with pytest.raises(ValueError, match=message):
        check_range('x', value, **kwargs)
    # the bound itself passes where it is closed
    assert check_range('x', kwargs['low'] + (1 if kwargs.get('low_open')
                                              else 0), **kwargs) is not None
