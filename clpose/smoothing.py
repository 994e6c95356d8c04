# Copyright (c) mmpose-cl contributors. All rights reserved.
"""The One-Euro filter (Casiez, Roussel and Vogel, "1€ Filter: A Simple
Speed-based Low-pass Filter for Noisy Input in Interactive Systems",
CHI 2012, https://gery.casiez.net/1euro/), on arrays: one independent
filter per element (per keypoint and axis for a (K, 2) pose).

For a sample ``x_i`` at time ``t_i``, with ``T_e = t_i - t_(i-1)``:

- smoothing factor: ``alpha(f_c) = 1 / (1 + tau / T_e)``,
  ``tau = 1 / (2 pi f_c)``;
- the speed, low-passed at ``d_cutoff``:
  ``dx_i = (x_i - x^_(i-1)) / T_e``, ``dx^_i = alpha(d_cutoff) dx_i +
  (1 - alpha(d_cutoff)) dx^_(i-1)``;
- the cutoff grows with the speed: ``f_c = min_cutoff + beta |dx^_i|``;
- ``x^_i = alpha(f_c) x_i + (1 - alpha(f_c)) x^_(i-1)``.

The first sample passes through (``x^_0 = x_0``, ``dx^_0 = 0``).
"""
from typing import Optional

import numpy as np

from .checks import check_range

#: the defaults, chosen in benchmarks/results/video_smoothing.md (a
#: CLNet-CSPNeXt-t on a procedural 30 fps video, 640x480, figures 192-384 px
#: tall, ground-truth boxes): the lowest jitter among the settings within 5%
#: of the unsmoothed keypoint error and 0.1 s of lag. 1 Hz at rest (alpha =
#: 0.17 at 30 fps); beta = 0.05 adds 1 Hz of cutoff per 20 px/s of
#: (smoothed) speed, so a moving keypoint is barely delayed: jitter 7.1 ->
#: 4.3 px/frame^2, error 10.9 -> 11.2 px, lag 29 ms. The earlier beta =
#: 0.007 cut jitter to 2.1 but lagged 63 ms and added 15% of error. beta is
#: per pixel: at twice the resolution, half of it gives the same filter.
DEFAULT_MIN_CUTOFF = 1.0  # Hz
DEFAULT_BETA = 0.05  # Hz per (pixel / s)
DEFAULT_D_CUTOFF = 1.0  # Hz


def smoothing_factor(cutoff: np.ndarray, period: np.ndarray) -> np.ndarray:
    """``alpha = 1 / (1 + tau / T_e)`` with ``tau = 1 / (2 pi cutoff)``,
    written as ``r / (r + 1)``, ``r = 2 pi cutoff T_e`` (the same value)."""
    r = 2 * np.pi * cutoff * period
    return r / (r + 1)


class OneEuroFilter:
    """The One-Euro filter on arrays of a fixed shape (module docstring).

    ``f(x, t, update)`` filters the elements of ``x`` where ``update`` is
    True and returns ``x`` unchanged elsewhere; an element left out keeps
    its state and the time of its last update, so its next ``T_e`` spans
    the gap (a keypoint hidden for a few frames).

    Args:
        min_cutoff: the cutoff at rest, Hz (> 0): lower removes more jitter
            and lags more.
        beta: Hz of cutoff per unit of speed (units of ``x`` per second,
            >= 0): higher lags less when moving. 0 gives a plain low-pass.
        d_cutoff: the cutoff of the speed's low-pass, Hz (> 0).

    Raises:
        ValueError: a bad parameter, a timestamp that does not increase,
            or ``x`` of another shape than the first call's.
    """

    def __init__(self,
                 min_cutoff: float = DEFAULT_MIN_CUTOFF,
                 beta: float = DEFAULT_BETA,
                 d_cutoff: float = DEFAULT_D_CUTOFF) -> None:
        name = 'OneEuroFilter'
        self.min_cutoff = check_range(f'{name} min_cutoff',
                                      min_cutoff,
                                      0,
                                      low_open=True)
        self.beta = check_range(f'{name} beta', beta, 0)
        self.d_cutoff = check_range(f'{name} d_cutoff',
                                    d_cutoff,
                                    0,
                                    low_open=True)
        self.reset()

    def reset(self) -> None:
        """Forget every sample: the next one passes through."""
        self.x_hat = self.dx_hat = self.t_last = self.started = None
        self.t_prev: Optional[float] = None

    def __call__(self,
                 x: np.ndarray,
                 t: float,
                 update: Optional[np.ndarray] = None) -> np.ndarray:
        """Filter one sample.

        Args:
            x: the sample, any shape (the same at every call), e.g. (K, 2)
                keypoints in pixels.
            t: its time, seconds; later than the previous call's.
            update: bool, broadcastable to ``x``: the elements to filter;
                None: all.

        Returns:
            np.ndarray: float64, ``x``'s shape: the filtered value where
            ``update``, ``x`` elsewhere.
        """
        x = np.asarray(x, dtype=np.float64)
        mask = np.broadcast_to(True if update is None else update, x.shape)
        if self.x_hat is None:
            self.x_hat, self.dx_hat = x.copy(), np.zeros_like(x)
            self.t_last = np.zeros_like(x)
            self.started = np.zeros(x.shape, dtype=bool)
        elif x.shape != self.x_hat.shape:
            raise ValueError(f'OneEuroFilter: a sample of shape {x.shape} '
                             f'after ones of shape {self.x_hat.shape}')
        if self.t_prev is not None and not t > self.t_prev:
            raise ValueError(f'OneEuroFilter: timestamp {t!r} s is not after'
                             f' the previous one, {self.t_prev!r} s')
        self.t_prev = t
        first, step = mask & ~self.started, mask & self.started
        self.x_hat[first], self.dx_hat[first] = x[first], 0
        if step.any():
            period = t - self.t_last[step]
            x_prev = self.x_hat[step]
            dx = (x[step] - x_prev) / period
            a_d = smoothing_factor(self.d_cutoff, period)
            dx_hat = a_d * dx + (1 - a_d) * self.dx_hat[step]
            a = smoothing_factor(self.min_cutoff + self.beta * np.abs(dx_hat),
                                 period)
            self.x_hat[step] = a * x[step] + (1 - a) * x_prev
            self.dx_hat[step] = dx_hat
        self.t_last[mask] = t
        self.started |= mask
        return np.where(mask, self.x_hat, x)
