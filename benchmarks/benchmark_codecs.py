# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Decoding speed and round-trip error of the keypoint codecs.

At 256x192: the decoding speed of CL against MMPose's MSRAHeatmap (and
DARK), and the round-trip (quantisation) error of encode -> decode for CL,
MSRAHeatmap, DARK, UDPHeatmap and SimCC.

Decoding: each codec as its head runs it, on realistic maps (the targets of
random keypoints plus noise): CL decodes the whole batch at once
(``CLCodec.batch_decode``), MSRAHeatmap one instance after the other
(``BaseHead.decode`` loops over instances), on the CPU with the current
number of threads; with ``--device cuda`` also CL's decode of maps on the GPU.

    python -m benchmarks.benchmark_codecs [--device cpu|cuda]
        [--instances 1 64 1024] [--reps 20] [--samples 200]
        [--out benchmarks/results/benchmark_codecs_<device>]   # writes .md and .json

The report states what was measured; the targets are stated in
``docs/benchmarks.md``.
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmpose.registry import KEYPOINT_CODECS

import mmpose_cl  # noqa: F401
from benchmarks.lib.report import (RESULTS, describe_environment, environment,
                                   save_report)
from benchmarks.lib.timing import timed
from mmpose_cl.utils import at_least

INPUT_SIZE = (192, 256)  # (w, h)
CODECS = {
    'CLCodec (S=16, sigma=16)': dict(type='CLCodec', input_size=INPUT_SIZE),
    'MSRAHeatmap 48x64': dict(type='MSRAHeatmap', input_size=INPUT_SIZE,
                              heatmap_size=(48, 64), sigma=2),
    'MSRAHeatmap 48x64 + DARK': dict(type='MSRAHeatmap',
                                     input_size=INPUT_SIZE,
                                     heatmap_size=(48, 64), sigma=2,
                                     unbiased=True),
    'UDPHeatmap 48x64': dict(type='UDPHeatmap', input_size=INPUT_SIZE,
                             heatmap_size=(48, 64), sigma=2),
    'SimCCLabel (split 2.0)': dict(type='SimCCLabel', input_size=INPUT_SIZE,
                                   sigma=(4.9, 5.66), simcc_split_ratio=2.0),
}
CL, MSRA, DARK = list(CODECS)[:3]


def best_of(fn, reps: int) -> float:
    """The shortest of ``reps`` timings of ``fn()``, in ms."""
    return min(timed(fn) for _ in range(reps)) * 1e3


