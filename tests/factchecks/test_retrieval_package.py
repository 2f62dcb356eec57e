"""Choosing the matcher's features and thresholds (numpy only; hand-made cases)."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.corpus.factchecks.matching import FEATURES
from unspin.training.retrieval_package import Rows, choose_set, choose_thresholds
from unspin.training.retrieval_scorer import expected_calibration_error, fit_logistic


def _result(folds_2a, folds_2b):  # type: ignore[no-untyped-def]
    return {"2a": {"folds": folds_2a}, "2b": {"folds": folds_2b}}


def test_choose_set_keeps_smaller_set_on_a_tie():
    results = {
        "cosine": _result([0.80, 0.90], [0.50, 0.60]),
        "cosine+bm25": _result([0.82, 0.88], [0.52, 0.58]),
    }
    assert choose_set(results, tasks=("2a", "2b")) == "cosine"


def test_choose_set_breaks_a_tie_by_calibration():
    results = {
        "cosine": {**_result([0.80, 0.90], [0.50, 0.60]), "top1": {"ece": 0.2}},
        "cosine+bm25": {**_result([0.82, 0.88], [0.52, 0.58]), "top1": {"ece": 0.1}},
    }
    assert choose_set(results, tasks=("2a", "2b")) == "cosine+bm25"


def test_choose_set_takes_larger_set_that_wins_every_fold():
    results = {
        "cosine": _result([0.80, 0.90], [0.50, 0.60]),
        "cosine+bm25": _result([0.83, 0.92], [0.53, 0.62]),
    }
    assert choose_set(results, tasks=("2a", "2b")) == "cosine+bm25"


def _rows(scores: list[float], labels: list[int]) -> Rows:
    values = np.zeros((len(scores), len(FEATURES)))
    values[:, 0] = scores
    return Rows("2a", "q", 0, [str(i) for i in range(len(scores))], values, np.array(labels))


def test_choose_thresholds_match_reaches_the_precision():
    present = [_rows([0.9, 0.1], [1, 0]), _rows([0.8, 0.2], [1, 0]), _rows([0.6, 0.5], [0, 1])]
    absent = [_rows([0.7, 0.1], [0, 0])]
    found = choose_thresholds(
        present,
        absent,
        ("cosine",),
        np.array([10.0]),
        -5.0,
        match_precision=0.99,
        related_precision=0.5,
    )
    p_at = 1 / (1 + np.exp(-(10 * 0.8 - 5)))
    assert found["match"] == pytest.approx(p_at, abs=1e-4) and found["match_precision"] == 1.0


def test_fit_logistic_separates_a_simple_case():
    x = np.array([[0.1], [0.2], [0.8], [0.9]])
    w, b = fit_logistic(x, np.array([0, 0, 1, 1]))
    p = 1 / (1 + np.exp(-(x @ w + b)))
    assert p[0] < 0.2 and p[-1] > 0.8


def test_expected_calibration_error_is_zero_when_rates_match():
    assert expected_calibration_error([0.25] * 4, [1, 0, 0, 0]) == pytest.approx(0.0)
