"""The SemEval-2020 Task 11 writers: span-identification (SI) and technique (TC) lines, with
code-point offsets into the article file's text, as the task's scorer reads them."""

from __future__ import annotations

from unspin.document import Document, Span
from unspin.errors import InvalidInput
from unspin.formats.view import (
    PERSUASION,
)
from unspin.taxonomy import technique

__all__ = ["semeval_si_lines", "semeval_tc_lines"]


def _persuasion_spans(doc: Document, layer: str) -> tuple[Span, ...]:
    if layer not in doc.layers:
        raise InvalidInput(
            f"document {doc.id} has no {layer!r} layer to write; run a persuasion detector first"
        )
    return doc.layers[layer].spans


def semeval_si_lines(
    doc: Document, article_id: str, *, layer: str = PERSUASION, merge: bool = True
) -> list[str]:
    """Return SemEval-2020 Task 11 span-identification lines ``id<TAB>start<TAB>end``.

    Args:
        doc: the document, with offsets into the article file's text.
        article_id: the article id (``123`` for ``article123.txt``).
        layer: the layer whose spans to write.
        merge: merge overlapping or touching spans, since SI asks where propaganda is, not which.

    Returns:
        One line (without a newline) per span, sorted by offset.

    Raises:
        InvalidInput: the document has no such layer.
    """
    spans = sorted((s.start, s.end) for s in _persuasion_spans(doc, layer) if s.end > s.start)
    if merge:
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        spans = [(a, b) for a, b in merged]
    else:
        spans = sorted(set(spans))
    return [f"{article_id}\t{start}\t{end}" for start, end in spans]


def semeval_tc_lines(doc: Document, article_id: str, *, layer: str = PERSUASION) -> list[str]:
    """Return SemEval-2020 Task 11 technique lines ``id<TAB>technique<TAB>start<TAB>end``.

    Args:
        doc: the document, with offsets into the article file's text.
        article_id: the article id (``123`` for ``article123.txt``).
        layer: the layer whose spans to write.

    Returns:
        One line (without a newline) per span, sorted by offset.

    Raises:
        InvalidInput: the document has no such layer, or a span's label is not a PTC technique.
    """
    lines = []
    for span in _persuasion_spans(doc, layer):
        technique(span.label)  # raises InvalidInput for a label the scorer would reject
        lines.append(f"{article_id}\t{span.label}\t{span.start}\t{span.end}")
    return lines
