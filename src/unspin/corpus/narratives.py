"""Narratives: documents (or their claims) clustered by meaning with sentence embeddings, each
named by its key phrases, with its timeline and the sources that carry it.

Clustering is a deterministic two-pass "leader" method on cosine similarity: each text joins the
nearest cluster centroid when it is at least ``threshold`` similar, else starts a cluster; a
second pass reassigns every text to its nearest centroid. Clusters smaller than ``min_size`` are
not reported as narratives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from unspin.corpus.keyphrases import key_phrases
from unspin.corpus.timeline import TimelineRow, bucket
from unspin.errors import InvalidInput

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = [
    "Unit",
    "NarrativeOptions",
    "NarrativeMember",
    "SourceCount",
    "PeriodCount",
    "Narrative",
    "Narratives",
    "cluster_vectors",
    "find_narratives",
    "corpus_narratives",
    "narrative_timeline",
    "timeline_with_narratives",
]

UNITS = ("document", "claim")


@dataclass(frozen=True)
class Unit:
    """One text to cluster: a document, or one claim of a document."""

    doc_id: str
    text: str
    source: str = ""
    outlet: str = ""
    title: str = ""
    published: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class NarrativeOptions:
    """How narratives are found.

    Args:
        threshold: least cosine similarity between a text and its cluster's centroid.
        min_size: least members of a reported narrative.
        top_phrases: key phrases per narrative.
        freq: timeline periods, ``day`` or ``week``.
        chars: characters of each document embedded (title and lead carry the story).
    """

    threshold: float = 0.5
    min_size: int = 2
    top_phrases: int = 5
    freq: str = "day"
    chars: int = 1500

    def __post_init__(self) -> None:
        if not -1.0 <= self.threshold <= 1.0:
            raise InvalidInput(f"threshold must be in [-1, 1], got {self.threshold}")
        if self.min_size < 1:
            raise InvalidInput(f"min_size must be >= 1, got {self.min_size}")
        bucket("2000-01-01", self.freq)  # validates freq


@dataclass(frozen=True)
class NarrativeMember:
    """A document (or one of its claims: ``claim``, ``start``, ``end``) in a narrative, with its
    cosine similarity to the narrative's centroid."""

    id: str
    source: str
    title: str
    published: str | None
    similarity: float
    claim: str | None = None
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (the claim's fields only for a claim)."""
        out: dict[str, Any] = {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "published": self.published,
            "similarity": self.similarity,
        }
        if self.start is not None:
            out.update({"claim": self.claim, "start": self.start, "end": self.end})
        return out


@dataclass(frozen=True)
class SourceCount:
    """How many members of a narrative one source (outlet) carries."""

    source: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"source": self.source, "count": self.count}


@dataclass(frozen=True)
class PeriodCount:
    """How many members of a narrative were published in one period."""

    period: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"period": self.period, "count": self.count}


