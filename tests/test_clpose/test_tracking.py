"""IoUTracker and PoseTracker: stable ids, new ids for new people, the
greedy matching, rtmlib's det_every with boxes from the last poses, and
smoothing per track that restarts with a lost track. PoseTracker runs here
with a fake detector and pose model whose outputs are set by hand."""
import math

import numpy as np
import pytest

from clpose import IoUTracker, PoseTracker
from clpose.tracking import match_boxes

IMAGE = np.zeros((480, 640, 3), np.uint8)


def box(x1, x2):  # 100 px high, y 0..100: an IoU is a ratio of widths
    return [x1, 0, x2, 100]


# ----------------------------------------------------------- IoUTracker
def test_ids_stay_with_their_people_and_new_people_get_new_ids():
    tracker = IoUTracker(iou_thr=0.3)
    a, b = box(0, 100), box(300, 400)
    assert tracker.update([a, b]).tolist() == [0, 1]
    # moved by 10 px (IoU 90/110) and given in the other order
    assert tracker.update([box(310, 410), box(10, 110)]).tolist() == [1, 0]
    # a third person far away: a new id
    assert tracker.update([box(20, 120),
                           box(600, 700),
                           box(320, 420)]).tolist() == [0, 2, 1]
    # person 0 missing for a frame: lost; back, a new id
    assert tracker.update([box(600, 700)]).tolist() == [2]
    assert tracker.update([box(20, 120), box(600, 700)]).tolist() == [3, 2]
    assert tracker.update(np.zeros((0, 4))).tolist() == []


def test_iou_at_the_threshold_does_not_match():
    tracker = IoUTracker(iou_thr=1 / 3)
    tracker.update([box(0, 100)])
    # IoU of 0..100 and 50..150: 50 / 150 = 1/3, not above it
    assert tracker.update([box(50, 150)]).tolist() == [1]
    assert tracker.update([box(51, 150)]).tolist() == [1]  # 99/100


def test_the_best_pair_is_matched_first():
    last = [box(0, 10), box(6, 16)]  # L0, L1
    # X: IoU 8/12 = 0.667 with L0, 6/14 = 0.429 with L1
    # Y: IoU 9.5/10.5 = 0.905 with L0, 4.5/15.5 = 0.290 with L1
    x, y = box(2, 12), box(0.5, 10.5)
    # box by box (MMPose, rtmlib), X first takes L0 and Y starts a track;
    # best pair first: Y-L0 (0.905), then X-L1 (0.429 > 0.3)
    assert match_boxes(np.array([x, y]), np.array(last),
                       0.3).tolist() == [1, 0]
    assert match_boxes(np.array([y, x]), np.array(last),
                       0.3).tolist() == [0, 1]


def test_bad_threshold():
    with pytest.raises(ValueError,
                       match=r'^IoUTracker iou_thr must be a '
                       r'number in \[0, 1\], got 2'):
        IoUTracker(2)


# ---------------------------------------------------------- PoseTracker
class FakeDetector:
    """Returns the boxes of ``frames[i]`` at its i-th call."""

    def __init__(self, frames):
        self.frames, self.calls = frames, 0

    def __call__(self, image):
        boxes = np.array(self.frames[self.calls], dtype=np.float64)
        self.calls += 1
        return boxes.reshape(-1, 5)


class FakePose:
    """K = 3 keypoints a box: 10 px inside its top-left and bottom-right
    corners (score 0.9), and one at its centre (score 0.1, below 0.3);
    records the boxes it was given. ``shift`` moves every keypoint."""

    def __init__(self):
        self.given, self.shift = [], 0.0

    def __call__(self, image, boxes):
        boxes = np.asarray(boxes, dtype=np.float64)
        self.given.append(boxes.copy())
        x1, y1, x2, y2 = boxes[:, :4].T
        kpts = np.stack([
            np.stack([x1 + 10, y1 + 10], 1),
            np.stack([x2 - 10, y2 - 10], 1),
            np.stack([(x1 + x2) / 2, (y1 + y2) / 2], 1)
        ], 1) + self.shift  # (M, 3, 2)
        scores = np.tile([0.9, 0.9, 0.1], (len(boxes), 1))
        return kpts.astype(np.float32), scores.astype(np.float32)


