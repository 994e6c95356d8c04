"""MultiStageHeatmapHead: MMPose's CPMHead that decodes any stage (the plain
hourglass side of the paper's fig. 4b)."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads import CPMHead
from mmpose.registry import KEYPOINT_CODECS, MODELS
from mmpose.structures import PoseDataSample

from mmpose_cl.models.heads.multi_stage_heatmap_head import \
    MultiStageHeatmapHead

K = 4
FLIP_INDICES = [0, 2, 1, 3]
CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16),
             sigma=2)
HEAD = dict(in_channels=K, out_channels=K, deconv_out_channels=None,
            final_layer=None, decoder=CODEC)

pytestmark = pytest.mark.usefixtures('one_thread')


def samples_for(keypoints):
    """PoseDataSamples with MSRAHeatmap targets of ``keypoints`` (N, K, 2)."""
    codec = KEYPOINT_CODECS.build(CODEC)
    samples = []
    for kpts in keypoints:
        enc = codec.encode(kpts[None], np.ones((1, K)))
        ds = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES))
        ds.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        ds.gt_instance_labels = InstanceData(keypoint_weights=torch.from_numpy(
            enc['keypoint_weights']))
        samples.append(ds)
    return samples


def keypoints_on_the_heatmap_grid(seed, n=2):
    """Keypoints at heatmap cells (multiples of the stride 4 px), where
    MSRAHeatmap decodes its own target exactly."""
    rng = np.random.default_rng(seed)
    return 4.0 * rng.integers(2, 14, (n, K, 2))


@pytest.mark.parametrize('stage', [0, 1, 2, -1, -3])
def test_test_cfg_stage_decodes_that_stage(stage):
    head = MODELS.build(dict(type='MultiStageHeatmapHead', num_stages=3,
                             **HEAD))
    kpts = keypoints_on_the_heatmap_grid(0)
    samples = samples_for(kpts)
    good = torch.stack([ds.gt_fields.heatmaps for ds in samples])
    feats = [torch.rand_like(good) for _ in range(3)]
    feats[stage] = good
    preds = head.predict(tuple(feats), samples, dict(stage=stage))
    for pred, k in zip(preds, kpts):
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-4)
    wrong = head.predict(tuple(feats), samples, dict(stage=(stage + 1) % 3))
    assert np.abs(wrong[0].keypoints[0] - kpts[0]).max() > 1


@pytest.mark.parametrize('flip_test', [False, True])
@pytest.mark.parametrize('stage', [0, 1])
def test_stage_i_is_mmposes_cpmhead_of_i_plus_1_stages(stage, flip_test):
    head = MultiStageHeatmapHead(num_stages=3, **HEAD)
    reference = CPMHead(num_stages=stage + 1, **HEAD)
    gen = torch.Generator().manual_seed(stage)
    feats = tuple(torch.rand(2, K, 16, 16, generator=gen) for _ in range(3))
    feats_flip = tuple(
        torch.rand(2, K, 16, 16, generator=gen) for _ in range(3))
    samples = samples_for(keypoints_on_the_heatmap_grid(1))
    test_cfg = dict(flip_test=flip_test, shift_heatmap=True)
    inputs = [feats, feats_flip] if flip_test else feats
    ref_inputs = ([feats[:stage + 1], feats_flip[:stage + 1]]
                  if flip_test else feats[:stage + 1])
    ours, ours_maps = head.predict(
        inputs, samples, dict(test_cfg, stage=stage, output_heatmaps=True))
    ref, ref_maps = reference.predict(
        ref_inputs, samples, dict(test_cfg, output_heatmaps=True))
    for a, b, ma, mb in zip(ours, ref, ours_maps, ref_maps):
        np.testing.assert_array_equal(a.keypoints, b.keypoints)
        np.testing.assert_array_equal(a.keypoint_scores, b.keypoint_scores)
        torch.testing.assert_close(ma.heatmaps, mb.heatmaps, rtol=0, atol=0)


def test_default_is_the_last_stage_and_loss_is_cpmheads():
    head = MultiStageHeatmapHead(num_stages=3, **HEAD)
    reference = CPMHead(num_stages=3, **HEAD)
    feats = tuple(torch.rand(2, K, 16, 16) for _ in range(3))
    samples = samples_for(keypoints_on_the_heatmap_grid(2))
    for a, b in zip(head.predict(feats, samples), reference.predict(
            feats, samples, {})):
        np.testing.assert_array_equal(a.keypoints, b.keypoints)
    ours, ref = head.loss(feats, samples), reference.loss(feats, samples)
    assert set(ours) == set(ref) == {'loss_kpt', 'acc_pose'}
    for key in ours:
        torch.testing.assert_close(ours[key], ref[key])
    assert list(head.parameters()) == []


@pytest.mark.parametrize('stage, match', [
    (3, r'MultiStageHeatmapHead: test_cfg.stage=3 is out of range: there '
     r'are 3 stages \(0 .. 2, or -3 .. -1 from the last\)'),
    (-4, r'MultiStageHeatmapHead: test_cfg.stage=-4 is out of range'),
    (1.0, r'MultiStageHeatmapHead: test_cfg.stage must be an int, got 1.0'),
])
def test_out_of_range_stage_is_a_clear_error(stage, match):
    head = MultiStageHeatmapHead(num_stages=3, **HEAD)
    feats = tuple(torch.rand(1, K, 16, 16) for _ in range(3))
    samples = samples_for(keypoints_on_the_heatmap_grid(3, n=1))
    with pytest.raises(ValueError, match=match):
        head.predict(feats, samples, dict(stage=stage))
    with pytest.raises(ValueError, match=match):
        head.predict([feats, feats], samples,
                     dict(stage=stage, flip_test=True))
    with pytest.raises(ValueError, match=r'features of 1 .. 3 stages, got 4'):
        head.forward(feats + feats[:1])
