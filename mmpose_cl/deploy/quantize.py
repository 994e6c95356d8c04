# Copyright (c) mmpose-cl contributors. All rights reserved.
"""INT8 quantisation of an exported keypoint ONNX file: ONNX Runtime's static
quantisation (QDQ, per-channel int8 weights, uint8 activations), calibrated
on real crops. ``tools/deployment/quantize_onnx.py`` is its command line.

Only the network is quantised (:func:`quantize`): the graph is cut where the
network ends and the decoding begins (the head's outputs, which
:func:`~mmpose_cl.deploy.onnx_graphs.export` records in the file), the
network part is quantised, and the decoding (threshold, weighted mean,
argmax) is put back after it in float32. The layers that write the maps
stay float32 unless ``int8_ends``. ``onnx`` and ``onnxruntime`` are imported
inside the functions that use them.
"""
import json
import os
import os.path as osp
import tempfile
from typing import Dict, List, Sequence

import numpy as np
from clpose import CLPose, read_image
from clpose.cl_pose import NETWORK_ENDS_KEY
from tqdm import tqdm

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
#: per-channel QDQ needs DequantizeLinear's ``axis`` (opset 13)
MIN_OPSET = 13


def dataset_boxes(config, split: str) -> List[tuple]:
    """(image path, box x1 y1 x2 y2) of every person of a config's dataset
    (a path or a loaded ``Config``), before its pipeline (MMPose's
    ``get_data_info``)."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    import mmpose_cl  # noqa: F401  (registers our datasets)
    from mmpose_cl.utils import load_config
    cfg = load_config(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise ValueError(f'{config}: no {split}_dataloader')
    dataset_cfg = dict(loader['dataset'], pipeline=[])
    dataset = DATASETS.build(dataset_cfg)
    people = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        people.append((info['img_path'], np.asarray(info['bbox'][0])))
    if not people:
        raise ValueError(f'{config}: the {split} dataset holds no person')
    return people


def folder_boxes(folder: str) -> List[tuple]:
    """(image path, None: the whole image) for every image of a folder."""
    files = sorted(f for f in os.listdir(folder)
                   if f.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(f'{folder}: no image file ({IMAGE_EXTENSIONS})')
    return [(osp.join(folder, f), None) for f in files]


def calibration_crops(model: CLPose, people: List[tuple], num: int,
                      seed: int) -> np.ndarray:
    """Up to ``num`` crops (N, 3, h, w) float32 BGR, a seeded random choice
    of ``people`` (``dataset_boxes`` or ``folder_boxes``), cropped as
    ``model`` crops at run time."""
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(people))[:num]
    crops = []
    for i in tqdm(sorted(chosen), desc='calibration crops'):
        path, box = people[i]
        image = read_image(path)
        if box is None:
            box = np.array([0, 0, image.shape[1], image.shape[0]], float)
        crops.append(model.crops(image, box[None])[0])
    return np.concatenate(crops)


class CropReader:
    """ONNX Runtime's ``CalibrationDataReader`` over crops, one at a time."""

    def __init__(self, crops: np.ndarray) -> None:
        self.crops = crops
        self.reset()

    def get_next(self):
        return next(self._it, None)

    def reset(self) -> None:
        self._it = iter(self)

    def __iter__(self):
        return ({'crops': c[None]} for c in self.crops)


def network_ends(model) -> List[str]:
    """The tensors where the network ends and the decoding begins: those
    ``export_onnx.py`` recorded (the head's outputs), or, in a file without
    that record, the outputs of the last convolutions (what the decoding
    reads of the convolutions and the nodes that feed them)."""
    meta = {p.key: p.value for p in model.metadata_props}
    producer = {out: node for node in model.graph.node for out in node.output}
    if NETWORK_ENDS_KEY in meta:
        ends = json.loads(meta[NETWORK_ENDS_KEY])
        missing = [e for e in ends if e not in producer]
        if missing:
            raise ValueError(f'the network ends {missing} of its metadata '
                             'are not tensors of the graph')
        return ends
    network, todo = set(), [n for n in model.graph.node if n.op_type == 'Conv']
    while todo:
        node = todo.pop()
        if id(node) not in network:
            network.add(id(node))
            todo.extend(producer[i] for i in node.input if i in producer)
    ends = []
    for node in model.graph.node:
        if id(node) in network:
            continue
        for name in node.input:
            if (name in producer and id(producer[name]) in network
                    and name not in ends):
                ends.append(name)
    return ends


