# Copyright (c) mmpose-cl contributors. All rights reserved.
"""tools/analysis/gpu_reports.sh: the checks it makes before any work (the
runs themselves need a GPU; their commands are tested on the CPU in
test_benchmark.py, test_learning_comparison.py and test_e2e)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).parents[2] / 'tools' / 'analysis' / 'gpu_reports.sh'


def run(tmp_path, **env):
    return subprocess.run(
        ['bash', str(SCRIPT), str(tmp_path / 'out'), str(tmp_path / 'work')],
        env={**os.environ, 'PYTHON': sys.executable, **env},
        capture_output=True, text=True, timeout=120)


def test_an_unknown_step_is_named(tmp_path):
    result = run(tmp_path, STEPS='benchmark learnin')
    assert result.returncode == 2
    assert "unknown step 'learnin'" in result.stderr
    assert not (tmp_path / 'out').exists()
    assert not (tmp_path / 'work').exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason='needs a machine '
                    'without CUDA')
def test_without_cuda_it_stops_before_any_work(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 1
    assert 'torch sees no CUDA device' in result.stderr
    assert not (tmp_path / 'out').exists()
    assert not (tmp_path / 'work').exists()
