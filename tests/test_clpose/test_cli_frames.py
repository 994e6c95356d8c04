"""``python -m clpose`` on a video, a folder and a camera: the same frame
count and rate out as in, one JSON line a frame, boxes mapped back by hand,
Ctrl-C that keeps the frames so far, and one-line errors for bad input."""
import io
import json
import os
import re
import signal

import cv2
import numpy as np
import pytest

from clpose import cli
from clpose.stream import Progress

FPS, NUM_FRAMES, SIZE = 7.0, 5, (160, 120)  # (w, h)
#: a person box of the 64 x 64 detector: the 160 x 120 frames are resized
#: by 0.4 to 64 x 48, so in frame pixels it is (20, 10, 100, 110)
DET_BOX = [8, 4, 40, 44, 0.9]


def run_cli(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def read_video(path):
    capture = cv2.VideoCapture(str(path))
    fps, frames = capture.get(cv2.CAP_PROP_FPS), 0
    while capture.read()[0]:
        frames += 1
    capture.release()
    return frames, fps


@pytest.fixture(scope='module')
def video(tmp_path_factory, image):
    path = tmp_path_factory.mktemp('video') / 'walk.avi'
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), FPS,
                             SIZE)
    assert writer.isOpened(), 'this OpenCV cannot write MJPG .avi'
    for i in range(NUM_FRAMES):  # the test image, panning right
        writer.write(cv2.resize(image[:, i * 20:i * 20 + 560], SIZE))
    writer.release()
    assert read_video(path) == (NUM_FRAMES, FPS)
    return path


@pytest.fixture(scope='module')
def det_path(tmp_path_factory, contract):
    return contract.write_detector(str(
        tmp_path_factory.mktemp('det') / 'det.onnx'), [DET_BOX], [0],
                                   input_size=(64, 64))


@pytest.mark.parametrize('ext', ['.mp4', '.avi'])
def test_video_in_video_out(tmp_path, capsys, video, det_path, model_path,
                            ext):
    out, json_out = tmp_path / f'vis{ext}', tmp_path / 'poses.jsonl'
    code, stdout, err = run_cli(capsys, video, '--model', model_path, '--det',
                                det_path, '--out', out, '--json-out', json_out,
                                '--smooth', '--det-every', '2', '--kpt-thr',
                                '0')
    assert (code, stdout, err) == (0, '', '')
    assert read_video(out) == (NUM_FRAMES, FPS)
    lines = json_out.read_text().splitlines()
    assert len(lines) == NUM_FRAMES
    records = [json.loads(line) for line in lines]
    assert [r['frame'] for r in records] == list(range(NUM_FRAMES))
    assert [[p['track_id'] for p in r['people']]
            for r in records] == [[0]] * NUM_FRAMES
    first = records[0]['people'][0]
    np.testing.assert_allclose(first['bbox'], [20, 10, 100, 110, 0.9],
                               rtol=1e-6)
    # the model's keypoint 2 is the crop's centre: the box's centre
    np.testing.assert_allclose(first['keypoints'][2], [60, 60], atol=1e-3)
    assert len(first['scores']) == 3
    assert sorted(os.listdir(tmp_path)) == ['poses.jsonl', f'vis{ext}']


def test_a_frame_without_people_and_json_lines_on_stdout(
        capsys, video, det_path, model_path):
    code, stdout, _ = run_cli(capsys, video, '--model', model_path, '--det',
                              det_path, '--det-score-thr', '0.95')
    assert code == 0
    assert [json.loads(line) for line in stdout.splitlines()] == [{
        'frame': i,
        'people': []
    } for i in range(NUM_FRAMES)]


def test_a_folder_in_pictures_and_json_lines_out(tmp_path, capsys, image,
                                                 model_path):
    folder, out = tmp_path / 'frames', tmp_path / 'vis'
    folder.mkdir()
    for name in ('b.png', 'a.jpg'):
        cv2.imwrite(str(folder / name), image[:200, :300])
    (folder / 'notes.txt').write_text('not an image')
    code, stdout, err = run_cli(capsys, folder, '--model', model_path,
                                '--bboxes', '10,20,110,220', '--out', out)
    assert (code, err) == (0, '')
    records = [json.loads(line) for line in stdout.splitlines()]
    assert [(r['frame'], r['file']) for r in records] == [(0, 'a.jpg'),
                                                          (1, 'b.png')]
    assert [p['bbox'] for r in records
            for p in r['people']] == [[10, 20, 110, 220, 1]] * 2
    assert sorted(os.listdir(out)) == ['a.jpg', 'b.png']
    assert cv2.imread(str(out / 'b.png')).shape == (200, 300, 3)
    # run again: every existing picture is refused before any work
    code, _, err = run_cli(capsys, folder, '--model', 'nope.onnx', '--out',
                           out)
    assert code == 1 and re.search(r"--out '.*a\.jpg' exists", err), err


