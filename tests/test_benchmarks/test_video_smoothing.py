"""benchmarks/video_smoothing.py: its error, jitter and lag against cases
worked by hand, the recommendation's rule, the oracle detector, the
constant-box detector it builds around a network, and a run of both parts
on a tiny generated video with a tiny contract model (the RTMDet export
itself is not run here: it takes a minute)."""
import json
import math
import os
import os.path as osp

import numpy as np
import pytest

onnx = pytest.importorskip('onnx')
from onnx import TensorProto, helper  # noqa: E402

from benchmarks import video_smoothing as vs  # noqa: E402


def test_jitter_is_the_mean_second_difference_by_hand():
    # second differences: t=2: (3 - 2 + 0, 4 - 2 + 0) = (1, 2);
    # t=3: (6 - 6 + 1, 8 - 8 + 1) = (1, 1)
    x = np.array([[0., 0.], [1., 1.], [3., 4.], [6., 8.]])
    valid = np.ones(4, dtype=bool)
    assert vs.jitter(x, valid) == pytest.approx(
        (math.sqrt(5) + math.sqrt(2)) / 2)
    valid[0] = False  # only t=3 has three labelled frames
    assert vs.jitter(x, valid) == pytest.approx(math.sqrt(2))
    # a straight line at constant speed has none, on any axes layout
    line = np.arange(10.)[:, None, None, None] * np.array([2., -1.])
    assert vs.jitter(line, np.ones((10, 1, 1), bool)) == 0


def test_error_and_lag_by_hand():
    pred = np.array([[3., 4.], [0., 0.]])
    gt = np.zeros((2, 2))
    assert vs.keypoint_error(pred, gt, np.array([True, False])) == 5
    # the ground truth moves 4 px/frame along x; a prediction 2 frames
    # late is 8 px behind: lag d = -(-8 * 4) / 4^2 = 2, all of it moving
    t = np.arange(10.)
    gt = np.stack([4 * t, 0 * t], -1)[:, None, None]  # (T, 1, 1, 2)
    late = np.stack([4 * (t - 2), 0 * t], -1)[:, None, None]
    valid = np.ones((10, 1, 1), bool)
    assert vs.lag_frames(late, gt, valid) == pytest.approx(2)
    assert vs.lag_frames(gt, gt, valid) == 0
    assert vs.moving_error(late, gt, valid) == (pytest.approx(8), 1.)
    # a still keypoint is not moving (> MOVING px/frame): share 0
    error, share = vs.moving_error(late, 0 * gt, valid)
    assert math.isnan(error) and share == 0


def test_recommend_takes_the_lowest_jitter_within_error_and_lag():
    def row(setting, error, jitter, lag, **kw):
        return dict(setting=setting, error_px=error, jitter=jitter,
                    lag_frames=lag, **kw)

    rows = [
        row('raw', 10.0, 3.0, 0.0),
        row('one-euro', 10.6, 0.5, 1.0, min_cutoff=0.1),  # error + 6%
        row('one-euro', 9.8, 0.8, 2.5, min_cutoff=0.3),  # lags too much
        row('one-euro', 10.4, 1.0, 1.5, min_cutoff=1.0),  # error + 4%
        row('one-euro', 9.7, 1.5, 0.5, min_cutoff=3.0),
        row('ground truth', 0.0, 0.1, 0.0),
    ]
    assert vs.recommend(rows, 2)['min_cutoff'] == 1.0
    assert vs.recommend(rows, 3)['min_cutoff'] == 0.3
    assert vs.recommend(rows[:3], 2) is None


def test_other_share_by_hand():
    # 2 s of wall time, 3 busy CPU seconds on the machine, 1 of them ours
    share = vs.other_share((0., 10., 1.), (2., 13., 2.))
    assert share == pytest.approx(2 / (2 * os.cpu_count()))
    assert vs.other_share(None, (2., 13., 2.)) is None
    assert vs.fmt_share(None) == 'an unknown share'


def test_oracle_and_pose_once():
    frames = [dict(people=[dict(track_id=1, bbox=[0, 0, 10, 20])]),
              dict(people=[])]
    oracle = vs.OracleDetector(frames)
    np.testing.assert_array_equal(oracle(None), [[0, 0, 10, 20, 1]])
    assert oracle.track_ids() == [1]
    oracle.index = 1
    assert oracle(None).shape == (0, 5)

    calls = []
    once = vs.PoseOnce(lambda image, boxes: calls.append(1) or len(calls))
    boxes = np.zeros((1, 5))
    assert once(None, boxes) == once(None, boxes) == 1
    once.next_frame()
    assert once(None, boxes) == 2


