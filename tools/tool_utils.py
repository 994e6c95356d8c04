# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What the scripts of ``tools/`` (and ``demo/run_demo.py``) share. Nothing
here is imported by a config or a user script, so it lives with the tools,
not in the ``mmpose_cl`` package. A script below ``tools/`` imports it after
one line that puts ``tools/`` on the path::

    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    from tool_utils import at_least  # noqa: E402
"""
import argparse
import contextlib
import glob
import importlib.util
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import time
import warnings
from types import ModuleType
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config, DictAction

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
Number = Union[int, float]

# ---- command line -----------------------------------------------------------


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


# NAME=CONFIG[:KEY=VALUE,...]; a single ':' (not mmpose::'s) starts options
_MODEL_SPEC = re.compile(
    r'^(?P<name>[\w.-]+)=(?P<config>.+?)(?:(?<!:):(?!:)(?P<options>.+))?$')


def model_spec(text: str) -> Tuple[str, str, dict]:
    """An argparse ``type`` for ``--models``: ``NAME=CONFIG`` or
    ``NAME=CONFIG:KEY=VALUE,KEY=VALUE`` (values as ``--cfg-options`` reads
    them), e.g. ``SB-R18=mmpose::body_2d_keypoint/.../td-hm_res50_8xb64-210e_
    coco-256x192.py:model.backbone.depth=18,model.head.in_channels=512``.

    Returns:
        tuple: ``(name, config, options)``; ``config`` a path or an
        ``mmpose::`` path, ``options`` a dict for ``Config.merge_from_dict``.
    """
    match = _MODEL_SPEC.match(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f'expected NAME=CONFIG[:KEY=VALUE,...] with NAME of letters, '
            f'digits, ".", "_" or "-", got {text!r}')
    name, config, options = match.group('name', 'config', 'options')
    if '::' not in config and not osp.isfile(config):
        raise argparse.ArgumentTypeError(
            f'{name}: config file not found: {config!r}')
    parsed = argparse.Namespace(options={})
    if options:
        pairs = re.split(r',(?=[\w.]+=)', options)
        if not all('=' in pair for pair in pairs):
            raise argparse.ArgumentTypeError(
                f'{name}: options must be KEY=VALUE, got {options!r}')
        DictAction([], 'options')(None, parsed, pairs)
    return name, config, parsed.options


# ---- files ------------------------------------------------------------------


def refuse_to_overwrite(path: str,
                        overwrite: bool = False,
                        hint: str = 'pass --overwrite to replace it') -> None:
    """Stop before a tool writes over a file, or into a folder that is not
    empty, that a user made.

    Raises:
        FileExistsError: ``path`` is a file or a non-empty folder and
            ``overwrite`` is False; the message ends with ``hint``.
    """
    if overwrite or not osp.exists(path):
        return
    if osp.isdir(path):
        if not os.listdir(path):
            return
        raise FileExistsError(f'{path} exists and is not empty; {hint}')
    raise FileExistsError(f'{path} already exists; {hint}')


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


@contextlib.contextmanager
def atomic_output(path: str, overwrite: bool = True):
    """Yield a temporary path beside ``path`` (same extension, so that
    ``cv2.imwrite`` and ``savefig`` pick the format) and rename it to
    ``path`` when the block ends without an error: an interrupted tool
    leaves the previous file or none, never a half-written one.

    Args:
        path (str): The output file; its folder is created if needed.
        overwrite (bool): With False, refuse to rename over a ``path`` that
            appeared while the block ran. Defaults to True.
    """
    folder, name = osp.split(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = osp.splitext(name)
    tmp = osp.join(folder, f'.{stem}.{os.getpid()}.tmp{ext}')
    try:
        yield tmp
        refuse_to_overwrite(path, overwrite)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


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


# ---- configs and models -----------------------------------------------------


def load_config(path: str, options: Optional[dict] = None) -> Config:
    """A config from a file, or from an installed package with MMEngine's
    ``package::path`` syntax (``mmpose::body_2d_keypoint/...``), with
    ``options`` (``--cfg-options`` style) merged in."""
    if '::' in path:
        from mmengine.hub import get_config
        cfg = get_config(path)
    else:
        cfg = Config.fromfile(path)
    if options:
        cfg.merge_from_dict(options)
    return cfg


def for_each_dict(node, fn: Callable[[dict], None]) -> None:
    """Call ``fn`` on every dict nested in a config (dicts, lists, tuples),
    outer ones first; ``fn`` may change the dict in place."""
    if isinstance(node, dict):
        fn(node)
        for value in node.values():
            for_each_dict(value, fn)
    elif isinstance(node, (list, tuple)):
        for value in node:
            for_each_dict(value, fn)


def drop_pretrained(node) -> None:
    """Set every ``init_cfg=dict(type='Pretrained', ...)`` in a model config
    to None (measuring or benchmarking needs no downloaded weights)."""

    def drop(d: dict) -> None:
        init = d.get('init_cfg')
        if isinstance(init, dict) and init.get('type') == 'Pretrained':
            d['init_cfg'] = None

    for_each_dict(node, drop)


def model_complexity(config: Union[str, Config],
                     input_size: Optional[Sequence[int]] = None) -> dict:
    """Count parameters and FLOPs of a top-down model for one input crop.

    Args:
        config (str | Config): A config path (``mmpose::`` paths work) or
            object.
        input_size (tuple, optional): ``(w, h)``. Defaults to the config's
            ``codec['input_size']``.

    Returns:
        dict: ``params`` (int), ``flops`` (int, MMEngine's counter, which
        counts one multiply-add as one FLOP like MMPose's model zoo) and
        ``input_size`` (w, h).
    """
    from mmengine.analysis import get_model_complexity_info
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    cfg = load_config(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    if input_size is None:
        input_size = cfg.codec['input_size']
    model_cfg = cfg.model.to_dict() if hasattr(cfg.model,
                                               'to_dict') else cfg.model
    drop_pretrained(model_cfg)
    model = MODELS.build(model_cfg)
    model.eval()
    model.forward = model._forward  # the tensor path: backbone + head
    w, h = input_size
    # the counter warns about every op it does not count (pooling, adds,
    # norms); MMPose's get_flops shows the same numbers with those warnings
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('ERROR')
    try:
        info = get_model_complexity_info(
            model, input_shape=(3, h, w), show_table=False, show_arch=False)
    finally:
        logger.setLevel(level)
    return dict(
        params=int(info['params']),
        flops=int(info['flops']),
        input_size=(w, h))


# ---- MMPose's tools and runs ------------------------------------------------


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


def use_gloo_without_cuda(cfg: Config) -> None:
    """NCCL needs GPUs: on a machine without CUDA, distributed runs use gloo
    and SyncBN falls back to BN (SyncBN has no CPU kernel).

    MMEngine 0.10.7 calls ``torch.cuda.set_device`` before initialising a
    ``pytorch``-launched process group, which fails without CUDA, so the
    gloo group is initialised here (from torchrun's environment); MMEngine
    then finds it initialised and uses it. Its DDP wrapper also passes a GPU
    index as ``device_ids``, which CPU modules refuse: ``device_ids=None``.
    """
    import torch
    if torch.cuda.is_available():
        return
    launcher = cfg.get('launcher', 'none')
    if launcher != 'none':
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if launcher == 'pytorch' and not torch.distributed.is_initialized():
            torch.distributed.init_process_group(backend='gloo')
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters',
                                               False))

    def syncbn_to_bn(d: dict) -> None:
        if d.get('type') == 'SyncBN':
            d['type'] = 'BN'

    for_each_dict(cfg.get('model', {}), syncbn_to_bn)


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


def check_checkpoint_matches(model, checkpoint_path: str) -> None:
    """Raise ``ValueError`` listing the mismatched keys when a checkpoint's
    weights do not fit ``model`` (another architecture, another number of
    keypoints), instead of testing a half-loaded model after a warning; and
    naming the file when it is not a checkpoint at all (a log, a truncated
    download), instead of torch's unpickling traceback."""
    from mmengine.model import is_model_wrapper
    from mmengine.runner.checkpoint import _load_checkpoint
    if not osp.isfile(checkpoint_path):
        raise FileNotFoundError(f'checkpoint {checkpoint_path!r} not found')
    try:
        ckpt = _load_checkpoint(checkpoint_path, map_location='cpu')
    except Exception as e:
        # torch.load fails on a foreign file with whatever its unpickler
        # meets: UnpicklingError, EOFError, RuntimeError, even IndexError.
        # Name it with the line that says why (torch's weights-only message
        # opens with advice on weights_only=False), to its first full stop
        lines = [line.strip() for line in str(e).splitlines() if line.strip()]
        reason = next((line for line in lines if 'Unsupported' in line),
                      lines[0] if lines else '').split('. ')[0]
        raise ValueError(
            f'checkpoint {checkpoint_path!r} is not a checkpoint that '
            f'torch.load can read ({type(e).__name__}'
            f"{': ' + reason if reason else ''})") from e
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    model = model.module if is_model_wrapper(model) else model
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    shapes = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs model '
        f'{tuple(own[k].shape)}' for k in set(own) & set(state)
        if hasattr(state[k], 'shape') and state[k].shape != own[k].shape)
    if not (missing or unexpected or shapes):
        return

    def listing(title, items):
        head = '\n    '.join(items[:10])
        more = f'\n    ... and {len(items) - 10} more' if len(items) > 10 \
            else ''
        return f'\n  {title} ({len(items)}):\n    {head}{more}' if items \
            else ''

    raise ValueError(
        f'checkpoint {checkpoint_path!r} does not match the model of the '
        'config (another model or another number of keypoints?):' +
        listing('size mismatch', shapes) +
        listing('missing in the checkpoint', missing) +
        listing('not in the model', unexpected))


def load_cl_model(config: str, checkpoint: str, device: str = 'cpu'):
    """The config's model with the checkpoint's weights (MMPose's
    ``init_model``), after checking that the config has a CL head and that
    the checkpoint is of its model (:func:`check_checkpoint_matches`).

    Raises:
        ValueError: the config's head is not a CL head, or the checkpoint is
            not one or its weights do not fit the model.
    """
    from mmpose.apis import init_model
    from mmpose.registry import MODELS

    import mmpose_cl
    cfg = Config.fromfile(config)
    head_type = cfg.model.get('head', {}).get('type')
    head_cls = MODELS.get(head_type) if isinstance(head_type, str) else None
    if head_cls is None or not issubclass(head_cls, mmpose_cl.BaseCLHead):
        raise ValueError(
            f'{config}: model.head is {head_type!r}, not a CL head '
            '(CLHead, CLMultiStageHead); this tool takes CL models')
    model = init_model(cfg, None, device=device)
    check_checkpoint_matches(model, checkpoint)
    return init_model(cfg, checkpoint, device=device)


# ---- timing and reports -----------------------------------------------------


def clock() -> float:
    """``time.perf_counter()`` in seconds, after the GPU's queued work (if
    there is a GPU) has finished, so that the time includes it."""
    import torch
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return time.perf_counter()


def timed(fn: Callable[[], object]) -> float:
    """Seconds that ``fn()`` takes, GPU work included."""
    start = clock()
    fn()
    return clock() - start


# the CPU flags that decide the speed of convolutions and matrix products
_VECTOR_FLAGS = ('sse4', 'avx', 'fma', 'f16c', 'amx')


def environment(script: str, argv: Optional[Sequence[str]] = None) -> Dict:
    """What a report states about its run: the command, the date, the
    machine (``lscpu``'s model name, CPU family, model and flags: CPUs of one
    name can be generations apart; the GPU) and the versions.

    Args:
        script (str): The tool's ``__file__``.
        argv (Sequence[str], optional): Its arguments. Defaults to
            ``sys.argv[1:]``.
    """
    import mmcv
    import mmengine
    import mmpose
    import torch
    try:
        lscpu = subprocess.run(['lscpu'], capture_output=True, text=True,
                               env={**os.environ, 'LC_ALL': 'C'}).stdout
    except OSError:  # no lscpu (not Linux)
        lscpu = ''
    fields = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition(':')
                              for line in lscpu.splitlines()))
    args = sys.argv[1:] if argv is None else list(argv)
    return dict(
        command=' '.join(['python', osp.relpath(script, REPO), *args]),
        date=time.strftime('%Y-%m-%d %H:%M'),
        cpu=fields.get('Model name') or platform.processor()
        or platform.machine(),
        cpu_id=' '.join(f'{key.lower()} {fields[key]}'
                        for key in ('CPU family', 'Model', 'Stepping')
                        if key in fields),
        cpu_flags=fields.get('Flags', '').split(),
        cpus=os.cpu_count(),
        threads=torch.get_num_threads(),
        gpu=torch.cuda.get_device_name(0)
        if torch.cuda.is_available() else None,
        python=platform.python_version(),
        torch=torch.__version__,
        mmengine=mmengine.__version__,
        mmcv=mmcv.__version__,
        mmpose=mmpose.__version__)


