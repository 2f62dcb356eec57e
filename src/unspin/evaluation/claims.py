"""CheckThat! check-worthiness metric: F1 of the positive ("Yes") class."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["f1_yes", "best_threshold"]


def f1_yes(gold: Sequence[int], predicted: Sequence[int]) -> float:
    """Return the F1 of class 1 (Yes) given gold and predicted 0/1 labels.

    Raises:
        ValueError: the sequences differ in length.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == 1 and p == 1)
    fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != 1 and p == 1)
    fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == 1 and p != 1)
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def best_threshold(gold: Sequence[int], scores: Sequence[float]) -> float:
    """Return the score threshold (predict Yes when score >= it) that maximises F1 of Yes."""
    candidates = sorted(set(round(s, 4) for s in scores))
    best, best_f1 = 0.5, -1.0
    for threshold in candidates:
        f1 = f1_yes(gold, [int(s >= threshold) for s in scores])
        if f1 > best_f1:
            best, best_f1 = threshold, f1
    return best
