# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Draw the CL training targets of transformed training samples: each crop
as the config's train pipeline makes it (the paper rows: flip, scale,
rotation and shear in one warp), with the target cells >= tau and their
offset arrows to the keypoints, to check an augmentation pipeline. Saves one
PNG per sample.

    python tools/misc/browse_cl_targets.py CONFIG --output-dir DIR \
        [--num 20] [--cfg-options k=v ...]

``configs/demo/clnet_r18_coco-mini_256x192.py`` shows the paper rows'
augmentation on the bundled COCO people.
"""
import argparse
import os
import os.path as osp

import cv2
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from mmpose_cl.visualization import draw_cl_votes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--output-dir', required=True)
    parser.add_argument('--num', type=int, default=20)
    parser.add_argument('--scale', type=int, default=2,
                        help='enlarge the crops for visibility')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    if not osp.isfile(args.config):
        parser.error(f'config {args.config!r} not found')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    from mmpose.registry import DATASETS, KEYPOINT_CODECS
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    codec = KEYPOINT_CODECS.build(cfg.model.head.decoder)
    colors = dataset.metainfo['keypoint_colors']
    os.makedirs(args.output_dir, exist_ok=True)
    for i in tqdm(range(min(args.num, len(dataset))), desc='samples'):
        packed = dataset[i]
        sample = packed['data_samples']
        crop = packed['inputs'].permute(1, 2, 0).numpy().copy()  # (h, w, 3)
        s = args.scale
        crop = cv2.resize(crop, None, fx=s, fy=s,
                          interpolation=cv2.INTER_NEAREST)
        drawn = draw_cl_votes(
            crop, sample.gt_fields.heatmaps.numpy(),
            sample.gt_fields.offsets.numpy(), codec, colors,
            to_image=lambda p: (p + 0.5) * s - 0.5)
        name = osp.splitext(osp.basename(sample.img_path))[0]
        cv2.imwrite(osp.join(args.output_dir, f'{i:04d}_{name}.png'), drawn)
    print(f'wrote {min(args.num, len(dataset))} samples to {args.output_dir}')


if __name__ == '__main__':
    main()
