# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Held-out accuracy of the models of a learning comparison in PyTorch fp32,
ONNX Runtime fp32 and ONNX Runtime INT8, with the same calibration.

    python -m benchmarks.int8_accuracy COMPARISON.json
        [--num-crops 128] [--method minmax] [--exclude NAME ...] [--int8-ends]
        [--checkpoint-root DIR] [--work-dir work_dirs/int8_accuracy]
        [--out work_dirs/int8_accuracy/int8_accuracy]
        [--overwrite]

``COMPARISON.json`` is what ``benchmarks/learning_comparison.py`` wrote:
for each model its config, its changes and its final checkpoint, and the
data and crop size it was trained with. Each model is rebuilt exactly as it
was trained, exported with its decoding in the graph
(``mmpose_cl/deploy/onnx_graphs.py``: section 3.4's voting for CL heads, the
SimCC argmax for RTMPose, MMPose's heatmap decoding for SimpleBaseline) and
quantised like ``tools/deployment/quantize_onnx.py`` does, every model with
the same calibration: ``--num-crops`` people of the *training* split (seed
0), ``--method``. Then, on every person of the held-out val split (its
ground-truth boxes, cropped as ``clpose`` crops), without flip test:

- COCO AP (MMPose's ``CocoMetric``) and PCK@0.05 (``PCKAccuracy``, box
  normalised) of the eager PyTorch graph, the fp32 ONNX file and the INT8
  ONNX file;
- the keypoint drift of INT8 against fp32 ONNX: mean and max distance in
  crop pixels.

Writes ``<out>.md`` and ``.json`` with the command, the machine and the
versions.
"""
import argparse
import os
import os.path as osp
from typing import Dict, List

import numpy as np
import torch
from tqdm import tqdm

import mmpose_cl  # noqa: F401
from benchmarks.lib.comparison import comparison_config, read_comparison
from benchmarks.lib.report import (describe_environment, environment,
                                   save_report)
from mmpose_cl.deploy.onnx_graphs import export, graph_for, onnx_metadata
from mmpose_cl.deploy.quantize import (calibration_crops, dataset_boxes,
                                       quantize)
from mmpose_cl.utils import at_least, check_cli_paths


def people(cfg, split: str):
    """The data infos (image, box, ids, keypoints) of every person of a
    split, as the comparison's dataset lists them (ground-truth boxes), and
    the dataset's metainfo."""
    from mmpose.registry import DATASETS
    loader = cfg.train_dataloader if split == 'train' else cfg.val_dataloader
    dataset = DATASETS.build(dict(loader.dataset, pipeline=[]))
    return ([dataset.get_data_info(i) for i in range(len(dataset))],
            dataset.metainfo)


def crops_of(runtime, infos: List[dict]):
    """Crops (N, 3, h, w) as ``clpose`` makes them, with each person's
    centre and scale (N, 2)."""
    from clpose import read_image
    crops, centers, scales = [], [], []
    cache = {}
    for info in infos:
        path = info['img_path']
        if path not in cache:
            cache = {path: read_image(path)}
        c, center, scale = runtime.crops(cache[path], info['bbox'][:1])
        crops.append(c)
        centers.append(center)
        scales.append(scale)
    return (np.concatenate(crops), np.concatenate(centers),
            np.concatenate(scales))


def evaluate(cfg, metainfo: dict, infos: List[dict], keypoints: np.ndarray,
             scores: np.ndarray, scales: np.ndarray) -> Dict[str, float]:
    """COCO AP and PCK@0.05 of image-pixel keypoints (N, K, 2) and scores
    (N, K) with MMPose's own metrics (the comparison's val evaluator), fed
    the fields that its val loop feeds them."""
    from mmengine.evaluator import Evaluator
    evaluator = Evaluator(cfg.val_evaluator)
    evaluator.dataset_meta = metainfo
    samples = [
        dict(id=info['id'], img_id=info['img_id'], category_id=1,
             pred_instances=dict(keypoints=kpts[None],
                                 keypoint_scores=score[None]),
             gt_instances=dict(bboxes=info['bbox'], bbox_scores=np.ones(1),
                               bbox_scales=scale[None],
                               keypoints=info['keypoints'],
                               keypoints_visible=info['keypoints_visible']))
        for info, kpts, score, scale in zip(infos, keypoints, scores, scales)
    ]
    evaluator.process(samples, None)
    metrics = evaluator.evaluate(len(samples))
    return dict(AP=float(metrics['coco/AP']), PCK=float(metrics['PCK']))


def run_model(name: str, result: dict, settings: argparse.Namespace, args,
              work_dir: str) -> Dict:
    """fp32 PyTorch, fp32 ONNX and INT8 ONNX accuracy of one model."""
    from clpose import CLPose
    from clpose.affine import crop_to_image
    from mmpose_cl.apis import load_pose_model
    cfg = comparison_config(name, result['config'], result.get('options', {}),
                            settings)
    model = load_pose_model(cfg, result['checkpoint'])
    model.test_cfg['flip_test'] = False
    graph = graph_for(model)
    size = cfg.codec['input_size']
    fp32_path = osp.join(work_dir, f'{name}.onnx')
    int8_path = osp.join(work_dir, f'{name}.int8.onnx')
    export(graph, size, fp32_path,
           onnx_metadata(model, result['config'], size, False))
    fp32 = CLPose(fp32_path)
    calib = calibration_crops(fp32, dataset_boxes(cfg, 'train'),
                              args.num_crops, 0)
    # one --exclude for models of different graphs: a string may match
    # nodes of some of them only; what each keeps is in the report's json
    kept = quantize(fp32_path, int8_path, calib, args.method, args.exclude,
                    args.int8_ends, strict_exclude=False)
    int8 = CLPose(int8_path)

    val, metainfo = people(cfg, 'val')
    crops, centers, scales = crops_of(fp32, val)
    out = {}
    with torch.no_grad():
        eager = [graph(torch.from_numpy(crops[i:i + 32]))
                 for i in range(0, len(crops), 32)]
    runs = dict(
        pytorch=(torch.cat([k for k, _ in eager]).numpy(),
                 torch.cat([s for _, s in eager]).numpy()),
        onnx_fp32=fp32.run(crops), onnx_int8=int8.run(crops))
    for key, (kpts, scores) in runs.items():
        image_kpts = crop_to_image(kpts, centers, scales, size)
        out[key] = evaluate(cfg, metainfo, val, image_kpts, scores, scales)
    dist = np.linalg.norm(runs['onnx_int8'][0] - runs['onnx_fp32'][0],
                          axis=-1)
    out['drift'] = dict(mean_px=float(dist.mean()),
                        max_px=float(dist.max()))
    out['people'] = len(val)
    out['kept_float32'] = kept
    return out


def report(results: Dict, args, env: Dict, comparison: Dict) -> str:
    lines = [
        '# Accuracy under INT8 on held-out data', '',
        describe_environment(env) + f' onnx {env["onnx"]}, onnxruntime '
        f'{env["onnxruntime"]}.', '',
        f'Models: the final checkpoints of `{args.comparison}` (trained from '
        f'scratch for {comparison["settings"].get("minutes")} minutes each '
        'on the procedural poses). Evaluated on every person of its val '
        'split (ground-truth boxes, no flip test). INT8: ONNX Runtime '
        f'static QDQ, per-channel int8 weights, uint8 activations, '
        f'{args.method} calibration on the same {args.num_crops} training '
        'people for every model. The network is INT8 up to where the '
        "head's outputs end it (the maps; RTMPose's SimCC logits, after "
        'its MLP and GAU); the decoding after it runs in float32' +
        ('' if args.int8_ends else
         ', and so do the layers that write the maps (the last '
         "convolution; RTMPose's two SimCC classifiers)") +
        (f', and the nodes named *{args.exclude}*' if args.exclude else '') +
        '.',
        '',
        '| model | PyTorch fp32 AP | ONNX fp32 AP | ONNX INT8 AP | AP lost '
        'at INT8 | PCK@0.05 fp32 / INT8 | INT8 drift mean / max (px) |',
        '|---|---|---|---|---|---|---|']
    for name, r in results.items():
        lost = r['onnx_fp32']['AP'] - r['onnx_int8']['AP']
        lines.append(
            f'| {name} | {r["pytorch"]["AP"]:.3f} | {r["onnx_fp32"]["AP"]:.3f}'
            f' | {r["onnx_int8"]["AP"]:.3f} | {100 * lost:.1f} points | '
            f'{r["onnx_fp32"]["PCK"]:.3f} / {r["onnx_int8"]["PCK"]:.3f} | '
            f'{r["drift"]["mean_px"]:.2f} / {r["drift"]["max_px"]:.1f} |')
    return '\n'.join(lines) + '\n'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('comparison', help='the .json of learning_comparison')
    parser.add_argument('--checkpoint-root', metavar='DIR',
                        help="the folder the comparison's relative checkpoint"
                        ' paths are relative to (where it ran; default: the '
                        'current folder)')
    parser.add_argument('--num-crops', type=at_least(1), default=128)
    parser.add_argument('--method', default='minmax',
                        choices=['minmax', 'entropy', 'percentile'])
    parser.add_argument('--exclude', nargs='*', default=[],
                        help='as quantize_onnx.py --exclude, in each model '
                        'that has such nodes')
    parser.add_argument('--int8-ends', action='store_true',
                        help='quantise the layers that write the maps too')
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'int8_accuracy'))
    parser.add_argument('--out',
                        default=osp.join('work_dirs', 'int8_accuracy',
                                         'int8_accuracy'))
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the files of a non-empty --work-dir')
    args = parser.parse_args(argv)
    if not osp.isfile(args.comparison):
        parser.error(f'{args.comparison} not found')
    try:
        read_comparison(args.comparison, args.checkpoint_root)
    except ValueError as e:
        parser.error(str(e))
    check_cli_paths(parser, (), args.work_dir, args.overwrite)
    return args


def main(argv=None):
    args = parse_args(argv)
    import onnx
    import onnxruntime
    comparison = read_comparison(args.comparison, args.checkpoint_root)
    settings = argparse.Namespace(**comparison['settings'])
    env = dict(environment(__file__, argv), onnx=onnx.__version__,
               onnxruntime=onnxruntime.__version__)
    os.makedirs(args.work_dir, exist_ok=True)
    results = {}
    for name, result in tqdm(comparison['results'].items(), desc='models'):
        results[name] = run_model(name, result, settings, args,
                                  args.work_dir)
    text = report(results, args, env, comparison)
    print(text)
    save_report(args.out, text, dict(environment=env, settings=vars(args),
                                     results=results))
    print(f'written {args.out}.md and .json')


if __name__ == '__main__':
    main()
