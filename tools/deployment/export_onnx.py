# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Export a CL model to one ONNX file that outputs keypoints, and check it.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --out FILE.onnx
        [--batch N|dynamic] [--flip-test] [--opset 17]
        [--check-data DIR | --no-check] [--overwrite]

The graph takes ``crops`` (N, 3, h, w) float32, pixel values 0..255 in BGR
order (as ``cv2.imread`` gives them; the config's normalisation and BGR->RGB
are in the graph) and outputs ``keypoints`` (N, K, 2) x-y in crop pixels and
``scores`` (N, K): the backbone, the CL head, with ``--flip-test`` the
mirrored crops merged as MMPose's flip test does, and the decoding of
section 3.4 (a threshold and a weighted mean; the argmax fallback is a
``where``). ``python -m clpose`` runs it with numpy, OpenCV and ONNX Runtime
only.

Checks, before the file is renamed into place: ``onnx.checker``, then ONNX
Runtime against the PyTorch model's own predict (MMPose's
``inference_topdown``) on real crops: the people of the bundled COCO images
(``tests/data/coco`` of a source checkout, or ``--check-data``: a folder with
a COCO ``test_coco.json`` and its images) cropped by the config's test
pipeline. The export fails unless keypoints agree within 1e-3 px and scores
within 1e-5; ``--no-check`` skips the comparison (an installed package has
no bundled images). Use a
checkpoint that has learned something: with random weights, near-equal
activations make the decoded keypoints jump between cells on rounding noise.
"""
import argparse
import sys

import torch
from clpose.files import atomic_output

from mmpose_cl.apis import load_cl_model
from mmpose_cl.deploy.export import (CHECK_DATA, KEYPOINT_TOL, MIN_OPSET,
                                     SCORE_TOL, bundled_people,
                                     compare_with_pytorch)
from mmpose_cl.deploy.onnx_graphs import (KeypointGraph, decode_cl, export,
                                          onnx_metadata)
from mmpose_cl.utils import check_cli_paths


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='a CL config (configs/*.py)')
    parser.add_argument('checkpoint', help='its checkpoint (.pth)')
    parser.add_argument('--out', required=True, help='the ONNX file')
    parser.add_argument(
        '--batch', default='dynamic',
        help="a fixed batch size, or 'dynamic' (default)")
    parser.add_argument('--flip-test', action='store_true',
                        help='also run the mirrored crops and merge them')
    parser.add_argument(
        '--opset', type=int, default=17,
        help=f'ONNX opset, >= {MIN_OPSET} (>= 13 to quantise the file)')
    check = parser.add_mutually_exclusive_group()
    check.add_argument('--check-data', default=CHECK_DATA, metavar='DIR',
                       help='the people to compare ONNX Runtime with PyTorch '
                       'on: a folder with test_coco.json and its images '
                       '(default: the bundled tests/data/coco)')
    check.add_argument('--no-check', action='store_true',
                       help='skip the comparison with PyTorch')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace an existing --out')
    args = parser.parse_args(argv)
    if args.batch != 'dynamic' and not (args.batch.isdigit()
                                        and int(args.batch) >= 1):
        parser.error(f"--batch must be a positive integer or 'dynamic', got "
                     f'{args.batch!r}')
    # torch's TorchScript exporter knows opsets up to this one
    top = getattr(getattr(torch.onnx, '_constants', None), 'ONNX_MAX_OPSET',
                  args.opset)
    if not MIN_OPSET <= args.opset <= top:
        parser.error(f'--opset must be in [{MIN_OPSET}, {top}] (the '
                     f'decoding needs ScatterND, opset 11; torch '
                     f'{torch.__version__} exports up to {top}), got '
                     f'{args.opset}')
    check_cli_paths(parser, (('config', args.config),
                             ('checkpoint', args.checkpoint)), args.out,
                    args.overwrite)
    if not args.no_check:
        try:  # before the export, not after it
            bundled_people(args.check_data)
        except (FileNotFoundError, ValueError) as e:
            parser.error(f'--check-data: {e} (or pass --no-check)')
    return args


def check_with_pytorch(model, onnx_path: str, args) -> None:
    """Exit, naming the differences, unless ONNX Runtime agrees with the
    PyTorch model on the people of ``--check-data``."""
    check = compare_with_pytorch(model, onnx_path, args.flip_test, args.batch,
                                 args.check_data)
    print(f'ONNX Runtime vs PyTorch on {check["people"]} COCO people: '
          f'keypoints max diff {check["max_keypoint_diff"]:.2e} px '
          f'(tolerance {KEYPOINT_TOL}), scores max diff '
          f'{check["max_score_diff"]:.2e} (tolerance {SCORE_TOL})')
    if (check['max_keypoint_diff'] > KEYPOINT_TOL
            or check['max_score_diff'] > SCORE_TOL):
        sys.exit('export_onnx.py: the ONNX graph disagrees with the PyTorch '
                 f'model; {args.out} not written')


def main(argv=None):
    args = parse_args(argv)
    try:
        model = load_cl_model(args.config, args.checkpoint)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'export_onnx.py: {e}')
    graph = KeypointGraph(
        model, decode_cl,
        model.dataset_meta['flip_indices'] if args.flip_test else None).eval()
    metadata = onnx_metadata(model, args.config,
                             model.head.decoder.input_size, args.flip_test)
    with atomic_output(args.out, args.overwrite) as tmp:
        export(graph, model.head.decoder.input_size, tmp, metadata,
               args.batch, args.opset)
        if args.no_check:
            print('not compared with PyTorch (--no-check)')
        else:
            check_with_pytorch(model, tmp, args)
    w, h = metadata['input_size']
    print(f'written {args.out}: crops (N, 3, {h}, {w}) float32 BGR 0..255 -> '
          f'keypoints (N, {len(metadata["keypoint_names"])}, 2) crop pixels, '
          'scores')


if __name__ == '__main__':
    main()
