# Copyright (c) mmpose-cl contributors. All rights reserved.
"""What kind of error a pose model makes on held-out people: gross errors,
left/right swaps, CL's argmax fallback, and where they happen.

    python -m benchmarks.error_breakdown COMPARISON.json [--models NAME ...]
        [--checkpoint-root DIR] [--no-flip] [--out REPORT] [--overwrite]
    python -m benchmarks.error_breakdown --config CONFIG --checkpoint CKPT
        --data-root DATA [--no-flip] [--out REPORT] [--overwrite]

The first form takes the models of a learning comparison (its json: each
model's config, options and final checkpoint, rebuilt with the comparison's
settings); the second one checkpoint of any top-down model, CL or MMPose's,
on ``DATA/annotations/person_keypoints_val.json`` with images in
``DATA/val/`` (the layout of ``python -m benchmarks.generate_synthetic_poses``
and of COCO). Every labelled person of the val split is run through the
model's own test pipeline with its ground-truth box (MMPose's ``test_step``,
flip test as in the comparison unless ``--no-flip``) and scored by MMPose's
``CocoMetric`` (AP and AR, at OKS .5 and .75), then each keypoint is measured
against its label. Definitions (``d``: the distance in image pixels between
the prediction and the label; ``s``: the person's scale, the square root of
its annotated ``area``; ``sigma``: COCO's per-keypoint constant):

- normalised error: ``d / s``;
- OKS term: ``exp(-d^2 / (2 s^2 (2 sigma)^2))``, COCO's per-keypoint
  similarity; a person's OKS is the mean over its labelled keypoints;
- gross error: a labelled keypoint whose OKS term is below 0.5;
- left/right swap: a labelled keypoint whose mirror partner (the dataset's
  ``flip_indices``) is labelled too and lies nearer the prediction than
  its own label;
- argmax fallback (CL models): the keypoint's score, the peak activation of
  its heatmap, is below the codec's ``tau``, so no cell voted and the
  argmax cell decided alone;
- visibility: COCO's ``v`` (1 hidden, 2 visible);
- size: the tertiles of ``s`` over the split's people;
- truncated: the person's box touches the image border (within 1 px);
- facing the camera: the nose is labelled (the procedural figures that
  turn their back have no face labels; on COCO this is a proxy).

Writes ``<out>.md`` and ``<out>.json`` (default
``work_dirs/error_breakdown/error_breakdown``); an existing report is kept
unless ``--overwrite``.
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config
from tqdm import tqdm

import mmpose_cl
from benchmarks.lib.comparison import comparison_config, read_comparison
from benchmarks.lib.report import (describe_environment, environment,
                                   refuse_existing_report, save_report)
from benchmarks.lib.specs import model_spec
from mmpose_cl.apis import load_pose_model
from mmpose_cl.utils import load_config

GROSS_OKS = 0.5  # an OKS term below this is a gross error
OKS_BINS = np.linspace(0, 1, 11)


def keypoint_stats(pred: np.ndarray, gt: np.ndarray, area: np.ndarray,
                   sigmas: np.ndarray, flip_indices: List[int]) -> Dict:
    """Per-keypoint measures of N people.

    Args:
        pred (np.ndarray): (N, K, 2) predicted keypoints, image pixels.
        gt (np.ndarray): (N, K, 3) labels ``x, y, v`` (COCO's).
        area (np.ndarray): (N,) annotated areas, pixels^2.
        sigmas (np.ndarray): (K,) COCO's per-keypoint constants.
        flip_indices (list[int]): the mirror partner of each keypoint.

    Returns:
        dict of (N, K) arrays: ``labelled`` (v > 0), ``error`` (d / s),
        ``oks`` (the OKS term), ``gross``, ``swap`` (all False where not
        labelled).
    """
    labelled = gt[..., 2] > 0
    d2 = ((pred - gt[..., :2])**2).sum(-1)  # (N, K)
    scale2 = np.maximum(area, np.finfo(np.float64).eps)[:, None]
    oks = np.exp(-d2 / (2 * scale2 * (2 * sigmas[None])**2))
    mirror = gt[:, flip_indices]  # (N, K, 3): each keypoint's partner
    d2_mirror = ((pred - mirror[..., :2])**2).sum(-1)
    has_partner = (np.asarray(flip_indices) != np.arange(len(sigmas)))[None]
    swap = labelled & has_partner & (mirror[..., 2] > 0) & (d2_mirror < d2)
    return dict(labelled=labelled, error=np.sqrt(d2 / scale2), oks=oks,
                gross=labelled & (oks < GROSS_OKS), swap=swap)


def rate(mask: np.ndarray, among: np.ndarray) -> Optional[float]:
    """The share of ``among`` that ``mask`` marks, None when ``among`` is
    empty."""
    n = int(among.sum())
    return float((mask & among).sum() / n) if n else None


def breakdown(stats: Dict, gt: np.ndarray, areas: np.ndarray,
              boxes: np.ndarray, image_sizes: np.ndarray, scores: np.ndarray,
              tau: Optional[float], names: List[str]) -> Dict:
    """Every rate of the report for one model (module docstring).

    Args:
        stats (dict): :func:`keypoint_stats`.
        gt (np.ndarray): (N, K, 3) labels.
        areas (np.ndarray): (N,) annotated areas, pixels^2.
        boxes (np.ndarray): (N, 4) ground-truth boxes ``x, y, w, h``.
        image_sizes (np.ndarray): (N, 2) ``w, h`` of each person's image.
        scores (np.ndarray): (N, K) keypoint scores.
        tau (float, optional): the CL codec's threshold; None for other
            models.
        names (list[str]): keypoint names.
    """
    lab, gross, swap = stats['labelled'], stats['gross'], stats['swap']
    err = stats['error']
    people = lab.any(1)
    oks_person = np.where(lab, stats['oks'], 0).sum(1) / np.maximum(
        lab.sum(1), 1)
    out = dict(
        people=int(people.sum()), keypoints=int(lab.sum()),
        gross=rate(gross, lab), swap=rate(swap, lab),
        swap_share_of_gross=rate(swap, gross),
        people_oks_below_half=rate(oks_person < 0.5, people),
        error_percentiles={
            str(q): float(np.percentile(err[lab], q)) for q in (50, 75, 90)},
        oks_histogram=np.histogram(oks_person[people],
                                   OKS_BINS)[0].tolist())
    out['by_keypoint'] = {
        name: dict(gross=rate(gross[:, k], lab[:, k]),
                   swap=rate(swap[:, k], lab[:, k]),
                   median_error=float(np.median(err[lab[:, k], k]))
                   if lab[:, k].any() else None)
        for k, name in enumerate(names)}
    out['by_visibility'] = {
        f'v={v}': rate(gross, lab & (gt[..., 2] == v)) for v in (1, 2)}
    s = np.sqrt(areas)  # the tertiles of the people's scale
    cuts = np.percentile(s[people], [100 / 3, 200 / 3])
    size = np.digitize(s, cuts)  # 0 small, 1 medium, 2 large
    out['size_cuts_px'] = [float(c) for c in cuts]
    out['by_size'] = {
        label: rate(gross, lab & (size == i)[:, None])
        for i, label in enumerate(('small', 'medium', 'large'))}
    x, y, w, h = boxes.T
    iw, ih = image_sizes.T
    truncated = (x <= 1) | (y <= 1) | (x + w >= iw - 1) | (y + h >= ih - 1)
    out['by_truncation'] = {
        'truncated': rate(gross, lab & truncated[:, None]),
        'whole': rate(gross, lab & ~truncated[:, None])}
    facing = lab[:, names.index('nose')] if 'nose' in names else np.ones(
        len(lab), bool)
    out['by_facing'] = {
        'faces the camera': rate(gross, lab & facing[:, None]),
        'turns its back': rate(gross, lab & ~facing[:, None])}
    out['people_share'] = dict(
        truncated=rate(truncated, people), facing=rate(facing, people))
    if tau is not None:
        fallback = lab & (scores < tau)
        out['fallback'] = dict(
            tau=tau, rate=rate(fallback, lab),
            gross_with=rate(gross, fallback),
            gross_without=rate(gross, lab & ~fallback),
            median_error_with=float(np.median(err[fallback]))
            if fallback.any() else None,
            median_error_without=float(np.median(err[lab & ~fallback]))
            if (lab & ~fallback).any() else None,
            by_keypoint={name: rate(fallback[:, k], lab[:, k])
                         for k, name in enumerate(names)})
    return out


def predict(model, cfg: Config) -> Dict:
    """Run the config's val dataloader through the model's ``test_step``,
    feed MMPose's val evaluator, and return the predictions by annotation
    id and the metrics."""
    from mmengine.evaluator import Evaluator
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    loader = Runner.build_dataloader(cfg.val_dataloader)
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = loader.dataset.metainfo
    preds = {}
    with torch.no_grad():
        for batch in tqdm(loader, desc='people', unit='batch'):
            outputs = model.test_step(batch)
            evaluator.process(outputs, batch)
            for sample in outputs:
                inst = sample.pred_instances
                preds[sample.id] = (np.asarray(inst.keypoints[0]),
                                    np.asarray(inst.keypoint_scores[0]))
    metrics = evaluator.evaluate(len(loader.dataset))
    return dict(predictions=preds, metrics={
        k.split('/')[-1]: float(v) for k, v in metrics.items()})


def read_labels(ann_file: str) -> Dict:
    """The labelled people of a COCO keypoint file: ids, keypoints (N, K,
    3), areas (N,), boxes (N, 4) and image sizes (N, 2).

    Raises:
        ValueError: naming the file when it holds no labelled keypoints.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    sizes = {im['id']: (im['width'], im['height'])
             for im in coco.get('images', [])}
    anns = [a for a in coco.get('annotations', [])
            if a.get('num_keypoints', 0) > 0 and a.get('keypoints')]
    if not anns:
        raise ValueError(
            f'{ann_file}: no person with labelled keypoints (COCO\'s '
            '"keypoints" and "num_keypoints" > 0); a keypoint val split is '
            'needed')
    return dict(
        ids=[a['id'] for a in anns],
        keypoints=np.array([a['keypoints'] for a in anns],
                           np.float64).reshape(len(anns), -1, 3),
        areas=np.array([a['area'] for a in anns], np.float64),
        boxes=np.array([a['bbox'] for a in anns], np.float64),
        image_sizes=np.array([sizes[a['image_id']] for a in anns],
                             np.float64))


def run_model(name: str, cfg: Config, checkpoint: str, flip: bool) -> Dict:
    """The breakdown of one model (its checkpoint checked against it)."""
    model = load_pose_model(cfg, checkpoint)
    model.test_cfg['flip_test'] = flip
    run = predict(model, cfg)
    labels = read_labels(cfg.val_evaluator[0]['ann_file'])
    meta = model.dataset_meta
    missing = [i for i in labels['ids'] if i not in run['predictions']]
    if missing:
        raise ValueError(f'{name}: no prediction for annotations '
                         f'{missing[:5]} of the val split')
    pred = np.stack([run['predictions'][i][0] for i in labels['ids']])
    scores = np.stack([run['predictions'][i][1] for i in labels['ids']])
    stats = keypoint_stats(pred, labels['keypoints'], labels['areas'],
                           np.asarray(meta['sigmas']), meta['flip_indices'])
    is_cl = isinstance(model.head, mmpose_cl.BaseCLHead)
    tau = model.head.decoder.tau if is_cl else None
    names = [meta['keypoint_id2name'][k] for k in range(len(pred[0]))]
    out = breakdown(stats, labels['keypoints'], labels['areas'],
                    labels['boxes'], labels['image_sizes'], scores, tau,
                    names)
    out['metrics'] = run['metrics']
    out['flip_test'] = flip
    return out


def pct(value: Optional[float]) -> str:
    return '-' if value is None else f'{100 * value:.1f}%'


def report(results: Dict, args, env: Dict) -> str:
    """The Markdown report: one column per model."""
    names = list(results)
    head = '| | ' + ' | '.join(names) + ' |'
    rule = '|---|' + '---|' * len(names)

    def row(label, fn):
        cells = ' | '.join(fn(results[n]) for n in names)
        return f'| {label} | {cells} |'

    m = 'metrics'
    lines = [
        f'# Error breakdown: {" vs ".join(names)}', '',
        describe_environment(env), '',
        'Every labelled person of the val split with its ground-truth box, '
        'through each model\'s test pipeline (flip test '
        f'{"off" if args.no_flip else "as the comparison ran it"}). Gross '
        f'error: an OKS term below {GROSS_OKS}; swap: nearer the mirrored '
        "label than its own; fallback (CL): the keypoint's peak activation "
        "below the codec's tau, so the argmax cell decided alone; size "
        'tertiles of sqrt(area); truncated: the box touches the image '
        'border; facing the camera: the nose is labelled '
        '(`benchmarks/error_breakdown.py` defines each).', '',
        '## Summary', '', head, rule,
        row('people / labelled keypoints',
            lambda r: f'{r["people"]} / {r["keypoints"]}'),
        row('AP / AP .5 / AP .75', lambda r: f'{r[m]["AP"]:.3f} / '
            f'{r[m]["AP .5"]:.3f} / {r[m]["AP .75"]:.3f}'),
        row('AR / AR .5 / AR .75', lambda r: f'{r[m]["AR"]:.3f} / '
            f'{r[m]["AR .5"]:.3f} / {r[m]["AR .75"]:.3f}'),
        row('people with OKS < 0.5',
            lambda r: pct(r['people_oks_below_half'])),
        row('keypoints with a gross error', lambda r: pct(r['gross'])),
        row('keypoints swapped left/right', lambda r: pct(r['swap'])),
        row('gross errors that are swaps',
            lambda r: pct(r['swap_share_of_gross'])),
        row('normalised error, median / p75 / p90',
            lambda r: ' / '.join(f'{r["error_percentiles"][q]:.3f}'
                                 for q in ('50', '75', '90'))),
        row('keypoints decoded by the argmax fallback',
            lambda r: pct(r['fallback']['rate']) if 'fallback' in r
            else '-'),
        row('gross rate with / without the fallback',
            lambda r: f'{pct(r["fallback"]["gross_with"])} / '
            f'{pct(r["fallback"]["gross_without"])}' if 'fallback' in r
            else '-'),
        row('median normalised error with / without the fallback',
            lambda r: ' / '.join(
                '-' if r['fallback'][k] is None else f'{r["fallback"][k]:.3f}'
                for k in ('median_error_with', 'median_error_without'))
            if 'fallback' in r else '-'),
        '', '## Gross-error rate by group', '', head, rule]
    first = results[names[0]]
    for group, title in (('by_visibility', 'visibility'),
                         ('by_size', 'size'),
                         ('by_truncation', 'truncation'),
                         ('by_facing', 'facing')):
        for key in first[group]:
            lines.append(row(f'{title}: {key}',
                             lambda r, g=group, k=key: pct(r[g][k])))
    lines += ['', '## By keypoint: gross rate / swap rate / fallback rate',
              '', head, rule]
    for key in first['by_keypoint']:
        lines.append(row(key, lambda r, k=key: ' / '.join([
            pct(r['by_keypoint'][k]['gross']),
            pct(r['by_keypoint'][k]['swap']),
            pct(r['fallback']['by_keypoint'][k]) if 'fallback' in r
            else '-'])))
    lines += ['', '## Instance OKS histogram (people per bin)', '',
              '| OKS | ' + ' | '.join(names) + ' |', rule]
    for i in range(len(OKS_BINS) - 1):
        lines.append(f'| {OKS_BINS[i]:.1f}-{OKS_BINS[i + 1]:.1f} | ' +
                     ' | '.join(str(results[n]['oks_histogram'][i])
                                for n in names) + ' |')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('comparison', nargs='?',
                        help='the .json of learning_comparison')
    parser.add_argument('--models', nargs='+', metavar='NAME',
                        help='of the comparison (default: all)')
    parser.add_argument('--checkpoint-root', metavar='DIR',
                        help="the folder the comparison's relative checkpoint"
                        ' paths are relative to (default: the current '
                        'folder)')
    parser.add_argument('--config', help='instead of a comparison: a config '
                        '(NAME=CONFIG[:KEY=VALUE,...] or a path)')
    parser.add_argument('--checkpoint', help='with --config')
    parser.add_argument('--data-root', help='with --config: annotations/'
                        'person_keypoints_val.json and val/')
    parser.add_argument('--no-flip', action='store_true',
                        help='no flip test')
    parser.add_argument('--out', default=osp.join(
        'work_dirs', 'error_breakdown', 'error_breakdown'),
        help='report path without extension')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing report')
    args = parser.parse_args(argv)
    if (args.comparison is None) == (args.config is None):
        parser.error('give a comparison json or --config (with --checkpoint'
                     ' and --data-root), not both')
    if args.config is not None:
        missing = [f for f in ('checkpoint', 'data_root')
                   if getattr(args, f) is None]
        if missing:
            parser.error('--config needs ' + ' and '.join(
                f'--{f.replace("_", "-")}' for f in missing))
        ann = osp.join(args.data_root, 'annotations',
                       'person_keypoints_val.json')
        if not osp.isfile(ann):
            parser.error(f'{ann} not found')
        try:
            read_labels(ann)
        except ValueError as e:
            parser.error(str(e))
        if '=' not in args.config:
            stem = osp.splitext(osp.basename(args.config))[0]
            args.config = f'{stem}={args.config}'
        try:
            args.config = model_spec(args.config)
        except argparse.ArgumentTypeError as e:
            parser.error(f'--config: {e}')
    else:
        try:
            comparison = read_comparison(args.comparison,
                                         args.checkpoint_root)
        except (OSError, ValueError) as e:
            parser.error(str(e))
        unknown = sorted(set(args.models or []) - set(comparison['results']))
        if unknown:
            parser.error(f'--models: {unknown} not in {args.comparison} '
                         f'({sorted(comparison["results"])})')
    if not args.overwrite:
        refuse_existing_report(parser, args.out)
    return args


def direct_config(spec, data_root: str) -> Config:
    """A model's config with the learning comparison's val loader on
    ``data_root`` at the config's own input size."""
    name, config, options = spec
    cfg = load_config(config, options)
    if 'codec' not in cfg:
        raise ValueError(f'{config} defines no `codec`, so its input size '
                         'and target encoding are unknown')
    settings = argparse.Namespace(
        data_root=data_root, input_size=list(cfg.codec['input_size']),
        batch_size=32, workers=2, lr=1e-3, minutes=1, val_minutes=1,
        seed=0, amp=False, work_dir=osp.join('work_dirs', 'error_breakdown'))
    return comparison_config(name, config, options, settings)


def main(argv=None) -> None:
    args = parse_args(argv)
    env = environment(__file__, argv)
    if args.config is not None:
        name = args.config[0]
        try:
            runs = [(name, direct_config(args.config, args.data_root),
                     args.checkpoint)]
        except (ValueError, FileNotFoundError) as e:
            sys.exit(f'error_breakdown: {name}: {e}')
    else:
        comparison = read_comparison(args.comparison, args.checkpoint_root)
        settings = argparse.Namespace(**comparison['settings'])
        runs = [(name, comparison_config(name, r['config'],
                                         r.get('options', {}), settings),
                 r['checkpoint'])
                for name, r in comparison['results'].items()
                if not args.models or name in args.models]
    results = {}
    for name, cfg, checkpoint in runs:
        try:
            results[name] = run_model(name, cfg, checkpoint, not args.no_flip)
        except (ValueError, FileNotFoundError) as e:
            sys.exit(f'error_breakdown: {name}: {e}')
    text = report(results, args, env)
    print(text)
    save_report(args.out, text, dict(environment=env, settings=vars(args),
                                     results=results))
    print(f'written {args.out}.md and .json')


if __name__ == '__main__':
    main()