def write_body(path):
    """A stand-in for RTMDet-tiny's network: input (1, 3, 640, 640), two
    'head' outputs."""
    nodes = [
        helper.make_node('ReduceMean', ['input'], ['cls0'], keepdims=1),
        helper.make_node('Mul', ['cls0', 'two'], ['box0']),
    ]
    graph = helper.make_graph(nodes, 'body', [
        helper.make_tensor_value_info('input', TensorProto.FLOAT,
                                      [1, 3, 640, 640])
    ], [
        helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 1, 1, 1])
        for n in ('cls0', 'box0')
    ], [helper.make_tensor('two', TensorProto.FLOAT, [], [2.])])
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid('', 17)],
                              ir_version=8)
    onnx.save(model, path)
    return path


def test_timing_detector_returns_the_boxes_given(tmp_path):
    from clpose import PersonDetector
    body = write_body(str(tmp_path / 'body.onnx'))
    boxes = np.array([[10., 20., 110., 300.], [300., 40., 420., 460.]])
    path = vs.export_timing_detector(boxes, (640, 480),
                                     str(tmp_path / 'det.onnx'), body)
    det = PersonDetector(path)
    np.testing.assert_allclose(det.mean, vs.RTMDET_MEAN, rtol=1e-6)
    got = det(np.full((480, 640, 3), 128, np.uint8))
    np.testing.assert_allclose(got[:, :4], boxes, atol=1e-3)
    np.testing.assert_allclose(got[:, 4], 0.9, rtol=1e-6)


@pytest.fixture(scope='module')
def tiny(tmp_path_factory, load_script):
    """A 10-frame video of 2 people and a contract model with COCO's 17
    keypoints (tests/test_clpose/conftest.py's builder)."""
    tmp = tmp_path_factory.mktemp('video_smoothing')
    video = str(tmp / 'video')
    load_script('benchmarks/generate_synthetic_video.py').main([
        video, '--frames', '10', '--fps', '10', '--people', '2',
        '--img-size', '128', '96'])
    contract = load_script('tests/test_clpose/conftest.py')
    kpts = np.stack([np.linspace(5, 40, 17), np.linspace(5, 60, 17)], -1)
    pose = contract.write_model(
        str(tmp / 'pose.onnx'), kpts=kpts.astype(np.float32),
        meta=contract.make_meta(17, keypoint_colors=[[255, 0, 0]] * 17))
    return tmp, video, pose


def test_runs_both_parts_on_a_tiny_video(tiny, capsys):
    tmp, video, pose = tiny
    out, work = str(tmp / 'report'), str(tmp / 'work')
    vs.main([pose, '--accuracy-video', video, '--settings', '0.3,0,1',
             '3,0.007,1', '--out', out, '--work-dir', work])
    with open(f'{out}.json') as f:
        acc = json.load(f)['accuracy']
    raw, slow, fast, truth = acc['rows']
    assert [r['setting'] for r in acc['rows']] == [
        'raw', 'one-euro', 'one-euro', 'ground truth']
    assert (slow['min_cutoff'], fast['min_cutoff']) == (0.3, 3)
    assert raw['id_switches'] == slow['id_switches'] == 0
    # the model's keypoints ride on the boxes, whose edges are whole
    # pixels: a 0.3 Hz filter smooths them more than a 3 Hz one
    assert slow['jitter'] < fast['jitter'] < raw['jitter']
    assert slow['jitter_scored'] < fast['jitter_scored'] < \
        raw['jitter_scored']
    assert truth['jitter'] < raw['jitter'] and acc['smoothed_share'] > 0.9
    # the report is not replaced without --update or --overwrite
    capsys.readouterr()
    with pytest.raises(SystemExit):
        vs.parse_args([pose, '--accuracy-video', video, '--out', out])
    assert f'{out}.md exists; pass --update' in capsys.readouterr().err
    # the speed part, with a stand-in network (no RTMDet export), kept
    # beside the accuracy part by --update
    write_body(osp.join(work, 'rtmdet_tiny_body.onnx'))
    vs.main([pose, '--speed-videos', video, '--runs', '1', '--update',
             '--out', out, '--work-dir', work])
    with open(f'{out}.json') as f:
        content = json.load(f)
    assert content['accuracy'] == acc
    assert 0 <= content['speed']['2']['other_cpu_share'] <= 1
    rows = content['speed']['2']['rows']
    assert [r['det_every'] for r in rows] == [1, 5]
    assert rows[0]['det_runs_per_frame'] == 1
    assert rows[0]['people_per_frame'] == 2
    # every 5th frame, and wherever the boxes that follow the keypoints
    # lost everyone (this model's scores are its crops' colours)
    assert 0.2 <= rows[1]['det_runs_per_frame'] < 1
    assert all(r['fps'] > 0 for r in rows) and rows[0]['cli_fps'] > 0
    with open(f'{out}.md') as f:
        text = f.read()
    assert '## Accuracy, jitter and lag' in text
    assert '## Frames per second end to end' in text