def test_ctrl_c_keeps_the_frames_so_far(tmp_path, capsys, monkeypatch, video,
                                        model_path):

    class CtrlCOnFrame1(cli.PoseTracker):

        def __call__(self, image, timestamp=None, bboxes=None):
            if self.frame_index == 1:
                os.kill(os.getpid(), signal.SIGINT)  # as a user's Ctrl-C
            return super().__call__(image, timestamp, bboxes)

    monkeypatch.setattr(cli, 'PoseTracker', CtrlCOnFrame1)
    # a shell's background job starts with SIGINT ignored, not Python's
    # handler: the CLI must give back whichever it found
    handler_before = signal.getsignal(signal.SIGINT)
    out, json_out = tmp_path / 'vis.mp4', tmp_path / 'poses.jsonl'
    code, _, err = run_cli(capsys, video, '--model', model_path, '--out', out,
                           '--json-out', json_out)
    assert code == 130
    assert err == 'clpose: interrupted: the outputs hold the first 2 ' \
                  'frames\n'
    assert read_video(out) == (2, FPS)
    assert len(json_out.read_text().splitlines()) == 2
    assert sorted(os.listdir(tmp_path)) == ['poses.jsonl', 'vis.mp4']
    assert signal.getsignal(signal.SIGINT) is handler_before


def test_progress_line_on_long_inputs():
    now = [0.0]
    stream = io.StringIO()
    progress = Progress(300, stream, every=1.0, clock=lambda: now[0])
    now[0] = 0.5
    progress.update(10)
    assert stream.getvalue() == '', 'a short input printed progress'
    now[0] = 2.0
    progress.update(30)
    now[0] = 2.5
    progress.update(40)  # within a second of the last line
    assert stream.getvalue() == 'clpose: frame 30/300, 15.0 frames/s\n'


@pytest.fixture
def bad_inputs(tmp_path, contract):
    (tmp_path / 'garbage.mp4').write_text('not a video')
    writer = cv2.VideoWriter(str(tmp_path / 'empty.avi'),
                             cv2.VideoWriter_fourcc(*'MJPG'), FPS, SIZE)
    writer.release()  # opens, but holds no frame
    (tmp_path / 'no_images').mkdir()
    (tmp_path / 'no_images' / 'a.txt').write_text('')
    contract.write_detector(str(tmp_path / 'raw.onnx'), [[0, 0, 1, 1, 1]], [0],
                            outputs=('output', ))
    (tmp_path / 'exists.mp4').write_bytes(b'keep me')


@pytest.mark.parametrize('args, match', [
    (['garbage.mp4'], r"video 'garbage\.mp4': cannot open it as a video"),
    (['missing.mp4'], r"video 'missing\.mp4': no such file"),
    (['empty.avi'], r"video 'empty\.avi': has no frames"),
    (['99'], r'camera 99: cannot open it \(no such camera\?\)'),
    (['no_images'], r"folder 'no_images': no images \(\.bmp, .*\.jpg"),
    (['VIDEO', '--det', 'raw.onnx'
      ], r"detector 'raw\.onnx': not in MMDeploy's end2end format: .*"
     r"outputs: \{'output'"),
    (['VIDEO', '--out', 'exists.mp4', '--model', 'nope.onnx'
      ], r"--out 'exists\.mp4' exists; pass --overwrite"),
    (['VIDEO', '--out', 'vis.jpg'], r'video input needs a video file'),
    (['VIDEO', '--det-every', '2'], r'det_every=2 needs a detector'),
    (['VIDEO', '--fps', '0'], r'fps must be a number > 0, got 0'),
])
def test_errors_are_one_line(tmp_path, capsys, monkeypatch, bad_inputs, video,
                             model_path, args, match):
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    args = [str(video) if a == 'VIDEO' else a for a in args]
    if '--model' not in args:
        args += ['--model', model_path]
    code, stdout, err = run_cli(capsys, *args)
    assert code == 1 and stdout == ''
    assert err.startswith('clpose: error: ') and err.count('\n') == 1, err
    assert re.search(match, err), err
    assert sorted(os.listdir(tmp_path)) == before, 'an output was written'
    assert (tmp_path / 'exists.mp4').read_bytes() == b'keep me'
