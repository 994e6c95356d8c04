"""The in-graph decodings of mmpose_cl.deploy.onnx_graphs for MMPose's own
heads, which the deployment benchmarks put beside CLNet: ``decode_simcc``
(RTMPose) and ``decode_heatmap`` (SimpleBaseline), against MMPose's codecs
(``SimCCLabel.decode``, ``MSRAHeatmap.decode``) on hand-made maps, and the
whole graph (torch and ONNX Runtime) against MMPose's ``test_step`` of the
same model on the same crops."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmpose.codecs import MSRAHeatmap, SimCCLabel

from mmpose_cl.deploy.onnx_graphs import decode_heatmap, decode_simcc

RTMPOSE_T = ('mmpose::body_2d_keypoint/rtmpose/coco/'
             'rtmpose-t_8xb256-420e_coco-256x192.py')
# MMPose's SimpleBaseline recipe and head (MSRAHeatmap, not unbiased) on a
# ResNet18: the decoding is the R50's, the model four times cheaper
SIMPLEBASELINE_R18 = 'configs/baselines/td-hm_res18_coco_256x192.py'


def head_returning(maps, decoder):
    """A stand-in model whose head's forward returns ``maps``."""
    return SimpleNamespace(
        head=SimpleNamespace(forward=lambda feats: maps, decoder=decoder))


def test_decode_simcc_is_simcc_labels_decode():
    """MMPose's get_simcc_maximum: the argmax of each axis over the split
    ratio, score min(max_x, max_y), -1 / ratio where the score is <= 0."""
    codec = SimCCLabel(
        input_size=(192, 256),
        sigma=(4.9, 5.66),
        simcc_split_ratio=2.0,
        normalize=False)
    rng = np.random.default_rng(0)
    simcc_x = rng.normal(0, 1, (3, 17, 384)).astype(np.float32)
    simcc_y = rng.normal(0, 1, (3, 17, 512)).astype(np.float32)
    simcc_x[0, 0] -= 10  # max_x <= 0: no keypoint
    simcc_y[1, 1] -= 10  # max_y <= 0: no keypoint
    simcc_x[2, 2, 0] = simcc_y[2, 2, -1] = 10  # the first and last bins
    keypoints, scores = decode_simcc(
        head_returning((torch.from_numpy(simcc_x), torch.from_numpy(simcc_y)),
                       codec), None)
    assert keypoints.shape == (3, 17, 2) and scores.shape == (3, 17)
    for n in range(3):
        ref_k, ref_s = codec.decode(simcc_x[n:n + 1], simcc_y[n:n + 1])
        np.testing.assert_array_equal(keypoints[n].numpy(), ref_k[0])
        np.testing.assert_array_equal(scores[n].numpy(), ref_s[0])
    np.testing.assert_array_equal(keypoints[0, 0], [-0.5, -0.5])
    np.testing.assert_array_equal(keypoints[1, 1], [-0.5, -0.5])
    np.testing.assert_array_equal(keypoints[2, 2], [0, 255.5])


