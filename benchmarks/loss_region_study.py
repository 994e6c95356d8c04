# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Does CL learn from scratch, and how fast? The offset-region and last-layer
choices of CLNet against MMPose's SimpleBaseline-R18 on the bundled mini-COCO:
from scratch, 12 people, batch 12, Adam 1e-3, N iterations, then PCK@0.2 and
PCK@0.05 (bbox), EPE and COCO AP on the same people's GT boxes (the first
protocol, which tests on the training people). The held-out version of this
study is a learning comparison of the same variants (docs/loss_region.md
gives its command).

Each run goes through tools/train.py; the table is printed and written to
benchmarks/results/loss_region_results.md (with the command line and the machine);
docs/loss_region.md discusses them.

    python -m benchmarks.loss_region_study [--iters 150] [--seeds 0]
"""
import argparse
import os.path as osp
import subprocess
import sys
import time

from clpose.files import atomic_output

from benchmarks.lib.report import (REPO, RESULTS, describe_environment,
                                   environment)
from mmpose_cl.utils import read_scalars

CL = 'configs/demo/clnet_r18_coco-mini_256x192_pck.py'
BASELINE = 'configs/baselines/td-hm_res18_coco-mini_256x192_pck.py'
RUNS = [
    ('MMPose SimpleBaseline-R18', BASELINE, []),
    ("CL, region 'pred' (paper), last conv N(0, 0.001)", CL,
     ['model.head.loss.region=pred', 'model.head.final_layer_std=0.001']),
    ("CL, region 'pred' (paper), last conv Kaiming", CL,
     ['model.head.loss.region=pred', 'model.head.final_layer_std=None']),
    ("CL, region 'gt', last conv N(0, 0.001)", CL,
     ['model.head.loss.region=gt', 'model.head.final_layer_std=0.001']),
    ("CL, region 'gt', last conv Kaiming", CL,
     ['model.head.loss.region=gt', 'model.head.final_layer_std=None']),
    ("CL, region 'union', last conv N(0, 0.001) (our defaults)", CL,
     ['model.head.loss.region=union', 'model.head.final_layer_std=0.001']),
    ("CL, region 'union', last conv Kaiming", CL,
     ['model.head.loss.region=union', 'model.head.final_layer_std=None']),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--iters', type=int, default=150)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--work-dir', default=osp.join(
        REPO, 'work_dirs', time.strftime('loss_region_%Y%m%d_%H%M%S')))
    parser.add_argument('--out', default=osp.join(
        RESULTS, 'loss_region_results.md'))
    args = parser.parse_args()

    rows = []
    for name, config, options in RUNS:
        for seed in args.seeds:
            work_dir = osp.join(args.work_dir,
                                f'{len(rows):02d}_seed{seed}')
            n = args.iters
            cmd = [
                sys.executable, 'tools/train.py', config, '--work-dir',
                work_dir, '--cfg-options', f'train_cfg.max_iters={n}',
                f'train_cfg.val_interval={n}',
                f'default_hooks.checkpoint.interval={n}',
                f'randomness.seed={seed}', *options
            ]
            print('$', ' '.join(cmd), flush=True)
            t0 = time.time()
            subprocess.run(cmd, cwd=REPO, check=True,
                           stdout=subprocess.DEVNULL)
            wall = time.time() - t0
            # the last value of each scalar
            train, val = ({k: v for r in records for k, v in r.items()}
                          for records in read_scalars(work_dir))
            rows.append((name, seed, val['PCK'], val['strict/PCK'],
                         val['coco/AP'], val['EPE'], wall,
                         train.get('pred_cells')))
            print(f'  PCK@0.2 {val["PCK"]:.3f}  PCK@0.05 '
                  f'{val["strict/PCK"]:.3f}  AP {val["coco/AP"]:.3f}  EPE '
                  f'{val["EPE"]:.1f}px  {wall:.0f}s', flush=True)

    lines = [
        '| run | seed | PCK@0.2 | PCK@0.05 | COCO AP | EPE (px) | wall (s) | '
        'predicted cells >= tau per keypoint, last iteration |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for name, seed, pck, strict, ap, epe, wall, cells in rows:
        cells = '-' if cells is None else f'{cells:.2f}'
        lines.append(f'| {name} | {seed} | {pck:.3f} | {strict:.3f} | '
                     f'{ap:.3f} | {epe:.1f} | {wall:.0f} | {cells} |')
    table = '\n'.join(lines)
    print(table)
    with atomic_output(args.out) as tmp, open(tmp, 'w') as f:
        f.write('# Offset region and last-layer init: results\n\nWritten by '
                f'{describe_environment(environment(__file__))} See '
                f'loss_region.md.\n\n{table}\n')
    print(f'table written to {args.out}')


if __name__ == '__main__':
    main()
