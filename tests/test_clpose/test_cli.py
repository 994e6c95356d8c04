"""``python -m clpose`` end to end, and clpose in a process where torch,
mmcv, mmengine, mmpose and mmpose_cl cannot be imported."""
import json
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from clpose.cli import main

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_json_and_picture(tmp_path, capsys, model_path, contract):
    out, json_out = tmp_path / 'vis.jpg', tmp_path / 'poses.json'
    code, stdout, err = run_cli(capsys, contract.IMAGE, '--model', model_path,
                                '--bboxes',
                                ','.join(map(str, contract.BOX + [0.8])),
                                '0,0,100,80,0.9', '--out', out, '--json-out',
                                json_out, '--kpt-thr', '0.1', '--threads', '1')
    assert (code, stdout, err) == (0, '', '')
    result = json.loads(json_out.read_text())
    assert result['keypoint_names'] == ['kpt0', 'kpt1', 'kpt2']
    first, second = result['instances']
    assert first['bbox'] == contract.BOX and first['bbox_score'] == 0.8
    assert second['bbox_score'] == 0.9
    np.testing.assert_allclose(first['keypoints'][2], [390.14, 218.07],
                               atol=1e-3)  # the crop centre: the box centre
    assert len(first['keypoint_scores']) == 3
    assert cv2.imread(str(out)).shape == (425, 640, 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'poses.json', 'vis.jpg'
    ], 'a temporary file was left behind'


def test_default_box_is_the_whole_image_and_json_goes_to_stdout(
        tmp_path, capsys, model_path, contract):
    boxes = tmp_path / 'boxes.json'
    boxes.write_text(json.dumps([[0, 0, 640, 425]]))
    code, stdout, _ = run_cli(capsys, contract.IMAGE, '--model', model_path)
    assert code == 0
    code, from_file, _ = run_cli(capsys, contract.IMAGE, '--model', model_path,
                                 '--bboxes-json', boxes)
    assert code == 0
    whole, given = json.loads(stdout), json.loads(from_file)
    assert whole['instances'][0]['bbox'] == [0, 0, 640, 425]
    assert whole['instances'][0]['bbox_score'] is None
    assert whole['instances'] == given['instances']


def test_boxes_from_a_detector(tmp_path, capsys, model_path, contract):
    det = contract.write_detector(str(tmp_path / 'det.onnx'),
                                  [[10, 20, 110, 220, 0.9], [0, 0, 5, 5, 0.1]],
                                  [0, 0],
                                  input_size=(320, 320))
    code, stdout, _ = run_cli(capsys, contract.IMAGE, '--model', model_path,
                              '--det', det)
    assert code == 0
    (person, ) = json.loads(stdout)['instances']  # 0.1: below 0.3
    # 640 x 425 letterboxed into 320 x 320 as 320 x 213: x / 0.5,
    # y * 425 / 213, y2 clipped to the image
    np.testing.assert_allclose(person['bbox'], [20, 20 * 425 / 213, 220, 425],
                               rtol=1e-6)
    assert person['bbox_score'] == pytest.approx(0.9)


def test_boxes_may_start_with_a_minus(capsys, model_path, contract):
    code, stdout, _ = run_cli(capsys, contract.IMAGE, '--model', model_path,
                              '--bboxes', '-10,5,100,200', '-2.5e1,-3,9,9')
    assert code == 0
    boxes = [i['bbox'] for i in json.loads(stdout)['instances']]
    assert boxes == [[-10, 5, 100, 200], [-25, -3, 9, 9]]


def test_refuses_to_overwrite(tmp_path, capsys, model_path, contract):
    out = tmp_path / 'vis.png'
    out.write_bytes(b'keep me')
    code, stdout, err = run_cli(capsys, contract.IMAGE, '--model', model_path,
                                '--out', out)
    assert code == 1 and stdout == ''
    assert err == f'clpose: error: --out {str(out)!r} exists; pass ' \
                  '--overwrite to replace it\n'
    assert out.read_bytes() == b'keep me'
    code, _, _ = run_cli(capsys, contract.IMAGE, '--model', model_path,
                         '--out', out, '--overwrite')
    assert code == 0 and cv2.imread(str(out)).shape == (425, 640, 3)