def test_decode_heatmap_is_msra_heatmaps_decode():
    """MMPose's get_heatmap_maximum + refine_keypoints: the argmax cell,
    -1 where its value is <= 0, moved a quarter cell towards the higher
    neighbour, not at the first two columns, the last column, the first
    row (nor the first two rows, the last row for y), times the input /
    map size. Peaks are put on and next to every border, where those
    conditions decide."""
    codec = MSRAHeatmap(input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
    W, H = codec.heatmap_size
    rng = np.random.default_rng(0)
    heatmaps = rng.uniform(0, 0.5, (2, 17, H, W)).astype(np.float32)
    peaks = [(0, 0), (1, 5), (2, 5), (W - 1, 7), (W - 2, 9), (5, 0), (5, 1),
             (5, 2), (6, H - 1), (6, H - 2), (W - 1, H - 1), (20, 30)]
    for k, (x, y) in enumerate(peaks):
        heatmaps[:, k, y, x] = 1.0
    heatmaps[0, 12] -= 1  # max <= 0: no keypoint
    heatmaps[1, 13, 30, 20:23] = [0.9, 1.0, 0.9]  # equal neighbours: dx 0
    keypoints, scores = decode_heatmap(
        head_returning(torch.from_numpy(heatmaps), codec), None)
    assert keypoints.shape == (2, 17, 2) and scores.shape == (2, 17)
    moved = 0
    for n in range(2):
        ref_k, ref_s = codec.decode(heatmaps[n])
        np.testing.assert_allclose(keypoints[n].numpy(), ref_k[0], atol=1e-5)
        np.testing.assert_array_equal(scores[n].numpy(), ref_s[0])
        # the refinement did act: not every keypoint is a cell's corner
        moved += (np.abs(ref_k[0] / codec.scale_factor % 1) > 0).sum()
    assert moved > 0
    np.testing.assert_array_equal(keypoints[0, 12], -codec.scale_factor)


def build(config: str, repo_root: str):
    """MMPose's model of ``config`` with random weights (no download), the
    COCO metainfo, eval mode and no flip test (the graphs of non-CL heads
    have none)."""
    import os.path as osp

    from mmpose.apis import init_model

    import mmpose_cl  # noqa: F401
    from mmpose_cl.utils import drop_pretrained, load_config
    if '::' not in config:
        config = osp.join(repo_root, config)
    cfg = load_config(config)
    drop_pretrained(cfg.model)
    cfg.model.test_cfg['flip_test'] = False
    torch.manual_seed(0)
    return init_model(cfg, None, device='cpu')


@pytest.mark.parametrize('config, decode',
                         [(RTMPOSE_T, decode_simcc),
                          (SIMPLEBASELINE_R18, decode_heatmap)])
def test_graph_equals_mmpose_test_step(config, decode, repo_root, tmp_path,
                                       one_thread):
    """The people of the bundled COCO images, cropped by the config's test
    pipeline: MMPose's ``test_step`` (its data preprocessor, forward, codec
    decode and map back to the image) against the graph's keypoints mapped
    back with MMPose's formula (``add_pred_to_datasample``), run by torch
    and by ONNX Runtime. Same crops and weights: the argmaxes agree, so the
    keypoints agree to float32 rounding of image coordinates (1e-3 px) and
    the scores to rounding (1e-5), as ``export.py`` checks CL models."""
    import onnxruntime as ort
    from mmengine.dataset import Compose, pseudo_collate

    from mmpose_cl.deploy.export import bundled_people
    from mmpose_cl.deploy.onnx_graphs import export, graph_for, onnx_metadata
    model = build(config, repo_root)
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    people = [
        dict(img_path=path, bbox=box[None], bbox_score=np.ones(1, np.float32))
        for path, box in bundled_people()
    ]
    batch = pseudo_collate(
        [pipeline(dict(p, **model.dataset_meta)) for p in people])
    with torch.no_grad():
        results = model.test_step(batch)
    crops = torch.stack(batch['inputs']).float()  # (N, 3, h, w) BGR
    graph = graph_for(model)
    assert graph.decode is decode
    with torch.no_grad():
        torch_k, torch_s = graph(crops)
    size = model.cfg.codec['input_size']
    path = str(tmp_path / 'model.onnx')
    export(graph, size, path, onnx_metadata(model, config, size, False))
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    ort_k, ort_s = session.run(['keypoints', 'scores'],
                               {'crops': crops.numpy()})
    assert len(results) == len(crops) > 10
    runs = dict(torch=(torch_k.numpy(), torch_s.numpy()), ort=(ort_k, ort_s))
    for keypoints, scores in runs.values():
        for sample, kpts, score in zip(results, keypoints, scores):
            meta = sample.metainfo
            image_kpts = (
                kpts / np.asarray(meta['input_size']) * meta['input_scale'] +
                meta['input_center'] - 0.5 * meta['input_scale'])
            pred = sample.pred_instances
            np.testing.assert_allclose(
                image_kpts, pred.keypoints[0], atol=1e-3)
            np.testing.assert_allclose(
                score, pred.keypoint_scores[0], atol=1e-5)
