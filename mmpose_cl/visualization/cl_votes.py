# Copyright (c) mmpose-cl contributors. All rights reserved.
"""Draw composite localization at work: for each keypoint, the cells whose
activation reaches tau (filled, stronger for higher activation) and, from
each cell centre, the arrow of its offset vote; the decoded keypoint is the
activation-weighted mean of the arrow heads (paper section 3.4).

Shapes: K keypoints, [W, H] map cells, heatmaps (K, H, W), offsets (2K, H, W)
y first in cells; points are x-y pixels.
"""
from typing import Callable, List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from clpose.affine import crop_to_image

from ..codecs import CLCodec


def draw_cl_votes(image: np.ndarray,
                  heatmaps: np.ndarray,
                  offsets: np.ndarray,
                  codec: CLCodec,
                  colors: Sequence[Sequence[int]],
                  to_image: Optional[Callable] = None,
                  alpha: float = 0.5,
                  thickness: int = 1) -> np.ndarray:
    """Draw one person's voting cells, offset arrows and decoded keypoints.

    Args:
        image (np.ndarray): (h, w, 3) BGR uint8 image; drawn on a copy.
        heatmaps (np.ndarray): (K, H, W) activations (after any
            ``heatmap_act``).
        offsets (np.ndarray): (2K, H, W), y first, in cells.
        codec (CLCodec): gives the stride, tau and the decoding.
        colors (Sequence): K RGB colours (MMPose's ``keypoint_colors``).
        to_image (Callable, optional): maps (..., 2) crop pixels to image
            pixels (:func:`crop_to_person_image` gives one); None when
            ``image`` is the crop itself.
        alpha (float): opacity of a cell at activation 1. Defaults to 0.5.
        thickness (int): arrow thickness in pixels. Defaults to 1.

    Returns:
        np.ndarray: the drawn (h, w, 3) BGR image.
    """
    to_image = to_image or (lambda p: p)
    K = heatmaps.shape[0]
    S = codec.stride
    cx, cy = codec.cell_centers()
    keypoints, _ = codec.decode(heatmaps, offsets)  # (1, K, 2) crop pixels
    canvas = image.copy()
    overlay = image.copy().astype(np.float32)
    weight = np.zeros(image.shape[:2], np.float32)
    arrows: List[Tuple[np.ndarray, np.ndarray, Tuple[int, int, int]]] = []
    for k in range(K):
        color = tuple(int(c) for c in np.asarray(colors[k])[::-1])  # BGR
        cells = np.argwhere(heatmaps[k] >= codec.tau)
        if len(cells) == 0:  # as decoding: the argmax cell votes alone
            cells = np.argwhere(heatmaps[k] == heatmaps[k].max())[:1]
        for i, j in cells:
            a = float(np.clip(heatmaps[k, i, j], 0, 1)) * alpha
            corners = to_image(
                np.array([[j * S - 0.5, i * S - 0.5],
                          [(j + 1) * S - 0.5, (i + 1) * S - 0.5]]))
            (x0, y0), (x1, y1) = np.round(corners).astype(int)
            mask = np.zeros(image.shape[:2], np.uint8)
            cv2.rectangle(mask, (x0, y0), (x1, y1), 1, -1)
            sel = mask.astype(bool)
            overlay[sel] = overlay[sel] * (1 - a) + np.array(color) * a
            weight[sel] = 1
            centre = np.array([cx[j], cy[i]])
            vote = centre + S * np.array(
                [offsets[K + k, i, j], offsets[k, i, j]])
            arrows.append((to_image(centre), to_image(vote), color))
    canvas = np.where(weight[..., None] > 0, overlay, canvas).astype(np.uint8)
    for start, end, color in arrows:
        cv2.arrowedLine(canvas, tuple(np.round(start).astype(int)),
                        tuple(np.round(end).astype(int)), color, thickness,
                        cv2.LINE_AA, tipLength=0.25)
    for k, point in enumerate(to_image(keypoints[0])):
        color = tuple(int(c) for c in np.asarray(colors[k])[::-1])
        p = tuple(np.round(point).astype(int))
        cv2.circle(canvas, p, 4, (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(canvas, p, 3, color, -1, cv2.LINE_AA)
    return canvas


@torch.no_grad()
def cl_maps_of_people(model, image: np.ndarray,
                      bboxes: np.ndarray) -> List[dict]:
    """Run a top-down CL model on the people in ``bboxes`` and return, per
    person, its maps and where its crop sits in the image.

    Args:
        model: a built top-down model with a CL head (``init_model``).
        image (np.ndarray): (h, w, 3) BGR image.
        bboxes (np.ndarray): (N, 4) x1, y1, x2, y2 in image pixels.

    Returns:
        list[dict]: per person ``heatmaps`` (K, H, W) (activated),
        ``offsets`` (2K, H, W), and the crop's ``input_center``,
        ``input_scale``, ``input_size``; the maps :meth:`CLHead.predict`
        decodes (flip test merged as ``model.test_cfg`` says).
    """
    from mmengine.dataset import Compose, pseudo_collate
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    samples = []
    for box in np.asarray(bboxes, np.float32).reshape(-1, 4):
        info = dict(img=image, bbox=box[None], bbox_score=np.ones(1,
                                                                  np.float32))
        info.update(model.dataset_meta)
        samples.append(pipeline(info))
    batch = model.data_preprocessor(pseudo_collate(samples), False)
    inputs, data_samples = batch['inputs'], batch['data_samples']
    feats = model.extract_feat(inputs)
    if model.test_cfg.get('flip_test', False):
        feats = [feats, model.extract_feat(inputs.flip(-1))]
    heatmaps, offsets = model.head.predict_maps(feats, data_samples,
                                                model.test_cfg)
    people = []
    for hm, off, ds in zip(heatmaps, offsets, data_samples):
        people.append(
            dict(heatmaps=hm.float().cpu().numpy(),
                 offsets=off.float().cpu().numpy(),
                 input_center=ds.metainfo['input_center'],
                 input_scale=ds.metainfo['input_scale'],
                 input_size=ds.metainfo['input_size']))
    return people


def crop_to_person_image(person: dict) -> Callable:
    """The map from one person's crop pixels to image pixels, for
    :func:`draw_cl_votes`: :func:`clpose.affine.crop_to_image` (MMPose's
    ``add_pred_to_datasample``; test-time crops are not rotated) on points
    of any shape (..., 2).

    Args:
        person (dict): one item of :func:`cl_maps_of_people`, with the
            crop's ``input_center`` (2,), ``input_scale`` (2,) and
            ``input_size`` ``(w, h)``.

    Returns:
        Callable: points (..., 2) x-y in crop pixels -> the same shape in
        image pixels, float32.
    """
    center = np.asarray(person['input_center'])[None]  # (1, 2): one box
    scale = np.asarray(person['input_scale'])[None]

    def to_image(points: np.ndarray) -> np.ndarray:
        points = np.asarray(points)
        image = crop_to_image(  # (1, M, 2)
            points.reshape(1, -1, 2), center, scale, person['input_size'])
        return image.reshape(points.shape)

    return to_image


def draw_people_votes(model, image: np.ndarray,
                      bboxes: np.ndarray) -> np.ndarray:
    """Run ``model`` on the people in ``bboxes`` (N, 4) x1, y1, x2, y2 and
    draw their voting cells, arrows, keypoints and boxes on a copy of
    ``image`` (h, w, 3) BGR."""
    canvas = image
    colors = model.dataset_meta['keypoint_colors']
    for person in cl_maps_of_people(model, image, bboxes):
        canvas = draw_cl_votes(canvas, person['heatmaps'], person['offsets'],
                               model.head.decoder, colors,
                               crop_to_person_image(person))
    canvas = canvas.copy()
    for x1, y1, x2, y2 in np.asarray(bboxes).reshape(-1, 4):
        cv2.rectangle(canvas, (int(x1), int(y1)), (int(x2), int(y2)),
                      (255, 255, 255), 1)
    return canvas
