# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Reuse MMPose's own ``tools/train.py`` and ``tools/test.py`` argument
parsing and config merging, so our tools take exactly MMPose's flags."""
import importlib.util
import os.path as osp
from types import ModuleType


def load_mmpose_tool(name: str) -> ModuleType:
    """Import MMPose's ``tools/<name>.py`` as a module.

    It ships inside the wheel as ``mmpose/.mim/tools`` and sits beside the
    package in a source checkout.

    Args:
        name (str): ``'train'`` or ``'test'``.
    """
    import mmpose
    root = osp.dirname(mmpose.__file__)
    candidates = [
        osp.join(root, '.mim', 'tools', f'{name}.py'),
        osp.join(osp.dirname(root), 'tools', f'{name}.py'),
    ]
    for path in candidates:
        if osp.isfile(path):
            spec = importlib.util.spec_from_file_location(
                f'mmpose_tools_{name}', path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError(
        f"MMPose's tools/{name}.py was not found in {candidates}; "
        'reinstall mmpose==1.3.2')
