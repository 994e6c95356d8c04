# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Parameters and FLOPs with MMEngine's counter, as MMPose reports them."""
from typing import Optional, Sequence, Union

from mmengine.analysis import get_model_complexity_info
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from .config_walk import drop_pretrained, load_config


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
    from mmpose.registry import MODELS

    if isinstance(config, str):
        cfg = load_config(config)
    else:
        cfg = config
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
