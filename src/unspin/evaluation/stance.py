"""NewsMTSC metric: macro-F1 over negative, neutral and positive, per target."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

__all__ = ["macro_f1"]


def macro_f1(
    gold: Sequence[Hashable], predicted: Sequence[Hashable], *, labels: Sequence[Hashable]
) -> float:
    """Return the unweighted mean of each label's F1 (a label never gold nor predicted scores 0).

    Raises:
        ValueError: the sequences differ in length.
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    total = 0.0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(labels)
