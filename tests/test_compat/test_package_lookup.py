# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The importlib package lookup that stands in for pkg_resources: same answers
as MMEngine's own where pkg_resources exists, and mmpose_cl, MMPose's apis and
``mmpose::`` configs working where it does not."""
import importlib.metadata
import subprocess
import sys
from pathlib import Path

import mmengine.utils.package_utils as mmengine_lookup
import pytest

from mmpose_cl.compat import package_lookup
from mmpose_cl.compat.package_lookup import get_installed_path, is_installed

ROOT = Path(__file__).parents[2]
OPENCV = next(name for name in ('opencv-python', 'opencv-python-headless')
              if mmengine_lookup.is_installed(name))


@pytest.mark.parametrize('package', ['mmpose', 'mmcv', 'mmengine', 'mmpose_cl',
                                     OPENCV])
def test_same_answers_as_mmengine(package):
    # OPENCV's module is cv2 (top_level.txt), not its distribution's name
    assert is_installed(package) is mmengine_lookup.is_installed(package)
    assert get_installed_path(package) == mmengine_lookup.get_installed_path(
        package)
    assert Path(get_installed_path(package), '__init__.py').is_file()


def test_a_missing_package():
    assert not is_installed('no_such_package_xyz')
    assert not mmengine_lookup.is_installed('no_such_package_xyz')
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        get_installed_path('no_such_package_xyz')


def test_mmengine_is_left_alone_where_pkg_resources_is_installed():
    assert package_lookup.apply() is False
    assert mmengine_lookup.is_installed is not package_lookup.is_installed
    assert mmengine_lookup.get_installed_path.__module__ == (
        'mmengine.utils.package_utils')


def run_without_pkg_resources(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter where ``import pkg_resources``
    raises ImportError, as with setuptools >= 82 or no setuptools."""
    preamble = 'import sys; sys.modules["pkg_resources"] = None\n'
    return subprocess.run([sys.executable, '-c', preamble + code], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_without_pkg_resources_mmpose_apis_fails_on_its_own():
    result = run_without_pkg_resources('import mmpose.apis')
    assert result.returncode != 0
    assert 'pkg_resources' in result.stderr


def test_without_pkg_resources_mmpose_cl_and_mmpose_configs_work():
    result = run_without_pkg_resources(
        'import mmpose_cl, mmpose.apis\n'
        'import mmengine.config.config as cc\n'
        'from mmpose_cl.compat import package_lookup\n'
        'assert cc.get_installed_path is package_lookup.get_installed_path\n'
        'from mmengine.config import Config\n'
        'from mmengine.hub import get_config\n'
        'cfg = Config.fromfile("configs/clnet_r50_coco_256x192.py")\n'
        'print(cfg.default_scope, cfg.model.head.type)\n'
        'base = get_config("mmpose::body_2d_keypoint/topdown_heatmap/coco/"\n'
        '                  "td-hm_res50_8xb64-210e_coco-256x192.py")\n'
        'print(base.model.backbone.type, base.model.backbone.depth)\n')
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ['mmpose', 'CLHead', 'ResNet', '50']
