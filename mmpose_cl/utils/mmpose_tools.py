# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Reuse MMPose's own ``tools/train.py`` and ``tools/test.py`` argument
parsing and config merging, so our tools take exactly MMPose's flags; import
tool scripts as modules."""
import importlib.util
import os.path as osp
from types import ModuleType


def load_script(path: str) -> ModuleType:
    """Import a Python file that is not in a package (a script of
    ``tools/``) as a module named after the file."""
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
            return load_script(path)
    raise FileNotFoundError(
        f"MMPose's tools/{name}.py was not found in {candidates}; "
        'reinstall mmpose==1.3.2')
