# Copyright (c) mmpose-cl contributors. All rights reserved.
"""``CLPose``: top-down pose estimation with an exported CLNet ONNX file.

The ONNX contract (what ``tools/deployment/export_onnx.py`` writes):

- input ``crops``: float32 (N, 3, h, w), N dynamic or fixed, h and w fixed;
  pixel values 0..255 in BGR order, channels first. The normalisation and
  BGR -> RGB are inside the graph.
- outputs ``keypoints``: float32 (N, K, 2), x-y in crop pixels (pixel
  centres at integers), and ``scores``: float32 (N, K).
- metadata key ``clpose``: a JSON object with ``input_size`` ``[w, h]``,
  ``bbox_padding``, ``keypoint_names`` (K), ``skeleton`` (``[[i, j], ...]``
  keypoint indices), ``keypoint_colors`` (K ``[r, g, b]``),
  ``skeleton_colors`` (one ``[r, g, b]`` a link), and, for information,
  ``flip_test`` and ``config``.
- metadata key ``network_ends``: a JSON list of the tensors where the
  network ends and the decoding begins (what the head returns), which
  ``tools/deployment/quantize_onnx.py`` reads; the runtime does not.
"""
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .affine import bbox_center_scale, crop, crop_to_image
from .checks import check_bboxes, check_image
from .session import open_session

META_KEY = 'clpose'
NETWORK_ENDS_KEY = 'network_ends'
REQUIRED_META = ('input_size', 'bbox_padding', 'keypoint_names', 'skeleton',
                 'keypoint_colors', 'skeleton_colors')


def _check_meta(meta: Dict[str, Any], what: str) -> Dict[str, Any]:
    """Check the ``clpose`` metadata of the model ``what`` names; raise
    ``ValueError`` naming it and the bad or missing field."""
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise ValueError(f'{what}: the {META_KEY!r} metadata lacks {missing}')

    def is_list(x: Any, length: Optional[int] = None) -> bool:
        return isinstance(x, list) and length in (None, len(x))

    def is_rgb(c: Any) -> bool:
        return is_list(c, 3) and all(
            isinstance(v, (int, float)) and 0 <= v <= 255 for v in c)

    names, size, links = (meta['keypoint_names'], meta['input_size'],
                          meta['skeleton'])
    num_kpts = len(names) if is_list(names) else 0
    num_links = len(links) if is_list(links) else -1
    # yapf: disable
    problems = {
        'input_size': not (is_list(size, 2) and all(
            isinstance(v, int) and v > 0 for v in size)),
        'bbox_padding': not (isinstance(meta['bbox_padding'], (int, float))
                             and meta['bbox_padding'] > 0),
        'keypoint_names': not (num_kpts > 0 and all(
            isinstance(n, str) for n in names)),
        'skeleton': not (is_list(links) and all(
            is_list(link, 2) and all(
                isinstance(i, int) and 0 <= i < num_kpts for i in link)
            for link in links)),
        'keypoint_colors': not (is_list(meta['keypoint_colors'], num_kpts)
                                and all(map(is_rgb, meta['keypoint_colors']))),
        'skeleton_colors': not (is_list(meta['skeleton_colors'], num_links)
                                and all(map(is_rgb, meta['skeleton_colors']))),
    }
    # yapf: enable
    for key, bad in problems.items():
        if bad:
            raise ValueError(
                f'{what}: bad {META_KEY!r} metadata {key}={meta[key]!r:.200} '
                f'(K = {num_kpts} keypoints, {max(num_links, 0)} links)')
    return meta


