"""The quality gate of the persuasion model: sentence-level agreement on a hand-written fixture."""

from __future__ import annotations

from collections.abc import Sequence

from unspin.document import Document
from unspin.errors import InvalidInput

__all__ = ["sentence_gate_score"]


def sentence_gate_score(doc: Document, labels: Sequence[int]) -> float:
    """Return the balanced accuracy of "this sentence has a technique span" against ``labels``.

    Args:
        doc: a document with ``sentences`` and ``persuasion`` layers; the first sentence (the
            title) is skipped, the rest pair with ``labels`` in order.
        labels: 1 for a sentence written to persuade, 0 for a neutral one.

    Raises:
        InvalidInput: the number of sentences and labels differ, or a class is missing.
    """
    sentences = list(doc.layer("sentences"))[1:]
    if len(sentences) != len(labels):
        raise InvalidInput(f"{len(sentences)} sentences after the title but {len(labels)} labels")
    spans = list(doc.layer("persuasion"))
    hits = {1: 0, 0: 0}
    totals = {1: 0, 0: 0}
    for sentence, label in zip(sentences, labels, strict=True):
        flagged = any(s.start < sentence.end and sentence.start < s.end for s in spans)
        totals[label] += 1
        hits[label] += int(flagged == bool(label))
    if not totals[0] or not totals[1]:
        raise InvalidInput("the gate needs both loaded (1) and neutral (0) sentences")
    return (hits[1] / totals[1] + hits[0] / totals[0]) / 2
