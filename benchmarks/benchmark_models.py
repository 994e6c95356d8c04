# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Inference and training speed of pose models, measured side by side.

All in one process, on the same inputs: by default CLNet-R50 beside MMPose's
SimpleBaseline-R50 and RTMPose-m. Random weights; timings include decoding
to keypoints.

Inference: params and FLOPs (MMEngine's counter), batch-1 latency (median
after warm-up) and throughput at a full batch, with and without flip test,
through ``model(inputs, data_samples, mode='predict')`` (backbone, head, flip
merge, decode, keypoints mapped back to the image). The models are measured
interleaved, round after round, so that drift on a shared machine hits all
of them alike; each row gives its time per image over ``--baseline``'s. On
CUDA also AMP (bf16 and fp16 autocast) and channels_last, and the full batch
is each model's largest power of two that fits (``--batch auto``).

Training: samples/s of ``--train-models``, each with its own config's data
pipeline through a multi-worker loader; on CUDA also with AMP (fp16).

    python -m benchmarks.benchmark_models [--device cpu|cuda]
        [--models NAME=CONFIG ...] [--baseline NAME] [--train-models NAME ...]
        [--rounds 20] [--batch 32|auto] [--max-batch 1024] [--train-batch 8]
        [--train-iters 10] [--train-workers 2]
        [--out benchmarks/results/benchmark_models_<device>]   # writes .md and .json

The report states what was measured; the targets are stated in
``docs/benchmarks.md``.
"""
import argparse
import copy
import math
import os.path as osp
import statistics
import time
from contextlib import nullcontext

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from benchmarks.lib.report import (REPO, RESULTS, describe_environment,
                                   environment, save_report)
from benchmarks.lib.specs import model_spec
from benchmarks.lib.timing import timed
from mmpose_cl.utils import (at_least, drop_pretrained, load_config,
                             model_complexity)

MODELS = [
    f'CLNet-R50={osp.join(REPO, "configs", "clnet_r50_coco_256x192.py")}',
    'SimpleBaseline-R50=mmpose::body_2d_keypoint/topdown_heatmap/coco/'
    'td-hm_res50_8xb64-210e_coco-256x192.py',
    'RTMPose-m=mmpose::body_2d_keypoint/rtmpose/coco/'
    'rtmpose-m_8xb256-420e_coco-256x192.py',
    'CLNet-CSPNeXt-m='
    f'{osp.join(REPO, "configs", "clnet_cspnext-m_coco_256x192.py")}',
]


def coco_metainfo() -> dict:
    """MMPose's COCO metainfo (its ``.mim`` copy of the dataset config)."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(dict(from_file='configs/_base_/datasets/'
                                    'coco.py'))


def build(cfg, device):
    """The config's model with random weights, in eval mode on ``device``."""
    from mmpose.registry import MODELS as REGISTRY
    init_default_scope('mmpose')
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    drop_pretrained(model_cfg)
    model = REGISTRY.build(model_cfg).to(device).eval()
    model.dataset_meta = coco_metainfo()
    return model


def fake_batch(cfg, batch, device):
    """Normalised inputs and data samples as the test pipeline makes them."""
    from mmpose.structures import PoseDataSample
    w, h = cfg.codec['input_size']
    flip_indices = coco_metainfo()['flip_indices']
    samples = []
    for _ in range(batch):
        s = PoseDataSample(metainfo=dict(
            input_size=(w, h), input_center=np.array([320., 240.]),
            input_scale=np.array([w * 1.25, h * 1.25]),
            flip_indices=flip_indices))
        s.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., w, h]]), bbox_scores=np.ones(1))
        samples.append(s)
    return torch.randn(batch, 3, h, w, device=device), samples


def largest_batch(fits, limit):
    """The largest power of two ``<= limit`` for which ``fits(batch)`` runs
    without running out of device memory, doubling from 1.

    Raises:
        RuntimeError: batch 1 does not fit.
    """
    batch, best = 1, None
    while batch <= limit:
        try:
            fits(batch)
        except torch.OutOfMemoryError:
            break
        finally:
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        best, batch = batch, batch * 2
    if best is None:
        raise RuntimeError('batch 1 does not fit in the device memory')
    return best


