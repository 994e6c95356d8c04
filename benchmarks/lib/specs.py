# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``--models NAME=CONFIG[:KEY=VALUE,...]``: the models a study compares."""
import argparse
import os.path as osp
import re
from typing import Tuple

from mmengine.config import DictAction

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
