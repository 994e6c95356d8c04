# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Checkpoints checked against their model: a clear error for a file that is
not a checkpoint or whose weights belong to another model, instead of
torch's unpickling traceback or a half-loaded model after a warning."""
import copy
import os.path as osp
from typing import Optional, Union

from mmengine.config import Config


def read_checkpoint(model, checkpoint_path: str) -> dict:
    """Read a checkpoint once and check that its weights fit ``model``.

    Returns:
        dict: the checkpoint as saved (``state_dict``, ``meta``, ...).

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a checkpoint at all (a log, a truncated download),
            named instead of torch's unpickling traceback; or weights that
            do not fit ``model`` (another architecture, another number of
            keypoints), listing the mismatched keys, instead of a
            half-loaded model after a warning.
    """
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
        return ckpt if 'state_dict' in ckpt else dict(state_dict=ckpt)

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


def check_checkpoint_matches(model, checkpoint_path: str) -> None:
    """:func:`read_checkpoint` for its checks only."""
    read_checkpoint(model, checkpoint_path)


def load_pose_model(config: Union[str, Config], checkpoint: str,
                    device: str = 'cpu', cl_only: bool = False,
                    cfg_options: Optional[dict] = None):
    """The config's model with the checkpoint's weights, as MMPose's
    ``init_model`` gives it (``dataset_meta`` from the checkpoint, else from
    the config; ``cfg``; eval mode), built once and with the checkpoint read
    once and checked (:func:`read_checkpoint`).

    Args:
        config (str | Config): a config path (``mmpose::`` paths work) or
            object.
        checkpoint (str): its checkpoint.
        device (str): Defaults to ``'cpu'``.
        cl_only (bool): refuse a config whose head is not a CL head.
            Defaults to False.
        cfg_options (dict, optional): ``--cfg-options``-style changes.

    Raises:
        ValueError: with ``cl_only``, a config whose head is not a CL head;
            a checkpoint that is not one or does not fit the model.
    """
    from mmengine.runner.checkpoint import load_state_dict
    from mmpose.apis import init_model
    from mmpose.registry import MODELS

    import mmpose_cl
    from mmpose_cl.utils import load_config
    if isinstance(config, str):
        cfg, name = load_config(config, cfg_options), config
    else:
        cfg = copy.deepcopy(config)  # init_model changes what it gets
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        name = cfg.filename or 'config'
    if cl_only:
        head_type = cfg.model.get('head', {}).get('type')
        head_cls = MODELS.get(head_type) if isinstance(head_type,
                                                       str) else None
        if head_cls is None or not issubclass(head_cls,
                                              mmpose_cl.BaseCLHead):
            raise ValueError(
                f'{name}: model.head is {head_type!r}, not a CL head '
                '(CLHead, CLMultiStageHead); this tool takes CL models')
    model = init_model(cfg, None, device='cpu')
    ckpt = read_checkpoint(model, checkpoint)
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in ckpt['state_dict'].items()}
    load_state_dict(model, state, strict=True)
    meta = (ckpt.get('meta') or {}).get('dataset_meta')
    if meta is not None:  # init_model's priority: checkpoint > config
        model.dataset_meta = meta
    return model.to(device).eval()


def load_cl_model(config: Union[str, Config], checkpoint: str,
                  device: str = 'cpu'):
    """:func:`load_pose_model` of a model with a CL head."""
    return load_pose_model(config, checkpoint, device, cl_only=True)
