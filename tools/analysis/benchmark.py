# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Speed of CLNet-R50 beside MMPose's SimpleBaseline-R50 and RTMPose-m, in one
process, on the same inputs; plus decoding speed and quantisation error of
the codecs. Random weights; timings include decoding to keypoints.

Inference: params and FLOPs (MMEngine's counter), batch-1 latency (median
after warm-up) and throughput at a full batch, with and without flip test,
through ``model(inputs, data_samples, mode='predict')`` (backbone, head, flip
merge, decode, keypoints mapped back to the image). The models are measured
interleaved, round after round, so that drift on a shared machine hits all
of them alike; ratios against SimpleBaseline-R50 are the headline. On CUDA
also AMP (bf16 and fp16 autocast) and channels_last, and the full batch is
each model's largest power of two that fits (``--batch auto``).

Training: samples/s of CLNet-R50 and SimpleBaseline-R50 with the same data
pipeline through a multi-worker loader; on CUDA also with AMP (fp16).

    python tools/analysis/benchmark.py [--device cpu|cuda] [--rounds 20]
        [--batch 32|auto] [--max-batch 1024] [--train-batch 8]
        [--train-iters 10] [--train-workers 2]
        [--out docs/benchmarks]   # writes docs/benchmarks.md and .json
                                  # (docs/benchmarks_cuda.* on a GPU)
"""
import argparse
import copy
import json
import math
import os.path as osp
import platform
import statistics
import sys
import time
from contextlib import nullcontext

import numpy as np
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from mmpose_cl.utils.cli import at_least
from mmpose_cl.utils.complexity import model_complexity
from mmpose_cl.utils.config_walk import drop_pretrained, load_config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODELS = [
    ('CLNet-R50', osp.join(REPO, 'configs', 'clnet_r50_coco_256x192.py')),
    ('SimpleBaseline-R50', 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_res50_8xb64-210e_coco-256x192.py'),
    ('RTMPose-m', 'mmpose::body_2d_keypoint/rtmpose/coco/'
     'rtmpose-m_8xb256-420e_coco-256x192.py'),
]
BASELINE = 'SimpleBaseline-R50'


def build(cfg, device):
    from mmpose.registry import MODELS as REG
    init_default_scope('mmpose')
    model_cfg = copy.deepcopy(cfg.model.to_dict())
    drop_pretrained(model_cfg)
    model = REG.build(model_cfg).to(device).eval()
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    model.dataset_meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    return model


def fake_batch(cfg, batch, device):
    """Normalised inputs and data samples as the test pipeline makes them."""
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    from mmpose.structures import PoseDataSample
    w, h = cfg.codec['input_size']
    meta = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))
    samples = []
    for _ in range(batch):
        s = PoseDataSample(metainfo=dict(
            input_size=(w, h), input_center=np.array([320., 240.]),
            input_scale=np.array([w * 1.25, h * 1.25]),
            flip_indices=meta['flip_indices']))
        s.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., w, h]]), bbox_scores=np.ones(1))
        samples.append(s)
    inputs = torch.randn(batch, 3, h, w, device=device)
    return inputs, samples


def timed(fn, device):
    if device.type == 'cuda':
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - t0


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
    """One timed-shape call: ``model.predict`` through MMPose's
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


def inference_table(args, device, modes):
    """Latency (batch 1) and throughput (full batch) per model, mode and
    flip setting. Returns ``{(mode, flip, '1' | 'full', model): dict(batch,
    latency_ms, images_per_s)}``."""
    cfgs = {name: load_config(path) for name, path in MODELS}
    models = {name: build(cfgs[name], device) for name in cfgs}
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
                            lambda: predict_once(model, x, samples, mode),
                            device)
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


def training_table(args, device):
    """Training throughput (samples/s) of CLNet-R50 and SimpleBaseline-R50,
    each with its config's own augmentation pipeline (the same transforms;
    only the target encoding differs) on the bundled mini-COCO, through a
    DataLoader with workers, persistent workers and pinned memory. The two
    models step in turn; ``data wait`` is the time spent waiting for a batch.
    On CUDA also with AMP: fp16 autocast and a gradient scaler, as MMEngine's
    ``AmpOptimWrapper`` (``tools/train.py --amp``) trains.
    """
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    from torch.utils.data import DataLoader, RandomSampler
    init_default_scope('mmpose')
    coco = osp.join(REPO, 'tests', 'data', 'coco')
    amp_modes = [False, True] if device.type == 'cuda' else [False]
    runs = {}
    for name, path in MODELS[:2]:
        cfg = load_config(path)
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
    for step in tqdm(range(args.train_iters + 2), desc='training', leave=False):
        for run in runs.values():
            t0 = time.perf_counter()
            batch = next(run['it'])
            t1 = time.perf_counter()
            t = timed(lambda: run['losses'].append(train_step(
                run['model'], run['optim'], run['scaler'], batch, run['amp'],
                device)), device)
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