@pytest.mark.parametrize('args, match', [
    (['missing.jpg'], r"image '.*missing\.jpg': no such file"),
    (['IMAGE', '--model', 'nope.onnx'], r"ONNX model 'nope\.onnx': no such"),
    (['IMAGE', '--model', 'IMAGE'], r"000000000785\.jpg': not an ONNX model"),
    (['IMAGE', '--bboxes', '1,2,3'], r'--bboxes: .*got shape \(1, 3\)'),
    (['IMAGE', '--bboxes', '1,2,x,4'], r"--bboxes '1,2,x,4': expected"),
    (['IMAGE', '--bboxes', '0,0,10,10', '1,2,3,4,5'], 'the same number'),
    (['IMAGE', '--bboxes', '10,10,20,5'], r'x1, y1, x2, y2.*not \[x, y, w, h'),
    (['IMAGE', '--bboxes-json', 'IMAGE'], '--bboxes-json .*cannot read'),
    (['IMAGE', '--out', 'vis.gif9'], 'OpenCV cannot write'),
    (['IMAGE', '--out', 'no/such/dir/vis.jpg'], 'no such directory'),
    (['IMAGE', '--threads', '0'], 'threads must be an int >= 1, got 0'),
])
def test_errors_are_one_line(tmp_path, capsys, monkeypatch, model_path,
                             contract, args, match):
    monkeypatch.chdir(tmp_path)
    args = [contract.IMAGE if a == 'IMAGE' else a for a in args]
    if '--model' not in args:
        args += ['--model', model_path]
    code, stdout, err = run_cli(capsys, *args)
    assert code == 1 and stdout == ''
    assert err.startswith('clpose: error: ') and err.count('\n') == 1, err
    assert re.search(match, err), err
    assert list(tmp_path.iterdir()) == []


BLOCK_IMPORTS = '''
import sys
BLOCKED = {'torch', 'mmcv', 'mmengine', 'mmpose', 'mmpose_cl'}

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in BLOCKED:
            raise ImportError(f'{name} is blocked in this test')

sys.meta_path.insert(0, Blocker())
'''

API_AND_CLI = '''
import runpy
import cv2, numpy as np
from clpose import CLPose
kpts, scores = CLPose(MODEL)(cv2.imread(IMAGE), [BOX])
assert kpts.shape == (1, 3, 2) and scores.shape == (1, 3), kpts.shape
assert not [m for m in sys.modules if m.split('.')[0] in BLOCKED]
sys.argv = ['clpose', IMAGE, '--model', MODEL, '--out', OUT]
runpy.run_module('clpose', run_name='__main__')
'''


def test_runs_where_torch_and_openmmlab_cannot_be_imported(
        tmp_path, model_path, contract):
    out = tmp_path / 'vis.jpg'
    setup = (f'MODEL, IMAGE, BOX, OUT = {model_path!r}, {contract.IMAGE!r}, '
             f'{contract.BOX!r}, {str(out)!r}')
    # the blocker works: importing torch fails in that process
    probe = subprocess.run(
        [sys.executable, '-c', BLOCK_IMPORTS + 'import mmpose_cl'],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60)
    assert 'mmpose_cl is blocked' in probe.stderr
    proc = subprocess.run(
        [sys.executable, '-c', BLOCK_IMPORTS + setup + API_AND_CLI],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)['instances'][0]['bbox'] == [0, 0, 640, 425]
    assert cv2.imread(str(out)).shape == (425, 640, 3)
    # the exit code of `python -m clpose` on an error
    proc = subprocess.run([
        sys.executable, '-c', BLOCK_IMPORTS + setup + API_AND_CLI.replace(
            "'--model', MODEL, '--out', OUT", "'--model', IMAGE")
    ],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert proc.stderr.startswith('clpose: error: ONNX model ')


VIDEO_CLI = '''
import runpy
sys.argv = ['clpose', VIDEO, '--model', MODEL, '--det', DET, '--smooth',
            '--det-every', '2', '--out', OUT, '--json-out', JSON_OUT]
try:
    runpy.run_module('clpose', run_name='__main__')
finally:
    assert not [m for m in sys.modules if m.split('.')[0] in BLOCKED]
'''


def test_video_runs_where_torch_and_openmmlab_cannot_be_imported(
        tmp_path, model_path, contract, image):
    video, out = tmp_path / 'in.avi', tmp_path / 'out.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (64, 48))
    for i in range(3):
        writer.write(cv2.resize(image[:, i * 10:], (64, 48)))
    writer.release()
    det = contract.write_detector(str(tmp_path / 'det.onnx'),
                                  [[4, 4, 30, 40, 0.9]], [0],
                                  input_size=(64, 64))
    setup = (f'VIDEO, MODEL, DET, OUT, JSON_OUT = {str(video)!r}, '
             f'{model_path!r}, {det!r}, {str(out)!r}, '
             f'{str(tmp_path / "poses.jsonl")!r}')
    proc = subprocess.run(
        [sys.executable, '-c', BLOCK_IMPORTS + setup + VIDEO_CLI],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / 'poses.jsonl').read_text().splitlines()
    assert [json.loads(line)['frame'] for line in lines] == [0, 1, 2]
    capture = cv2.VideoCapture(str(out))
    assert capture.get(cv2.CAP_PROP_FPS) == 5
    assert sum(1 for _ in iter(lambda: capture.read()[0], False)) == 3
