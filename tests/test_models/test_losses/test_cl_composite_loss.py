"""CLCompositeLoss against eq. 4-6 computed by hand."""
import pytest
import torch
from mmpose.registry import MODELS

from mmpose_cl.models.losses import CLCompositeLoss


def smooth_l1(d):
    d = abs(d)
    return 0.5 * d * d if d < 1 else d - 0.5


def hand_case():
    """B = 1, K = 1, 2 x 2 maps; cells listed row-major (0,0) (0,1) (1,0)
    (1,1). Predicted region (>= 0.6): (0,0), (1,0). Target region: (0,0),
    (0,1)."""
    pred_hm = torch.tensor([[[[0.7, 0.1], [0.65, 0.0]]]])
    gt_hm = torch.tensor([[[[1.0, 0.62], [0.5, 0.2]]]])
    pred_off = torch.tensor([[[[0.5, 0.0], [0.0, 9.0]],  # y
                              [[0.0, 0.0], [1.0, 9.0]]]])  # x
    gt_off = torch.tensor([[[[0.2, 1.5], [-0.5, 0.0]],
                            [[-2.0, 0.25], [0.5, 0.0]]]])
    return pred_hm, pred_off, gt_hm, gt_off


# per cell SmoothL1 of (pred - gt), y then x, by hand:
SL1_Y = {(0, 0): smooth_l1(0.3), (0, 1): smooth_l1(1.5), (1, 0): smooth_l1(0.5)}
SL1_X = {(0, 0): smooth_l1(2.0), (0, 1): smooth_l1(0.25), (1, 0): smooth_l1(0.5)}
MSE = (0.3**2 + 0.52**2 + 0.15**2 + 0.2**2) / 4
REGIONS = {
    'pred': [(0, 0), (1, 0)],
    'gt': [(0, 0), (0, 1)],
    'union': [(0, 0), (0, 1), (1, 0)],
}


@pytest.mark.parametrize('region', ['pred', 'gt', 'union'])
def test_hand_computed_value(region):
    loss = CLCompositeLoss(region=region)
    out = loss(*hand_case())
    cells = REGIONS[region]
    l_oy = sum(SL1_Y[c] for c in cells) / len(cells)
    l_ox = sum(SL1_X[c] for c in cells) / len(cells)
    assert out['loss_heatmap'].item() == pytest.approx(0.5 * MSE, rel=1e-5)
    assert out['loss_offset'].item() == pytest.approx(
        2.0 * (l_oy + l_ox), rel=1e-5)


def test_sum_reduction_sums_each_keypoints_squared_errors():
    """f of eq. (4) as a sum over the map: K = 2 keypoints, 2 x 2 cells;
    L_h = (1/K) sum_k sum_cells (H - H_hat)^2, times w_h."""
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    pred_hm2 = torch.cat([pred_hm, torch.zeros_like(pred_hm)], 1)
    gt_hm2 = torch.cat([gt_hm, torch.full_like(gt_hm, 0.5)], 1)
    off2 = [torch.cat([o[:, :1], o[:, :1], o[:, 1:], o[:, 1:]], 1)
            for o in (pred_off, gt_off)]
    squared_sums = [4 * MSE, 4 * 0.5**2]  # keypoint 0, keypoint 1
    out = CLCompositeLoss(heatmap_weight=0.5, heatmap_reduction='sum')(
        pred_hm2, off2[0], gt_hm2, off2[1])
    assert out['loss_heatmap'].item() == pytest.approx(
        0.5 * sum(squared_sums) / 2, rel=1e-5)
    mean = CLCompositeLoss(heatmap_weight=0.5)(pred_hm2, off2[0], gt_hm2,
                                              off2[1])
    assert mean['loss_heatmap'].item() == pytest.approx(
        0.5 * sum(s / 4 for s in squared_sums) / 2, rel=1e-5)
    # the offsets do not depend on the reading of eq. (4)
    assert out['loss_offset'].item() == mean['loss_offset'].item()


def test_defaults_are_the_papers_weights():
    loss = MODELS.build(dict(type='CLCompositeLoss'))
    assert (loss.heatmap_weight, loss.offset_weight, loss.tau) == (0.5, 2.0,
                                                                    0.6)


def test_keypoint_weight_zero_contributes_nothing():
    loss = CLCompositeLoss()
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    # add a second keypoint with weight 0 and garbage maps
    pred_hm2 = torch.cat([pred_hm, torch.full_like(pred_hm, 5.)], 1)
    gt_hm2 = torch.cat([gt_hm, torch.zeros_like(gt_hm)], 1)
    pred_off2 = torch.cat(
        [pred_off[:, :1], torch.full_like(pred_hm, 7.), pred_off[:, 1:],
         torch.full_like(pred_hm, -7.)], 1)
    gt_off2 = torch.cat([gt_off[:, :1], torch.zeros_like(gt_hm),
                         gt_off[:, 1:], torch.zeros_like(gt_hm)], 1)
    out = loss(pred_hm2, pred_off2, gt_hm2, gt_off2, torch.tensor([[1., 0.]]))
    ref = loss(*hand_case())
    # averaged over K = 2 keypoints: the zero-weight one adds 0
    assert out['loss_heatmap'].item() == pytest.approx(
        ref['loss_heatmap'].item() / 2, rel=1e-5)
    assert out['loss_offset'].item() == pytest.approx(
        ref['loss_offset'].item() / 2, rel=1e-5)