def predict_once(model, x, samples, mode):
    """One call of ``model.predict`` through MMPose's
    ``forward(mode='predict')``, under the mode's autocast."""
    with torch.no_grad(), mode['autocast']():
        model(x, samples, mode='predict')


def full_batches(args, cfgs, models, device, modes):
    """Per model: ``--batch`` on the CPU; on CUDA with ``--batch auto``, the
    largest power-of-two batch that predicts with flip test in fp32 (the
    most memory of all modes), up to ``--max-batch``."""
    if args.batch != 'auto':
        return {name: int(args.batch) for name in models}
    out = {}
    for name, model in models.items():
        model.test_cfg['flip_test'] = True

        def fits(batch):
            x, samples = fake_batch(cfgs[name], batch, device)
            predict_once(model, x, samples, modes[0])

        out[name] = largest_batch(fits, args.max_batch)
    return out


def inference_table(args, cfgs, device, modes):
    """Latency (batch 1) and throughput (full batch) per model, mode and
    flip setting. Returns ``{(mode, flip, '1' | 'full', model): dict(batch,
    latency_ms, images_per_s)}``."""
    models = {name: build(cfg, device) for name, cfg in cfgs.items()}
    full = full_batches(args, cfgs, models, device, modes)
    results = {}
    for mode in modes:
        for flip in (False, True):
            for label, rounds in (('1', args.rounds),
                                  ('full', max(3, args.rounds // 4))):
                batch = {n: 1 if label == '1' else full[n] for n in cfgs}
                inputs = {n: fake_batch(cfgs[n], batch[n], device)
                          for n in cfgs}
                times = {n: [] for n in cfgs}
                for m in models.values():
                    m.test_cfg['flip_test'] = flip
                    m.to(memory_format=torch.channels_last if mode[
                        'channels_last'] else torch.contiguous_format)
                desc = f'{mode["name"]} flip={flip} batch={label}'
                for r in tqdm(range(rounds + 2), desc=desc, leave=False):
                    for name, model in models.items():
                        x, samples = inputs[name]
                        if mode['channels_last']:
                            x = x.contiguous(memory_format=torch.channels_last)
                        samples = copy.deepcopy(samples)  # predict fills them
                        t = timed(
                            lambda: predict_once(model, x, samples, mode))
                        if r >= 2:  # warm-up rounds
                            times[name].append(t)
                for name, ts in times.items():
                    med = statistics.median(ts)
                    results[(mode['name'], flip, label, name)] = dict(
                        batch=batch[name], latency_ms=med * 1e3,
                        images_per_s=batch[name] / med)
    return results


def train_step(model, optim, scaler, batch, amp, device) -> float:
    """One optimisation step on a collated batch; with ``amp``, fp16
    autocast and the gradient scaler, as MMEngine's ``AmpOptimWrapper``.
    Returns the summed loss."""
    data = model.data_preprocessor(batch, training=True)
    with torch.autocast(device.type, torch.float16, enabled=amp):
        losses = model(**data, mode='loss')
        loss = sum(v for k, v in losses.items() if 'loss' in k)
    optim.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optim)
    scaler.update()
    return loss.item()


def training_table(args, cfgs, device):
    """Training throughput (samples/s) of the models, each with its config's
    own augmentation pipeline on the bundled mini-COCO, through a DataLoader
    with workers, persistent workers and pinned memory. The models step in
    turn; ``data wait`` is the time spent waiting for a batch. On CUDA also
    with AMP: fp16 autocast and a gradient scaler, as MMEngine's
    ``AmpOptimWrapper`` (``tools/train.py --amp``) trains.
    """
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    from torch.utils.data import DataLoader, RandomSampler
    init_default_scope('mmpose')
    coco = osp.join(REPO, 'tests', 'data', 'coco')
    amp_modes = [False, True] if device.type == 'cuda' else [False]
    runs = {}
    for name, cfg in cfgs.items():
        dataset = DATASETS.build({
            **cfg.train_dataloader.dataset, 'data_root': coco,
            'ann_file': 'test_coco.json', 'data_prefix': dict(img='')
        })
        loader = DataLoader(
            dataset, batch_size=args.train_batch,
            num_workers=args.train_workers,
            persistent_workers=args.train_workers > 0,
            pin_memory=device.type == 'cuda', collate_fn=pseudo_collate,
            sampler=RandomSampler(dataset, replacement=True,
                                  num_samples=10**6))
        it = iter(loader)
        for amp in amp_modes:
            model = build(cfg, device).train()
            runs[(name, amp)] = dict(
                model=model, it=it, amp=amp,
                optim=torch.optim.Adam(model.parameters(), lr=1e-3),
                scaler=torch.amp.GradScaler(device.type, enabled=amp),
                steps=[], waits=[], losses=[])
    for step in tqdm(range(args.train_iters + 2), desc='training',
                     leave=False):
        for run in runs.values():
            t0 = time.perf_counter()
            batch = next(run['it'])
            t1 = time.perf_counter()
            t = timed(lambda: run['losses'].append(train_step(
                run['model'], run['optim'], run['scaler'], batch, run['amp'],
                device)))
            if step >= 2:  # warm-up
                run['steps'].append(t1 - t0 + t)
                run['waits'].append(t1 - t0)
    return {
        (name, amp): dict(
            samples_per_s=args.train_batch / statistics.median(run['steps']),
            step_ms=statistics.median(run['steps']) * 1e3,
            data_wait_ms=statistics.median(run['waits']) * 1e3,
            losses_finite=all(map(math.isfinite, run['losses'])))
        for (name, amp), run in runs.items()
    }


def per_image_ratio(inference, mode, flip, label, name, baseline):
    """Time per image of ``name`` over ``baseline``'s, measured in the same
    rounds (each model at its own full batch for ``label='full'``)."""
    return (inference[(mode, flip, label, baseline)]['images_per_s'] /
            inference[(mode, flip, label, name)]['images_per_s'])


def report(args, env, sizes, inference, training) -> str:
    """The Markdown tables of the measurements."""
    base = args.baseline
    lines = [f'# Model speed on {args.device}', '',
             describe_environment(env) + ' Random weights; each time '
             'includes the head\'s decoding and the mapping of the keypoints '
             f'back to the image. Ratios are against {base} measured in the '
             'same rounds.', '',
             '| model | config | params | GFLOPs |', '|---|---|---|---|']
    for name, s in sizes.items():
        config = s['config'].replace(REPO + osp.sep, '')
        lines.append(f'| {name} | `{config}` | {s["params"] / 1e6:.2f}M | '
                     f'{s["flops"] / 1e9:.2f} |')
    lines += ['', '## Inference', '',
              '| mode | flip test | batch | model | latency (ms) | images/s | '
              f'time per image vs {base} |', '|---|---|---|---|---|---|---|']
    for (mode, flip, label, name), r in inference.items():
        ratio = per_image_ratio(inference, mode, flip, label, name, base)
        lines.append(
            f'| {mode} | {"yes" if flip else "no"} | {r["batch"]} | {name} | '
            f'{r["latency_ms"]:.1f} | {r["images_per_s"]:.1f} | '
            f'{ratio:.3f} |')
    if training:
        on_gpu = args.device == 'cuda'
        lines += ['', '## Training', '',
                  f'Batch {args.train_batch}, median of {args.train_iters} '
                  'steps after 2 of warm-up, Adam; each model with its own '
                  'config\'s augmentation pipeline on the bundled mini-COCO, '
                  f'{args.train_workers} loader workers (persistent'
                  f'{", pinned memory" if on_gpu else ""}).' +
                  (' AMP: fp16 autocast with a gradient scaler.'
                   if on_gpu else ''), '',
                  '| model | precision | samples/s | step (ms) | of which '
                  'waiting for data (ms) | all losses finite | samples/s vs '
                  f'{base} |', '|---|---|---|---|---|---|---|']
        for (name, amp), r in training.items():
            ref = training.get((base, amp))
            lines.append(
                f'| {name} | {"AMP fp16" if amp else "fp32"} | '
                f'{r["samples_per_s"]:.2f} | {r["step_ms"]:.0f} | '
                f'{r["data_wait_ms"]:.1f} | '
                f'{"yes" if r["losses_finite"] else "**no**"} | ' +
                (f'{r["samples_per_s"] / ref["samples_per_s"]:.2f} |'
                 if ref else '- |'))
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--models', type=model_spec, nargs='+',
                        default=[model_spec(m) for m in MODELS],
                        metavar='NAME=CONFIG[:KEY=VALUE,...]',
                        help='the models, in the order of the tables '
                        '(default: ' + ', '.join(
                            m.split('=')[0] for m in MODELS) + ')')
    parser.add_argument('--baseline', default='SimpleBaseline-R50',
                        help='the model the ratios are against')
    parser.add_argument('--train-models', nargs='*',
                        default=['CLNet-R50', 'SimpleBaseline-R50',
                                 'CLNet-CSPNeXt-m', 'RTMPose-m'],
                        metavar='NAME', help='the models of the training '
                        'rows (none: no training rows)')
    parser.add_argument('--rounds', type=at_least(1), default=20)
    parser.add_argument('--batch', default=None,
                        help='batch for throughput: a number, or "auto" for '
                        'the largest power of two that fits each model '
                        '(CUDA only). Defaults to 32 on the CPU, auto on '
                        'CUDA')
    parser.add_argument('--max-batch', type=at_least(1), default=1024,
                        help='upper bound of --batch auto')
    parser.add_argument('--train-batch', type=at_least(1), default=8)
    parser.add_argument('--train-iters', type=at_least(1), default=10)
    parser.add_argument('--train-workers', type=at_least(0), default=2,
                        help='data loader workers for the training rows')
    parser.add_argument('--out', help='report path without extension '
                        '(default: benchmarks/results/benchmark_models_<device>)')
    args = parser.parse_args(argv)
    names = [name for name, _, _ in args.models]
    if len(set(names)) < len(names):
        parser.error(f'--models: each NAME once, got {names}')
    for option, chosen in (('--baseline', [args.baseline]),
                           ('--train-models', args.train_models)):
        unknown = [n for n in chosen if n not in names]
        if unknown:
            parser.error(f'{option}: {unknown} not among --models {names}')
    if args.device == 'cuda' and not torch.cuda.is_available():
        parser.error('--device cuda: torch sees no CUDA device')
    if args.batch is None:
        args.batch = 'auto' if args.device == 'cuda' else '32'
    if args.batch == 'auto' and args.device != 'cuda':
        parser.error('--batch auto searches the GPU memory: use --device '
                     'cuda, or give a number')
    if args.batch != 'auto' and not (args.batch.isdigit() and
                                     int(args.batch) >= 1):
        parser.error(f'--batch must be a positive number or "auto", got '
                     f'{args.batch!r}')
    args.out = args.out or osp.join(RESULTS,
                                    f'benchmark_models_{args.device}')
    return args


def main(argv=None):
    args = parse_args(argv)
    env = environment(__file__, argv)
    device = torch.device(args.device)
    modes = [dict(name='fp32', autocast=nullcontext, channels_last=False)]
    if device.type == 'cuda':
        modes += [
            dict(name='fp32 channels_last', autocast=nullcontext,
                 channels_last=True),
            dict(name='bf16 autocast',
                 autocast=lambda: torch.autocast('cuda', torch.bfloat16),
                 channels_last=False),
            dict(name='fp16 autocast channels_last',
                 autocast=lambda: torch.autocast('cuda', torch.float16),
                 channels_last=True),
        ]
    cfgs = {name: load_config(config, options)
            for name, config, options in args.models}
    sizes = {name: dict(config=config, options=options,
                        **model_complexity(cfgs[name]))
             for name, config, options in args.models}
    inference = inference_table(args, cfgs, device, modes)
    training = training_table(
        args, {n: cfgs[n] for n in args.train_models}, device)
    text = report(args, env, sizes, inference, training)
    print(text)
    save_report(args.out, text, dict(
        environment=env, settings=vars(args), sizes=sizes,
        inference=[dict(mode=k[0], flip=k[1], model=k[3], **v)
                   for k, v in inference.items()],
        training=[dict(model=k[0], amp=k[1], **v)
                  for k, v in training.items()]))
    print(f'written to {args.out}.md and .json')


if __name__ == '__main__':
    main()
