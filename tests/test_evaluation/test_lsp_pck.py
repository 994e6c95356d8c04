"""LspPCKAccuracy against PCK@0.2 computed by hand: torso = ||left_shoulder
(9) - right_hip (2)||, per-joint-group values as in the paper's Table 4."""
import numpy as np
import pytest
from mmpose.evaluation.metrics import PCKAccuracy

from mmpose_cl.evaluation.lsp_pck import LspPCKAccuracy

GROUPS = ('Head', 'Sho', 'Elb', 'Wri', 'Hip', 'Knee', 'Ank')


def sample(gt, offsets_x, visible=None, bbox=(0, 0, 10, 10)):
    """One person: ground truth (14, 2), prediction = gt + (dx, 0)."""
    visible = np.ones(14) if visible is None else np.asarray(visible)
    pred = gt + np.stack([offsets_x, np.zeros(14)], axis=1)
    return dict(
        gt_instances=dict(
            keypoints=gt[None].astype(np.float32),
            keypoints_visible=visible[None].astype(np.float32),
            bboxes=np.array([bbox], dtype=np.float32)),
        pred_instances=dict(keypoints=pred[None].astype(np.float32)))


def person(right_hip, left_shoulder, seed):
    gt = np.random.default_rng(seed).uniform(0, 200, (14, 2))
    gt[2], gt[9] = right_hip, left_shoulder
    return gt


# A: torso 50 (30-40-50 triangle) -> correct if error < 10 px
GT_A = person((10, 50), (40, 10), seed=0)
OFF_A = [5, 15, 0, 0, 5, 15, 9, 11, 5, 5, 15, 5, 5, 15]
#  ok:  1   0  1  1  1   0  1   0  1  1   0  1  1   0
# B: torso 100 -> correct if error < 20 px; head top unlabelled
GT_B = person((0, 0), (0, 100), seed=1)
OFF_B = [15, 25, 0, 0, 25, 15, 19, 21, 25, 15, 25, 15, 25, 300]
#  ok:  1    0  1  1   0   1   1   0   0   1   0   1   0   -
VIS_B = [1] * 13 + [0]
# per joint over A and B
PER_JOINT = [1, 0, 1, 1, .5, .5, 1, 0, .5, 1, 0, 1, .5, 0]
EXPECTED = {
    'Head': (.5 + 0) / 2,  # neck, head top
    'Sho': (.5 + 1) / 2,  # right, left shoulder (8, 9)
    'Elb': (0 + 0) / 2,  # 7, 10
    'Wri': (1 + 1) / 2,  # 6, 11
    'Hip': (1 + 1) / 2,  # 2, 3
    'Knee': (0 + .5) / 2,  # 1, 4
    'Ank': (1 + .5) / 2,  # 0, 5
}


def evaluate(metric, samples):
    metric.process([], samples)
    return metric.evaluate(len(samples))


def hand_samples():
    # boxes whose longer side equals the torso, so bbox PCK = torso PCK
    return [
        sample(GT_A, OFF_A, bbox=(0, 0, 50, 20)),
        sample(GT_B, OFF_B, VIS_B, bbox=(5, 5, 35, 105))
    ]


def test_defaults_and_registry():
    from mmpose.registry import METRICS
    metric = METRICS.build(dict(type='LspPCKAccuracy'))
    assert isinstance(metric, LspPCKAccuracy)
    assert isinstance(metric, PCKAccuracy)
    assert metric.thr == 0.2 and metric.norm_item == ['torso']


def test_torso_pck_by_hand():
    metrics = evaluate(LspPCKAccuracy(), hand_samples())
    assert set(metrics) == {f'{g} tPCK' for g in GROUPS} | {'tPCK'}
    for group, value in EXPECTED.items():
        assert metrics[f'{group} tPCK'] == pytest.approx(value), group
    # MMPose's mean over the 14 per-joint PCKs
    assert metrics['tPCK'] == pytest.approx(np.mean(PER_JOINT))
    assert metrics['tPCK'] == pytest.approx(8 / 14)


def test_bbox_and_torso_together():
    metrics = evaluate(
        LspPCKAccuracy(norm_item=['bbox', 'torso']), hand_samples())
    for group in GROUPS:
        assert metrics[f'{group} PCK'] == pytest.approx(
            metrics[f'{group} tPCK'])
    assert metrics['PCK'] == pytest.approx(8 / 14)


def test_thr_scales_tolerance():
    # thr 0.4: A tolerates 20 px, B 40 px: every labelled joint is correct
    metrics = evaluate(LspPCKAccuracy(thr=0.4), hand_samples())
    assert metrics['tPCK'] == pytest.approx(1.0)


def test_differs_from_mmposes_jhmdb_torso():
    """MMPose's torso (JHMDB's 4, 5) is LSP's left knee - left ankle."""
    samples = hand_samples()
    ours = evaluate(LspPCKAccuracy(), samples)['tPCK']
    jhmdb = evaluate(PCKAccuracy(thr=0.2, norm_item='torso'), samples)['tPCK']
    knee_ankle_a = np.linalg.norm(GT_A[4] - GT_A[5])
    assert abs(knee_ankle_a - 50) > 10  # a different normaliser here
    assert ours != pytest.approx(jhmdb)


def test_unlabelled_torso_leaves_instance_out():
    bad = sample(
        person((0, 0), (0, 100), seed=2),
        np.full(14, 500.),
        visible=[1] * 9 + [0] + [1] * 4)  # left shoulder unlabelled
    with pytest.warns(UserWarning, match='torso unlabelled or < 1 px'):
        metrics = evaluate(LspPCKAccuracy(), hand_samples() + [bad])
    assert metrics['tPCK'] == pytest.approx(8 / 14)
    assert metrics['Head tPCK'] == pytest.approx(EXPECTED['Head'])


def test_batches_accumulate():
    metric = LspPCKAccuracy()
    a, b = hand_samples()
    metric.process([], [a])
    metric.process([], [b])
    assert metric.evaluate(2)['tPCK'] == pytest.approx(8 / 14)


@pytest.mark.parametrize('thr', [0, -0.2, float('nan'), '0.2'])
def test_bad_thr(thr):
    with pytest.raises(ValueError, match=f'thr must be .* got {thr!r}'):
        LspPCKAccuracy(thr=thr)


@pytest.mark.parametrize('norm_item', ['head', ['torso', 'head'], []])
def test_bad_norm_item(norm_item):
    with pytest.raises(ValueError, match=r'LspPCKAccuracy: norm_item'):
        LspPCKAccuracy(norm_item=norm_item)


def test_wrong_joint_count():
    gt = np.zeros((15, 2))
    bad = dict(
        gt_instances=dict(
            keypoints=gt[None],
            keypoints_visible=np.ones((1, 15)),
            bboxes=np.zeros((1, 4))),
        pred_instances=dict(keypoints=gt[None]))
    with pytest.raises(ValueError, match=r'14 joints .* \(1, 15, 2\)'):
        LspPCKAccuracy().process([], [bad])
