import math

import numpy as np
import pytest


def vote_by_hand(heatmaps: np.ndarray, offsets: np.ndarray, stride: int,
                 tau: float, input_size) -> tuple:
    """Section 3.4 of the paper for one instance, written as a plain loop
    over keypoints and cells from the paper and ``CLCodec``'s docstring
    (not from its code), the reference the codec's decoding is tested
    against.

    For keypoint k, the cells with activation ``>= tau`` vote their centre
    (eq. 2) plus ``S`` times their offsets (eq. 3: channel k is y, channel
    K + k is x, in cells), and the votes are averaged with the activations
    as weights. When no cell reaches ``tau`` the argmax cell votes alone.
    The score is the highest activation. Cells with a non-finite
    activation or offset take no part; with no finite cell at all the
    keypoint is the crop centre ``((w - 1) / 2, (h - 1) / 2)``, score 0.

    Args:
        heatmaps: (K, H, W) activations.
        offsets: (2K, H, W), y first, in cells.
        stride: ``S``, pixels per cell.
        tau: the voting threshold.
        input_size: ``(w, h)`` of the crop in pixels.

    Returns:
        tuple: keypoints (K, 2) x-y in crop pixels and scores (K,),
        float64.
    """
    K, H, W = heatmaps.shape
    w, h = input_size
    keypoints = np.zeros((K, 2))
    scores = np.zeros(K)
    for k in range(K):
        cells = []  # (activation, x vote, y vote) of every finite cell
        for i in range(H):
            for j in range(W):
                a = float(heatmaps[k, i, j])
                dy, dx = float(offsets[k, i, j]), float(offsets[K + k, i, j])
                if not all(math.isfinite(v) for v in (a, dy, dx)):
                    continue
                # eq. (2): t(p') = (p' - C) * S with 1-based p' = (j + 1,
                # i + 1) and C = 0.5, in pixels whose corner is 0; MMPose
                # puts pixel centres at integers, hence the -0.5
                cx = (j + 1 - 0.5) * stride - 0.5
                cy = (i + 1 - 0.5) * stride - 0.5
                cells.append((a, cx + stride * dx, cy + stride * dy))
        if not cells:
            keypoints[k] = ((w - 1) / 2, (h - 1) / 2)
            continue
        scores[k] = max(a for a, _, _ in cells)
        voters = [c for c in cells if c[0] >= tau]
        if not voters:  # the first cell of the highest activation
            best = next(c for c in cells if c[0] == scores[k])
            keypoints[k] = best[1:]
            continue
        total = sum(a for a, _, _ in voters)
        keypoints[k] = (sum(a * x for a, x, _ in voters) / total,
                        sum(a * y for a, _, y in voters) / total)
    return keypoints, scores


@pytest.fixture(scope='session')
def section_3_4_by_hand():
    """:func:`vote_by_hand`: section 3.4 as a plain loop."""
    return vote_by_hand
