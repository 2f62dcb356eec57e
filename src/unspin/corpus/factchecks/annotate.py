"""Add the fact-checks found for each claim to a document's ``claims`` layer.

Each span of the ``claims`` layer gains ``attrs.factchecks``: a list (best first) of
:meth:`~unspin.corpus.factchecks.matching.Match.to_dict` objects, empty when none reaches the
``related`` threshold. The layer's ``config`` records the matcher (``factchecks``: the model,
the collection size and the thresholds), so a reader can tell "checked, nothing found" from
"not checked".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unspin.corpus.factchecks.matching import Matcher
from unspin.document import Document, Layer, Span

__all__ = ["annotate", "annotate_many", "LAYER"]

LAYER = "claims"


def annotate(doc: Document, matcher: Matcher, *, model: str = "") -> Document:
    """Return ``doc`` with the fact-checks of its claims (unchanged when it has no claims layer).

    Args:
        doc: an analysed document.
        matcher: the matcher over the collection.
        model: the encoder's name, recorded in the layer's config.
    """
    return annotate_many([doc], matcher, model=model)[0]


def annotate_many(docs: Sequence[Document], matcher: Matcher, *, model: str = "") -> list[Document]:
    """Return the documents with the fact-checks of their claims, matching all claims at once."""
    texts: list[str] = []
    for doc in docs:
        layer = doc.layers.get(LAYER)
        if layer is not None:
            texts += [doc.text[s.start : s.end] for s in layer.spans]
    found = iter(matcher.match(texts) if texts else [])
    out = []
    for doc in docs:
        layer = doc.layers.get(LAYER)
        if layer is None:
            out.append(doc)
            continue
        spans = []
        for span in layer.spans:
            attrs: dict[str, Any] = dict(span.attrs)
            attrs["factchecks"] = [m.to_dict() for m in next(found)]
            spans.append(Span(span.start, span.end, span.label, span.score, attrs))
        config = dict(layer.config)
        config["factchecks"] = {
            "model": model,
            "collection": len(matcher.candidates),  # type: ignore[arg-type]
            "match": matcher.scorer.match,
            "related": matcher.scorer.related if matcher.options.related else None,
        }
        out.append(doc.with_layer(Layer(LAYER, tuple(spans), layer.producer, config, layer.data)))
    return out
