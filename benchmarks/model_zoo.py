# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Print the model zoo and write docs/model_zoo.md: for every model in
configs/metafile.yml, the paper's reported accuracy, GFLOPs and params beside
our measured params and FLOPs (MMEngine's counter, as MMPose reports them) and
our measured accuracy ("not trained yet" until weights exist), plus MMPose's
SimpleBaseline-R50 and Hourglass-52 measured with the same counter.

    python -m benchmarks.model_zoo [--out docs/model_zoo.md]
"""
import argparse
import json
import os.path as osp
import time

import yaml
from clpose.files import atomic_output
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from benchmarks.lib.report import REPO, RESULTS
from mmpose_cl.utils import model_complexity

MMPOSE_BASELINES = [
    # (config, MMPose metafile, label)
    ('body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_res50_8xb64-210e_coco-256x192.py',
     'body_2d_keypoint/topdown_heatmap/coco/resnet_coco.yml',
     'MMPose SimpleBaseline-R50'),
    ('body_2d_keypoint/topdown_heatmap/coco/'
     'td-hm_hourglass52_8xb32-210e_coco-256x256.py',
     'body_2d_keypoint/topdown_heatmap/coco/hourglass_coco.yml',
     'MMPose Hourglass-52'),
] + [(f'body_2d_keypoint/rtmpose/coco/rtmpose-{s}_8xb256-420e_coco-256x192.py',
      'body_2d_keypoint/rtmpose/coco/rtmpose_coco.yml', f'RTMPose-{s}')
     for s in 'tsml']
# the CPU latencies of benchmark_deploy.py, beside the RTMPose of each size
DEPLOYMENT = osp.join(RESULTS, 'deployment.json')
TOLERANCE = 0.10


def parse_size(text):
    """'13.5M' -> 13.5e6; numbers pass through."""
    if text is None:
        return None
    text = str(text)
    return float(text[:-1]) * 1e6 if text.endswith('M') else float(text)


def main_metric(metrics):
    for key in ('AP', 'PCKh@0.5', 'PCK@0.2'):
        if key in metrics:
            return key, metrics[key]
    return None, None


def mmpose_reported_ap(config, metafile):
    import mmpose
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', metafile)
    with open(path) as f:
        models = yaml.safe_load(f)['Models']
    for m in models:
        if m['Config'].endswith(config):
            return m['Results'][0]['Metrics']['AP'] * 100
    return None


def cspnext_table(rows, baselines) -> list:
    """CLNet-CSPNeXt beside the RTMPose of each size: params and GFLOPs
    from this counter, batch-1 CPU latency (eager PyTorch and ONNX Runtime
    fp32, 2 threads) from ``benchmarks/results/deployment.json`` (one run of
    ``benchmark_deploy.py``), with the ratios to RTMPose."""
    latency = {}
    if osp.isfile(DEPLOYMENT):
        with open(DEPLOYMENT) as f:
            deploy = json.load(f)
        for cell in deploy['latency_ms']:
            if (cell['threads'], cell['batch_or_people'], cell['variant']) == (
                    2, 1, 'fp32') and cell['runtime'] in ('pytorch',
                                                         'onnxruntime'):
                latency[(cell['model'], cell['runtime'])] = cell['ms']
    by_name = {b['name']: b for b in baselines}
    lines = [
        '', '## CLNet-CSPNeXt beside RTMPose', '',
        'Latency: batch 1, 256x192, 2 threads, keypoints decoded, from '
        '`benchmarks/results/deployment.json` (`python -m benchmarks.benchmark_deploy`'
        ', all models in one run; "-" where that file lacks the model). '
        'Ratios are CLNet-CSPNeXt over RTMPose.', '',
        '| size | model | params | GFLOPs | eager ms | ONNX Runtime ms | '
        'GFLOPs ratio | eager ratio | ONNX Runtime ratio |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    for size in 'tsml':
        ours = next((r for r in rows if r['name'] ==
                     f'clnet_cspnext-{size}_coco_256x192'), None)
        ref = by_name.get(f'RTMPose-{size}')
        if ours is None or ref is None:
            continue
        rows_of_size = []
        for label, params, flops in ((f'CLNet-CSPNeXt-{size}',
                                      ours['params'], ours['flops']),
                                     (f'RTMPose-{size}', ref['params'],
                                      ref['flops'])):
            rows_of_size.append((label, params, flops,
                                 latency.get((label, 'pytorch')),
                                 latency.get((label, 'onnxruntime'))))
        (_, _, f1, e1, o1), (_, _, f2, e2, o2) = rows_of_size
        ratios = (f'{f1 / f2:.2f} | {e1 and e2 and f"{e1 / e2:.2f}" or "-"} '
                  f'| {o1 and o2 and f"{o1 / o2:.2f}" or "-"}')
        for (label, params, flops, eager, ort), cells in zip(
                rows_of_size, (ratios, '| |')):
            lines.append(
                f'| {size} | {label} | {params / 1e6:.2f}M | '
                f'{flops / 1e9:.2f} | {eager and f"{eager:.1f}" or "-"} | '
                f'{ort and f"{ort:.1f}" or "-"} | {cells} |')
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=osp.join(REPO, 'docs',
                                                  'model_zoo.md'))
    args = parser.parse_args()
    with open(osp.join(REPO, 'configs', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']

    rows, notes = [], []
    for model in tqdm(models, desc='counting'):
        meta = model['Metadata']
        info = model_complexity(osp.join(REPO, model['Config']))
        paper = [r for r in model['Results'] if r['Source'] == 'paper']
        ours = [r for r in model['Results'] if r['Source'] != 'paper']
        key, paper_acc = main_metric(paper[0]['Metrics']) if paper else (None,
                                                                         None)
        _, our_acc = main_metric(ours[0]['Metrics']) if ours else (None, None)
        paper_params = parse_size(meta.get('Paper Params'))
        paper_flops = meta.get('Paper GFLOPs') and float(
            meta['Paper GFLOPs']) * 1e9
        row = dict(
            name=model['Name'], config=model['Config'],
            input=meta['Input Size'], table=meta.get('Paper Table', '-'),
            metric=f'{key} ({paper[0]["Dataset"]})' if paper else '-',
            paper_acc=paper_acc, our_acc=our_acc,
            paper_params=paper_params, paper_flops=paper_flops,
            params=info['params'], flops=info['flops'])
        rows.append(row)
        for what, ref, got, unit in (('params', paper_params,
                                      info['params'], 'M'),
                                     ('GFLOPs', paper_flops, info['flops'],
                                      'G')):
            if ref and abs(got - ref) / ref > TOLERANCE:
                div = 1e6 if unit == 'M' else 1e9
                notes.append(
                    f'- `{model["Name"]}` {what}: ours {got / div:.2f}{unit}, '
                    f'paper {ref / div:g}{unit} ({(got - ref) / ref:+.0%}). '
                    f'{meta.get("Difference Note", "Not explained yet.")}')

    baselines = []
    for config, metafile, label in MMPOSE_BASELINES:
        info = model_complexity(f'mmpose::{config}')
        baselines.append(
            dict(name=label, config=f'mmpose::{config}',
                 input='{1}x{0}'.format(*info['input_size']),
                 ap=mmpose_reported_ap(config, metafile),
                 params=info['params'], flops=info['flops']))

    def fmt(v, unit=''):
        return '-' if v is None else f'{v:g}{unit}'

    lines = [
        '# Model zoo', '',
        'Written by `python -m benchmarks.model_zoo` on '
        f'{time.strftime("%Y-%m-%d")} from `configs/metafile.yml`. Params and '
        'FLOPs are measured with MMEngine\'s `get_model_complexity_info` (the '
        'counter MMPose reports; one multiply-add counts as one FLOP) for one '
        'crop of the config\'s input size. The paper\'s numbers are as '
        'printed in its tables. Accuracy in %. The paper rows test with the '
        'flip test on, as MMPose\'s configs do (the paper does not say); '
        '`--cfg-options model.test_cfg.flip_test=False` turns it off.', '',
        '| config | input | paper table | metric | paper | ours | paper '
        'params | our params | paper GFLOPs | our GFLOPs |',
        '|---|---|---|---|---|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(
            f'| [`{r["name"]}`](../{r["config"]}) | {r["input"]} | '
            f'{r["table"]} | {r["metric"]} | {fmt(r["paper_acc"])} | '
            f'{fmt(r["our_acc"]) if r["our_acc"] is not None else "not trained yet"} | '
            f'{fmt(r["paper_params"] and r["paper_params"] / 1e6, "M")} | '
            f'{r["params"] / 1e6:.2f}M | '
            f'{fmt(r["paper_flops"] and r["paper_flops"] / 1e9)} | '
            f'{r["flops"] / 1e9:.2f} |')
    lines += [
        '', '## MMPose baselines, same counter', '',
        '| model | config | input | COCO val AP (MMPose\'s model zoo) | '
        'params | GFLOPs |', '|---|---|---|---|---|---|'
    ]
    for b in baselines:
        lines.append(f'| {b["name"]} | `{b["config"]}` | {b["input"]} | '
                     f'{fmt(b["ap"] and round(b["ap"], 1))} | '
                     f'{b["params"] / 1e6:.2f}M | {b["flops"] / 1e9:.2f} |')
    lines += cspnext_table(rows, baselines)
    lines += ['', f'## Differences over {TOLERANCE:.0%} from the paper', '']
    lines += notes or ['None.']
    text = '\n'.join(lines) + '\n'
    print(text)
    with atomic_output(args.out) as tmp, open(tmp, 'w') as f:
        f.write(text)
    print(f'written to {args.out}')


if __name__ == '__main__':
    main()