#: ops that move or cut values without computing new ones
DATA_MOVEMENT = ('Identity', 'Slice', 'Split', 'Reshape', 'Transpose',
                 'Squeeze', 'Unsqueeze', 'Flatten', 'Concat')


def map_writers(model, ends: Sequence[str]) -> List[str]:
    """The nodes that write the maps: the producers of ``ends``, looking
    through slices, reshapes and the like (a CL head's maps are slices of
    its last convolution's output)."""
    producer = {out: node for node in model.graph.node for out in node.output}
    writers, todo = [], [producer[e] for e in ends if e in producer]
    while todo:
        node = todo.pop()
        if node.op_type in DATA_MOVEMENT:
            data = node.input if node.op_type == 'Concat' else node.input[:1]
            todo.extend(producer[i] for i in data if i in producer)
        elif node.name not in writers:
            writers.append(node.name)
    return writers


def excluded_nodes(network, exclude: Sequence[str],
                   strict: bool = True) -> List[str]:
    """The nodes of ``network`` whose name contains one of ``exclude`` or
    that write a tensor named in it.

    Raises:
        ValueError: when ``strict``, a string that matches no node (a typo
            would otherwise quantise the layer it meant to keep).
    """
    def matches(node, name):
        return name in node.name or name in node.output

    nodes = network.graph.node
    unmatched = [s for s in exclude if not any(matches(n, s) for n in nodes)]
    if unmatched and strict:
        example = next((n for n in nodes if n.op_type == 'Conv'), nodes[0])
        raise ValueError(
            f'--exclude {unmatched}: no node of the network has such a name '
            f'or writes such a tensor (node names look like '
            f'{example.name!r}, tensors like {example.output[0]!r})')
    return [n.name for n in nodes if any(matches(n, s) for s in exclude)]


def check_opset(model, path: str) -> None:
    """Raise ``ValueError`` naming ``path`` when the file's ONNX opset is
    too old for per-channel quantisation (below :data:`MIN_OPSET`)."""
    opset = max((o.version for o in model.opset_import
                 if o.domain in ('', 'ai.onnx')), default=0)
    if opset < MIN_OPSET:
        raise ValueError(
            f'{path}: opset {opset}: per-channel quantisation needs opset >= '
            f'{MIN_OPSET}; export it again with --opset {MIN_OPSET} or '
            "more (export_onnx.py's default is 17)")


