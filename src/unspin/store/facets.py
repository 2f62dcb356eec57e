"""What the store indexes about a document for filters and statistics: techniques, actors, outlet.

Works on plain layer dicts (the ``unspin.document`` shape, /1 and /2 alike) so migrations can use it
on stored JSON without building Documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

__all__ = ["facets_of", "outlet_of", "actor_stance", "TECHNIQUE_LAYERS"]

# layers whose span labels are techniques: predictions and gold annotations
TECHNIQUE_LAYERS = ("persuasion",)


def outlet_of(meta: Mapping[str, Any]) -> str:
    """Return the outlet a document came from: meta ``outlet``/``sitename``, a URL's host, or the
    folder of a file path."""
    for key in ("outlet", "sitename", "site"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    source = meta.get("source")
    if not isinstance(source, str) or not source or source == "-":
        return ""
    if "://" in source:
        host = urlsplit(source).hostname or ""
        return host.removeprefix("www.")
    parent = PurePath(source).parent.name
    return parent or ""


def actor_stance(actor: Mapping[str, Any]) -> tuple[str | None, float | None]:
    """Return an actor's aggregated stance label and score, where it has one."""
    stance = actor.get("stance")
    if isinstance(stance, str):
        return stance, None
    if isinstance(stance, Mapping):
        label = stance.get("label")
        score = stance.get("score")
        return (
            str(label) if label is not None else None,
            float(score) if isinstance(score, int | float) else None,
        )
    return None, None


def _actor_name(actor: Mapping[str, Any]) -> str:
    for key in ("name", "canonical", "canonical_name", "text"):
        value = actor.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def facets_of(
    layers: Mapping[str, Mapping[str, Any]], text: str | None = None
) -> list[dict[str, Any]]:
    """Return the facet rows of a document's layers (layer name -> layer dict).

    Rows have ``kind`` (``technique``, ``actor``, ``alias``, ``entity``), ``key`` (lower-cased
    value, what filters compare), ``value``, ``count`` and, for actors, ``stance`` and ``score``.
    Gold technique layers (``persuasion-gold``) count as kind ``technique-gold``. Given the
    text, a document without an ``actors`` layer gets ``entity`` rows from its ``entities`` layer.
    """
    rows: list[dict[str, Any]] = []
    for name, layer in sorted(layers.items()):
        if name in TECHNIQUE_LAYERS or name.startswith("persuasion-"):
            kind = "technique" if name in TECHNIQUE_LAYERS else "technique-gold"
            counts = Counter(str(span["label"]) for span in layer.get("spans", []))
            rows += [_row(kind, label, n) for label, n in sorted(counts.items())]
    actors_layer = layers.get("actors")
    actors = (actors_layer or {}).get("data", {}).get("actors") if actors_layer else None
    if actors:
        for actor in actors:
            name = _actor_name(actor)
            if not name:
                continue
            mentions = actor.get("mentions")
            count = len(mentions) if isinstance(mentions, list) and mentions else 1
            stance, score = actor_stance(actor)
            rows.append(_row("actor", name, count, stance, score))
            aliases = {str(a).strip() for a in actor.get("aliases", []) if str(a).strip()}
            for alias in sorted(aliases - {name}):
                rows.append(_row("alias", alias, 1))
    if text is not None:
        rows += entity_rows(text, layers)
    return rows


def entity_rows(text: str, layers: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return ``entity`` rows from the ``entities`` layer: the names a document mentions, for
    documents analysed without an ``actors`` layer."""
    layer = layers.get("entities")
    if not layer or "actors" in layers:
        return []
    counts = Counter(
        " ".join(text[span["start"] : span["end"]].split()) for span in layer.get("spans", [])
    )
    return [_row("entity", name, n) for name, n in sorted(counts.items()) if name]


def _row(
    kind: str, value: str, count: int, stance: str | None = None, score: float | None = None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": value.casefold(),
        "value": value,
        "count": count,
        "stance": stance,
        "score": score,
    }