def test_det_every_follows_the_last_poses_in_between():
    person = [100, 100, 200, 300, 0.8]
    det, pose = FakeDetector([[person]] * 3), FakePose()
    tracker = PoseTracker(pose, det, det_every=3)
    ids = [tracker(IMAGE).track_ids.tolist() for _ in range(7)]
    assert det.calls == 3, 'the detector runs on frames 0, 3 and 6'
    assert ids == [[0]] * 7
    # frame 1: around the keypoints (110, 110) and (190, 290) of frame 0
    # (the centre keypoint scores 0.1: left out): centre (150, 200), half
    # (40, 90) * 1.25; the box keeps the detection's score
    np.testing.assert_allclose(pose.given[1], [[100, 87.5, 200, 312.5, 0.8]])
    # frame 2: keypoints (110, 97.5), (190, 302.5): half (40, 102.5) * 1.25
    np.testing.assert_allclose(pose.given[2],
                               [[100, 71.875, 200, 328.125, 0.8]])
    np.testing.assert_allclose(pose.given[3], [person])  # detected again


def test_the_detector_runs_when_nobody_is_followed():
    det = FakeDetector([[], [], [[0, 0, 50, 50, 0.9]], []])
    tracker = PoseTracker(FakePose(), det, det_every=10)
    people = [len(tracker(IMAGE).track_ids) for _ in range(4)]
    assert det.calls == 3 and people == [0, 0, 1, 1]


def test_without_a_detector_the_boxes_are_given_or_the_whole_image():
    pose = FakePose()
    tracker = PoseTracker(pose)
    poses = tracker(IMAGE)
    np.testing.assert_array_equal(poses.bboxes, [[0, 0, 640, 480, 1]])
    poses = tracker(IMAGE, bboxes=[[10, 20, 30, 40], [300, 0, 400, 90]])
    np.testing.assert_array_equal(pose.given[-1],
                                  [[10, 20, 30, 40, 1], [300, 0, 400, 90, 1]])
    assert poses.track_ids.tolist() == [1, 2]  # the whole image is lost
    with pytest.raises(ValueError, match='bboxes given, but this tracker'):
        PoseTracker(pose, FakeDetector([])).__call__(IMAGE,
                                                     bboxes=[1, 2, 3, 4])


def test_smoothing_per_track_restarts_when_the_track_is_lost():
    person = [100, 100, 200, 300, 0.8]
    det = FakeDetector([[person], [person], [], [person]])
    pose = FakePose()
    tracker = PoseTracker(pose,
                          det,
                          smooth=dict(min_cutoff=1.0, beta=0.0),
                          fps=30)
    first = tracker(IMAGE)  # frame 0, t = 0: passes through
    np.testing.assert_allclose(first.keypoints[0],
                               [[110, 110], [190, 290], [150, 200]])
    pose.shift = 3.0  # a 3 px step at t = 1/30
    second = tracker(IMAGE)
    a = 1 / (1 + (1 / (2 * math.pi)) / (1 / 30))  # beta 0: f_c = 1 Hz
    np.testing.assert_allclose(
        second.keypoints[0, :2],
        [[110 + 3 * a, 110 + 3 * a], [190 + 3 * a, 290 + 3 * a]],
        rtol=1e-6)
    # the centre keypoint (score 0.1) is returned as estimated
    np.testing.assert_allclose(second.keypoints[0, 2], [153, 203])
    assert tracker(IMAGE).track_ids.tolist() == []  # frame 2: lost
    back = tracker(IMAGE)  # frame 3: a new track, a new filter
    assert back.track_ids.tolist() == [1]
    np.testing.assert_allclose(back.keypoints[0],
                               [[113, 113], [193, 293], [153, 203]])
    assert list(tracker.filters) == [1]


def test_timestamps_given_are_used():
    tracker = PoseTracker(FakePose(), smooth=True)
    tracker(IMAGE, timestamp=5.0)
    with pytest.raises(ValueError, match='timestamp 5.0 s is not after'):
        tracker(IMAGE, timestamp=5.0)


@pytest.mark.parametrize('kwargs, match', [
    (dict(det_every=0), 'det_every must be an int >= 1, got 0'),
    (dict(det_every=2), 'det_every=2 needs a detector'),
    (dict(smooth=dict(cutoff=1)), r"smooth must be True, False or a dict"),
    (dict(smooth=dict(beta=-1)), r'OneEuroFilter beta must be a number >= 0'),
    (dict(kpt_thr=2), r'kpt_thr must be a number in \[0, 1\], got 2'),
    (dict(fps=0), 'fps must be a number > 0, got 0'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PoseTracker(FakePose(), **kwargs)
