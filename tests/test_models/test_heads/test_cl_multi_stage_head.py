"""CLMultiStageHead: loss on every stage, prediction from the last."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from mmpose_cl.codecs.cl_codec import CLCodec
from mmpose_cl.models.backbones.clnet_hourglass import CLNetHourglass
from mmpose_cl.models.heads import flip_cl_maps
from mmpose_cl.models.heads.cl_multi_stage_head import CLMultiStageHead

K = 4
FLIP_INDICES = [0, 2, 1, 3]  # keypoints 1 and 2 are a left/right pair
SMALL_INPUT = (64, 64)  # (w, h) for the tests that run the backbone
PERFECT_INPUT = (192, 256)  # (w, h) for the tests with perfect maps


pytestmark = pytest.mark.usefixtures('one_thread')


def make_head(input_size=SMALL_INPUT, **kwargs):
    head = CLMultiStageHead(
        num_keypoints=K,
        decoder=dict(type='CLCodec', input_size=input_size),
        **kwargs)
    head.init_weights()
    return head


def make_backbone(num_stacks):
    net = CLNetHourglass(num_keypoints=K, num_stacks=num_stacks, channels=16)
    net.init_weights()
    return net


def random_keypoints(rng, input_size, n=1):
    w, h = input_size
    return rng.uniform([2, 2], [w - 3, h - 3], (n, K, 2))


def encode(codec, keypoints):
    """Target maps of one instance: (K, H, W), (2K, H, W), (1, K)."""
    enc = codec.encode(keypoints[None])
    return (torch.from_numpy(enc['heatmaps']),
            torch.from_numpy(enc['offsets']),
            torch.from_numpy(enc['keypoint_weights']))


def data_samples(codec, keypoints):
    """One PoseDataSample per instance of ``keypoints`` (N, K, 2)."""
    samples = []
    for kpts in keypoints:
        heatmaps, offsets, weights = encode(codec, kpts)
        ds = PoseDataSample(metainfo=dict(
            flip_indices=FLIP_INDICES, input_size=codec.input_size))
        ds.gt_fields = PixelData(heatmaps=heatmaps, offsets=offsets)
        ds.gt_instance_labels = InstanceData(keypoint_weights=weights)
        samples.append(ds)
    return samples


def perfect_maps(codec, keypoints):
    """The target maps as one stage's output, (N, 3K, H, W)."""
    return torch.stack(
        [torch.cat(encode(codec, k)[:2]) for k in keypoints])


@pytest.mark.parametrize('num_stacks', [2, 8])
def test_every_parameter_of_every_stack_gets_gradient(num_stacks):
    backbone, head = make_backbone(num_stacks), make_head()
    codec = CLCodec(SMALL_INPUT)
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(0), SMALL_INPUT, n=2))
    losses = head.loss(backbone(torch.randn(2, 3, 64, 64)), samples)
    total = sum(v for k, v in losses.items() if k.startswith('loss'))
    assert torch.isfinite(total)
    total.backward()
    for name, p in backbone.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # and the stages are all there: one head per stack got a gradient
    assert len(backbone.heads) == num_stacks
    assert list(head.parameters()) == []


def test_loss_keys_and_sum_over_stages():
    head = make_head(log_stage_losses=True)
    codec = CLCodec(SMALL_INPUT)
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(1), SMALL_INPUT, n=2))
    feats = tuple(torch.randn(2, 3 * K, 4, 4) for _ in range(3))
    losses = head.loss(feats, samples)
    assert set(losses) == {
        'loss_heatmap', 'loss_offset', 'pred_cells', 'acc_pose',
        's0_heatmap', 's0_offset', 's1_heatmap', 's1_offset', 's2_heatmap',
        's2_offset'
    }
    # the per-stage terms are those of the loss module on each stage,
    # and the logged totals are their sum
    gt_hm = torch.stack([d.gt_fields.heatmaps for d in samples])
    gt_off = torch.stack([d.gt_fields.offsets for d in samples])
    for i, maps in enumerate(feats):
        ref = head.loss_module(maps[:, :K], maps[:, K:], gt_hm, gt_off)
        torch.testing.assert_close(losses[f's{i}_heatmap'],
                                   ref['loss_heatmap'])
        torch.testing.assert_close(losses[f's{i}_offset'], ref['loss_offset'])
    for term in ('heatmap', 'offset'):
        torch.testing.assert_close(
            losses[f'loss_{term}'],
            sum(losses[f's{i}_{term}'] for i in range(3)))
    # acc_pose and pred_cells are the last stage's: the loss of that stage
    # alone agrees
    last = head.loss(feats[-1:], samples)
    torch.testing.assert_close(losses['acc_pose'], last['acc_pose'])
    torch.testing.assert_close(losses['pred_cells'], last['pred_cells'])
    # without per-stage logging only the one-stage keys remain
    assert set(make_head().loss(feats, samples)) == {
        'loss_heatmap', 'loss_offset', 'pred_cells', 'acc_pose'
    }


