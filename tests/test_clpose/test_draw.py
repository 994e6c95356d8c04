"""draw_poses: keypoints above the threshold, links with both ends above,
RGB colours drawn as BGR, on a copy."""
import numpy as np
import pytest

from clpose import draw_poses

SKELETON = [[0, 1], [1, 2]]
KPT_RGB = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
LINK_RGB = [[255, 255, 0], [0, 255, 255]]


def test_draws_what_is_above_the_threshold():
    image = np.zeros((100, 100, 3), np.uint8)
    keypoints = np.array([[[20, 20], [80, 80], [80, 20]]], np.float32)
    scores = np.array([[0.9, 0.8, 0.2]], np.float32)
    vis = draw_poses(image,
                     keypoints,
                     scores,
                     SKELETON,
                     KPT_RGB,
                     LINK_RGB,
                     kpt_thr=0.3,
                     radius=3,
                     thickness=3)
    assert not image.any(), 'the input image was drawn on'
    assert vis[20, 20].tolist() == [0, 0, 255]  # keypoint 0, red as BGR
    assert vis[80, 80].tolist() == [0, 255, 0]
    assert vis[50, 50].tolist() == [0, 255, 255]  # link 0-1, yellow as BGR
    assert not vis[20, 80].any(), 'keypoint 2 (score 0.2) was drawn'
    assert not vis[50, 80].any(), 'link 1-2 (one end below) was drawn'


def test_non_finite_points_and_empty_poses_are_skipped():
    image = np.zeros((10, 10, 3), np.uint8)
    keypoints = np.array([[[np.nan, 1], [1e30, 5], [5, 5]]])
    vis = draw_poses(image, keypoints, np.ones((1, 3)), SKELETON, KPT_RGB,
                     LINK_RGB)
    assert vis[5, 5].tolist() == [255, 0, 0]
    assert not draw_poses(image, np.zeros((0, 3, 2)), np.zeros(
        (0, 3)), SKELETON, KPT_RGB, LINK_RGB).any()


def test_bad_shapes_are_named():
    image = np.zeros((10, 10, 3), np.uint8)
    with pytest.raises(ValueError, match=r'got \(3, 2\) and \(3,\)'):
        draw_poses(image, np.zeros((3, 2)), np.zeros(3), SKELETON, KPT_RGB,
                   LINK_RGB)
    with pytest.raises(ValueError, match='2 keypoint colours for K = 3'):
        draw_poses(image, np.zeros((1, 3, 2)), np.zeros((1, 3)), SKELETON,
                   KPT_RGB[:2], LINK_RGB)


def test_box_outlines_lie_on_the_boxes_outermost_pixels():
    from clpose import draw_boxes
    image = np.zeros((16, 16, 3), np.uint8)
    # box edges x 2..10, y 3..12: its outermost pixels are columns 2 and
    # 9, rows 3 and 11
    vis = draw_boxes(image, [[2, 3, 10, 12, 0.9]], color=(0, 0, 255))
    red = vis[..., 2].astype(int)
    assert not image.any() and not vis[..., :2].any()
    assert sorted(np.argsort(red[7])[-2:].tolist()) == [2, 9]
    assert sorted(np.argsort(red[:, 5])[-2:].tolist()) == [3, 11]
    assert red[7, 5] == 0
    assert not draw_boxes(image, np.zeros((0, 5))).any()
    labelled = draw_boxes(np.zeros((60, 60, 3), np.uint8), [[10, 30, 50, 55]],
                          ['7'])
    assert labelled[10:27, 10:30].any(), 'no label above the box'
