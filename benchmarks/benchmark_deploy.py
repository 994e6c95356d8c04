# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Deployment speed on this CPU: ONNX Runtime fp32 and INT8 against eager
PyTorch, CL models beside MMPose's SimpleBaseline and RTMPose, in one run.

    python -m benchmarks.benchmark_deploy [--models NAME=CONFIG ...]
        [--rounds 30] [--threads 1 2] [--batches 1 8]
        [--references RTMPose-m SimpleBaseline-R50]
        [--work-dir work_dirs/benchmark_deploy] [--out benchmarks/results/deployment]
        [--overwrite]

Every model is exported with its decoding in the graph (section 3.4's voting
for CL heads, the SimCC argmax for RTMPose, MMPose's heatmap argmax with its
quarter-pixel step for SimpleBaseline; ``mmpose_cl/deploy/onnx_graphs.py``),
crops (N, 3, h, w) BGR in, keypoints and scores out, and quantised to INT8
as ``tools/deployment/quantize_onnx.py`` does (calibrated on the bundled
COCO people). Weights are random: this measures speed, not accuracy. The
models run interleaved, round after round, so that a busy machine slows all
of them alike; each cell is the median of ``--rounds`` calls after two
warm-up calls. The ONNX Runtime sessions do not spin between runs
(``session.intra_op.allow_spinning=0``): with dozens of sessions taking
turns on a few cores, the spinning threads of one would slow the next. Also measured: eager PyTorch (the same graph module, fp32),
the maps-only graph of each CL model (what the decoding adds), and the
``clpose`` runtime end to end on a bundled image with 1 and 6 people (crop,
run, map back). Writes ``<out>.md`` and ``.json`` with the command, the
machine (CPU model and flags, VNNI included) and the versions.
"""
import argparse
import itertools
import os
import os.path as osp
import statistics
from typing import Dict

import numpy as np
import torch
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from benchmarks.lib.report import (REPO, RESULTS, describe_environment,
                                   environment, save_report)
from benchmarks.lib.specs import model_spec
from benchmarks.lib.timing import timed
from mmpose_cl.deploy.export import bundled_people
from mmpose_cl.deploy.onnx_graphs import (KeypointGraph, export, graph_for,
                                          onnx_metadata)
from mmpose_cl.deploy.quantize import calibration_crops, quantize
from mmpose_cl.utils import (at_least, check_cli_paths, drop_pretrained,
                             load_config)

DEFAULT_MODELS = [
    ('CLNet-R50', osp.join(REPO, 'configs', 'clnet_r50_coco_256x192.py')),
    ('CLNet-R18', osp.join(REPO, 'configs', 'clnet_r18_coco_256x192.py')),
    ('SimpleBaseline-R50', 'mmpose::body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_res50_8xb64-210e_coco-256x192.py'),
] + [
    model for size in 'tsml' for model in (
        (f'CLNet-CSPNeXt-{size}',
         osp.join(REPO, 'configs', f'clnet_cspnext-{size}_coco_256x192.py')),
        (f'RTMPose-{size}', 'mmpose::body_2d_keypoint/rtmpose/coco/'
         f'rtmpose-{size}_8xb256-420e_coco-256x192.py'))
]
COCO = osp.join(REPO, 'tests', 'data', 'coco')
IMAGE = osp.join(COCO, '000000000785.jpg')


def build(config: str, options: dict):
    """The model with random weights and the COCO metainfo, eval mode."""
    from mmpose.apis import init_model
    cfg = load_config(config, options)
    drop_pretrained(cfg.model)
    torch.manual_seed(0)
    return init_model(cfg, None, device='cpu'), cfg


def maps_only(model, feats):
    """The CL head's activated maps: the graph without its decoding."""
    return model.head.scored_maps(feats)


def export_model(name: str, config: str, options: dict,
                 work_dir: str) -> tuple:
    """fp32 and INT8 files (and a maps-only fp32 file for CL heads) of one
    model.

    Returns:
        tuple: the files by variant (``fp32``, ``int8``, ``maps``), the
        eager graph module and the crop size ``(w, h)``.
    """
    from clpose import CLPose
    model, _ = build(config, options)
    size = model.cfg.codec['input_size']
    meta = onnx_metadata(model, config, size, flip_test=False)
    files = dict(fp32=osp.join(work_dir, f'{name}.onnx'),
                 int8=osp.join(work_dir, f'{name}.int8.onnx'))
    export(graph_for(model), size, files['fp32'], meta)
    if isinstance(model.head, mmpose_cl.BaseCLHead):
        files['maps'] = osp.join(work_dir, f'{name}.maps.onnx')
        export(KeypointGraph(model, maps_only).eval(), size, files['maps'],
               meta)
    people = bundled_people()
    crops = calibration_crops(CLPose(files['fp32']), people, len(people), 0)
    quantize(files['fp32'], files['int8'], crops, 'minmax', [])
    return files, graph_for(model), size