def test_logit_losses_are_summed_too():
    head = make_head(heatmap_act='sigmoid',
                     loss=dict(type='GRMILoss', stride=16))
    codec = CLCodec(SMALL_INPUT)
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(7), SMALL_INPUT))
    feats = tuple(torch.randn(1, 3 * K, 4, 4) for _ in range(2))
    losses = head.loss(feats, samples)
    gt = samples[0].gt_fields
    per_stage = [
        head.loss_module(*head.split_maps(m), gt.heatmaps[None],
                         gt.offsets[None]) for m in feats
    ]
    for key in ('loss_heatmap', 'loss_offset'):
        torch.testing.assert_close(losses[key],
                                   per_stage[0][key] + per_stage[1][key])


def test_stage_weights():
    codec = CLCodec(SMALL_INPUT)
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(2), SMALL_INPUT))
    feats = tuple(torch.randn(1, 3 * K, 4, 4) for _ in range(2))
    plain = make_head(log_stage_losses=True).loss(feats, samples)
    weighted = make_head(stage_weights=[0.5, 2.0]).loss(feats, samples)
    for term in ('heatmap', 'offset'):
        torch.testing.assert_close(
            weighted[f'loss_{term}'],
            0.5 * plain[f's0_{term}'] + 2.0 * plain[f's1_{term}'])
    with pytest.raises(ValueError, match='stage_weights has 2 entries.*3'):
        make_head(stage_weights=[1, 1]).loss(feats + feats[:1], samples)
    with pytest.raises(ValueError, match='CLMultiStageHead: stage_weights'):
        make_head(stage_weights=[1, -1])


def test_predict_uses_the_last_stage_only():
    head = make_head(PERFECT_INPUT)
    codec = CLCodec(PERFECT_INPUT)
    kpts = random_keypoints(np.random.default_rng(3), PERFECT_INPUT, n=3)
    good = perfect_maps(codec, kpts)  # (3, 3K, 16, 12)
    feats = (torch.randn_like(good), torch.randn_like(good), good)
    preds = head.predict(feats, data_samples(codec, kpts),
                         dict(flip_test=False))
    assert len(preds) == 3
    for pred, k in zip(preds, kpts):
        assert pred.keypoints.shape == (1, K, 2)
        assert pred.keypoint_scores.shape == (1, K)
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)
    heatmaps, offsets = head.forward(feats)
    assert heatmaps.shape == (3, K, 16, 12) and offsets.shape == (3, 2 * K,
                                                                  16, 12)


def mirror(keypoints):
    """MMPose's horizontal flip of keypoints: x -> w - 1 - x, swap pairs."""
    flipped = keypoints.copy()
    flipped[..., 0] = PERFECT_INPUT[0] - 1 - flipped[..., 0]
    return flipped[:, FLIP_INDICES]


def test_flip_test_merge_is_exact():
    head = make_head(PERFECT_INPUT)
    codec = CLCodec(PERFECT_INPUT)
    kpts = random_keypoints(np.random.default_rng(4), PERFECT_INPUT, n=3)
    good, good_flip = perfect_maps(codec, kpts), perfect_maps(
        codec, mirror(kpts))
    feats = (torch.randn_like(good), good)
    feats_flip = (torch.randn_like(good), good_flip)
    preds = head.predict([feats, feats_flip], data_samples(codec, kpts),
                         dict(flip_test=True))
    for pred, k in zip(preds, kpts):
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)
    # the mirrored maps, flipped back, are the original maps
    hm_f, off_f = flip_cl_maps(*head.forward(feats_flip), FLIP_INDICES)
    torch.testing.assert_close(hm_f, good[:, :K], atol=1e-5, rtol=0)
    torch.testing.assert_close(off_f, good[:, K:], atol=1e-5, rtol=0)


