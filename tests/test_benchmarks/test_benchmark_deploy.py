"""benchmarks/benchmark_deploy.py on two small models for one round: every
cell of the report is measured, and its ratios are the ratios of its cells."""
import json

import pytest

CL_R18 = 'CL-R18=configs/clnet_r18_coco_256x192.py'
RTM_T = ('RTMPose-t=mmpose::body_2d_keypoint/rtmpose/coco/'
         'rtmpose-t_8xb256-420e_coco-256x192.py')


def test_one_round_of_every_cell(load_script, tmp_path, repo_root,
                                 monkeypatch, one_thread, capsys):
    monkeypatch.chdir(repo_root)
    tool = load_script('benchmarks/benchmark_deploy.py')
    out = str(tmp_path / 'deploy')
    work = str(tmp_path / 'work')
    tool.main(['--models', CL_R18, RTM_T, '--references', 'RTMPose-t',
               '--rounds', '1', '--threads', '1', '--batches', '1', '2',
               '--work-dir', work, '--out', out])
    # its exported files are not replaced by a second run unless asked
    with pytest.raises(SystemExit):
        tool.parse_args(['--models', CL_R18, '--references', 'CL-R18',
                         '--work-dir', work])
    assert f"{work}' exists and is not empty; pass --overwrite" in (
        capsys.readouterr().err)
    with open(f'{out}.json') as f:
        report = json.load(f)
    cells = {(c['model'], c['runtime'], c['variant'], c['threads'],
              c['batch_or_people']): c['ms']
             for c in report['latency_ms']}
    assert all(ms > 0 for ms in cells.values())
    for name in ('CL-R18', 'RTMPose-t'):
        for batch in (1, 2):
            for variant in ('fp32', 'int8'):
                assert (name, 'onnxruntime', variant, 1, batch) in cells
            assert (name, 'pytorch', 'fp32', 1, batch) in cells
        for variant in ('fp32', 'int8'):
            for people in (1, 6):
                assert (name, 'clpose', variant, 1, people) in cells
    # only the CL model has a maps-only graph (what its decoding adds)
    assert ('CL-R18', 'onnxruntime', 'maps', 1, 1) in cells
    assert ('RTMPose-t', 'onnxruntime', 'maps', 1, 1) not in cells

    ratios = report['ratios']
    assert ratios['CL-R18 / RTMPose-t int8 t1 b2'] == pytest.approx(
        cells[('CL-R18', 'onnxruntime', 'int8', 1, 2)] /
        cells[('RTMPose-t', 'onnxruntime', 'int8', 1, 2)])
    assert ratios['CL-R18 decoding adds t1 b1'] == pytest.approx(
        cells[('CL-R18', 'onnxruntime', 'fp32', 1, 1)] /
        cells[('CL-R18', 'onnxruntime', 'maps', 1, 1)] - 1)
    assert not any(k.startswith('RTMPose-t / RTMPose-t') for k in ratios)

    with open(f'{out}.md') as f:
        text = f.read()
    assert '| CL-R18 |' in text and '| RTMPose-t |' in text
    assert report['environment']['onnxruntime'] in text


def test_unknown_reference_is_named(load_script, capsys, repo_root,
                                    monkeypatch):
    monkeypatch.chdir(repo_root)
    tool = load_script('benchmarks/benchmark_deploy.py')
    with pytest.raises(SystemExit):
        tool.parse_args(['--models', CL_R18, '--references', 'RTMPose-m'])
    assert "['RTMPose-m']" in capsys.readouterr().err
