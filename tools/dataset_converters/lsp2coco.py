# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Convert LSP and LSP-extended ``joints.mat`` to COCO-style json files, in the
paper's split: train = LSP images 1-1000 + LSP-extended 1-10000 (11000
people), test = LSP images 1001-2000 (1000 people).

    python tools/dataset_converters/lsp2coco.py \\
        --lsp-dir data/lsp/lsp_dataset --lspet-dir data/lsp/lspet_dataset \\
        --out-dir data/lsp/annotations

writes ``lsp_train.json`` and ``lsp_test.json`` in ``--out-dir``, with
``file_name`` relative to ``--img-root`` (by default the common parent of the
two dataset folders, e.g. ``lsp_dataset/images/im0001.jpg``): give that root
as ``data_prefix=dict(img=...)`` of :class:`mmpose_cl.datasets.LspDataset`.

Input layouts (as downloaded):
    - LSP ``joints``: (3, 14, 2000), rows x, y, *occluded* (1 = occluded,
      so visible = 1 - row 3); images ``images/im0001.jpg`` ... ``im2000.jpg``.
    - LSP-extended ``joints``: (14, 3, 10000), columns x, y, *visible*
      (1 = visible); images ``images/im00001.jpg`` ... ``im10000.jpg``.

Output conventions:
    - Pixels are MMPose's 0-based ones: the .mat holds MATLAB's 1-based
      pixel coordinates, so 1 is subtracted from x and y here (and
      :class:`LspDataset` does not shift again).
    - ``keypoints``: flat ``[x, y, v] * 14`` in LSP's joint order, with COCO's
      ``v``: 2 labelled and visible, 1 labelled but occluded, 0 missing. A
      joint is missing (written ``[0, 0, 0]``) when its coordinates are not
      finite or fall outside ``[0, width - 1] x [0, height - 1]`` after the
      shift (negative ones included). MMPose trains and evaluates ``v`` 1
      and 2 alike (``keypoints_visible = min(1, v)``).
    - ``bbox`` ``[x, y, w, h]``: the labelled joints' extent, each side pushed
      out by ``--bbox-margin`` (default 0.1) x the extent's longer side, then
      clipped to ``[0, width - 1] x [0, height - 1]``: joints are centres
      inside the body, so the margin brings the box out to about a person's
      outline, like COCO's boxes, before MMPose's top-down padding (1.25).
    - ``area`` = box w x h (LSP has no masks; as MMPose's own converters).
    - One person per image: ``id`` = ``image_id`` = the image number for LSP,
      100000 + the image number for LSP-extended.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from clpose.files import atomic_output
from mmengine.config import Config
from PIL import Image
from scipy.io import loadmat
from tqdm import tqdm

# keypoint names and skeleton: the same file LspDataset reads
from mmpose_cl.datasets.lsp_dataset import LSP_METAINFO_FILE as METAINFO_FILE

NUM_KEYPOINTS = 14
# the paper's split: the first 1000 LSP images train, the last 1000 test
LSP_TRAIN_NUM = 1000
BBOX_MARGIN = 0.1

# name -> (shape of `joints` before the last, image axis, image file
# pattern, image/annotation id offset)
LAYOUTS = {
    'lsp': ((3, NUM_KEYPOINTS), 'im{:04d}.jpg', 0),
    'lspet': ((NUM_KEYPOINTS, 3), 'im{:05d}.jpg', 100000),
}


def load_joints(mat_path: str, layout: str) -> np.ndarray:
    """Read ``joints`` from an LSP or LSP-extended ``joints.mat``.

    Args:
        mat_path (str): Path of ``joints.mat``.
        layout (str): ``'lsp'`` ((3, 14, N), row 3 = occluded) or
            ``'lspet'`` ((14, 3, N), column 3 = visible).

    Returns:
        np.ndarray: (N, 14, 3) float64 ``[x, y, visible]``, x and y in
        MATLAB's 1-based pixels (unchanged), ``visible`` 1 or 0.

    Raises:
        FileNotFoundError: ``mat_path`` does not exist.
        ValueError: ``layout`` is unknown, or the file is not a MATLAB file
            with a ``joints`` array of the layout's shape and 0/1 flags.
    """
    if layout not in LAYOUTS:
        raise ValueError(
            f'layout must be one of {sorted(LAYOUTS)}, got {layout!r}')
    shape, _, _ = LAYOUTS[layout]
    expected = f'({shape[0]}, {shape[1]}, N)'
    if not osp.isfile(mat_path):
        raise FileNotFoundError(
            f'{layout}: joints file {mat_path} does not exist')
    try:
        mat = loadmat(mat_path)
    except Exception as e:  # scipy raises several types for bad files
        raise ValueError(f'{layout}: cannot read {mat_path} as a MATLAB '
                         f'file: {e}') from e
    if 'joints' not in mat:
        keys = sorted(k for k in mat if not k.startswith('__'))
        raise ValueError(f'{layout}: {mat_path} has no `joints` array '
                         f'(variables: {keys})')
    raw = np.asarray(mat['joints'], dtype=np.float64)
    if raw.ndim != 3 or raw.shape[:2] != shape:
        raise ValueError(
            f'{layout}: `joints` in {mat_path} has shape {raw.shape}, '
            f'expected {expected} for the {layout} layout')
    if layout == 'lsp':
        joints = raw.transpose(2, 1, 0).copy()  # (3, K, N) -> (N, K, 3)
    else:
        joints = raw.transpose(2, 0, 1).copy()  # (K, 3, N) -> (N, K, 3)
    flag = joints[..., 2]
    if not np.isin(flag, (0, 1)).all():
        bad = np.unique(flag[~np.isin(flag, (0, 1))])[:5]
        raise ValueError(f'{layout}: the visibility flags of {mat_path} '
                         f'must be 0 or 1, got {bad.tolist()}')
    if layout == 'lsp':
        joints[..., 2] = 1 - flag  # LSP stores "occluded"
    return joints


def to_coco_keypoints(joints: np.ndarray, width: int,
                      height: int) -> np.ndarray:
    """One person's LSP joints to COCO ``[x, y, v]`` in 0-based pixels.

    Args:
        joints (np.ndarray): (14, 3) ``[x, y, visible]``, 1-based pixels.
        width (int): Image width in pixels.
        height (int): Image height in pixels.

    Returns:
        np.ndarray: (14, 3) ``[x, y, v]``: x and y minus 1, ``v`` 2 visible,
        1 occluded, 0 (and x = y = 0) non-finite or outside
        ``[0, width - 1] x [0, height - 1]``.
    """
    xy = joints[:, :2] - 1  # MATLAB 1-based -> 0-based pixels
    with np.errstate(invalid='ignore'):
        inside = (
            np.isfinite(xy).all(axis=1) & (xy[:, 0] >= 0)
            & (xy[:, 1] >= 0) & (xy[:, 0] <= width - 1)
            & (xy[:, 1] <= height - 1))
    keypoints = np.zeros((len(joints), 3))
    keypoints[inside, :2] = xy[inside]
    keypoints[inside, 2] = np.where(joints[inside, 2] > 0, 2, 1)
    return keypoints


def joints_bbox(keypoints: np.ndarray, width: int, height: int,
                margin: float) -> List[float]:
    """COCO ``[x, y, w, h]`` box around the labelled joints.

    Args:
        keypoints (np.ndarray): (14, 3) COCO ``[x, y, v]``, 0-based pixels.
        width (int): Image width in pixels.
        height (int): Image height in pixels.
        margin (float): Each side is pushed out by ``margin`` x the longer
            side of the joints' extent.

    Returns:
        list[float]: The box clipped to ``[0, width - 1] x
        [0, height - 1]``; ``[0, 0, 0, 0]`` when no joint is labelled.
    """
    xy = keypoints[keypoints[:, 2] > 0, :2]
    if len(xy) == 0:
        return [0.0, 0.0, 0.0, 0.0]
    (x1, y1), (x2, y2) = xy.min(axis=0), xy.max(axis=0)
    pad = margin * max(x2 - x1, y2 - y1)
    x1, y1 = max(0.0, x1 - pad), max(0.0, y1 - pad)
    x2, y2 = min(width - 1.0, x2 + pad), min(height - 1.0, y2 + pad)
    return [float(v) for v in np.round([x1, y1, x2 - x1, y2 - y1], 3)]


def read_image_size(path: str) -> Tuple[int, int]:
    """``(width, height)`` read from the image's header.

    Raises:
        FileNotFoundError: The image is absent.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'image {path} does not exist: its width and height are needed')
    with Image.open(path) as img:
        return img.size


def convert_dataset(data_dir: str, layout: str, img_root: str,
                    bbox_margin: float) -> Tuple[List[dict], List[dict]]:
    """COCO ``images`` and ``annotations`` of one dataset folder, in image
    order.

    Args:
        data_dir (str): Folder with ``joints.mat`` and ``images/``.
        layout (str): ``'lsp'`` or ``'lspet'``, see :func:`load_joints`.
        img_root (str): ``file_name`` is relative to this folder.
        bbox_margin (float): See :func:`joints_bbox`.
    """
    _, pattern, id_offset = LAYOUTS[layout]
    joints = load_joints(osp.join(data_dir, 'joints.mat'), layout)
    images, annotations = [], []
    for i in tqdm(range(len(joints)), desc=layout, unit='img'):
        path = osp.join(data_dir, 'images', pattern.format(i + 1))
        width, height = read_image_size(path)
        keypoints = to_coco_keypoints(joints[i], width, height)
        bbox = joints_bbox(keypoints, width, height, bbox_margin)
        image_id = id_offset + i + 1
        images.append(
            dict(
                id=image_id,
                file_name=osp.relpath(path, img_root).replace(os.sep, '/'),
                width=int(width),
                height=int(height)))
        annotations.append(
            dict(
                id=image_id,
                image_id=image_id,
                category_id=1,
                iscrowd=0,
                keypoints=[float(v) for v in np.round(keypoints, 3).ravel()],
                num_keypoints=int((keypoints[:, 2] > 0).sum()),
                bbox=bbox,
                area=float(round(bbox[2] * bbox[3], 3))))
    return images, annotations


def coco_categories() -> List[dict]:
    """The person category with LSP's keypoint names and skeleton (COCO's
    1-based joint ids), read from ``mmpose_cl/datasets/metainfo/lsp.py``."""
    info = Config.fromfile(METAINFO_FILE).dataset_info
    names = [info.keypoint_info[i]['name'] for i in range(NUM_KEYPOINTS)]
    skeleton = [[names.index(a) + 1, names.index(b) + 1]
                for a, b in (s['link'] for s in info.skeleton_info.values())]
    return [
        dict(
            id=1,
            name='person',
            supercategory='person',
            keypoints=names,
            skeleton=skeleton)
    ]


def convert(lsp_dir: str,
            out_dir: str,
            lspet_dir: Optional[str] = None,
            img_root: Optional[str] = None,
            lsp_train_num: int = LSP_TRAIN_NUM,
            bbox_margin: float = BBOX_MARGIN) -> Dict[str, str]:
    """Write ``lsp_train.json`` and ``lsp_test.json``.

    Args:
        lsp_dir (str): LSP folder (``joints.mat``, ``images/``).
        out_dir (str): Output folder, created if needed.
        lspet_dir (str, optional): LSP-extended folder; all of it goes to
            train. Defaults to ``None`` (train is LSP's part only).
        img_root (str, optional): ``file_name`` is relative to it; it must
            contain the dataset folders. Defaults to their common parent.
        lsp_train_num (int): The first ``lsp_train_num`` LSP images train,
            the rest test. Defaults to 1000 (the paper's split).
        bbox_margin (float): See :func:`joints_bbox`. Defaults to 0.1.

    Returns:
        dict: ``{'train': path, 'test': path}`` of the written files.
    """
    if isinstance(lsp_train_num, bool) or not isinstance(lsp_train_num, int) \
            or lsp_train_num < 0:
        raise ValueError('lsp_train_num must be a non-negative int, got '
                         f'{lsp_train_num!r}')
    if not (np.isfinite(bbox_margin) and bbox_margin >= 0):
        raise ValueError(
            f'bbox_margin must be a finite number >= 0, got {bbox_margin!r}')
    dirs = {'lsp': osp.abspath(lsp_dir)}
    if lspet_dir is not None:
        dirs['lspet'] = osp.abspath(lspet_dir)
    for layout, d in dirs.items():
        if not osp.isdir(d):
            raise FileNotFoundError(f'{layout}: folder {d} does not exist')
    img_root = osp.abspath(img_root or osp.commonpath(list(dirs.values())))
    for layout, d in dirs.items():
        if osp.relpath(d, img_root).startswith(os.pardir):
            raise ValueError(f'img_root {img_root} must contain the {layout} '
                             f'folder {d}')

    images, annotations = convert_dataset(dirs['lsp'], 'lsp', img_root,
                                          bbox_margin)
    if lsp_train_num > len(images):
        raise ValueError(f'lsp_train_num must be <= the {len(images)} LSP '
                         f'images, got {lsp_train_num}')
    splits = {
        'train': (images[:lsp_train_num], annotations[:lsp_train_num]),
        'test': (images[lsp_train_num:], annotations[lsp_train_num:]),
    }
    if 'lspet' in dirs:
        ext_images, ext_annotations = convert_dataset(dirs['lspet'], 'lspet',
                                                      img_root, bbox_margin)
        splits['train'][0].extend(ext_images)
        splits['train'][1].extend(ext_annotations)

    categories = coco_categories()
    paths = {}
    for split, (split_images, split_annotations) in splits.items():
        paths[split] = osp.join(out_dir, f'lsp_{split}.json')
        with atomic_output(paths[split]) as tmp, open(tmp, 'w') as f:
            json.dump(dict(images=split_images, annotations=split_annotations,
                           categories=categories), f)
        print(f'{split}: {len(split_images)} images -> {paths[split]}')
    return paths


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert LSP / LSP-extended joints.mat to COCO-style json '
        '(train = LSP 1-1000 + LSP-extended, test = LSP 1001-2000)')
    parser.add_argument('--lsp-dir', required=True, help='LSP folder with '
                        'joints.mat (3x14x2000) and images/')
    parser.add_argument('--lspet-dir', help='LSP-extended folder with '
                        'joints.mat (14x3x10000) and images/; all of it is '
                        'added to train')
    parser.add_argument('--out-dir', required=True,
                        help='where lsp_{train,test}.json go')
    parser.add_argument('--img-root', help='file_name is relative to this '
                        'folder (the dataset\'s data_prefix.img); default: '
                        'the common parent of the dataset folders')
    parser.add_argument('--lsp-train-num', type=int, default=LSP_TRAIN_NUM,
                        help='the first N LSP images train, the rest test '
                        '(default: %(default)s, the paper\'s split)')
    parser.add_argument('--bbox-margin', type=float, default=BBOX_MARGIN,
                        help='each box side is pushed out by this x the '
                        'longer side of the joints\' extent (default: '
                        '%(default)s)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    try:
        convert(args.lsp_dir, args.out_dir, lspet_dir=args.lspet_dir,
                img_root=args.img_root, lsp_train_num=args.lsp_train_num,
                bbox_margin=args.bbox_margin)
    except FileNotFoundError as e:  # names the file: no traceback
        sys.exit(f'lsp2coco.py: {e}')


if __name__ == '__main__':
    main()