def test_output_heatmaps_are_the_last_stage_heatmaps():
    head = make_head()
    codec = CLCodec(SMALL_INPUT)
    feats = tuple(torch.rand(1, 3 * K, 4, 4) for _ in range(2))
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(5), SMALL_INPUT))
    preds, fields = head.predict(feats, samples, dict(output_heatmaps=True))
    assert len(preds) == len(fields) == 1
    torch.testing.assert_close(fields[0].heatmaps, feats[-1][0, :K])


def test_wrong_channels_and_arguments_are_clear_errors():
    head = make_head()
    with pytest.raises(ValueError, match=r'CLMultiStageHead.*\(B, 12, H, W\)'):
        head.forward((torch.randn(1, 2 * K, 4, 4), ))
    with pytest.raises(ValueError, match='CLMultiStageHead: num_keypoints'):
        CLMultiStageHead(num_keypoints=0)
    with pytest.raises(ValueError, match='CLMultiStageHead: heatmap_act'):
        CLMultiStageHead(num_keypoints=K, heatmap_act='softmax')


def estimator_cfg(head_keypoints=K, flip_test=True):
    codec = dict(type='CLCodec', input_size=SMALL_INPUT)
    return dict(
        type='CLPoseEstimator',
        backbone=dict(type='CLNetHourglass', num_keypoints=K, num_stacks=2,
                      channels=16),
        head=dict(type='CLMultiStageHead', num_keypoints=head_keypoints,
                  decoder=codec),
        test_cfg=dict(flip_test=flip_test))


def test_in_a_pose_estimator_loss_and_flip_predict():
    # registers CLPoseEstimator
    import mmpose_cl.models.pose_estimators.cl_pose_estimator  # noqa: F401
    model = MODELS.build(estimator_cfg())
    model.init_weights()
    codec = CLCodec(SMALL_INPUT)
    kpts = random_keypoints(np.random.default_rng(6), SMALL_INPUT, n=2)
    samples = data_samples(codec, kpts)
    for ds in samples:  # what the top-down pipeline adds for predict
        ds.set_metainfo(dict(input_center=np.array([32., 32.]),
                             input_scale=np.array([64., 64.])))
        ds.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., 64., 64.]]), bbox_scores=np.ones(1))
    inputs = torch.randn(2, 3, 64, 64)
    losses = model(inputs, samples, mode='loss')
    assert {'loss_heatmap', 'loss_offset', 'acc_pose'} <= set(losses)
    model.eval()
    with torch.no_grad():
        results = model(inputs, samples, mode='predict')
    assert results[0].pred_instances.keypoints.shape == (1, K, 2)
    with pytest.raises(ValueError, match=r'in_channels \(15\).*\(12\)'):
        MODELS.build(estimator_cfg(head_keypoints=5))


def stage_feats(good, stage, num_stages=3, seed=0):
    """``num_stages`` stage maps: noise, except the perfect ``good`` maps at
    ``stage``."""
    gen = torch.Generator().manual_seed(seed)
    feats = [torch.randn(good.shape, generator=gen) for _ in range(num_stages)]
    feats[stage] = good
    return tuple(feats)


@pytest.mark.parametrize('stage', [0, 1, 2, -1, -2, -3])
def test_test_cfg_stage_decodes_that_stage(stage):
    head = make_head(PERFECT_INPUT)
    codec = CLCodec(PERFECT_INPUT)
    kpts = random_keypoints(np.random.default_rng(8), PERFECT_INPUT, n=2)
    good = perfect_maps(codec, kpts)  # (2, 3K, 16, 12)
    feats = stage_feats(good, stage)
    samples = data_samples(codec, kpts)
    preds, fields = head.predict(feats, samples,
                                 dict(stage=stage, output_heatmaps=True))
    for pred, field, k, maps in zip(preds, fields, kpts, good):
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)
        torch.testing.assert_close(field.heatmaps, maps[:K])
    # the other stages are noise: decoding them misses the keypoints
    other = (stage + 1) % 3
    wrong = head.predict(feats, samples, dict(stage=other))
    assert np.abs(wrong[0].keypoints[0] - kpts[0]).max() > 1


