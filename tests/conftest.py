import importlib.util
import os
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA_ROOT = osp.join(REPO_ROOT, 'tests', 'data')

# keep the 2-core CI machine responsive: one intra-op thread per test process
os.environ.setdefault('OMP_NUM_THREADS', '2')
# albumentations (RTMPose's pipelines) asks PyPI for its latest version on
# import: no network here, and no reason to wait for it
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')


@pytest.fixture(scope='module')
def one_thread():
    """For tests of tiny tensors: intra-op threads only add OpenMP barriers,
    which take tens of ms per op when the 2-core machine is busy."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def load_script():
    """Import a script of ``tools/`` (not in a package) as a module named
    after the file: ``load_script('tools/analysis/get_flops.py')``; paths
    are relative to the repository."""

    def load(path: str):
        path = osp.join(REPO_ROOT, path)
        name = osp.splitext(osp.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(scope='session')
def coco_root() -> str:
    return osp.join(DATA_ROOT, 'coco')


@pytest.fixture(scope='session')
def demo_checkpoint(tmp_path_factory) -> str:
    """A checkpoint of the demo config's model with random weights, saved as
    MMEngine saves them (``state_dict`` + ``meta``)."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    import mmpose_cl  # noqa: F401
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'demo', 'clnet_r18_coco-mini_256x192.py'))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = str(tmp_path_factory.mktemp('ckpt') / 'demo_random.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path