def session_options(threads: int):
    """ONNX Runtime options for ``threads`` intra-op threads that do not
    spin between runs: with many sessions run one after the other on a few
    cores, the spinning threads of the last session would steal the cores
    of the next one."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    return options


def measure(models: Dict, args) -> Dict:
    """Latency (ms) per (model, runtime, variant, threads, batch), the
    models interleaved round after round."""
    import onnxruntime as ort
    from clpose import CLPose, read_image
    image = read_image(IMAGE)
    boxes6 = np.array([[280., 40., 470., 420.]] * 6) + np.arange(6)[:, None]
    cells = {}  # key -> list of seconds
    jobs = []  # (key, fn)
    for name, (files, graph, size) in models.items():
        w, h = size
        for threads in args.threads:
            for variant, path in files.items():
                sess = ort.InferenceSession(
                    path, session_options(threads),
                    providers=['CPUExecutionProvider'])
                for batch in args.batches:
                    x = np.random.default_rng(0).uniform(
                        0, 255, (batch, 3, h, w)).astype(np.float32)
                    out = [o.name for o in sess.get_outputs()]
                    jobs.append(((name, 'onnxruntime', variant, threads, batch),
                                 lambda s=sess, x=x, o=out: s.run(o,
                                                                  {'crops': x})))
            for variant in ('fp32', 'int8'):
                runtime = CLPose(files[variant], threads=threads,
                                 session_options=session_options(threads))
                for people in (1, 6):
                    jobs.append(((name, 'clpose', variant, threads, people),
                                 lambda r=runtime, b=boxes6[:people]: r(image, b)))
        for threads, batch in itertools.product(args.threads, args.batches):
            x = torch.from_numpy(np.random.default_rng(0).uniform(
                0, 255, (batch, 3, h, w)).astype(np.float32))

            def eager(g=graph, x=x):
                with torch.no_grad():
                    g(x)

            jobs.append(((name, 'pytorch', 'fp32', threads, batch), eager))
    # eager PyTorch last in each round: its OpenMP threads spin after a
    # call, as ONNX Runtime's would
    jobs.sort(key=lambda job: job[0][1] == 'pytorch')
    for key, fn in jobs:  # warm-up
        torch.set_num_threads(key[3])
        fn()
        fn()
    for _ in tqdm(range(args.rounds), desc='rounds'):
        for key, fn in jobs:
            torch.set_num_threads(key[3])
            cells.setdefault(key, []).append(timed(fn))
    return {k: statistics.median(v) * 1e3 for k, v in cells.items()}


def table(results: Dict, names, args) -> str:
    """The Markdown tables of the report."""
    lines = []

    def ms(*key):
        value = results.get(key)
        return '-' if value is None else f'{value:.1f}'

    for threads in args.threads:
        head = ' | '.join(f'{p} b{b}' for p in ('fp32', 'INT8')
                          for b in args.batches)
        lines += [f'### ONNX Runtime, {threads} thread(s): latency in ms', '',
                  f'| model | {head} | INT8 speed-up b1 | eager PyTorch b1 |',
                  '|---|' + '---|' * (2 * len(args.batches) + 2)]
        for name in names:
            cells = ' | '.join(
                ms(name, 'onnxruntime', v, threads, b)
                for v in ('fp32', 'int8') for b in args.batches)
            fp32 = results.get((name, 'onnxruntime', 'fp32', threads, 1))
            int8 = results.get((name, 'onnxruntime', 'int8', threads, 1))
            speedup = f'{fp32 / int8:.2f}x' if fp32 and int8 else '-'
            eager = ms(name, 'pytorch', 'fp32', threads, 1)
            lines.append(f'| {name} | {cells} | {speedup} | {eager} |')
        lines.append('')
    return '\n'.join(lines)


def ratios(results: Dict, names, args) -> Dict:
    """Per-call latency ratios against the ``--references`` (RTMPose-m and
    SimpleBaseline-R50 by default), and what the in-graph decoding adds to
    each CL model."""
    out = {}
    for threads in args.threads:
        for batch in args.batches:
            for variant in ('fp32', 'int8'):
                for ref in args.references:
                    base = results.get((ref, 'onnxruntime', variant, threads,
                                        batch))
                    for name in names:
                        value = results.get(
                            (name, 'onnxruntime', variant, threads, batch))
                        if base and value and name != ref:
                            out[f'{name} / {ref} {variant} t{threads} '
                                f'b{batch}'] = value / base
            for name in names:
                full = results.get((name, 'onnxruntime', 'fp32', threads,
                                    batch))
                maps = results.get((name, 'onnxruntime', 'maps', threads,
                                    batch))
                if full and maps:
                    out[f'{name} decoding adds t{threads} b{batch}'] = (
                        full / maps - 1)
    return out


def report(results: Dict, names, args, env: Dict) -> str:
    r = ratios(results, names, args)
    clpose_rows = []
    for name in names:
        for variant in ('fp32', 'int8'):
            cells = ' | '.join(
                f'{results[(name, "clpose", variant, t, p)]:.1f}'
                for t in args.threads for p in (1, 6)
                if (name, 'clpose', variant, t, p) in results)
            clpose_rows.append(f'| {name} | {variant} | {cells} |')
    head = ' | '.join(f'{t} thread(s), {p} people' for t in args.threads
                      for p in (1, 6))
    lines = [
        '# Deployment speed on a CPU', '',
        describe_environment(env) + f' onnx {env["onnx"]}, onnxruntime '
        f'{env["onnxruntime"]}.', '',
        f'Latency at batch {" and ".join(map(str, args.batches))} of each '
        'model exported with its decoding in the graph; random weights; median of '
        f'{args.rounds} interleaved rounds, ONNX Runtime sessions without '
        'spinning (`session.intra_op.allow_spinning=0`), eager PyTorch last '
        'in each round. INT8: ONNX Runtime static QDQ, per-channel int8 '
        'weights, uint8 activations, as `tools/deployment/quantize_onnx.py` '
        "quantises by default: the network is INT8 up to the head's outputs "
        "(the maps; RTMPose's SimCC logits, after its MLP and GAU) except "
        "the layers that write them (the last convolution; RTMPose's two "
        'SimCC classifiers); the decoding runs in float32. Calibration: the '
        'bundled COCO people.',
        '', table(results, names, args),
        '### Ratios (per call; < 1: faster than the reference)', '',
        '| ratio | value |', '|---|---|'
    ] + [f'| {k} | {v:.2f} |' for k, v in r.items()] + [
        '', '### clpose end to end: ms per image (crop, run, map back)', '',
        f'| model | precision | {head} |',
        '|---|---|' + '---|' * (2 * len(args.threads))
    ] + clpose_rows
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--models', nargs='+', type=model_spec,
                        help='NAME=CONFIG[:KEY=VALUE,...] (default: '
                        + ', '.join(n for n, _ in DEFAULT_MODELS) + ')')
    parser.add_argument('--rounds', type=at_least(1), default=30)
    parser.add_argument('--threads', nargs='+', type=at_least(1),
                        default=[1, 2])
    parser.add_argument('--batches', nargs='+', type=at_least(1),
                        default=[1, 8])
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'benchmark_deploy'))
    parser.add_argument('--out', default=osp.join(RESULTS, 'deployment'))
    parser.add_argument('--references', nargs='+',
                        default=['RTMPose-m', 'SimpleBaseline-R50'],
                        help='the models (by NAME) the ratios divide by')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the files of a non-empty --work-dir')
    args = parser.parse_args(argv)
    args.models = args.models or [(n, c, {}) for n, c in DEFAULT_MODELS]
    unknown = set(args.references) - {n for n, _, _ in args.models}
    if unknown:
        parser.error(f'--references {sorted(unknown)} are not among the '
                     'models: ' + ', '.join(n for n, _, _ in args.models))
    check_cli_paths(parser, (), args.work_dir, args.overwrite)
    return args


def main(argv=None):
    args = parse_args(argv)
    import onnx
    import onnxruntime
    env = dict(environment(__file__, argv), onnx=onnx.__version__,
               onnxruntime=onnxruntime.__version__)
    os.makedirs(args.work_dir, exist_ok=True)
    models = {}
    for name, config, options in tqdm(args.models, desc='export'):
        models[name] = export_model(name, config, options, args.work_dir)
    results = measure(models, args)
    names = [n for n, _, _ in args.models]
    text = report(results, names, args, env)
    print(text)
    save_report(args.out, text, dict(
        environment=env, settings=dict(
            rounds=args.rounds, threads=args.threads, batches=args.batches,
            models=args.models, references=args.references),
        latency_ms=[
            dict(zip(('model', 'runtime', 'variant', 'threads',
                      'batch_or_people'), k), ms=v)
            for k, v in results.items()
        ], ratios=ratios(results, names, args)))
    print(f'written {args.out}.md and .json')


if __name__ == '__main__':
    main()
