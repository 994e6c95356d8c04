# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Quantise an exported keypoint ONNX file to INT8: ONNX Runtime's static
quantisation (QDQ, per-channel int8 weights, uint8 activations), calibrated
on real crops.

    python tools/deployment/quantize_onnx.py FILE.onnx --calib CONFIG_OR_DIR
        --out FILE.int8.onnx [--split train] [--num-crops 128]
        [--method minmax|entropy|percentile] [--exclude NAME ...]
        [--int8-ends] [--seed 0] [--overwrite]

``--calib`` is a config (the people of its ``--split`` dataset, each cropped
by its box exactly as ``clpose`` crops at run time) or a folder of images
(each whole image one box). Only the network is quantised: the graph is cut
where the network ends and the decoding begins (the head's outputs, which
``export_onnx.py`` records in the file: CL and heatmap maps, RTMPose's SimCC
logits), the network part is quantised, and the decoding (threshold,
weighted mean, argmax) is put back after it in float32. The layers that
write the maps (the last convolution; RTMPose's two SimCC classifiers) stay
float32 too, unless ``--int8-ends``: quantising the last convolution's
output cost CLNet-CSPNeXt-t 1.0 AP on held-out data in one seed and 0.06
in another (``benchmarks/results/int8_accuracy*.md``), for the price of one
small layer. So does
every node whose name contains an ``--exclude`` string or that writes the
tensor it names (the layer names printed below); a string that matches no
node is an error.

The work is done by :mod:`mmpose_cl.deploy.quantize`. It prints, on the
calibration crops, the keypoint drift of the INT8 file
against the float32 one (mean and max, crop pixels) and the five layers whose
INT8 output is furthest from float32 (signal-to-quantisation-noise ratio, dB),
the candidates for ``--exclude``.
"""
import argparse
import os.path as osp
import sys

from clpose import CLPose
from clpose.files import atomic_output

from mmpose_cl.deploy.quantize import (calibration_crops, check_opset,
                                       dataset_boxes, drift, folder_boxes,
                                       quantize, worst_layers)
from mmpose_cl.utils import at_least, check_cli_paths


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('onnx', help='a float32 file of export_onnx.py')
    parser.add_argument('--calib', required=True,
                        help='a config (its --split people) or an image '
                        'folder')
    parser.add_argument('--out', required=True, help='the INT8 ONNX file')
    parser.add_argument('--split', default='train',
                        choices=['train', 'val', 'test'])
    parser.add_argument('--num-crops', type=at_least(1), default=128)
    parser.add_argument('--method', default='minmax',
                        choices=['minmax', 'entropy', 'percentile'])
    parser.add_argument('--exclude', nargs='*', default=[],
                        help='keep in float32 the nodes whose name contains '
                        'any of these, or that write a tensor so named (the '
                        'layers it prints)')
    parser.add_argument('--int8-ends', action='store_true',
                        help='quantise the layers that write the maps too '
                        '(by default they stay float32)')
    parser.add_argument('--seed', type=at_least(0), default=0)
    parser.add_argument('--overwrite', action='store_true')
    args = parser.parse_args(argv)
    check_cli_paths(parser,
                    (('ONNX file', args.onnx), ('--calib', args.calib)),
                    args.out, args.overwrite)
    return args


def main(argv=None):
    args = parse_args(argv)
    import onnx
    try:
        fp32 = CLPose(args.onnx)
        # before calibrating, which may read a whole dataset's annotations
        check_opset(onnx.load(args.onnx, load_external_data=False), args.onnx)
        people = (folder_boxes(args.calib) if osp.isdir(args.calib) else
                  dataset_boxes(args.calib, args.split))
        crops = calibration_crops(fp32, people, args.num_crops, args.seed)
    except (ValueError, FileNotFoundError) as e:
        sys.exit(f'quantize_onnx.py: {e}')
    with atomic_output(args.out, args.overwrite) as tmp:
        try:
            kept = quantize(args.onnx, tmp, crops, args.method, args.exclude,
                            args.int8_ends)
        except ValueError as e:
            sys.exit(f'quantize_onnx.py: {args.onnx}: {e}')
        int8 = CLPose(tmp)
        d = drift(fp32, int8, crops)
        worst = worst_layers(args.onnx, tmp, crops)
    print(f'{len(crops)} calibration crops ({args.method}); the network is '
          "INT8 up to the head's outputs, the decoding after them float32; "
          f'kept in float32: {kept or "none"}')
    print(f'INT8 vs float32 on those crops: keypoints {d["mean_px"]:.3f} px '
          f'mean, {d["max_px"]:.3f} px max; scores {d["max_score_diff"]:.4f} '
          'max')
    print('layers furthest from float32 (SQNR dB): ' +
          ', '.join(f'{n} {v:.1f}' for n, v in worst))
    print(f'written {args.out}')


if __name__ == '__main__':
    main()