def decode_table(instances, reps: int, device: str) -> dict:
    """Decoding time (ms, best of ``reps``; a third of them for DARK) of
    ``n`` instances for each ``n`` in ``instances``: ``{n: dict(cl_ms,
    msra_ms, dark_ms[, cl_cuda_ms])}``."""
    cl, msra, dark = (KEYPOINT_CODECS.build(CODECS[n])
                      for n in (CL, MSRA, DARK))
    rng = np.random.default_rng(0)
    rows = {}
    for n in instances:
        kpts = rng.uniform([0, 0], INPUT_SIZE, (n, 1, 17, 2))
        encoded = [cl.encode(k) for k in kpts]
        hm = torch.from_numpy(
            np.stack([e['heatmaps'] for e in encoded]) +
            rng.normal(0, 0.05, (n, 17, 16, 12)).astype(np.float32))
        off = torch.from_numpy(np.stack([e['offsets'] for e in encoded]))
        dense = np.stack([msra.encode(k)['heatmaps'] for k in kpts]) + \
            rng.normal(0, 0.05, (n, 17, 64, 48)).astype(np.float32)
        rows[n] = dict(
            cl_ms=best_of(lambda: cl.batch_decode(hm, off), reps),
            msra_ms=best_of(lambda: [msra.decode(d) for d in dense], reps),
            dark_ms=best_of(lambda: [dark.decode(d) for d in dense],
                            max(1, reps // 3)))
        if device == 'cuda':  # the maps stay where the head made them
            hm_d, off_d = hm.cuda(), off.cuda()
            cl.batch_decode(hm_d, off_d)  # warm-up
            rows[n]['cl_cuda_ms'] = best_of(
                lambda: cl.batch_decode(hm_d, off_d), reps)
    return rows


def round_trip_table(samples: int) -> dict:
    """Error (px) of encode -> decode on ``samples`` instances of 17 random
    keypoints inside the crop: ``{codec: dict(mean_px, max_px)}``."""
    rng = np.random.default_rng(0)
    kpts = rng.uniform([4, 4], np.subtract(INPUT_SIZE, 4), (samples, 1, 17, 2))
    visible = np.ones((1, 17))
    rows = {}
    for name, cfg in CODECS.items():
        codec = KEYPOINT_CODECS.build(cfg)
        encoded = [codec.encode(k, visible) for k in kpts]
        if cfg['type'] == 'CLCodec':  # the batched torch decoding
            decoded, _ = codec.decode_torch(
                torch.from_numpy(np.stack([e['heatmaps'] for e in encoded])),
                torch.from_numpy(np.stack([e['offsets'] for e in encoded])))
            decoded = decoded.numpy()[:, None]
        elif cfg['type'] == 'SimCCLabel':
            decoded = [codec.decode(e['keypoint_x_labels'],
                                    e['keypoint_y_labels'])[0]
                       for e in encoded]
        else:
            decoded = [codec.decode(e['heatmaps'])[0] for e in encoded]
        errors = np.linalg.norm(np.stack(decoded) - kpts, axis=-1)
        rows[name] = dict(mean_px=float(errors.mean()),
                          max_px=float(errors.max()))
    return rows


def report(args, env, decode, round_trip) -> str:
    """The Markdown tables of the measurements."""
    on_gpu = args.device == 'cuda'
    lines = ['# Codecs at 256x192', '', describe_environment(env), '',
             '## Decoding on the CPU' + (' (and CL on the GPU)'
                                         if on_gpu else ''), '',
             f'Best of {args.reps} runs (DARK: of {max(1, args.reps // 3)}); '
             'CL decodes the batch at once, the heatmap codecs one instance '
             'after the other, as their heads do.', '',
             '| instances | CLCodec batched decode (ms) | MSRAHeatmap decode '
             '(ms) | MSRAHeatmap + DARK (ms) | MSRA / CL |' +
             (' CLCodec on the GPU (ms) |' if on_gpu else ''),
             '|---|---|---|---|---|' + ('---|' if on_gpu else '')]
    for n, r in decode.items():
        lines.append(f'| {n} | {r["cl_ms"]:.2f} | {r["msra_ms"]:.2f} | '
                     f'{r["dark_ms"]:.2f} | '
                     f'{r["msra_ms"] / r["cl_ms"]:.1f}x |' +
                     (f' {r["cl_cuda_ms"]:.2f} |' if on_gpu else ''))
    lines += ['', f'## Round-trip error (encode -> decode, {args.samples} '
              f'x 17 = {args.samples * 17} random keypoints)', '',
              '| codec | mean error (px) | max error (px) |', '|---|---|---|']
    for name, r in round_trip.items():
        lines.append(f'| {name} | {r["mean_px"]:.2e} | {r["max_px"]:.2e} |')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'],
                        help='cuda adds CL\'s decoding on the GPU')
    parser.add_argument('--instances', type=at_least(1), nargs='+',
                        default=[1, 64, 1024],
                        help='batch sizes of the decoding rows')
    parser.add_argument('--reps', type=at_least(1), default=20,
                        help='timings per row, the best is kept')
    parser.add_argument('--samples', type=at_least(1), default=200,
                        help='instances of the round-trip rows')
    parser.add_argument('--out', help='report path without extension '
                        '(default: benchmarks/results/benchmark_codecs_<device>)')
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: torch sees no CUDA device')
    args.out = args.out or osp.join(RESULTS,
                                    f'benchmark_codecs_{args.device}')
    return args


def main(argv=None):
    args = parse_args(argv)
    env = environment(__file__, argv)
    decode = decode_table(args.instances, args.reps, args.device)
    round_trip = round_trip_table(args.samples)
    text = report(args, env, decode, round_trip)
    print(text)
    save_report(args.out, text, dict(environment=env, settings=vars(args),
                                     decode=decode, round_trip=round_trip))
    print(f'written to {args.out}.md and .json')


if __name__ == '__main__':
    main()
