"""A non-editable install of the working tree (``pip install --target``,
the ``installed`` fixture of conftest.py), used from a folder outside the
repository: ``mmpose_cl`` imports from the install, and its configs, tools,
demo and model index are found under ``mmpose_cl/.mim``, where MIM and
MMEngine's package lookup look for them."""
import json
import os
import os.path as osp
import site
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIG = 'clnet_r50_coco_256x192.py'

# Run with `python -S` and PYTHONPATH=<install>:<site-packages>: no .pth file
# runs, so the editable install of this checkout (a .pth) is out of reach.
CHECK = r'''
import json, os.path as osp, sys
import mmpose_cl
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.utils import get_installed_path
from mmpose.registry import MODELS

# MMEngine's lookup behind `package::path` (and MIM's: the dist-info's
# location + the package name)
pkg = get_installed_path('mmpose_cl')
cfg_file = osp.join(pkg, '.mim', 'configs', sys.argv[1])
cfg = Config.fromfile(cfg_file)  # its _base_ is mmpose::_base_/...
cfg.model.backbone.init_cfg = None  # no download
init_default_scope('mmpose')
model = MODELS.build(cfg.model)
print(json.dumps(dict(
    module=mmpose_cl.__file__, package_path=pkg, config=cfg.filename,
    model=type(model).__name__, head=type(model.head).__name__,
    params=sum(p.numel() for p in model.parameters()),
    sys_path=sys.path, meta_path=[repr(f) for f in sys.meta_path])))
'''


def test_mim_files_are_copied_into_the_package(installed):
    mim = osp.join(installed, 'mmpose_cl', '.mim')
    for rel in ['model-index.yml', 'configs/metafile.yml', 'configs/' + CONFIG,
                'configs/demo/clnet_r18_coco-mini_256x192.py',
                'tools/train.py', 'tools/test.py', 'tools/dist_train.sh',
                'tools/deployment/export_onnx.py',
                'tools/deployment/quantize_onnx.py', 'demo/run_demo.py']:
        path = osp.join(mim, rel)
        assert osp.isfile(path) and not osp.islink(path), rel
    # the studies and their results are evidence, not product: not installed
    for root, dirs, files in os.walk(installed):
        assert 'benchmarks' not in dirs, root
    # the copy is of the sources only (pip runs with --no-compile)
    for root, dirs, files in os.walk(mim):
        assert '__pycache__' not in dirs and not any(
            f.endswith('.pyc') for f in files), root
    # model-index.yml lists the metafile, as in MMPose's root model-index.yml
    with open(osp.join(mim, 'model-index.yml')) as f:
        assert f.read().split() == ['Import:', '-', 'configs/metafile.yml']


def test_package_data_and_packages_are_installed(installed):
    # LspDataset reads this file by absolute path; metainfo/ is no package
    assert osp.isfile(
        osp.join(installed, 'mmpose_cl', 'datasets', 'metainfo', 'lsp.py'))
    for pkg in ['mmpose_cl', 'mmpose_cl/datasets/transforms']:
        assert osp.isfile(osp.join(installed, pkg, '__init__.py')), pkg
    if osp.isfile(osp.join(REPO, 'clpose', '__init__.py')):
        assert osp.isfile(osp.join(installed, 'clpose', '__init__.py'))
    assert not osp.exists(osp.join(installed, 'tests'))


def test_the_apache_licence_is_installed(installed):
    """setup.py and the README say Apache-2.0: the wheel carries the
    licence text (setuptools' license_files pick up LICENSE) and says so
    in its metadata."""
    import glob
    [dist_info] = glob.glob(osp.join(installed, 'mmpose_cl-*.dist-info'))
    [licence] = glob.glob(osp.join(dist_info, '**', 'LICENSE'),
                          recursive=True)
    with open(licence) as f:
        text = f.read()
    assert 'Apache License\n                           Version 2.0' in text
    assert 'mmpose-cl contributors' in text
    with open(osp.join(dist_info, 'METADATA')) as f:
        assert 'Apache-2.0' in f.read()


def test_import_and_configs_from_outside_the_repo(installed, tmp_path):
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([installed] + site.getsitepackages()),
        OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-S', '-c', CHECK, CONFIG], cwd=str(tmp_path),
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    pkg = osp.join(installed, 'mmpose_cl')
    assert out['module'] == osp.join(pkg, '__init__.py')
    assert out['package_path'] == pkg
    assert out['config'] == osp.join(pkg, '.mim', 'configs', CONFIG)
    # neither the checkout nor its editable install's finder is reachable
    assert REPO not in out['sys_path']
    assert not any('editable' in f for f in out['meta_path'])
    assert (out['model'], out['head']) == ('CLPoseEstimator', 'CLHead')
    assert out['params'] > 10_000_000  # CLNet-R50: 13.0M (README)
