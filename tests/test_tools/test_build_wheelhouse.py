# Copyright (c) mmpose-cl contributors. All rights reserved.
"""tools/misc/build_wheelhouse.sh: its checks, which run before any download
or build (the build itself needs the network and 15-25 min, so it is run by
hand: see the offline installation in docs/installation.md)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / 'tools' / 'misc' / 'build_wheelhouse.sh'
TARGET = dict(PYTHON=sys.executable, TORCH='2.11.0', NUMPY='2.5.2')


def run(out, **env):
    full_env = {**os.environ, **env}
    for name in TARGET:
        if name not in env:
            full_env.pop(name, None)
    # a cache of its own: nothing may touch the user's, or be created at all
    full_env['MMPOSE_CL_CACHE'] = str(Path(out).parent / 'cache')
    return subprocess.run(['bash', str(SCRIPT), str(out)], env=full_env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize('missing', sorted(TARGET))
def test_each_target_setting_is_required_by_name(tmp_path, missing):
    env = {k: v for k, v in TARGET.items() if k != missing}
    result = run(tmp_path / 'wheels', **env)
    assert result.returncode != 0
    assert f'set {missing}' in result.stderr
    assert not (tmp_path / 'wheels').exists()
    assert not (tmp_path / 'cache').exists()


def test_an_unknown_interpreter_is_named(tmp_path):
    result = run(tmp_path / 'wheels', **{**TARGET, 'PYTHON': 'python9.99'})
    assert result.returncode == 2
    assert 'PYTHON=python9.99: no such interpreter' in result.stderr
    assert not (tmp_path / 'cache').exists()


def test_a_folder_that_holds_files_is_refused(tmp_path):
    out = tmp_path / 'wheels'
    out.mkdir()
    (out / 'mine.whl').write_text('kept')
    result = run(out, **TARGET)
    assert result.returncode == 2
    assert f'{out} is not empty' in result.stderr
    assert 'OVERWRITE=1' in result.stderr
    assert (out / 'mine.whl').read_text() == 'kept'
    assert not (tmp_path / 'cache').exists()