def decode_table(args):
    """CL batched decode vs MSRAHeatmap (and DARK) per-instance decode, as
    each head runs it (BaseHead.decode loops over instances for MSRA), on
    the CPU with the current number of threads; on CUDA also CL's decode of
    maps on the GPU."""
    from mmpose.registry import KEYPOINT_CODECS
    cl = KEYPOINT_CODECS.build(dict(type='CLCodec', input_size=(192, 256)))
    msra = KEYPOINT_CODECS.build(
        dict(type='MSRAHeatmap', input_size=(192, 256),
             heatmap_size=(48, 64), sigma=2))
    dark = KEYPOINT_CODECS.build(
        dict(type='MSRAHeatmap', input_size=(192, 256),
             heatmap_size=(48, 64), sigma=2, unbiased=True))
    rng = np.random.default_rng(0)
    rows = {}
    for n in (1, 64, 1024):
        # realistic maps: the targets of random keypoints, plus noise
        kpts = rng.uniform([0, 0], [192, 256], (n, 1, 17, 2))
        cl_maps = [cl.encode(k) for k in kpts]
        hm = torch.from_numpy(np.stack([m['heatmaps'] for m in cl_maps]) +
                              rng.normal(0, 0.05, (n, 17, 16, 12)).astype(
                                  np.float32))
        off = torch.from_numpy(np.stack([m['offsets'] for m in cl_maps]))
        dense = np.stack([msra.encode(k)['heatmaps'] for k in kpts]) + \
            rng.normal(0, 0.05, (n, 17, 64, 48)).astype(np.float32)
        reps = 20 if n < 1024 else 3
        cl_t = min(timed(lambda: cl.batch_decode(hm, off), torch.device('cpu'))
                   for _ in range(reps))
        ms_t = min(timed(lambda: [msra.decode(d) for d in dense],
                         torch.device('cpu')) for _ in range(reps))
        dk_t = min(timed(lambda: [dark.decode(d) for d in dense],
                         torch.device('cpu')) for _ in range(max(1, reps // 3)))
        rows[n] = dict(cl_ms=cl_t * 1e3, msra_ms=ms_t * 1e3,
                       dark_ms=dk_t * 1e3)
        if args.device == 'cuda':  # the maps stay where the head made them
            gpu = torch.device('cuda')
            hm_d, off_d = hm.to(gpu), off.to(gpu)
            cl.batch_decode(hm_d, off_d)  # warm-up
            rows[n]['cl_cuda_ms'] = 1e3 * min(
                timed(lambda: cl.batch_decode(hm_d, off_d), gpu)
                for _ in range(reps))
    return rows


def quantisation_table():
    """Round-trip error of encode -> decode on random in-crop keypoints."""
    from mmpose.registry import KEYPOINT_CODECS
    codecs = {
        'CLCodec (S=16, sigma=16)': dict(type='CLCodec', input_size=(192, 256)),
        'MSRAHeatmap 48x64': dict(type='MSRAHeatmap', input_size=(192, 256),
                                  heatmap_size=(48, 64), sigma=2),
        'MSRAHeatmap 48x64 + DARK': dict(type='MSRAHeatmap',
                                         input_size=(192, 256),
                                         heatmap_size=(48, 64), sigma=2,
                                         unbiased=True),
        'UDPHeatmap 48x64': dict(type='UDPHeatmap', input_size=(192, 256),
                                 heatmap_size=(48, 64), sigma=2),
        'SimCCLabel (split 2.0)': dict(type='SimCCLabel',
                                       input_size=(192, 256),
                                       sigma=(4.9, 5.66),
                                       simcc_split_ratio=2.0),
    }
    rng = np.random.default_rng(0)
    kpts = rng.uniform([4, 4], [188, 252], (200, 1, 17, 2))
    rows = {}
    for name, cfg in codecs.items():
        codec = KEYPOINT_CODECS.build(cfg)
        errs = []
        for k in kpts:
            enc = codec.encode(k, np.ones((1, 17)))
            if cfg['type'] == 'CLCodec':
                dec, _ = codec.decode(enc['heatmaps'], enc['offsets'])
            elif cfg['type'] == 'SimCCLabel':
                dec, _ = codec.decode(enc['keypoint_x_labels'],
                                      enc['keypoint_y_labels'])
            else:
                dec, _ = codec.decode(enc['heatmaps'])
            errs.append(np.linalg.norm(dec[0] - k[0], axis=-1))
        errs = np.concatenate(errs)
        rows[name] = dict(mean_px=float(errs.mean()), max_px=float(errs.max()))
    return rows


def per_image_ratio(inference, mode, flip, label, name=MODELS[0][0]):
    """Time per image of ``name`` over SimpleBaseline-R50's, measured in the
    same rounds (each model at its own full batch for ``label='full'``)."""
    return (inference[(mode, flip, label, BASELINE)]['images_per_s'] /
            inference[(mode, flip, label, name)]['images_per_s'])


def targets(inference, decode, quant, args):
    """Where we stand against the targets of the performance issue."""
    def mark(ok):
        return 'met' if ok else '**missed**'

    cl_err = quant['CLCodec (S=16, sigma=16)']['max_px']
    speedup = decode[1024]['msra_ms'] / decode[1024]['cl_ms']
    lines = ['', '## Targets', '', '| target | measured | |', '|---|---|---|']
    if args.device == 'cpu':
        flip, no_flip = (per_image_ratio(inference, 'fp32', f, '1')
                         for f in (True, False))
        lines.append(
            f'| CPU batch-1 latency CLNet-R50 / SimpleBaseline-R50 <= 0.75, '
            f'flip test and decoding included | {flip:.3f} (no flip: '
            f'{no_flip:.3f}) | {mark(flip <= 0.75)} |')
    else:
        for label, goal in (('1', 2.0), ('full', 2.5)):
            speed = 1 / per_image_ratio(inference, 'fp32', False, label)
            flip = 1 / per_image_ratio(inference, 'fp32', True, label)
            lines.append(
                f'| GPU throughput CLNet-R50 / SimpleBaseline-R50 >= {goal} '
                f'at batch {label} (fp32, decoding included) | {speed:.2f} '
                f'(flip test: {flip:.2f}) | {mark(speed >= goal)} |')
    lines += [
        f'| CL decode of 1024 instances >= 10x faster than MSRAHeatmap\'s '
        f'| {speedup:.1f}x | {mark(speedup >= 10)} |',
        f'| CLCodec round-trip error < 1e-3 px | max {cl_err:.1e} px | '
        f'{mark(cl_err < 1e-3)} |'
    ]
    return lines


def environment(args):
    import mmcv
    import mmengine
    import mmpose
    info = dict(
        command='python ' + ' '.join(sys.argv),
        date=time.strftime('%Y-%m-%d %H:%M'),
        machine=f'{platform.machine()} {platform.processor()}'.strip(),
        cpus=torch.get_num_threads(), python=platform.python_version(),
        torch=torch.__version__, mmengine=mmengine.__version__,
        mmcv=mmcv.__version__, mmpose=mmpose.__version__)
    if args.device == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(0)
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
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
    parser.add_argument('--out', default=osp.join(REPO, 'docs', 'benchmarks'))
    args = parser.parse_args()
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
    sizes = {name: model_complexity(path) for name, path in MODELS}
    inference = inference_table(args, device, modes)
    training = training_table(args, device)
    decode = decode_table(args)
    quant = quantisation_table()
    env = environment(args)

    lines = [f'## Inference on {args.device} ({env.get("gpu", env["machine"])})',
             '',
             f'`{env["command"]}`, {env["date"]}; torch {env["torch"]}, '
             f'mmengine {env["mmengine"]}, mmcv {env["mmcv"]}, mmpose '
             f'{env["mmpose"]}, {env["cpus"]} threads. Random weights; each '
             'time includes the head\'s decoding and the mapping of the '
             'keypoints back to the image. Ratios are against '
             f'{BASELINE} measured in the same rounds.', '',
             '| model | params | GFLOPs |', '|---|---|---|']
    for name, s in sizes.items():
        lines.append(f'| {name} | {s["params"] / 1e6:.2f}M | '
                     f'{s["flops"] / 1e9:.2f} |')
    lines += ['', '| mode | flip test | batch | model | latency (ms) | '
              'images/s | time per image vs SimpleBaseline-R50 |',
              '|---|---|---|---|---|---|---|']
    for (mode, flip, label, name), r in inference.items():
        lines.append(
            f'| {mode} | {"yes" if flip else "no"} | {r["batch"]} | {name} | '
            f'{r["latency_ms"]:.1f} | {r["images_per_s"]:.1f} | '
            f'{per_image_ratio(inference, mode, flip, label, name):.3f} |')
    lines += ['', f'## Training on {args.device}', '',
              f'Batch {args.train_batch}, median of {args.train_iters} steps '
              'after 2 of warm-up, Adam; each model with its own config\'s '
              'augmentation pipeline on the bundled mini-COCO, '
              f'{args.train_workers} loader workers (persistent'
              f'{", pinned memory" if device.type == "cuda" else ""}).' +
              (' AMP: fp16 autocast with a gradient scaler.'
               if device.type == 'cuda' else ''), '',
              '| model | precision | samples/s | step (ms) | of which waiting '
              'for data (ms) | all losses finite | samples/s vs '
              'SimpleBaseline-R50 |', '|---|---|---|---|---|---|---|']
    for (name, amp), r in training.items():
        base = training[(BASELINE, amp)]['samples_per_s']
        lines.append(
            f'| {name} | {"AMP fp16" if amp else "fp32"} | '
            f'{r["samples_per_s"]:.2f} | {r["step_ms"]:.0f} | '
            f'{r["data_wait_ms"]:.1f} | '
            f'{"yes" if r["losses_finite"] else "**no**"} | '
            f'{r["samples_per_s"] / base:.2f} |')
    on_gpu = 'cl_cuda_ms' in decode[1]
    lines += ['', '## Decoding on the CPU' + (' (and CL on the GPU)' if on_gpu
                                              else ''), '',
              '| instances | CLCodec batched decode (ms) | MSRAHeatmap '
              'decode (ms) | MSRAHeatmap + DARK (ms) | MSRA / CL |' +
              (' CLCodec on the GPU (ms) |' if on_gpu else ''),
              '|---|---|---|---|---|' + ('---|' if on_gpu else '')]
    for n, r in decode.items():
        lines.append(f'| {n} | {r["cl_ms"]:.2f} | {r["msra_ms"]:.2f} | '
                     f'{r["dark_ms"]:.2f} | '
                     f'{r["msra_ms"] / r["cl_ms"]:.1f}x |' +
                     (f' {r["cl_cuda_ms"]:.2f} |' if on_gpu else ''))
    lines += ['', '## Quantisation error at 256x192 (encode -> decode, 3400 '
              'random keypoints)', '',
              '| codec | mean error (px) | max error (px) |', '|---|---|---|']
    for name, r in quant.items():
        lines.append(f'| {name} | {r["mean_px"]:.2e} | {r["max_px"]:.2e} |')
    lines += targets(inference, decode, quant, args)
    text = '\n'.join(lines) + '\n'
    print(text)
    # docs/benchmarks.md for the CPU, docs/benchmarks_cuda.md for a GPU
    stem = args.out if args.device == 'cpu' else f'{args.out}_{args.device}'
    out_md = f'{stem}.md'
    other = dict(cpu='GPU: `--device cuda` writes `benchmarks_cuda.md`.',
                 cuda='CPU: `--device cpu` writes `benchmarks.md`.')
    with open(out_md, 'w') as f:
        f.write(f'# Benchmarks ({args.device})\n\n'
                f'Written by `{env["command"]}`. {other[args.device]}\n\n' +
                text)
    with open(f'{stem}.json', 'w') as f:
        json.dump(dict(
            environment=env, sizes=sizes,
            inference=[dict(mode=k[0], flip=k[1], model=k[3], **v)
                       for k, v in inference.items()],
            training=[dict(model=k[0], amp=k[1], **v)
                      for k, v in training.items()],
            decode=decode, quantisation=quant), f,
            indent=1)
    print(f'written to {out_md} and .json')


if __name__ == '__main__':
    main()
