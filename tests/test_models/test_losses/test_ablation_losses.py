"""The two alternative losses of the paper's section 4.3, by hand."""
import math

import pytest
import torch

from mmpose_cl.models.losses import CLPeakOffsetLoss, GRMILoss


def test_peak_offset_loss_hand_computed():
    pred_hm = torch.tensor([[[[0.7, 0.1], [0.65, 0.0]]]])
    gt_hm = torch.tensor([[[[1.0, 0.62], [0.5, 0.2]]]])  # peak at (0, 0)
    pred_off = torch.tensor([[[[0.5, 9.], [9., 9.]], [[0.0, 9.], [9., 9.]]]])
    gt_off = torch.tensor([[[[0.2, 0.], [0., 0.]], [[-2.0, 0.], [0., 0.]]]])
    out = CLPeakOffsetLoss()(pred_hm, pred_off, gt_hm, gt_off)
    mse = (0.3**2 + 0.52**2 + 0.15**2 + 0.2**2) / 4
    assert out['loss_heatmap'].item() == pytest.approx(0.5 * mse, rel=1e-5)
    # only the peak cell's offsets count: (0.5 - 0.2)^2 + (0 + 2)^2
    assert out['loss_offset'].item() == pytest.approx(2 * (0.09 + 4.0),
                                                      rel=1e-5)


def test_grmi_loss_hand_computed():
    logits = torch.tensor([[[[2.0, 0.0], [-1.0, 0.5]]]])
    gt_off = torch.tensor([[[[0.1, 0.5], [2.0, 0.0]],    # y, in cells
                            [[0.2, 0.9], [0.0, 3.0]]]])  # x
    pred_off = torch.zeros_like(gt_off)
    # distances at stride 16: 3.6, 16.5, 32, 48 px: only (0, 0) is inside
    # the 16 px disk
    out = GRMILoss(stride=16, radius=16.0)(logits, pred_off,
                                           torch.zeros_like(logits), gt_off)

    def bce(x, positive):
        return math.log1p(math.exp(-x)) if positive else \
            math.log1p(math.exp(x))

    heat = (bce(2.0, True) + bce(0.0, False) + bce(-1.0, False) +
            bce(0.5, False)) / 4
    assert out['loss_heatmap'].item() == pytest.approx(4.0 * heat, rel=1e-5)
    # Huber (SmoothL1, beta 1) on the positive cell: 0.5 * 0.1^2 + 0.5 * 0.2^2
    assert out['loss_offset'].item() == pytest.approx(0.005 + 0.02, rel=1e-5)


@pytest.mark.parametrize('cls, kwargs, field', [
    (CLPeakOffsetLoss, dict(heatmap_weight=-1), 'heatmap_weight'),
    (GRMILoss, dict(stride=16, offset_weight=-1), 'offset_weight'),
    (GRMILoss, dict(stride=16, radius=0), 'radius'),
    (GRMILoss, dict(stride=0), 'stride'),
])
def test_bad_arguments_name_the_field(cls, kwargs, field):
    with pytest.raises(ValueError, match=field):
        cls(**kwargs)
