# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Print parameters and FLOPs (MMEngine's counter, as MMPose's model zoo) of
one or more configs, for a 1-image input of the config's input size.

    python tools/analysis/get_flops.py configs/clnet_r50_coco_256x192.py \
        mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py
"""
import argparse
import os.path as osp

import mmpose_cl  # noqa: F401
from mmpose_cl.utils import model_complexity


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='config paths')
    parser.add_argument(
        '--input-size',
        type=int,
        nargs=2,
        metavar=('W', 'H'),
        help='override the configs\' input size')
    args = parser.parse_args()
    missing = [c for c in args.configs if '::' not in c and not osp.isfile(c)]
    if missing:
        parser.error(f'config {missing[0]!r} not found')

    rows = []
    for config in args.configs:
        info = model_complexity(config, args.input_size)
        rows.append((config, '{}x{}'.format(*info['input_size'][::-1]),
                     f"{info['params'] / 1e6:.2f}M",
                     f"{info['flops'] / 1e9:.2f}G"))
    header = ('config', 'input (HxW)', 'params', 'FLOPs')
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    for row in [header] + rows:
        print(' | '.join(c.ljust(w) for c, w in zip(row, widths)))


if __name__ == '__main__':
    main()
