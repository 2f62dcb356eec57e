"""Fit the fact-check matcher's scorer and thresholds (numpy only, no torch).

The scorer is a logistic regression over :data:`unspin.corpus.factchecks.matching.FEATURES`
of each (claim, candidate fact-check) pair, labelled by the qrels; fitted on out-of-fold
features, so the probabilities it gives are calibrated on pairs the encoder never trained on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["fit_logistic", "expected_calibration_error"]


def fit_logistic(
    x: np.ndarray, y: np.ndarray, *, l2: float = 1e-5, iterations: int = 50
) -> tuple[np.ndarray, float]:
    """Fit ``P(y=1) = sigmoid(x . w + b)`` by Newton's method with an L2 penalty on ``w``.

    Args:
        x: features ``[n, d]``.
        y: 0/1 labels ``[n]``.
        l2: the penalty on ``|w|^2 / 2`` against the mean log-loss (small: only to keep
            Newton's steps finite when the classes separate).
        iterations: Newton steps at most.

    Returns:
        ``(w, b)``.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2 * n)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ theta, -60, 60)))
        gradient = design.T @ (p - y) + penalty * theta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def expected_calibration_error(p: Sequence[float], y: Sequence[int], *, bins: int = 10) -> float:
    """Return the mean |observed rate - predicted probability| over equal-width bins, weighted
    by the share of pairs in each bin."""
    prob = np.asarray(p, dtype=np.float64)
    gold = np.asarray(y, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        inside = (prob >= lo) & ((prob < hi) | (hi == 1.0))
        if inside.any():
            total += inside.mean() * abs(gold[inside].mean() - prob[inside].mean())
    return float(total)