def save_report(out: str, text: Optional[str] = None,
                content: Optional[Dict] = None) -> None:
    """Write ``<out>.md`` (``text``) and ``<out>.json`` (``content``), each
    through :func:`atomic_output`."""
    for ext, data in (('md', text), ('json', content)):
        if data is not None:
            with atomic_output(f'{out}.{ext}') as tmp, open(tmp, 'w') as f:
                if ext == 'md':
                    f.write(data)
                else:
                    json.dump(data, f, indent=1)


def describe_environment(env: Dict) -> str:
    """One Markdown paragraph of :func:`environment`'s facts."""
    vector = [f for f in env['cpu_flags'] if f.startswith(_VECTOR_FLAGS)]
    gpu = f', GPU {env["gpu"]}' if env['gpu'] else ''
    cpu_id = f'{env["cpu_id"]}; ' if env.get('cpu_id') else ''
    return (f'`{env["command"]}`, {env["date"]}. Machine: {env["cpu"]} '
            f'({cpu_id}{env["cpus"]} CPUs, {env["threads"]} torch threads; '
            f'vector flags: {" ".join(vector) or "none reported"}){gpu}. '
            f'Python {env["python"]}, torch {env["torch"]}, mmengine '
            f'{env["mmengine"]}, mmcv {env["mmcv"]}, mmpose {env["mmpose"]}.')
