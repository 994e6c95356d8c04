"""Tiny ONNX models that follow clpose's contract, built with onnx.helper.

The model's ``keypoints`` are constants (``KPTS``, crop pixels) broadcast
over the batch, plus 0 * the crop's mean so that the input is used; its
``scores[n, k]`` is the mean of channel ``k % 3`` (B, G, R) of crop n over
255, so a test can check the crop's pixels and their order through them.
"""
import json
import os.path as osp
from types import SimpleNamespace
from typing import Any, Dict, Optional, Sequence

import numpy as np
import pytest

onnx = pytest.importorskip('onnx')
from onnx import TensorProto, helper  # noqa: E402

INPUT_SIZE = (48, 64)  # (w, h), 3:4 like MMPose's 192x256
W, H = INPUT_SIZE
#: crop pixels of the K = 3 keypoints: top-left pixel, bottom-right, centre
KPTS = np.array([[0, 0], [W - 1, H - 1], [W / 2, H / 2]], dtype=np.float32)
IMAGE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
                 'coco', '000000000785.jpg')
#: the person of 000000000785.jpg in test_coco.json, as x1, y1, x2, y2
BOX = [280.79, 44.73, 499.49, 391.41]


def make_meta(num_kpts: int = 3, **changes: Any) -> Dict[str, Any]:
    meta = {
        'input_size': list(INPUT_SIZE),
        'bbox_padding': 1.25,
        'keypoint_names': [f'kpt{k}' for k in range(num_kpts)],
        'skeleton': [[0, 1], [1, 2]],
        'keypoint_colors': [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
        'skeleton_colors': [[255, 255, 0], [0, 255, 255]],
        'flip_test': False,
        'config': 'test.py',
    }
    meta.update(changes)
    return meta


def write_model(path: str,
                meta: Any = 'default',
                batch: Any = 'N',
                shape: Optional[Sequence[int]] = None,
                input_name: str = 'crops',
                outputs: Sequence[str] = ('keypoints', 'scores'),
                kpts: np.ndarray = KPTS,
                batch_kpts: bool = True) -> str:
    """Write a contract model to ``path``; the arguments break it on
    purpose. ``meta``: a dict, a raw string, None (no metadata);
    ``batch_kpts=False``: keypoints (1, K, 2) whatever the batch."""
    num_kpts = len(kpts)
    shape = list(shape or (3, H, W))
    axes = list(range(2, len(shape) + 1))
    weights = np.zeros((3, num_kpts), dtype=np.float32)
    weights[np.arange(num_kpts) % 3, np.arange(num_kpts)] = 1 / 255
    names = dict(zip(('keypoints', 'scores'), outputs))
    nodes = [
        helper.make_node('ReduceMean', [input_name], ['chan'],
                         axes=axes,
                         keepdims=0),  # (N, 3)
        helper.make_node('MatMul', ['chan', 'weights'], [names['scores']]),
        helper.make_node('ReduceMean', ['chan'], ['mean'],
                         axes=[1] if batch_kpts else [0, 1],
                         keepdims=1),  # (N, 1)
        helper.make_node('Unsqueeze', ['mean', 'axis2'], ['mean3']),
        helper.make_node('Mul', ['mean3', 'zero'], ['nothing']),  # (N, 1, 1)
        helper.make_node('Add', ['nothing', 'kpts'], [names['keypoints']]),
    ]
    inits = [
        helper.make_tensor('weights', TensorProto.FLOAT, weights.shape,
                           weights.ravel()),
        helper.make_tensor('axis2', TensorProto.INT64, [1], [2]),
        helper.make_tensor('zero', TensorProto.FLOAT, [], [0.]),
        helper.make_tensor('kpts', TensorProto.FLOAT, [1, num_kpts, 2],
                           np.asarray(kpts, np.float32).ravel()),
    ]
    graph = helper.make_graph(nodes, 'clpose_test', [
        helper.make_tensor_value_info(input_name, TensorProto.FLOAT,
                                      [batch] + shape)
    ], [
        helper.make_tensor_value_info(
            names['keypoints'], TensorProto.FLOAT,
            [batch if batch_kpts else 1, num_kpts, 2]),
        helper.make_tensor_value_info(names['scores'], TensorProto.FLOAT,
                                      [batch, num_kpts])
    ], inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid('', 17)],
                              ir_version=8)
    if meta == 'default':
        meta = make_meta(num_kpts)
    if meta is not None:
        helper.set_model_props(
            model,
            {'clpose': meta if isinstance(meta, str) else json.dumps(meta)})
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def write_detector(path: str,
                   dets: Sequence[Sequence[float]],
                   labels: Sequence[int],
                   input_size: Sequence[int] = (320, 320),
                   outputs: Sequence[str] = ('dets', 'labels'),
                   input_shape: Optional[Sequence[Any]] = None,
                   meta: Optional[Dict[str, str]] = None) -> str:
    """Write a detector in MMDeploy's end2end format whose ``dets`` (1, N,
    5) and ``labels`` (1, N) are the constants given (plus 0 * the input's
    mean, so that the input is used). ``outputs`` renames them (one name:
    a single (1, N, 6) output, as a graph without post-processing has);
    ``meta``: metadata strings, e.g. ``{'det_pad_value': '0'}``."""
    w, h = input_size
    dets = np.asarray(dets, dtype=np.float32).reshape(1, -1, 5)
    labels = np.asarray(labels, dtype=np.int64).reshape(1, -1)
    nodes = [
        helper.make_node('ReduceMean', ['input'], ['mean'], keepdims=1),
        helper.make_node('Mul', ['mean', 'zero'], ['nothing']),  # (1,1,1,1)
        helper.make_node('Squeeze', ['nothing', 'axis0'], ['nothing3']),
    ]
    inits = [
        helper.make_tensor('zero', TensorProto.FLOAT, [], [0.]),
        helper.make_tensor('axis0', TensorProto.INT64, [1], [0]),
        helper.make_tensor('dets_c', TensorProto.FLOAT, dets.shape,
                           dets.ravel()),
    ]
    if len(outputs) == 2:
        inits.append(
            helper.make_tensor('labels_c', TensorProto.INT64, labels.shape,
                               labels.ravel()))
        nodes += [
            helper.make_node('Add', ['nothing3', 'dets_c'], [outputs[0]]),
            helper.make_node('Identity', ['labels_c'], [outputs[1]]),
        ]
        out_info = [
            helper.make_tensor_value_info(outputs[0], TensorProto.FLOAT,
                                          list(dets.shape)),
            helper.make_tensor_value_info(outputs[1], TensorProto.INT64,
                                          list(labels.shape)),
        ]
    else:
        inits.append(
            helper.make_tensor('extra', TensorProto.FLOAT,
                               [1, dets.shape[1], 1], [0.] * dets.shape[1]))
        nodes += [
            helper.make_node('Add', ['nothing3', 'dets_c'], ['d']),
            helper.make_node('Concat', ['d', 'extra'], [outputs[0]], axis=2)
        ]
        out_info = [
            helper.make_tensor_value_info(outputs[0], TensorProto.FLOAT,
                                          [1, dets.shape[1], 6])
        ]
    graph = helper.make_graph(nodes, 'clpose_test_det', [
        helper.make_tensor_value_info('input', TensorProto.FLOAT,
                                      list(input_shape or (1, 3, h, w)))
    ], out_info, inits)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid('', 17)],
                              ir_version=8)
    if meta:
        helper.set_model_props(model, meta)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


@pytest.fixture(scope='session')
def contract() -> SimpleNamespace:
    """This module's constants and builders, for the test files."""
    return SimpleNamespace(INPUT_SIZE=INPUT_SIZE,
                           KPTS=KPTS,
                           IMAGE=IMAGE,
                           BOX=BOX,
                           make_meta=make_meta,
                           write_model=write_model,
                           write_detector=write_detector)


@pytest.fixture(scope='session')
def model_path(tmp_path_factory) -> str:
    """A contract model with a dynamic batch axis."""
    return write_model(str(tmp_path_factory.mktemp('onnx') / 'cl.onnx'))


@pytest.fixture(scope='session')
def image() -> np.ndarray:
    import cv2
    return cv2.imread(IMAGE)
