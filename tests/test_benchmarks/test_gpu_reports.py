# Copyright (c) mmpose-cl contributors. All rights reserved.
"""benchmarks/gpu_reports.sh: the checks it makes before any work (the
runs themselves need a GPU; their commands are tested on the CPU in
test_benchmark_models.py, test_benchmark_codecs.py,
test_learning_comparison.py and test_e2e)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).parents[2] / 'benchmarks' / 'gpu_reports.sh'


def run(tmp_path, **env):
    return subprocess.run(
        ['bash', str(SCRIPT), str(tmp_path / 'out'), str(tmp_path / 'work')],
        env={**os.environ, 'PYTHON': sys.executable, **env},
        capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize('steps, unknown', [
    ('models codecs learnin', 'learnin'),
    ('benchmark learning', 'benchmark'),  # the old name of models + codecs
])
def test_an_unknown_step_is_named(tmp_path, steps, unknown):
    result = run(tmp_path, STEPS=steps)
    assert result.returncode == 2
    assert f"unknown step '{unknown}'" in result.stderr
    assert '(models, codecs, learning, amp)' in result.stderr
    assert not (tmp_path / 'out').exists()
    assert not (tmp_path / 'work').exists()


def test_every_tool_it_runs_exists_with_the_options_it_passes():
    """The script's tool commands name files that exist and options that
    their parsers know (a renamed tool or option fails here, not after an
    hour on a GPU)."""
    script = SCRIPT.read_text()
    for tool in ('benchmark_models', 'benchmark_codecs',
                 'learning_comparison'):
        assert f'-m benchmarks.{tool} ' in script
        source = (SCRIPT.parent / f'{tool}.py').read_text()
        command = script.split(f'-m benchmarks.{tool} ')[-1].split(
            '\nfi')[0]
        for option in re.findall(r'(--[a-z-]+)', command):
            assert f"'{option}'" in source, (tool, option)


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine '
                    'without CUDA')
def test_without_cuda_it_stops_before_any_work(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 1
    assert 'torch sees no CUDA device' in result.stderr
    assert not (tmp_path / 'out').exists()
    assert not (tmp_path / 'work').exists()
