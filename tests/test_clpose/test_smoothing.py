"""OneEuroFilter against Casiez et al. 2012 on hand-made signals: the
expected values come from the paper's equations worked by hand or in
closed form, not from the filter's code:

    alpha(f) = 1 / (1 + tau / T_e), tau = 1 / (2 pi f)
    dx^_i = a_d (x_i - x^_(i-1)) / T_e + (1 - a_d) dx^_(i-1),
            a_d = alpha(d_cutoff)
    f_c = min_cutoff + beta |dx^_i|
    x^_i = alpha(f_c) x_i + (1 - alpha(f_c)) x^_(i-1)
"""
import math

import numpy as np
import pytest

from clpose import OneEuroFilter


def alpha(cutoff: float, period: float) -> float:
    tau = 1 / (2 * math.pi * cutoff)
    return 1 / (1 + tau / period)


def test_a_step_with_beta_0_is_a_first_order_low_pass():
    # beta = 0: f_c = min_cutoff always, so after a step 0 -> 1 the output
    # is the closed form 1 - (1 - alpha)^n
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0, d_cutoff=1.0)
    a = alpha(1.0, 1 / 30)  # 0.1731 at 30 fps
    assert f(np.zeros(2), 0.0).tolist() == [0, 0]  # the first passes
    for n in range(1, 6):
        out = f(np.ones(2), n / 30)
        np.testing.assert_allclose(out, 1 - (1 - a)**n, rtol=1e-12)


def test_a_step_with_beta_raises_the_cutoff_by_hand():
    # T_e = 1 s; min_cutoff = d_cutoff = 1 / (2 pi): tau = 1, alpha = 1/2;
    # beta = 1 / pi
    f = OneEuroFilter(min_cutoff=1 / (2 * math.pi),
                      beta=1 / math.pi,
                      d_cutoff=1 / (2 * math.pi))
    assert f(np.array([0.0]), 0.0)[0] == 0
    # x = 1 at t = 1: dx = 1, dx^ = 1/2; f_c = 1/(2 pi) + 1/(2 pi) = 1/pi:
    # tau = 1/2, alpha = 2/3, x^ = 2/3
    np.testing.assert_allclose(f(np.array([1.0]), 1.0), [2 / 3])
    # x = 1 at t = 2: dx = 1/3, dx^ = 1/6 + 1/4 = 5/12; f_c = (11/6) / (2 pi):
    # tau = 6/11, alpha = 11/17, x^ = 11/17 + (6/17)(2/3) = 15/17
    np.testing.assert_allclose(f(np.array([1.0]), 2.0), [15 / 17])


def test_elements_left_out_keep_their_state_and_time():
    f = OneEuroFilter(min_cutoff=1.0, beta=0.0)
    f(np.zeros((1, 2)), 0.0)
    # keypoint axis 1 not updated (say a low score): returned as given
    out = f(np.ones((1, 2)), 1 / 30, np.array([[True, False]]))
    np.testing.assert_allclose(out, [[alpha(1, 1 / 30), 1.0]])
    # its next update spans the gap: T_e = 2/30 from its last one, at t=0
    out = f(np.ones((1, 2)), 2 / 30)
    np.testing.assert_allclose(
        out, [[1 - (1 - alpha(1, 1 / 30))**2,
               alpha(1, 2 / 30)]])


def test_an_element_first_seen_later_passes_through():
    f = OneEuroFilter(beta=0.0)
    f(np.array([5.0, 5.0]), 0.0, np.array([True, False]))
    out = f(np.array([5.0, 9.0]), 0.1)
    assert out.tolist() == [5.0, 9.0]  # a constant stays; 9 is its first


def test_reset_forgets():
    f = OneEuroFilter()
    f(np.zeros(3), 0.0)
    f.reset()
    assert f(np.full(3, 7.0), 0.01).tolist() == [7.0] * 3


@pytest.mark.parametrize('kwargs, match', [
    (dict(min_cutoff=0), r'min_cutoff must be a number > 0, got 0'),
    (dict(beta=-1), r'beta must be a number >= 0, got -1'),
    (dict(d_cutoff=float('nan')), r'd_cutoff must be a number > 0, got nan'),
    (dict(beta='1'), r"beta must be a number >= 0, got '1'"),
])
def test_bad_parameters_are_named(kwargs, match):
    with pytest.raises(ValueError, match='^OneEuroFilter ' + match):
        OneEuroFilter(**kwargs)


def test_bad_timestamps_and_shapes_are_named():
    f = OneEuroFilter()
    f(np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r'timestamp 1.0 s is not after'):
        f(np.zeros(2), 1.0)
    with pytest.raises(ValueError, match=r'shape \(3,\) after .* \(2,\)'):
        f(np.zeros(3), 2.0)