@pytest.mark.parametrize('stage', [0, -2])
def test_test_cfg_stage_with_flip_test(stage):
    head = make_head(PERFECT_INPUT)
    codec = CLCodec(PERFECT_INPUT)
    kpts = random_keypoints(np.random.default_rng(9), PERFECT_INPUT, n=2)
    feats = stage_feats(perfect_maps(codec, kpts), stage, seed=1)
    feats_flip = stage_feats(perfect_maps(codec, mirror(kpts)), stage, seed=2)
    preds = head.predict([feats, feats_flip], data_samples(codec, kpts),
                         dict(flip_test=True, stage=stage))
    for pred, k in zip(preds, kpts):
        np.testing.assert_allclose(pred.keypoints[0], k, atol=1e-3)
    # the flip test of the last stage averages two noise maps: not the
    # keypoints
    last = head.predict([feats, feats_flip], data_samples(codec, kpts),
                        dict(flip_test=True))
    assert np.abs(last[0].keypoints[0] - kpts[0]).max() > 1


@pytest.mark.parametrize('stage, match', [
    (3, r'CLMultiStageHead: test_cfg.stage=3 is out of range: there are 3 '
     r'stages \(0 .. 2, or -3 .. -1 from the last\)'),
    (-4, r'CLMultiStageHead: test_cfg.stage=-4 is out of range: there are 3'),
    ('1', r"CLMultiStageHead: test_cfg.stage must be an int, got '1'"),
    (True, r'CLMultiStageHead: test_cfg.stage must be an int, got True'),
])
def test_test_cfg_stage_out_of_range_is_a_clear_error(stage, match):
    head = make_head()
    codec = CLCodec(SMALL_INPUT)
    feats = tuple(torch.rand(1, 3 * K, 4, 4) for _ in range(3))
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(10), SMALL_INPUT))
    with pytest.raises(ValueError, match=match):
        head.predict(feats, samples, dict(stage=stage))
    with pytest.raises(ValueError, match=match):
        head.predict([feats, feats], samples,
                     dict(stage=stage, flip_test=True))


def test_estimator_passes_test_cfg_stage_to_the_head():
    import mmpose_cl.models.pose_estimators.cl_pose_estimator  # noqa: F401
    model = MODELS.build(estimator_cfg(flip_test=False)).eval()
    model.init_weights()
    codec = CLCodec(SMALL_INPUT)
    samples = data_samples(
        codec, random_keypoints(np.random.default_rng(11), SMALL_INPUT))
    for ds in samples:
        ds.set_metainfo(dict(input_center=np.array([32., 32.]),
                             input_scale=np.array([64., 64.])))
        ds.gt_instances = InstanceData(
            bboxes=np.array([[0., 0., 64., 64.]]), bbox_scores=np.ones(1))
    inputs = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        stages = model.backbone(inputs)
        results = {}
        for stage in (0, 1):
            model.test_cfg = dict(stage=stage)
            # the estimator writes into the data samples: keep a copy
            pred = model(inputs, samples, mode='predict')[0].pred_instances
            results[stage] = pred.clone()
        model.test_cfg = dict(stage=2)
        with pytest.raises(ValueError, match='stage=2 is out of range'):
            model(inputs, samples, mode='predict')
    for stage, res in results.items():
        # the head's decoding of that stage's maps (crop = image here)
        kpts, scores = codec.decode_torch(stages[stage][:, :K],
                                          stages[stage][:, K:])
        np.testing.assert_allclose(res.keypoints, kpts.numpy(), atol=1e-4)
        np.testing.assert_allclose(res.keypoint_scores, scores.numpy(),
                                   atol=1e-6)
    assert np.abs(results[0].keypoints - results[1].keypoints).max() > 0.1
