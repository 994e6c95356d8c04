# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Work-arounds for defects of other packages, one module per defect.

This is the only place where ``mmpose_cl`` changes the behaviour of another
package. :func:`apply` runs each work-around once; ``import mmpose_cl`` calls
it, so that MMPose's own ``tools/train.py``, ``tools/test.py`` and
``init_model``, which load the plugin only through ``custom_imports``, get
them too.

=========================  ==========================================
module                     what it changes, and why
=========================  ==========================================
``albumentations_update``  ``NO_ALBUMENTATIONS_UPDATE=1`` (unless set):
                           albumentations asks PyPI for its latest
                           version on import, which offline machines
                           wait for
``package_lookup``         MMEngine's package lookup uses ``importlib``
                           where ``pkg_resources`` is gone (setuptools
                           >= 82): ``mmpose::`` configs, ``mmpose.apis``
``checkpoint_loading``     torch's ``weights_only`` unpickler accepts the
                           numpy/MMEngine types of MMEngine checkpoints;
                           ``HistoryBuffer`` pickles without ``getattr``
``atomic_checkpoint``      MMEngine writes checkpoints to a temporary
                           file and renames it: no truncated file on a
                           crash
``inferencer``             ``MMPoseInferencer`` uses explicit ``bboxes``
                           and raises clear errors for bad inputs
``gloo_without_cuda``      not applied on import: ``tools/train.py`` and
                           ``tools/test.py`` call it on their config, so
                           that distributed runs work without CUDA
                           (gloo, SyncBN -> BN)
=========================  ==========================================
"""
from . import (albumentations_update, atomic_checkpoint, checkpoint_loading,
               inferencer, package_lookup)
from .gloo_without_cuda import use_gloo_without_cuda

__all__ = ['apply', 'use_gloo_without_cuda', 'WORKAROUNDS']

#: in the order they are applied: the albumentations variable before
#: anything imports it, the package lookup before the inferencer's
#: work-around imports ``mmpose.apis``, which needs it
WORKAROUNDS = (albumentations_update, package_lookup, checkpoint_loading,
               atomic_checkpoint, inferencer)
_applied = set()


def apply() -> None:
    """Apply every work-around of :data:`WORKAROUNDS` that has not been
    applied yet in this process (idempotent)."""
    for module in WORKAROUNDS:
        if module.__name__ not in _applied:
            module.apply()
            _applied.add(module.__name__)
