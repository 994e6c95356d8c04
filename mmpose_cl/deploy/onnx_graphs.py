# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Top-down pose models as ONNX graphs that output keypoints (export,
quantisation, the deployment benchmarks).

Every graph follows one contract, the one the ``clpose`` runtime reads:

- input ``crops``: float32 (N, 3, h, w), pixel values 0..255 in **BGR**
  order (as ``cv2.imread`` gives them), channels first; the model's
  normalisation (its data preprocessor's mean, std and BGR->RGB) is in the
  graph;
- outputs ``keypoints``: float32 (N, K, 2), x-y in crop pixels (MMPose's
  convention, pixel centres at integers), and ``scores``: float32 (N, K);
- metadata ``clpose``: JSON with ``input_size`` [w, h], ``bbox_padding``,
  the dataset's keypoint names, skeleton and colours, ``flip_test`` and the
  config's name;
- metadata ``network_ends``: JSON list of the tensors where the network
  ends and the decoding begins (what the head's ``forward`` returns: CL and
  heatmap maps, SimCC logits), for :mod:`mmpose_cl.deploy.quantize`.

The decoding is in the graph: section 3.4's voting for CL heads
(:meth:`CLCodec.decode_torch`), the argmax of the x and y logits for SimCC
heads (RTMPose), the argmax of the heatmaps for heatmap heads.
"""
import json
import os.path as osp
import warnings
from contextlib import contextmanager
from typing import Callable, Optional, Sequence, Tuple

import numpy as np
import torch
from clpose.cl_pose import META_KEY, NETWORK_ENDS_KEY
from torch import Tensor, nn

#: the padding of MMPose's GetBBoxCenterScale, which top-down crops use
BBOX_PADDING = 1.25
#: the op (domain, type) that marks the network's ends while exporting
_MARKER = ('mmpose_cl', 'NetworkEnd')


class _NetworkEnd(torch.autograd.Function):
    """The identity, exported as a marker node that :func:`export` turns
    into an ``Identity``, recording the tensor it marked."""

    @staticmethod
    def forward(ctx, x: Tensor) -> Tensor:
        return x.view_as(x)

    @staticmethod
    def symbolic(g, x):
        return g.op('::'.join(_MARKER), x).setType(x.type())


def _marked(output):
    """Every tensor of a head's output (tensors, tuples, lists), marked."""
    if isinstance(output, Tensor):
        return _NetworkEnd.apply(output)
    return type(output)(_marked(o) for o in output)


@contextmanager
def _marking_outputs(head: nn.Module):
    """Within it, ``head.forward`` marks what it returns (an instance
    attribute over the method: heads call ``self.forward`` directly, which
    a forward hook would not see)."""
    forward = head.forward
    head.forward = lambda *args, **kwargs: _marked(forward(*args, **kwargs))
    try:
        yield
    finally:
        del head.forward


def _take_out_markers(proto) -> list:
    """Turns the marker nodes of an exported graph into ``Identity`` nodes
    (which ONNX Runtime drops) and returns the tensors they marked."""
    ends = []
    for node in proto.graph.node:
        if (node.domain, node.op_type) == _MARKER:
            node.domain, node.op_type = '', 'Identity'
            if node.input[0] not in ends:
                ends.append(node.input[0])
    opsets = [o for o in proto.opset_import if o.domain != _MARKER[0]]
    del proto.opset_import[:]
    proto.opset_import.extend(opsets)
    return ends


class KeypointGraph(nn.Module):
    """Crops (N, 3, h, w) BGR 0..255 -> ``(keypoints (N, K, 2) crop pixels,
    scores (N, K))`` with a top-down model, its normalisation and a
    decoding in one module.

    Args:
        model (nn.Module): An MMPose ``TopdownPoseEstimator`` (eval mode).
        decode (Callable): ``decode(model, feats) -> (keypoints, scores)``,
            with ``feats`` the backbone (and neck) features, or
            ``[feats, feats_of_the_mirrored_crops]`` when ``flip_indices``
            is given.
        flip_indices (Sequence[int], optional): The dataset's flip pairs:
            when given, the graph also runs the mirrored crops (flip test).
            Defaults to None.
    """

    def __init__(self,
                 model: nn.Module,
                 decode: Callable,
                 flip_indices: Optional[Sequence[int]] = None) -> None:
        super().__init__()
        self.model = model
        self.decode = decode
        self.flip_indices = flip_indices
        pre = model.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.register_buffer('mean', pre.mean.reshape(1, 3, 1, 1).float())
        self.register_buffer('std', pre.std.reshape(1, 3, 1, 1).float())

    def forward(self, crops: Tensor) -> Tuple[Tensor, Tensor]:
        x = crops.flip(1) if self.bgr_to_rgb else crops  # (N, 3, h, w) RGB
        x = (x - self.mean) / self.std
        feats = self.model.extract_feat(x)
        if self.flip_indices is not None:
            feats = [feats, self.model.extract_feat(x.flip(-1))]
        return self.decode(self.model, feats)


def decode_cl(model: nn.Module, feats) -> Tuple[Tensor, Tensor]:
    """CL heads: the (flip-merged) activated maps of the last stage, decoded
    by section 3.4's voting, without a data-dependent branch."""
    head = model.head
    flip_indices = None
    if isinstance(feats, list):
        flip_indices = model_flip_indices(model)
    heatmaps, offsets = head.scored_maps(feats, flip_indices)
    return head.decoder.decode_torch(heatmaps, offsets)


def model_flip_indices(model: nn.Module) -> Sequence[int]:
    return model.dataset_meta['flip_indices']


def decode_simcc(model: nn.Module, feats) -> Tuple[Tensor, Tensor]:
    """SimCC heads (RTMPose's ``RTMCCHead``, no flip test): MMPose's
    ``SimCCLabel.decode`` without DARK, in the graph: the argmax of the x
    and y logits over the split ratio, score ``min(max_x, max_y)``, -1 where
    the score is <= 0 (``get_simcc_maximum``)."""
    simcc_x, simcc_y = model.head.forward(feats)  # (N, K, Wx), (N, K, Wy)
    max_x, x = simcc_x.max(-1)
    max_y, y = simcc_y.max(-1)
    scores = torch.minimum(max_x, max_y)
    keypoints = torch.stack([x, y], dim=-1).float()
    keypoints = torch.where(scores[..., None] > 0, keypoints, -1.)
    return keypoints / model.head.decoder.simcc_split_ratio, scores


def decode_heatmap(model: nn.Module, feats) -> Tuple[Tensor, Tensor]:
    """Heatmap heads (SimpleBaseline's ``HeatmapHead``, no flip test):
    MMPose's ``MSRAHeatmap.decode`` (not unbiased) in the graph: the argmax
    cell, -1 where its value is <= 0 (``get_heatmap_maximum``), moved a
    quarter cell towards the higher neighbour (``refine_keypoints``), times
    the input / heatmap size."""
    heatmaps = model.head.forward(feats)  # (N, K, H, W)
    N, K, H, W = heatmaps.shape
    flat = heatmaps.reshape(N, K, H * W)
    scores, index = flat.max(-1)
    x, y = index % W, torch.div(index, W, rounding_mode='floor')
    valid = scores > 0
    x, y = torch.where(valid, x, -1), torch.where(valid, y, -1)

    def at(dy, dx):  # the heatmap value at (y + dy, x + dx), clamped inside
        i = (y + dy).clamp(0, H - 1) * W + (x + dx).clamp(0, W - 1)
        return flat.gather(-1, i[..., None])[..., 0]

    # refine_keypoints: 1 < x < W - 1 and 0 < y < H for dx, and the same
    # with x and y swapped for dy
    inside_x = (x > 1) & (x < W - 1) & (y > 0) & (y < H)
    inside_y = (y > 1) & (y < H - 1) & (x > 0) & (x < W)
    dx = torch.where(inside_x, at(0, 1) - at(0, -1), 0.)
    dy = torch.where(inside_y, at(1, 0) - at(-1, 0), 0.)
    keypoints = torch.stack([x, y], dim=-1).float() + 0.25 * torch.stack(
        [dx.sign(), dy.sign()], dim=-1)
    scale = heatmaps.new_tensor(model.head.decoder.scale_factor)  # (2,)
    return keypoints * scale, scores


def graph_for(model: nn.Module, flip_test: bool = False) -> 'KeypointGraph':
    """The :class:`KeypointGraph` of a top-down model with its decoding:
    CL heads (with or without the flip test), SimCC heads and heatmap heads
    (MSRA decoding; without the flip test).

    Raises:
        ValueError: another head, or the flip test asked of a non-CL head.
    """
    from mmpose_cl import BaseCLHead
    head = model.head
    name = type(head).__name__
    if isinstance(head, BaseCLHead):
        decode = decode_cl
    elif hasattr(head.decoder, 'simcc_split_ratio'):
        decode = decode_simcc
    elif type(head.decoder).__name__ == 'MSRAHeatmap':
        decode = decode_heatmap
    else:
        raise ValueError(f'no in-graph decoding for a {name} with a '
                         f'{type(head.decoder).__name__} decoder')
    if flip_test and decode is not decode_cl:
        raise ValueError(f'the flip test is exported for CL heads only, not '
                         f'for a {name}')
    flip = model_flip_indices(model) if flip_test else None
    return KeypointGraph(model, decode, flip).eval()


def onnx_metadata(model: nn.Module, config_path: str, input_size,
                  flip_test: bool) -> dict:
    """The ``clpose`` metadata of the contract, from the model's
    ``dataset_meta`` (names, skeleton, colours)."""
    meta = model.dataset_meta
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    return dict(
        input_size=[int(s) for s in input_size],
        bbox_padding=BBOX_PADDING,
        keypoint_names=names,
        skeleton=[[int(a), int(b)] for a, b in meta['skeleton_links']],
        keypoint_colors=np.asarray(meta['keypoint_colors']).astype(
            int).tolist(),
        skeleton_colors=np.asarray(meta['skeleton_link_colors']).astype(
            int).tolist(),
        flip_test=bool(flip_test),
        config=osp.basename(config_path))


def export(graph: KeypointGraph, input_size: Sequence[int], out: str,
           metadata: dict, batch='dynamic', opset: int = 17) -> None:
    """Trace ``graph`` into ``out`` with ``torch.onnx.export`` (the
    TorchScript exporter, ``dynamo=False``: see docs/deployment.md), add the
    ``clpose`` and ``network_ends`` metadata and run ``onnx.checker``.

    Args:
        graph (KeypointGraph): The module to export (eval mode).
        input_size (Sequence[int]): ``(w, h)`` of the crops.
        out (str): The ONNX file (callers write to a temporary path and
            rename it, see :func:`clpose.files.atomic_output`).
        metadata (dict): The ``clpose`` metadata.
        batch (int | str): A fixed batch size or ``'dynamic'``.
            Defaults to ``'dynamic'``.
        opset (int): ONNX opset. Defaults to 17.
    """
    import onnx
    w, h = input_size
    dummy = torch.zeros(1 if batch == 'dynamic' else int(batch), 3, h, w)
    dynamic = dict(
        crops={0: 'N'}, keypoints={0: 'N'},
        scores={0: 'N'}) if batch == 'dynamic' else None
    with torch.no_grad(), warnings.catch_warnings(), _marking_outputs(
            graph.model.head):
        # shapes and cell centres are constants of the graph, as intended
        warnings.simplefilter('ignore', torch.jit.TracerWarning)
        torch.onnx.export(
            graph, (dummy, ), out, input_names=['crops'],
            output_names=['keypoints', 'scores'], dynamic_axes=dynamic,
            opset_version=opset, dynamo=False, custom_opsets={_MARKER[0]: 1})
    proto = onnx.load(out)
    ends = _take_out_markers(proto)
    for key, value in ((META_KEY, metadata), (NETWORK_ENDS_KEY, ends)):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, json.dumps(value)
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, out)
