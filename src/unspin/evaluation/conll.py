"""CoNLL-2003 entity metric (conlleval): micro precision, recall and F1 over exact span + type."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["bio_chunks", "entity_f1", "span_f1"]


def bio_chunks(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Return ``(start, end, type)`` chunks of a tag sequence, as conlleval reads BIO/IOB1.

    A chunk starts at ``B-X``, or at ``I-X`` not preceded by a chunk of type X.
    """
    chunks: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        if tag.startswith("I-") and start >= 0 and tag[2:] == kind:
            continue
        if start >= 0:
            chunks.append((start, i, kind))
            start, kind = -1, ""
        if tag != "O":
            start, kind = i, tag.split("-", 1)[-1]
    return chunks


def _prf(gold: set, predicted: set) -> dict[str, float]:
    tp = len(gold & predicted)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "gold": len(gold),
        "predicted": len(predicted),
        "correct": tp,
    }


def entity_f1(
    gold: Iterable[Sequence[str]], predicted: Iterable[Sequence[str]]
) -> dict[str, float]:
    """Score tag sequences sentence by sentence (conlleval's exact chunk match)."""
    gold_set: set[tuple[int, int, int, str]] = set()
    pred_set: set[tuple[int, int, int, str]] = set()
    for n, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {n}: {len(g)} gold tags but {len(p)} predicted")
        gold_set.update((n, *c) for c in bio_chunks(g))
        pred_set.update((n, *c) for c in bio_chunks(p))
    return _prf(gold_set, pred_set)


def span_f1(gold: Iterable[tuple], predicted: Iterable[tuple]) -> dict[str, float]:
    """Score ``(doc, start, end, type)`` character spans by exact match (same as conlleval
    when the text is the words joined by spaces)."""
    return _prf(set(gold), set(predicted))
