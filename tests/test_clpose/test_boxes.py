"""Box IoU, greedy NMS and the box around keypoints, on hand-made boxes
(all 10 px high, y 0..10, so that an IoU is a ratio of widths)."""
import numpy as np

from clpose.boxes import box_iou, keypoint_box, nms


def row(x1, x2):
    return [x1, 0, x2, 10]


def test_iou_by_hand():
    iou = box_iou([row(0, 10)], [row(0, 10), row(5, 15), row(10, 20)])
    # 100/100; 50/(200 - 50); touching: 0
    np.testing.assert_allclose(iou, [[1, 1 / 3, 0]])
    assert box_iou(np.zeros((0, 4)), [row(0, 1)]).shape == (0, 1)
    assert box_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]]).tolist() == [[0]]


def test_nms_is_greedy():
    boxes = np.array([
        row(0, 10),  # 0: best (0.95)
        row(6, 16),  # 1: IoU with 0 = 4/16 = 0.25 > 0.2: suppressed
        row(12, 22),  # 2: IoU with 0 = 0, with 1 = 0.25, but 1 is gone
        row(30, 40),  # 3: alone
        row(0.5, 10.5),  # 4: IoU with 0 = 9.5/10.5: suppressed
    ])
    scores = np.array([0.95, 0.9, 0.8, 0.5, 0.7])
    assert nms(boxes, scores, 0.2).tolist() == [0, 2, 3]
    # threshold 0.3: 1 (0.25 with 0) and 2 (0.25 with 1) both survive
    assert nms(boxes, scores, 0.3).tolist() == [0, 1, 2, 3]
    # idempotent on what it kept
    kept = nms(boxes, scores, 0.3)
    assert nms(boxes[kept], scores[kept], 0.3).tolist() == [0, 1, 2, 3]
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.5).tolist() == []


def test_box_around_the_confident_keypoints_enlarged():
    kpts = np.array([[110, 110], [190, 290], [500, 500], [np.nan, 0]])
    scores = np.array([0.9, 0.8, 0.1, 0.9])  # 2: low; 3: not finite
    # (110..190) x (110..290): centre (150, 200), half (40, 90) * 1.25
    np.testing.assert_allclose(keypoint_box(kpts, scores, 0.3, 1.25),
                               [100, 87.5, 200, 312.5])
    assert keypoint_box(kpts, np.zeros(4), 0.3, 1.25) is None
    assert keypoint_box(kpts[:1], scores[:1], 0.3, 1.25) is None  # a point