class CLPose:
    """Top-down pose estimation with a CLNet ONNX file: needs only numpy,
    OpenCV and ONNX Runtime.

    ``model(image_bgr, bboxes_xyxy)`` crops each box as MMPose's test
    pipeline does (``GetBBoxCenterScale`` with the file's ``bbox_padding`` +
    ``TopdownAffine``), runs the crops through the model and maps the
    keypoints back to the image as ``TopdownPoseEstimator`` does.

    Batching: with a dynamic batch axis, the M crops of a call go through
    ONE session run. A model exported with a fixed batch B runs them in
    ceil(M / B) runs of B crops, the last chunk padded with zero crops whose
    outputs are dropped (so B = 1 runs them one by one).

    Args:
        onnx_path: a file that follows the contract of this module.
        threads: ONNX Runtime intra-op threads; None lets it choose (one a
            physical core).
        providers: ONNX Runtime execution providers; defaults to
            ``['CPUExecutionProvider']``.
        session_options: an ``onnxruntime.SessionOptions`` to start from
            (e.g. with ``session.intra_op.allow_spinning`` set to ``'0'``
            when several sessions share the cores); ``threads`` overrides
            its intra-op threads.

    Attributes:
        meta (dict): the file's ``clpose`` metadata.
        input_size (tuple): ``(w, h)`` of the crops, pixels.
        num_keypoints (int): K.
        batch_size (int | None): the fixed batch B, or None if dynamic.
        session: the ``onnxruntime.InferenceSession``.

    Raises:
        FileNotFoundError: no such file.
        ValueError: not an ONNX model ONNX Runtime can load, no ``clpose``
            metadata or a bad one, no ``crops`` input (4-D, 3 channels, its
            h and w = the metadata's input_size), no ``keypoints`` or
            ``scores`` output. Each message names the file.
    """

    def __init__(self,
                 onnx_path: str,
                 threads: Optional[int] = None,
                 providers: Optional[Sequence[str]] = None,
                 session_options=None) -> None:
        path = self.path = str(onnx_path)
        what = f'ONNX model {path!r}'
        self.session = open_session(path, what, threads, providers,
                                    session_options)
        raw = self.session.get_modelmeta().custom_metadata_map.get(META_KEY)
        if raw is None:
            raise ValueError(
                f'{what}: no {META_KEY!r} metadata; export the model with '
                'tools/deployment/export_onnx.py')
        try:
            meta = json.loads(raw)
        except json.JSONDecodeError as e:
            raise ValueError(f'{what}: the {META_KEY!r} metadata is not JSON '
                             f'({e})') from e
        if not isinstance(meta, dict):
            raise ValueError(f'{what}: the {META_KEY!r} metadata is not a '
                             f'JSON object: {raw:.200}')
        self.meta = _check_meta(meta, what)
        self.input_size = tuple(meta['input_size'])  # (w, h)
        self.num_keypoints = len(meta['keypoint_names'])
        self.batch_size = self._check_io(what)

    def _check_io(self, what: str) -> Optional[int]:
        """Check the graph's inputs and outputs against the contract;
        return the fixed batch size, or None if dynamic."""
        inputs = {i.name: i.shape for i in self.session.get_inputs()}
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        if 'crops' not in inputs:
            raise ValueError(f'{what}: no input named "crops" (inputs: '
                             f'{list(inputs)})')
        missing = [n for n in ('keypoints', 'scores') if n not in outputs]
        if missing:
            raise ValueError(f'{what}: no output named {missing} (outputs: '
                             f'{list(outputs)})')
        shape, (w, h) = inputs['crops'], self.input_size
        if len(shape) != 4:
            raise ValueError(f'{what}: input "crops" has shape {shape}, '
                             'expected 4-D (N, 3, h, w)')
        if list(shape[1:]) != [3, h, w]:
            raise ValueError(
                f'{what}: input "crops" has shape {shape}, but the metadata '
                f'input_size [w, h] = [{w}, {h}] needs (N, 3, {h}, {w})')
        kpt_shape, k = outputs['keypoints'], self.num_keypoints
        if kpt_shape and (len(kpt_shape) != 3 or isinstance(kpt_shape[1], int)
                          and kpt_shape[1] != k):  # [] or None: not declared
            raise ValueError(
                f'{what}: output "keypoints" has shape {kpt_shape}, expected '
                f'(N, {k}, 2) for the {k} keypoint_names of the metadata')
        return shape[0] if isinstance(shape[0], int) else None

    def crops(self, image: np.ndarray,
              bboxes: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The model's input for the boxes of one checked image.

        Returns:
            (crops (M, 3, h, w) float32 BGR 0..255, center (M, 2),
            scale (M, 2)) with center and scale in image pixels.
        """
        w, h = self.input_size
        center, scale = bbox_center_scale(bboxes, self.meta['bbox_padding'],
                                          self.input_size)
        out = np.empty((len(bboxes), 3, h, w), dtype=np.float32)
        for i in range(len(bboxes)):
            out[i] = crop(image, center[i], scale[i],
                          self.input_size).transpose(2, 0, 1)  # (3, h, w)
        return out, center, scale

    def run(self, crops: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Run the model on (N, 3, h, w) crops, batched as the class
        docstring says; return keypoints (N, K, 2) in crop pixels and
        scores (N, K). N = 0 returns empty arrays without a run."""
        if len(crops) == 0:
            return (np.zeros((0, self.num_keypoints, 2), dtype=np.float32),
                    np.zeros((0, self.num_keypoints), dtype=np.float32))
        batch = self.batch_size or len(crops)
        kpts, scores = [], []
        for start in range(0, len(crops), batch):
            chunk = crops[start:start + batch]
            real = len(chunk)
            if real < batch:  # pad the last chunk to the fixed batch size
                chunk = np.concatenate([
                    chunk,
                    np.zeros((batch - real, ) + chunk.shape[1:],
                             dtype=chunk.dtype)
                ])
            k, s = self.session.run(['keypoints', 'scores'], {'crops': chunk})
            kpts.append(k[:real])
            scores.append(s[:real])
        kpts, scores = np.concatenate(kpts), np.concatenate(scores)
        expected = (len(crops), self.num_keypoints)
        if kpts.shape != expected + (2, ) or scores.shape != expected:
            raise ValueError(
                f'ONNX model {self.path!r} gave keypoints {kpts.shape} and '
                f'scores {scores.shape} for {len(crops)} crops, expected '
                f'{expected + (2, )} and {expected}')
        return kpts, scores

    def __call__(self, image_bgr: np.ndarray,
                 bboxes_xyxy: Any) -> Tuple[np.ndarray, np.ndarray]:
        """Estimate the pose of the person in each box.

        Args:
            image_bgr: (H, W, 3) BGR image as ``cv2.imread`` gives it (uint8,
                or float32/float64 with values 0..255); (H, W, 4) BGRA is
                accepted, the alpha channel ignored.
            bboxes_xyxy: (M, 4) ``x1, y1, x2, y2`` or (M, 5) with a score,
                in image pixels; a flat (4,) is one box, ``[]`` none.

        Returns:
            (keypoints (M, K, 2) float32, x-y in image pixels;
            scores (M, K) float32). M = 0 returns empty arrays without
            running the model.

        Raises:
            TypeError, ValueError: a bad image or bad boxes
                (:mod:`clpose.checks`).
        """
        check_image(image_bgr)
        boxes = check_bboxes(bboxes_xyxy)
        image = np.ascontiguousarray(image_bgr[..., :3])  # BGRA -> BGR
        crops, center, scale = self.crops(image, boxes)
        kpts, scores = self.run(crops)
        return (crop_to_image(kpts, center, scale,
                              self.input_size), scores.astype(np.float32))

    @property
    def keypoint_names(self) -> List[str]:
        return list(self.meta['keypoint_names'])

    def __repr__(self) -> str:
        return (f'CLPose({self.path!r}, input_size={self.input_size}, '
                f'K={self.num_keypoints}, batch={self.batch_size or "dynamic"}'
                f', config={self.meta.get("config")!r})')