def quantize(src: str, out: str, crops: np.ndarray, method: str,
             exclude: Sequence[str], int8_ends: bool = False,
             strict_exclude: bool = True) -> List[str]:
    """Statically quantise the network of ``src`` (everything up to the
    maps, :func:`network_ends`) and put its float32 decoding back after it,
    into ``out``. The layers that write the maps stay float32 unless
    ``int8_ends``, and so does every node whose name contains one of
    ``exclude`` or that writes a tensor named in it (a string that matches
    nothing is an error unless not ``strict_exclude``: tools that quantise
    several models with one ``exclude``).

    Returns:
        list[str]: the nodes kept in float32 before the network's end (the
        layers that write the maps, the ``exclude`` matches).

    Raises:
        ValueError: the file's opset is below 13, or (``strict_exclude``)
            a string of ``exclude`` matches no node of the network.
    """
    import onnx
    from onnx.compose import add_prefix, merge_models
    from onnx.utils import Extractor
    from onnxruntime.quantization import (CalibrationMethod, QuantFormat,
                                          QuantType, quant_pre_process,
                                          quantize_static)
    with tempfile.TemporaryDirectory() as tmp:
        model = onnx.load(src)
        check_opset(model, src)
        ends = network_ends(model)
        outputs = [o.name for o in model.graph.output]
        extractor = Extractor(onnx.shape_inference.infer_shapes(model))
        decoding = extractor.extract_model(ends, outputs)
        # the ends the decoding really reads (not those of pruned branches)
        ends = [i.name for i in decoding.graph.input]
        onnx.save(extractor.extract_model(['crops'], ends),
                  osp.join(tmp, 'network.onnx'))
        pre = osp.join(tmp, 'pre.onnx')
        # auto_merge: ONNX Runtime's symbolic shape inference otherwise
        # stops where two names of one batch dimension meet (the hourglass's
        # up-sampled branch added to its skip branch); run from the temporary
        # folder, where it leaves its debugging files on failure
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            quant_pre_process(osp.join(tmp, 'network.onnx'), pre,
                              auto_merge=True)
        finally:
            os.chdir(cwd)
        network = onnx.load(pre)
        excluded = list(dict.fromkeys(  # in order, each once
            excluded_nodes(network, exclude, strict_exclude)
            + ([] if int8_ends else map_writers(network, ends))))
        quantized = osp.join(tmp, 'network.int8.onnx')
        quantize_static(
            pre, quantized, CropReader(crops),
            quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
            nodes_to_exclude=excluded,
            calibrate_method=dict(
                minmax=CalibrationMethod.MinMax,
                entropy=CalibrationMethod.Entropy,
                percentile=CalibrationMethod.Percentile)[method])
        quantized = onnx.load(quantized)
        # the two parts share names of constants: prefix the decoding's,
        # then give the model's outputs their names back
        decoding = add_prefix(decoding, 'decoding/')
        decoding.ir_version = quantized.ir_version
        merged = merge_models(
            quantized, decoding,
            io_map=[(end, i.name)
                    for end, i in zip(ends, decoding.graph.input)])
        for output, name in zip(merged.graph.output, outputs):
            for node in merged.graph.node:
                node.output[:] = [name if o == output.name else o
                                  for o in node.output]
                node.input[:] = [name if i == output.name else i
                                 for i in node.input]
            output.name = name
    # the runtime's metadata
    del merged.metadata_props[:]
    merged.metadata_props.extend(model.metadata_props)
    onnx.checker.check_model(merged)
    onnx.save(merged, out)
    return excluded


def drift(fp32: CLPose, int8: CLPose, crops: np.ndarray) -> Dict:
    """Keypoint distance (crop pixels) and score difference of the INT8
    model against the float32 one, on the same crops."""
    k32, s32 = fp32.run(crops)
    k8, s8 = int8.run(crops)
    dist = np.linalg.norm(k8 - k32, axis=-1)
    return dict(mean_px=float(dist.mean()), max_px=float(dist.max()),
                max_score_diff=float(np.abs(s8 - s32).max()))


def worst_layers(src: str, out: str, crops: np.ndarray, top: int = 5):
    """The ``top`` convolution outputs whose INT8 values are furthest from
    float32 (ONNX Runtime's ``qdq_loss_debug``: SQNR in dB between the float
    model's tensor and the quantised model's, on a few crops)."""
    from onnxruntime.quantization.qdq_loss_debug import (
        collect_activations, compute_activation_error,
        create_activation_matching, modify_model_output_intermediate_tensors)
    with tempfile.TemporaryDirectory() as tmp:
        acts = {}
        for name, path in (('float', src), ('qdq', out)):
            aug = osp.join(tmp, f'{name}.onnx')
            modify_model_output_intermediate_tensors(path, aug)
            acts[name] = collect_activations(aug, CropReader(crops[:8]))
    matched = create_activation_matching(acts['qdq'], acts['float'])
    errors = compute_activation_error(matched)
    sqnr = {
        name: float(np.mean(e['xmodel_err']))
        for name, e in errors.items() if 'xmodel_err' in e
    }
    return sorted(sqnr.items(), key=lambda kv: kv[1])[:top]
