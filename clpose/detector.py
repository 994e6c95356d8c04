# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``PersonDetector``: person boxes from an ONNX detector in MMDeploy's
end2end format, with numpy + OpenCV + ONNX Runtime only.

The format (what MMDeploy exports for MMDetection's RTMDet and YOLOX, and
what rtmlib downloads):

- one input, float32 ``(1, 3, H, W)`` with a static H and W: the letterboxed
  BGR image (:func:`letterbox`), normalised as the file needs;
- outputs ``dets`` float32 ``(1, N, 5)``: ``x1, y1, x2, y2, score`` in
  detector-input pixels (box edges: the input spans 0..W), and ``labels``
  ``(1, N)``: class indices (0 is COCO's person). MMDeploy's graph already
  holds the NMS (its default IoU threshold: 0.5).
- optional metadata keys, each a JSON number or a list of three (B, G, R),
  in pixel values 0..255: ``det_pad_value`` (the letterbox's fill),
  ``det_mean`` and ``det_std`` (input = (pixel - mean) / std). Without them:
  YOLOX's pad 114 and no normalisation. RTMDet needs
  ``det_mean = [103.53, 116.28, 123.675]``, ``det_std = [57.375, 57.12,
  58.395]`` (MMDetection's config), from the file or the arguments.
"""
import json
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np

from .boxes import nms
from .checks import check_image, check_range
from .session import open_session

#: the metadata keys read, and the argument each one gives a default to
META_KEYS = {
    'det_pad_value': 'pad_value',
    'det_mean': 'mean',
    'det_std': 'std'
}
Color = Union[float, Sequence[float]]


def letterbox(image: np.ndarray, input_size: Sequence[int],
              pad_value: Color) -> Tuple[np.ndarray, Tuple[float, float]]:
    """Resize keeping the aspect ratio to fit ``input_size``, and pad at the
    bottom and right, as rtmlib's YOLOX and MMDetection's ``Resize(
    keep_ratio=True)`` + ``Pad`` do.

    The ratio is ``min(W / w, H / h)`` (rtmlib's: the image always fits);
    the sizes are rounded as MMCV's ``rescale_size`` does
    (``int(w * ratio + 0.5)``, where rtmlib truncates: at most 1 px apart).

    Args:
        image: (h, w, 3) BGR, uint8 or float.
        input_size: ``(W, H)`` of the detector's input.
        pad_value: the fill, one value or ``(b, g, r)``, pixel values.

    Returns:
        (canvas (H, W, 3) float32 BGR, scale ``(sx, sy)``): the resized image
        spans ``0 .. w * sx`` x ``0 .. h * sy`` of the canvas (box-edge
        coordinates), so a point ``(x, y)`` of the canvas is
        ``(x / sx, y / sy)`` in the image.
    """
    (in_w, in_h), (h, w) = input_size, image.shape[:2]
    ratio = min(in_w / w, in_h / h)
    new_w = min(in_w, max(1, int(w * ratio + 0.5)))
    new_h = min(in_h, max(1, int(h * ratio + 0.5)))
    canvas = np.empty((in_h, in_w, 3), dtype=np.float32)
    canvas[...] = np.asarray(pad_value, dtype=np.float32)
    canvas[:new_h, :new_w] = cv2.resize(image, (new_w, new_h),
                                        interpolation=cv2.INTER_LINEAR)
    # the scale cv2.resize applied on each axis (not ``ratio``: rounded)
    return canvas, (new_w / w, new_h / h)


def _color(what: str, value: Any) -> np.ndarray:
    """A pad value, mean or std as a (3,) float32 array (B, G, R)."""
    try:
        color = np.broadcast_to(np.asarray(value, dtype=np.float32), (3, ))
    except (TypeError, ValueError):
        color = None
    if color is None or not np.isfinite(color).all():
        raise ValueError(f'{what} must be a number or 3 numbers (B, G, R), '
                         f'got {value!r:.100}')
    return color.copy()


class PersonDetector:
    """Person boxes with an ONNX detector in MMDeploy's end2end format
    (module docstring).

    ``det(image_bgr)`` letterboxes the image, runs the graph, keeps the
    boxes of class ``person_label`` scoring > ``score_thr``, runs a greedy
    NMS (a no-op on MMDeploy's graphs, whose NMS used IoU 0.5: it only acts
    where a graph has no NMS, or a weaker one), maps the boxes back to the
    image and clips them to it.

    Args:
        onnx_path: the detector file.
        score_thr: keep boxes scoring above it (rtmlib's and MMPose's demo
            value: 0.3).
        nms_iou_thr: drop a box whose IoU with a better one is above it
            (0.5: MMDeploy's default for MMDetection's detectors).
        pad_value, mean, std: one number or ``(b, g, r)``, pixel values
            0..255; None takes the file's metadata (``det_pad_value``,
            ``det_mean``, ``det_std``), else 114, 0 and 1 (YOLOX).
        person_label: the person's class index (COCO and rtmlib: 0).
        threads, providers, session_options: as for :class:`CLPose`.

    Attributes:
        input_size (tuple): ``(W, H)`` of the detector's input.
        pad_value, mean, std (np.ndarray): (3,) float32, B, G, R.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an ONNX file, not in the end2end format (the message
            names the inputs and outputs found), a bad metadata value or
            argument. Each message names the file or the argument.
    """

    def __init__(self,
                 onnx_path: str,
                 score_thr: float = 0.3,
                 nms_iou_thr: float = 0.5,
                 pad_value: Optional[Color] = None,
                 mean: Optional[Color] = None,
                 std: Optional[Color] = None,
                 person_label: int = 0,
                 threads: Optional[int] = None,
                 providers: Optional[Sequence[str]] = None,
                 session_options=None) -> None:
        name = 'PersonDetector'
        self.score_thr = check_range(f'{name} score_thr', score_thr, 0, 1)
        self.nms_iou_thr = check_range(f'{name} nms_iou_thr', nms_iou_thr, 0,
                                       1)
        self.person_label = check_range(f'{name} person_label',
                                        person_label,
                                        0,
                                        integer=True)
        self.path = str(onnx_path)
        what = f'detector {self.path!r}'
        self.session = open_session(self.path, what, threads, providers,
                                    session_options)
        self.input_name, self.input_size = self._check_io(what)
        given = {'pad_value': pad_value, 'mean': mean, 'std': std}
        values = {'pad_value': 114., 'mean': 0., 'std': 1.}
        values.update(self._read_meta(what))
        values.update({k: v for k, v in given.items() if v is not None})
        for key, value in values.items():
            source = (f'{name} {key}' if given[key] is not None else
                      f'{what}: metadata det_{key}')
            color = _color(source, value)
            if key == 'std' and (color <= 0).any():
                raise ValueError(f'{source} must be > 0, got {value!r}')
            setattr(self, key, color)

    def _check_io(self, what: str) -> Tuple[str, Tuple[int, int]]:
        """The input's name and ``(W, H)``; raise naming what the file holds
        where it is not in the end2end format."""
        inputs = {i.name: i.shape for i in self.session.get_inputs()}
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        found = f'(inputs: {inputs}, outputs: {outputs})'
        if sorted(outputs) != ['dets', 'labels'] or len(inputs) != 1:
            raise ValueError(
                f"{what}: not in MMDeploy's end2end format: expected one "
                "input (1, 3, H, W) and the outputs 'dets' (1, N, 5) and "
                f"'labels' (1, N) {found}")
        (name, shape), = inputs.items()
        dets = outputs['dets']
        if dets and isinstance(dets[-1], int) and dets[-1] != 5:
            raise ValueError(f"{what}: output 'dets' has shape {dets}, "
                             f'expected (1, N, 5) {found}')
        if (len(shape) != 4 or shape[1] != 3
                or not all(isinstance(s, int) for s in shape[2:])):
            raise ValueError(
                f'{what}: input {name!r} has shape {shape}, expected '
                '(1, 3, H, W) with a static H and W (MMDeploy\'s '
                f'*_static.py deploy configs) {found}')
        return name, (shape[3], shape[2])

    def _read_meta(self, what: str) -> Dict[str, Any]:
        """The pad value, mean and std the file's metadata gives."""
        meta = self.session.get_modelmeta().custom_metadata_map
        values = {}
        for key, arg in META_KEYS.items():
            if key in meta:
                try:
                    values[arg] = json.loads(meta[key])
                except json.JSONDecodeError as e:
                    raise ValueError(f'{what}: metadata {key} is not JSON: '
                                     f'{meta[key]!r:.100}') from e
        return values

    def preprocess(
            self, image: np.ndarray) -> Tuple[np.ndarray, Tuple[float, float]]:
        """The (1, 3, H, W) float32 input for a checked image and the
        ``(sx, sy)`` scale of :func:`letterbox`."""
        canvas, scale = letterbox(image, self.input_size, self.pad_value)
        canvas = (canvas - self.mean) / self.std  # (H, W, 3), pad included
        return canvas.transpose(2, 0, 1)[None].astype(np.float32), scale

    def __call__(self, image_bgr: np.ndarray) -> np.ndarray:
        """The person boxes of one image.

        Args:
            image_bgr: (h, w, 3) BGR (or BGRA, alpha ignored), uint8 or
                float 0..255.

        Returns:
            np.ndarray: (M, 5) float64 ``x1, y1, x2, y2, score`` in image
            pixels (box edges; clipped to ``0..w`` x ``0..h``, boxes left
            with no area dropped), best score first; (0, 5) for none.
        """
        check_image(image_bgr)
        image = np.ascontiguousarray(image_bgr[..., :3])
        feed, (sx, sy) = self.preprocess(image)
        dets, labels = self.session.run(['dets', 'labels'],
                                        {self.input_name: feed})
        dets = np.asarray(dets, dtype=np.float64).reshape(-1, 5)  # (N, 5)
        labels = np.asarray(labels).reshape(-1)  # (N, )
        dets = dets[(labels == self.person_label)
                    & (dets[:, 4] > self.score_thr)]
        dets = dets[nms(dets, dets[:, 4], self.nms_iou_thr)]
        h, w = image.shape[:2]
        dets[:, :4] /= [sx, sy, sx, sy]
        dets[:, :4] = np.clip(dets[:, :4], 0, [w, h, w, h])
        return dets[(dets[:, 2] > dets[:, 0]) & (dets[:, 3] > dets[:, 1])]

    def __repr__(self) -> str:
        return (f'PersonDetector({self.path!r}, input_size={self.input_size}'
                f', score_thr={self.score_thr}, '
                f'nms_iou_thr={self.nms_iou_thr})')