@dataclass(frozen=True)
class Narrative:
    """Texts clustered by meaning, named by key phrases, with its sources and timeline."""

    id: str
    label: str
    key_phrases: tuple[str, ...]
    size: int
    members: tuple[NarrativeMember, ...]
    sources: tuple[SourceCount, ...]
    timeline: tuple[PeriodCount, ...]
    first_seen: str | None
    last_seen: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "id": self.id,
            "label": self.label,
            "key_phrases": list(self.key_phrases),
            "size": self.size,
            "members": [m.to_dict() for m in self.members],
            "sources": [s.to_dict() for s in self.sources],
            "timeline": [p.to_dict() for p in self.timeline],
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True)
class Narratives:
    """The narratives among ``units`` texts, largest first; ``unassigned`` texts are in none.

    ``unit`` (``document`` or ``claim``) and ``embedder`` (its producer) are set for a stored
    corpus (:func:`corpus_narratives`).
    """

    narratives: tuple[Narrative, ...]
    units: int
    unassigned: int
    unit: str | None = None
    embedder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``unspin corpus narratives --format json``, the API)."""
        out: dict[str, Any] = {
            "narratives": [n.to_dict() for n in self.narratives],
            "units": self.units,
            "unassigned": self.unassigned,
        }
        if self.unit is not None:
            out["unit"] = self.unit
        if self.embedder is not None:
            out["embedder"] = self.embedder
        return out


def cluster_vectors(vectors: np.ndarray, threshold: float) -> list[int]:
    """Assign each row (L2-normalised) a cluster number, deterministically.

    Returns:
        The cluster of each row, numbered from 0 in order of first appearance.
    """
    n = len(vectors)
    if n == 0:
        return []
    dim = vectors.shape[1]
    sums = np.zeros((0, dim), dtype=np.float32)
    centroids = np.zeros((0, dim), dtype=np.float32)
    labels = [0] * n
    for i, vector in enumerate(vectors):
        if len(centroids):
            sims = centroids @ vector
            best = int(np.argmax(sims))
            if sims[best] >= threshold:
                labels[i] = best
                sums[best] += vector
                centroids[best] = sums[best] / max(np.linalg.norm(sums[best]), 1e-12)
                continue
        labels[i] = len(centroids)
        sums = np.vstack([sums, vector[None, :]])
        centroids = np.vstack([centroids, vector[None, :]])
    # second pass: every text to its nearest centroid (or alone when none is close enough)
    sims = vectors @ centroids.T
    best = sims.argmax(axis=1)
    final: list[int] = []
    for i in range(n):
        final.append(int(best[i]) if sims[i, best[i]] >= threshold else -(i + 1))
    renumber: dict[int, int] = {}
    return [renumber.setdefault(label, len(renumber)) for label in final]


def find_narratives(
    units: Iterable[Unit],
    embedder: Any,
    options: NarrativeOptions | None = None,
    *,
    vectors: np.ndarray | None = None,
) -> Narratives:
    """Cluster texts by meaning and describe each cluster.

    Args:
        units: documents or claims to cluster.
        embedder: an ``Embedder`` (or anything with ``embed(texts) -> np.ndarray``).
        options: threshold, sizes and timeline periods.
        vectors: the units' embeddings, if already known (then ``embedder`` is not called).

    Returns:
        The narratives, largest first, with how many texts were clustered and how many are in
        no narrative.
    """
    options = options or NarrativeOptions()
    units = list(units)
    if not units:
        return Narratives((), 0, 0)
    if vectors is None:
        vectors = np.asarray(
            embedder.embed([_embed_text(u, options.chars) for u in units]), dtype=np.float32
        )
    vectors = np.array(vectors, dtype=np.float32)
    if vectors.shape[0] != len(units):
        raise InvalidInput(f"got {vectors.shape[0]} vectors for {len(units)} texts")
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = cluster_vectors(vectors, options.threshold)
    groups: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, []).append(index)
    kept = [members for members in groups.values() if len(members) >= options.min_size]
    kept.sort(key=lambda m: (-len(m), m[0]))
    rest = [i for members in groups.values() if len(members) < options.min_size for i in members]
    classes = [[units[i].text for i in members] for members in kept]
    if rest:
        classes.append([units[i].text for i in rest])
    phrases = key_phrases(classes, top=options.top_phrases)
    narratives = []
    for number, members in enumerate(kept):
        centroid = vectors[members].sum(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        narratives.append(
            _describe(
                number,
                [units[i] for i in members],
                vectors[members] @ centroid,
                phrases[number],
                options,
            )
        )
    return Narratives(tuple(narratives), len(units), len(rest))


def _embed_text(unit: Unit, chars: int) -> str:
    if unit.start is not None:
        return unit.text
    head = f"{unit.title}. " if unit.title and not unit.text.startswith(unit.title) else ""
    return (head + unit.text)[:chars]


def _describe(
    number: int,
    members: list[Unit],
    similarity: np.ndarray,
    phrases: list[str],
    options: NarrativeOptions,
) -> Narrative:
    timeline = Counter(bucket(u.published, options.freq) for u in members if u.published)
    sources = Counter(u.outlet or u.source for u in members)
    dates = sorted(u.published for u in members if u.published)
    rows = []
    for unit, sim in sorted(
        zip(members, similarity, strict=True),
        key=lambda pair: (pair[0].published or "", pair[0].doc_id),
    ):
        claim = unit.start is not None
        rows.append(
            NarrativeMember(
                unit.doc_id,
                unit.source,
                unit.title,
                unit.published,
                round(float(sim), 3),
                unit.text if claim else None,
                unit.start,
                unit.end if claim else None,
            )
        )
    return Narrative(
        id=f"n{number + 1}",
        label=", ".join(phrases[:3]),
        key_phrases=tuple(phrases),
        size=len(members),
        members=tuple(rows),
        sources=tuple(
            SourceCount(s, n) for s, n in sorted(sources.items(), key=lambda x: (-x[1], x[0]))
        ),
        timeline=tuple(PeriodCount(p, timeline[p]) for p in sorted(timeline)),
        first_seen=dates[0] if dates else None,
        last_seen=dates[-1] if dates else None,
    )


def corpus_units(corpus: Corpus, unit: str = "document") -> Iterator[Unit]:
    """Yield the stored documents, or their ``claims`` spans, as units to cluster.

    Raises:
        InvalidInput: unit is not ``document`` or ``claim``.
    """
    if unit not in UNITS:
        raise InvalidInput(f"unknown narrative unit {unit!r}; use one of {', '.join(UNITS)}")
    if unit == "document":
        for row in corpus.iter_texts():
            yield Unit(row.id, row.text, row.source, row.outlet, row.title, row.published)
        return
    from unspin.store.facets import outlet_of

    for doc in corpus.iter_documents():
        layer = doc.layers.get("claims")
        if layer is None:
            continue
        meta = doc.meta
        for span in layer.spans:
            yield Unit(
                doc.id,
                doc.text[span.start : span.end],
                str(meta.get("source", "")),
                outlet_of(meta),
                str(meta.get("title", "")),
                _date(meta),
                span.start,
                span.end,
            )


def _date(meta: Any) -> str | None:
    value = meta.get("published")
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def corpus_narratives(
    corpus: Corpus,
    *,
    embedder: Any = None,
    unit: str = "document",
    options: NarrativeOptions | None = None,
) -> Narratives:
    """Find the narratives of a stored corpus.

    Args:
        corpus: the store.
        embedder: an ``Embedder`` or test double; defaults to the shipped ``analysis`` model.
        unit: cluster whole ``document`` s or their ``claim`` s.
        options: threshold, sizes and timeline periods.

    Raises:
        ModelError: no embedder was given and the shipped model is missing.
        InvalidInput: unit is unknown.
    """
    if embedder is None:
        from unspin.models.embeddings import Embedder

        embedder = Embedder()
    options = options or NarrativeOptions()
    units = list(corpus_units(corpus, unit))
    vectors = None
    producer = getattr(embedder, "producer", None)
    if unit == "document" and isinstance(producer, str) and units:
        vectors = _cached_vectors(
            corpus, units, embedder, f"{producer}|chars={options.chars}", options.chars
        )
    result = find_narratives(units, embedder, options, vectors=vectors)
    return replace(
        result, unit=unit, embedder=str(getattr(embedder, "producer", type(embedder).__name__))
    )


def _cached_vectors(
    corpus: Corpus, units: list[Unit], embedder: Any, model: str, chars: int
) -> np.ndarray:
    """Embed the documents not cached under ``model`` yet, cache them, return all vectors."""
    cached = corpus.cached_embeddings(model, [u.doc_id for u in units])
    missing = [u for u in units if u.doc_id not in cached]
    for start in range(0, len(missing), 256):
        chunk = missing[start : start + 256]
        made = np.asarray(embedder.embed([_embed_text(u, chars) for u in chunk]), np.float32)
        fresh = dict(zip((u.doc_id for u in chunk), made, strict=True))
        corpus.cache_embeddings(model, fresh)
        cached.update(fresh)
    return np.stack([cached[u.doc_id] for u in units])


def narrative_timeline(result: Narratives) -> dict[str, dict[str, int]]:
    """Return period -> narrative id -> member count, from a :func:`find_narratives` result."""
    out: dict[str, dict[str, int]] = {}
    for narrative in result.narratives:
        for row in narrative.timeline:
            out.setdefault(row.period, {})[narrative.id] = row.count
    return dict(sorted(out.items()))


def timeline_with_narratives(
    timeline: Iterable[TimelineRow], result: Narratives
) -> tuple[TimelineRow, ...]:
    """Return timeline rows, each with ``narratives``: narrative id -> members then.

    Args:
        timeline: what :func:`unspin.corpus.timeline.document_timeline` returns.
        result: a :func:`find_narratives` result made with the same ``freq``.
    """
    stories = narrative_timeline(result)
    return tuple(replace(row, narratives=stories.get(row.period, {})) for row in timeline)
