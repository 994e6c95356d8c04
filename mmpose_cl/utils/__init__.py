# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Helpers of the command lines (``tools/``) and the studies
(``benchmarks/``): configs, argument checks, logged scalars."""
from .cli_utils import (at_least, check_cli_paths, load_mmpose_tool,
                        person_boxes, read_scalars,
                        refuse_to_overwrite_checkpoints)
from .config_utils import (drop_pretrained, for_each_dict, load_config,
                           model_complexity)

__all__ = [
    'at_least', 'check_cli_paths', 'load_mmpose_tool', 'person_boxes',
    'read_scalars',
    'refuse_to_overwrite_checkpoints', 'drop_pretrained', 'for_each_dict',
    'load_config', 'model_complexity'
]
