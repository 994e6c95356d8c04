"""MMPose's own ``tools/train.py``, ``tools/test.py`` and ``init_model`` +
``inference_topdown``, run from a folder outside the repository on a user
config that inherits ours and loads the plugin only through
``custom_imports``: they train, save, load the checkpoint with torch's
``weights_only`` on (the default of torch >= 2.6), and test."""
import os
import os.path as osp
import subprocess
import sys

import mmpose

USER_CONFIG = """
_base_ = [{demo!r}]
# what a user writes: the plugin is loaded by MMEngine, nothing else
custom_imports = dict(imports=['mmpose_cl'], allow_failed_imports=False)
data_root = {data!r}
train_cfg = dict(max_iters=2, val_interval=2)
default_hooks = dict(checkpoint=dict(interval=2))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root,
                 bbox_file=data_root + 'test_coco_det_AP_H_56.json'))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'test_coco.json')
test_evaluator = val_evaluator
"""

INFER = """
import sys, numpy as np, torch
assert 'mmpose_cl' not in sys.modules
from mmpose.apis import inference_topdown, init_model
model = init_model(sys.argv[1], sys.argv[2], device='cpu')
assert 'mmpose_cl' in sys.modules  # imported by custom_imports
torch.load(sys.argv[2], weights_only=True)  # explicit, as init_model did
results = inference_topdown(model, sys.argv[3],
                            bboxes=np.array([[200., 60., 420., 420.]]))
kpts = results[0].pred_instances.keypoints
assert kpts.shape == (1, 17, 2) and np.isfinite(kpts).all(), kpts
"""


def run(args, cwd):
    env = dict(os.environ, PYTHONPATH='')  # the installed packages only
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout[-2000:] +
                                    result.stderr[-4000:])
    return result.stdout + result.stderr


def mmpose_tool_path(name: str) -> str:
    """MMPose's own ``tools/<name>.py``, shipped in its wheel."""
    return osp.join(osp.dirname(mmpose.__file__), '.mim', 'tools',
                    f'{name}.py')


def test_mmpose_tools_train_test_and_infer_with_custom_imports(
        tmp_path, repo_root, coco_root):
    outside = tmp_path / 'user'
    outside.mkdir()
    config = outside / 'my_clnet.py'
    config.write_text(USER_CONFIG.format(
        demo=osp.join(repo_root, 'configs', 'demo',
                      'clnet_r18_coco-mini_256x192.py'),
        data=coco_root + '/'))

    run([mmpose_tool_path('train'), str(config), '--work-dir', 'work'],
        outside)
    checkpoint = outside / 'work' / 'iter_2.pth'
    assert checkpoint.is_file()

    log = run([mmpose_tool_path('test'), str(config), str(checkpoint),
               '--work-dir', 'test'], outside)
    assert 'coco/AP:' in log

    image = osp.join(coco_root, '000000000785.jpg')
    run(['-c', INFER, str(config), str(checkpoint), image], outside)
