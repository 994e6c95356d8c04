# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Plot training curves (losses, accuracy, validation metrics) from a run's
MMEngine log (``<work_dir>/<timestamp>/vis_data/scalars.json``) to a PNG.

    python tools/analysis/plot_curves.py WORK_DIR_OR_SCALARS_JSON \
        --out curves.png [--keys loss loss_heatmap loss_offset] \
        [--metrics coco/AP]
"""
import argparse

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from clpose.files import atomic_output  # noqa: E402

from mmpose_cl.utils import read_scalars  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('log', help='work dir or scalars.json')
    parser.add_argument('--out', required=True)
    parser.add_argument('--keys', nargs='+',
                        default=['loss', 'loss_heatmap', 'loss_offset'])
    parser.add_argument('--metrics', nargs='+', default=None,
                        help='validation metrics (default: all found)')
    args = parser.parse_args()
    try:
        train, val = read_scalars(args.log)
    except (FileNotFoundError, ValueError) as e:
        parser.error(str(e))
    if not train:
        parser.error(f'{args.log} holds no training losses')
    metrics = args.metrics or sorted(
        {k for r in val for k in r if k not in ('step', 'time', 'data_time')})
    fig, axes = plt.subplots(1, 2 if val and metrics else 1, squeeze=False,
                             figsize=(11 if val else 6, 4))
    ax = axes[0][0]
    for key in args.keys:
        points = [(r['step'], r[key]) for r in train if key in r]
        if points:
            ax.plot(*zip(*points), label=key)
    ax.set_xlabel('iteration')
    ax.set_yscale('log')
    ax.set_title('training losses')
    ax.legend()
    if val and metrics:
        ax = axes[0][1]
        for key in metrics:
            points = [(r['step'], r[key]) for r in val if key in r]
            if points:
                ax.plot(*zip(*points), marker='o', label=key)
        ax.set_xlabel('step (epoch or iteration of validation)')
        ax.set_title('validation')
        ax.legend()
    fig.tight_layout()
    with atomic_output(args.out) as tmp:
        fig.savefig(tmp, dpi=100)
    print(f'{len(train)} training and {len(val)} validation records from '
          f'{args.log} plotted to {args.out}')


if __name__ == '__main__':
    main()
