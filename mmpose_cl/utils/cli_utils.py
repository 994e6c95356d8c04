# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What the command lines of ``tools/`` share: argument types and path
checks that name the bad value, the guard against overwriting a run's
checkpoints, MMPose's own tools as modules, MMEngine's logged scalars and
MMDet's person boxes.
The one atomic writer is :func:`clpose.files.atomic_output`."""
import argparse
import glob
import importlib.util
import json
import os.path as osp
import warnings
from types import ModuleType
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
from clpose.files import refuse_to_overwrite
from mmengine.config import Config

Number = Union[int, float]


def at_least(low: Number, cast: Callable = int) -> Callable[[str], Number]:
    """An argparse ``type`` for numbers ``>= low``: with
    ``parser.add_argument('--epochs', type=at_least(1))``, ``--epochs 0``
    stops with ``argument --epochs: must be >= 1, got 0``.

    Args:
        low (int | float): The smallest value allowed.
        cast (callable): ``int`` or ``float``. Defaults to ``int``.
    """

    def parse(text: str) -> Number:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'expected {"an integer" if cast is int else "a number"}, '
                f'got {text!r}') from None
        if not value >= low:  # also refuses NaN
            raise argparse.ArgumentTypeError(f'must be >= {low}, got {text}')
        return value

    return parse


def check_cli_paths(parser, inputs, out: Optional[str] = None,
                    overwrite: bool = False) -> None:
    """``parser.error`` naming the first of ``inputs`` (``(what, path)``
    pairs) that does not exist, or ``out`` if it exists and ``overwrite``
    is False."""
    for what, path in inputs:
        if not osp.exists(path):
            parser.error(f'{what} {path!r} not found')
    if out is not None:
        try:
            refuse_to_overwrite(out, overwrite)
        except FileExistsError as e:
            parser.error(str(e))


def refuse_to_overwrite_checkpoints(cfg: Config, overwrite: bool) -> None:
    """Stop before a fresh (not resumed) run overwrites the checkpoints of an
    earlier run in the same work_dir."""
    if overwrite or cfg.get('resume', False):
        return
    existing = sorted(glob.glob(osp.join(cfg.work_dir, '*.pth')))
    if existing:
        raise FileExistsError(
            f'work_dir {cfg.work_dir!r} already holds checkpoints '
            f'({", ".join(osp.basename(p) for p in existing[:3])}'
            f'{", ..." if len(existing) > 3 else ""}) that a new run would '
            'overwrite. Pass --resume to continue that run, --work-dir to '
            'train elsewhere, or --overwrite to replace them.')


def load_mmpose_tool(name: str) -> ModuleType:
    """Import MMPose's ``tools/<name>.py`` as a module, to reuse its argument
    parsing and config merging (our tools take exactly MMPose's flags).

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
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    raise FileNotFoundError(
        f"MMPose's tools/{name}.py was not found in {candidates}; "
        'reinstall mmpose==1.3.2')


def read_scalars(path: str) -> Tuple[List[dict], List[dict]]:
    """The scalars MMEngine logged in a run, in order.

    Args:
        path (str): A ``scalars.json``, or a work dir: its latest
            ``<timestamp>/vis_data/scalars.json``.

    Returns:
        tuple[list[dict], list[dict]]: The training records (those with a
        ``loss``) and the validation records (the others).

    Raises:
        FileNotFoundError: no ``scalars.json`` there.
        ValueError: a line that is not a JSON record (not MMEngine's log),
            naming the file and the line; a last line cut short (a run that
            stopped while writing it) is skipped with a warning instead.
    """
    if not osp.isfile(path):
        found = sorted(
            glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
        if not found:
            raise FileNotFoundError(
                f'no <timestamp>/vis_data/scalars.json under {path!r}')
        path = found[-1]
    train, val = [], []
    with open(path, errors='replace') as f:
        lines = f.readlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            if number == len(lines) and not line.endswith('\n'):
                warnings.warn(f'{path}: its last line is cut short (a run '
                              'that stopped while writing it); skipped')
                continue
            raise ValueError(
                f'{path}: line {number} is not a JSON record ({e.msg}); '
                "expected MMEngine's vis_data/scalars.json") from None
        if not isinstance(record, dict):
            raise ValueError(f'{path}: line {number} is not a JSON object; '
                             "expected MMEngine's vis_data/scalars.json")
        (train if 'loss' in record else val).append(record)
    return train, val


def person_boxes(det_file: str, image: str,
                 score_thr: float = 0.5) -> np.ndarray:
    """One image's person boxes from a COCO results file (MMPose's
    ``bbox_file``, ``bbox`` ``[x, y, w, h]``).

    Args:
        det_file (str): The detections json.
        image (str): The image path; its file name is its COCO id
            (``000000000785.jpg`` -> 785).
        score_thr (float): Keep boxes with score >= this. Defaults to 0.5.

    Returns:
        np.ndarray: (N, 5) float32 ``x1, y1, x2, y2, score`` in pixels, no
        box of zero width or height.
    """
    from mmpose.structures.bbox import bbox_xywh2xyxy
    if not osp.isfile(det_file):
        raise FileNotFoundError(f'--det-file {det_file!r} not found')
    stem = osp.splitext(osp.basename(image))[0]
    if not stem.isdigit():
        raise ValueError(f'with --det-file the image name must be its COCO '
                         f'id, got {osp.basename(image)!r}')
    with open(det_file) as f:
        dets = [d for d in json.load(f)
                if d['image_id'] == int(stem) and d['score'] >= score_thr]
    xywh = np.array([d['bbox'] for d in dets], np.float32).reshape(-1, 4)
    boxes = np.concatenate([
        bbox_xywh2xyxy(xywh),
        np.array([d['score'] for d in dets], np.float32)[:, None]
    ], axis=1)
    return boxes[(xywh[:, 2] > 0) & (xywh[:, 3] > 0)]
