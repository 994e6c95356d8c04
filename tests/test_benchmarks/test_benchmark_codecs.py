"""benchmarks/benchmark_codecs.py on tiny settings: the decoding and
round-trip tables of every codec and the files with the command, the machine
and the versions (the tool's numbers are checked by the codec tests, not
here)."""
import json
import math

import pytest


@pytest.fixture(scope='module')
def codecs(load_script):
    return load_script('benchmarks/benchmark_codecs.py')


def test_tool_writes_the_decoding_and_round_trip_tables(codecs, tmp_path,
                                                        one_thread):
    out = str(tmp_path / 'codecs')
    codecs.main(['--instances', '1', '3', '--reps', '1', '--samples', '2',
                 '--out', out])
    with open(f'{out}.json') as f:
        report = json.load(f)
    assert report['environment']['command'] == (
        'python -m benchmarks.benchmark_codecs --instances 1 3 --reps 1 '
        f'--samples 2 --out {out}')
    assert report['environment']['cpu'] and report['environment']['mmpose']
    assert list(report['decode']) == ['1', '3']  # json keys are strings
    for row in report['decode'].values():
        assert set(row) == {'cl_ms', 'msra_ms', 'dark_ms'}
        assert all(v > 0 for v in row.values())
    assert list(report['round_trip']) == list(codecs.CODECS)
    for row in report['round_trip'].values():
        assert 0 <= row['mean_px'] <= row['max_px'] and math.isfinite(
            row['max_px'])
    with open(f'{out}.md') as f:
        text = f.read()
    assert '2 x 17 = 34 random keypoints' in text
    for n in (1, 3):
        assert f'\n| {n} | ' in text
    for name in codecs.CODECS:
        assert f'\n| {name} | ' in text
    assert 'target' not in text.lower()  # targets live in docs/benchmarks.md
    assert sorted(p.name for p in tmp_path.iterdir()) == ['codecs.json',
                                                          'codecs.md']


@pytest.mark.parametrize('argv, message', [
    (['--instances', '0'], 'argument --instances: must be >= 1, got 0'),
    (['--reps', 'x'], "argument --reps: expected an integer, got 'x'"),
])
def test_bad_arguments_are_named(codecs, capsys, argv, message):
    with pytest.raises(SystemExit):
        codecs.parse_args(argv)
    assert message in capsys.readouterr().err
