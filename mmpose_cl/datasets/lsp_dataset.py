# Copyright (c) mmpose-cl contributors. All rights reserved.
import os.path as osp

from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

# MMPose resolves ``from_file`` against the current directory and then only
# against its own ``.mim/configs``, which has no lsp.py, so the metainfo file
# ships inside this package and is named by its absolute path.
LSP_METAINFO_FILE = osp.join(
    osp.dirname(osp.abspath(__file__)), 'metainfo', 'lsp.py')


@DATASETS.register_module()
class LspDataset(BaseCocoStyleDataset):
    """Leeds Sports Pose (LSP) and LSP-extended, read from the COCO-style json
    written by ``tools/dataset_converters/lsp2coco.py``.

    "Clustered Pose and Nonlinear Appearance Models for Human Pose
    Estimation", BMVC'2010 (LSP) and "Learning Effective Human Pose
    Estimation from Inaccurate Annotation", CVPR'2011 (LSP-extended).
    More details can be found on the `homepage
    <http://sam.johnson.io/research/lsp.html>`__.

    The converter already turns MATLAB's 1-based pixels into MMPose's 0-based
    ones and writes one person box per image, so COCO parsing applies as is
    (unlike :class:`mmpose.datasets.JhmdbDataset`, which shifts on load).
    The paper's split: train = LSP images 1-1000 + all 10000 LSP-extended
    images, test = LSP images 1001-2000; PCK@0.2 normalised by the torso
    (:class:`mmpose_cl.evaluation.LspPCKAccuracy`).

    LSP keypoints (0-based ids, pixel ``(x, y)`` in the original image)::

        0: 'right_ankle',
        1: 'right_knee',
        2: 'right_hip',
        3: 'left_hip',
        4: 'left_knee',
        5: 'left_ankle',
        6: 'right_wrist',
        7: 'right_elbow',
        8: 'right_shoulder',
        9: 'left_shoulder',
        10: 'left_elbow',
        11: 'left_wrist',
        12: 'neck',
        13: 'head_top'

    The metainfo (flip pairs, joint weights, sigmas) is
    ``mmpose_cl/datasets/metainfo/lsp.py``, found from this file's location,
    so it loads whatever the current directory is.

    Args:
        Same as :class:`mmpose.datasets.datasets.base.BaseCocoStyleDataset`:
        ``ann_file``, ``bbox_file``, ``data_mode`` (``'topdown'`` or
        ``'bottomup'``), ``metainfo``, ``data_root``, ``data_prefix``
        (``dict(img=...)``: the image root given to the converter),
        ``filter_cfg``, ``indices``, ``serialize_data``, ``pipeline``,
        ``test_mode``, ``lazy_init``, ``max_refetch``, ``sample_interval``.
    """

    METAINFO: dict = dict(from_file=LSP_METAINFO_FILE)
