"""benchmarks/generate_synthetic_video.py: a video of the frame count and
rate asked, one ground-truth line a frame in COCO's conventions, smooth
trajectories (the easing's bound on acceleration, no jumps), the same
output from a seed, and existing outputs kept."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest

ARGS = ['--frames', '12', '--fps', '10', '--people', '2', '--img-size',
        '128', '96']


@pytest.fixture(scope='module')
def gen(load_script):
    return load_script('benchmarks/generate_synthetic_video.py')


@pytest.fixture(scope='module')
def video(tmp_path_factory, gen):
    out = str(tmp_path_factory.mktemp('video') / 'v')
    gen.main([out, *ARGS])
    return out


def read_frames(path):
    capture = cv2.VideoCapture(path)
    fps = capture.get(cv2.CAP_PROP_FPS)
    frames = []
    ok, image = capture.read()
    while ok:
        frames.append(image)
        ok, image = capture.read()
    capture.release()
    return frames, fps


def read_lines(folder):
    with open(osp.join(folder, 'ground_truth.jsonl')) as f:
        return [json.loads(line) for line in f]


def test_frames_rate_and_one_truth_line_a_frame(video):
    frames, fps = read_frames(osp.join(video, 'video.mp4'))
    assert len(frames) == 12 and fps == pytest.approx(10)
    assert {f.shape for f in frames} == {(96, 128, 3)}
    lines = read_lines(video)
    assert [line['frame'] for line in lines] == list(range(12))
    assert [line['time'] for line in lines] == pytest.approx(
        [i / 10 for i in range(12)])
    with open(osp.join(video, 'info.json')) as f:
        info = json.load(f)
    assert (info['frames'], info['fps'], info['people'],
            info['img_size']) == (12, 10, 2, [128, 96])
    assert len(info['keypoints']) == 17


def test_labels_follow_coco_conventions(video):
    for line in read_lines(video):
        assert [p['track_id'] for p in line['people']] == [0, 1]
        for p in line['people']:
            kpts = np.array(p['keypoints'])
            assert kpts.shape == (17, 3)
            v = kpts[:, 2]
            assert set(v.tolist()) <= {0, 1, 2} and (v > 0).any()
            assert np.all(kpts[v == 0, :2] == 0)
            lab = kpts[v > 0, :2]
            assert np.all((lab >= 0) & (lab <= [127, 95]))
            # the box holds the drawn pixels, and so the keypoints
            x1, y1, x2, y2 = p['bbox']
            assert 0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 96
            assert np.all((lab >= [x1 - 1, y1 - 1]) & (lab <= [x2, y2]))


def test_trajectories_are_smooth(gen):
    """Each parameter follows cubic easing between keys at least 1 s
    apart: its second difference at 30 fps is at most the easing's
    6 |delta| / T^2 times (1/30 s)^2 (its first difference:
    1.5 |delta| / T), whatever the key; keypoints move without jumps."""
    fps = 30
    for index in range(3):
        figure = gen.plan_figure(7, index, 3, (640, 480), 20.)
        times = np.arange(0, 20 * fps) / fps
        values = np.array([gen.values_at(figure, t) for t in times])
        delta = np.abs(np.diff(figure.keys, axis=0))  # (S, P)
        gaps = np.diff(figure.times)[:, None]  # (S, 1) seconds
        assert gaps.min() >= gen.KEY_GAP[0]
        acc_bound = (6 * delta / gaps**2).max(0) / fps**2
        speed_bound = (1.5 * delta / gaps).max(0) / fps
        acc = np.abs(values[2:] - 2 * values[1:-1] + values[:-2])
        assert np.all(acc <= acc_bound + 1e-9)
        assert np.all(np.abs(np.diff(values, axis=0)) <= speed_bound + 1e-9)
        # the keypoints (17, 2) of every frame: no jumps, bounded
        # acceleration (a new random pose a frame moves them ~100 px)
        kpts = np.array([gen.figure_at(figure, t)[0] for t in times])
        step = np.linalg.norm(np.diff(kpts, axis=0), axis=-1)
        acc = np.linalg.norm(kpts[2:] - 2 * kpts[1:-1] + kpts[:-2], axis=-1)
        assert step.max() < 40 and acc.max() < 8 and acc.mean() < 0.5


def test_same_seed_same_video_longer_video_same_start(tmp_path, gen, video):
    again, longer, other = (str(tmp_path / n) for n in ('a', 'l', 'o'))
    gen.main([again, *ARGS])
    gen.main([longer, *ARGS[2:], '--frames', '15'])
    gen.main([other, *ARGS, '--seed', '1'])
    assert read_lines(again) == read_lines(video)
    first, _ = read_frames(osp.join(video, 'video.mp4'))
    second, _ = read_frames(osp.join(again, 'video.mp4'))
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert read_lines(longer)[:12] == read_lines(video)
    assert read_lines(other) != read_lines(video)


def test_refuses_existing_outputs(tmp_path, gen):
    out = tmp_path / 'v'
    out.mkdir()
    (out / 'video.mp4').write_text('keep me')
    with pytest.raises(SystemExit, match="'.*v' exists and is not empty.*"
                       '--overwrite'):
        gen.main([str(out), *ARGS])
    assert (out / 'video.mp4').read_text() == 'keep me'
    gen.main([str(out), *ARGS, '--overwrite'])
    assert len(read_lines(str(out))) == 12


@pytest.mark.parametrize('args, message', [
    # one frame has no motion to ease between key poses
    (['--frames', '1'], 'argument --frames: must be >= 2, got 1'),
    (['--fps', '0.5'], 'argument --fps: must be >= 1, got 0.5'),
    (['--people', '0'], 'argument --people: must be >= 1, got 0'),
    (['--img-size', '32', '100'],
     'argument --img-size: must be >= 64, got 32'),
])
def test_bad_arguments_are_named(tmp_path, capsys, gen, args, message):
    with pytest.raises(SystemExit):
        gen.main([str(tmp_path / 'x'), *args])
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'x').exists()
