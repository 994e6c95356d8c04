# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Config helpers shared by the tools and the studies: load a config from a
file or an installed package, walk its dicts, drop pretrained weights, count
a model's parameters and FLOPs."""
from typing import Callable, Optional, Sequence, Union

from mmengine.config import Config


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