def test_empty_region_gives_zero_not_nan():
    loss = CLCompositeLoss(region='pred')
    pred_hm = torch.zeros(2, 3, 4, 4, requires_grad=True)  # nothing >= tau
    pred_off = torch.randn(2, 6, 4, 4, requires_grad=True)
    out = loss(pred_hm, pred_off, torch.rand(2, 3, 4, 4),
               torch.randn(2, 6, 4, 4))
    assert out['loss_offset'].item() == 0.0
    sum(out.values()).backward()
    assert torch.isfinite(pred_hm.grad).all()
    assert torch.equal(pred_off.grad, torch.zeros_like(pred_off))


@pytest.mark.parametrize('region', ['pred', 'gt', 'union'])
def test_gradient_reaches_offsets_only_inside_the_region(region):
    loss = CLCompositeLoss(region=region)
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    pred_hm.requires_grad_(True)
    pred_off.requires_grad_(True)
    out = loss(pred_hm, pred_off, gt_hm, gt_off)
    out['loss_offset'].backward()
    inside = torch.zeros(2, 2, dtype=torch.bool)
    for i, j in REGIONS[region]:
        inside[i, j] = True
    for ch in (0, 1):  # y and x maps of the keypoint
        grad = pred_off.grad[0, ch]
        assert (grad[inside] != 0).all()
        assert (grad[~inside] == 0).all()
    # the region is chosen without gradient: the offset term does not
    # push the heatmaps
    assert pred_hm.grad is None or not pred_hm.grad.any()


def test_non_finite_prediction_outside_region_does_not_leak():
    loss = CLCompositeLoss(region='gt')
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    pred_off[0, :, 1, 1] = float('nan')  # (1, 1) is outside the gt region
    out = loss(pred_hm, pred_off, gt_hm, gt_off)
    assert torch.isfinite(out['loss_offset'])


def test_fp16_inputs_give_finite_float32_losses():
    loss = CLCompositeLoss()
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    out = loss(pred_hm.half(), pred_off.half() * 1000, gt_hm, gt_off)
    for v in out.values():
        assert v.dtype == torch.float32 and torch.isfinite(v)


@pytest.mark.parametrize('kwargs, field', [
    (dict(heatmap_weight=-1), 'heatmap_weight'),
    (dict(offset_weight=-0.1), 'offset_weight'),
    (dict(tau=0), 'tau'),
    (dict(tau=1.01), 'tau'),
    (dict(region='peak'), 'region'),
    (dict(beta=0), 'beta'),
    (dict(heatmap_reduction='max'), 'heatmap_reduction'),
])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        CLCompositeLoss(**kwargs)


def test_shape_mismatch_is_a_clear_error():
    loss = CLCompositeLoss()
    with pytest.raises(ValueError, match='offsets'):
        loss(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4),
             torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4))


def test_fp16_maps_give_the_fp32_loss_without_overflow():
    """AMP hands the loss fp16 maps. Values whose squares pass fp16's
    maximum (65504), 300 and -300 here, would give an infinite MSE in fp16;
    the loss computes in float32 and equals the float32 loss exactly."""
    pred_hm, pred_off, gt_hm, gt_off = hand_case()
    pred_hm = pred_hm.clone()
    pred_hm[0, 0, 1, 1] = 300.  # not a tau cell of the target
    pred_off = pred_off.clone()
    pred_off[0, 0, 0, 0] = -300.  # a region cell
    assert torch.isinf((pred_hm.half() - gt_hm.half()).pow(2).sum())
    loss = CLCompositeLoss()
    fp32 = loss(pred_hm, pred_off, gt_hm, gt_off)
    fp16 = loss(pred_hm.half(), pred_off.half(), gt_hm, gt_off)
    for key in ('loss_heatmap', 'loss_offset'):
        assert fp16[key].dtype == torch.float32
        assert torch.isfinite(fp16[key])
        # both inputs are exact in fp16 except the target's 0.62 and 0.65
        assert fp16[key].item() == pytest.approx(fp32[key].item(), rel=1e-3)
    # by hand: the 300 cell alone adds 0.5 * (300 - 0.2)^2 / 4 to w_h * L_h
    assert fp32['loss_heatmap'].item() == pytest.approx(
        0.5 * (0.3**2 + 0.52**2 + 0.15**2 + 299.8**2) / 4, rel=1e-5)
