# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What the models share beside their layers."""
from typing import List, Optional, Union

from mmengine.model.weight_init import PretrainedInit


def loads_pretrained(init_cfg: Optional[Union[dict, List[dict]]]) -> bool:
    """Whether a module's ``init_cfg`` (a dict, a list of dicts or None)
    loads weights: has an entry of type ``'Pretrained'`` (or MMEngine's
    ``PretrainedInit`` class), the one MMEngine's
    ``BaseModule.init_weights`` applies last, after the others. MMEngine
    checks this inline and MMPose's backbones on a dict only, so the
    modules whose ``init_weights`` adds its own initialisation after
    ``super().init_weights()`` (a layer that would overwrite the loaded
    weights) ask here first.
    """
    cfgs = init_cfg if isinstance(init_cfg, list) else [init_cfg or {}]
    return any(c.get('type') in ('Pretrained', PretrainedInit) for c in cfgs)
