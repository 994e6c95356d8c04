"""benchmarks/int8_accuracy.py on the checkpoints of a tiny learning
comparison: every model is rebuilt as trained, exported with its decoding,
quantised with the same calibration, and evaluated in PyTorch, ONNX fp32 and
ONNX INT8 on the held-out split with MMPose's metrics."""
import json

import pytest


def test_int8_accuracy_report(load_script, comparison, tmp_path, repo_root,
                              monkeypatch, one_thread, capsys):
    monkeypatch.chdir(repo_root)
    tool = load_script('benchmarks/int8_accuracy.py')
    out = str(tmp_path / 'int8')
    # one --exclude for both: it matches a node of the ResNet only
    tool.main([comparison, '--num-crops', '4', '--work-dir',
               str(tmp_path / 'work'), '--out', out, '--exclude',
               'layer1.0/conv1'])
    with open(f'{out}.json') as f:
        report = json.load(f)
    assert list(report['results']) == ['CL-R18', 'RTMPose-t']
    for name, r in report['results'].items():
        assert r['people'] > 0
        for run in ('pytorch', 'onnx_fp32', 'onnx_int8'):
            assert 0 <= r[run]['AP'] <= 1 and 0 <= r[run]['PCK'] <= 1
        # the fp32 file is the PyTorch graph: the same predictions
        assert r['onnx_fp32']['AP'] == pytest.approx(r['pytorch']['AP'],
                                                      abs=1e-6)
        assert r['drift']['max_px'] >= r['drift']['mean_px'] >= 0
    kept = {name: r['kept_float32'] for name, r in report['results'].items()}
    assert '/backbone/layer1/layer1.0/conv1/Conv' in kept['CL-R18']
    assert not any('layer1.0' in node for node in kept['RTMPose-t'])
    with open(f'{out}.md') as f:
        text = f.read()
    assert '| CL-R18 |' in text and '| RTMPose-t |' in text
    assert report['settings']['num_crops'] == 4
    # a second run into the same work dir would replace its ONNX files
    with pytest.raises(SystemExit):
        tool.parse_args([comparison, '--work-dir', str(tmp_path / 'work')])
    assert 'is not empty; pass --overwrite' in capsys.readouterr().err
    assert tool.parse_args([comparison, '--work-dir', str(tmp_path / 'work'),
                            '--overwrite']).overwrite


@pytest.mark.parametrize('content, error', [
    ('epoch 1', 'not a json file'),
    ('{"coco/AP": 0.5}', 'not the .json of learning_comparison.py'),
    ('{"settings": {}, "results": {"A": {"config": "a.py"}}}',
     "model 'A' has no ['checkpoint']"),
    ('{"settings": {}, "results": {"A": {"config": "a.py", "checkpoint": '
     '"gone.pth"}}}', "model 'A': checkpoint 'gone.pth' not found"),
])
def test_a_json_that_is_not_a_comparison_is_named(load_script, tmp_path,
                                                  capsys, content, error):
    tool = load_script('benchmarks/int8_accuracy.py')
    path = tmp_path / 'lc.json'
    path.write_text(content)
    with pytest.raises(SystemExit):
        tool.parse_args([str(path), '--work-dir', str(tmp_path / 'w')])
    assert f'{path}: {error}' in capsys.readouterr().err
