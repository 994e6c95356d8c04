# Copyright (c) mmpose-cl contributors. All rights reserved.
from typing import Callable

from mmengine.config import Config


def load_config(path: str) -> Config:
    """A config from a file, or from an installed package with MMEngine's
    ``package::path`` syntax (``mmpose::body_2d_keypoint/...``)."""
    if '::' in path:
        from mmengine.hub import get_config
        return get_config(path)
    return Config.fromfile(path)


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
