"""The section-3.4 decoding traces into an ONNX graph (no data-dependent
Python branch) that ONNX Runtime runs with torch's results and those of the
plain loop of conftest.py (keypoints and scores), for batches of any size,
with and without non-finite cells and cells reaching tau."""
import numpy as np
import onnxruntime as ort
import pytest
import torch

from mmpose_cl.codecs import CLCodec


class Decode(torch.nn.Module):

    def __init__(self, codec):
        super().__init__()
        self.codec = codec

    def forward(self, heatmaps, offsets):
        return self.codec.decode_torch(heatmaps, offsets)


@pytest.fixture(scope='module')
def codec():
    return CLCodec(input_size=(64, 96), stride=16)  # 4 x 6 cells


@pytest.fixture(scope='module')
def session(codec, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('onnx') / 'decode.onnx')
    K, (W, H) = 5, codec.heatmap_size
    # traced on finite maps with no bad cell: the masked branch must still
    # be in the graph, as index ops, not skipped by a Python `if`
    torch.onnx.export(
        Decode(codec), (torch.rand(2, K, H, W), torch.zeros(2, 2 * K, H, W)),
        path, input_names=['heatmaps', 'offsets'],
        output_names=['keypoints', 'scores'],
        dynamic_axes=dict(heatmaps={0: 'N'}, offsets={0: 'N'}),
        opset_version=17, dynamo=False)
    return ort.InferenceSession(path, providers=['CPUExecutionProvider'])


@pytest.mark.parametrize('batch, bad', [(1, False), (3, False), (1, True),
                                        (4, True)])
def test_onnx_runtime_equals_torch(codec, session, batch, bad,
                                   section_3_4_by_hand):
    rng = np.random.default_rng(batch)
    W, H = codec.heatmap_size
    heatmaps = rng.uniform(-0.2, 0.9, (batch, 5, H, W)).astype(np.float32)
    heatmaps[:, 0] = 0.3  # keypoint 0: no cell reaches tau, argmax alone
    offsets = rng.normal(0, 1, (batch, 10, H, W)).astype(np.float32)
    if bad:
        heatmaps[0, 1, 1, 1] = np.nan
        heatmaps[-1, 2, 0, 0] = np.inf
        offsets[0, 8, 2, 3] = -np.inf  # x-offset of keypoint 3
        heatmaps[-1, 4] = np.nan  # keypoint 4: no finite cell at all
    keypoints, scores = session.run(None, dict(heatmaps=heatmaps,
                                               offsets=offsets))
    ref_k, ref_s = codec.decode_torch(torch.from_numpy(heatmaps),
                                      torch.from_numpy(offsets))
    assert np.isfinite(keypoints).all() and np.isfinite(scores).all()
    assert keypoints.shape == (batch, 5, 2) and scores.shape == (batch, 5)
    np.testing.assert_allclose(keypoints, ref_k.numpy(), atol=1e-3)
    np.testing.assert_allclose(scores, ref_s.numpy(), atol=1e-6)
    for b in range(batch):  # and both equal the loop, scores included
        hand_k, hand_s = section_3_4_by_hand(heatmaps[b], offsets[b], 16,
                                             codec.tau, codec.input_size)
        np.testing.assert_allclose(keypoints[b], hand_k, atol=1e-3)
        np.testing.assert_allclose(scores[b], hand_s, atol=1e-6)
    if bad:  # the keypoint with no finite cell: crop centre, score 0
        np.testing.assert_allclose(keypoints[-1, 4], [31.5, 47.5])
        assert scores[-1, 4] == 0
