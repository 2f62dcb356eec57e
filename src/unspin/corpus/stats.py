"""Per-source statistics: technique rates per source and over time, the most named actors and
the stance each source takes toward them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unspin.corpus.timeline import TimelineRow, bucket, document_timeline

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = [
    "UNKNOWN_SOURCE",
    "STANCES",
    "TechniqueRate",
    "SourceStats",
    "PeriodStats",
    "StanceCounts",
    "ActorStats",
    "SourceStatistics",
    "Statistics",
    "source_stats",
    "stats_report",
]

UNKNOWN_SOURCE = "(unknown)"
STANCES = ("negative", "neutral", "positive")
_SIGN = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


@dataclass(frozen=True)
class TechniqueRate:
    """How much a source uses a technique: its spans, spans per document, share of documents."""

    spans: int
    per_document: float
    share_of_documents: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "spans": self.spans,
            "per_document": self.per_document,
            "share_of_documents": self.share_of_documents,
        }


@dataclass(frozen=True)
class SourceStats:
    """One source (outlet): its documents and its rate of each technique it uses."""

    source: str
    documents: int
    techniques: Mapping[str, TechniqueRate]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "source": self.source,
            "documents": self.documents,
            "techniques": {label: rate.to_dict() for label, rate in self.techniques.items()},
        }


@dataclass(frozen=True)
class PeriodStats:
    """One source in one period: its documents and technique spans per document."""

    period: str
    source: str
    documents: int
    techniques: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "period": self.period,
            "source": self.source,
            "documents": self.documents,
            "techniques": dict(self.techniques),
        }


@dataclass(frozen=True)
class StanceCounts:
    """The stance one source takes toward an actor: documents per stance (``unknown``: no
    stance), and ``net``, the mean of -1 negative, 0 neutral, +1 positive (None: none rated)."""

    negative: int
    neutral: int
    positive: int
    unknown: int
    net: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "negative": self.negative,
            "neutral": self.neutral,
            "positive": self.positive,
            "unknown": self.unknown,
            "net": self.net,
        }


@dataclass(frozen=True)
class ActorStats:
    """An actor named across the corpus (``kind``: from ``actor`` layers or bare ``entity``
    mentions): documents naming it, mentions, and the stance of each source."""

    name: str
    kind: str
    documents: int
    mentions: int
    stance: Mapping[str, StanceCounts]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "documents": self.documents,
            "mentions": self.mentions,
            "stance": {source: counts.to_dict() for source, counts in self.stance.items()},
        }


@dataclass(frozen=True)
class SourceStatistics:
    """A corpus by source: rates per source and per period, the techniques seen, top actors."""

    sources: tuple[SourceStats, ...]
    over_time: tuple[PeriodStats, ...]
    techniques: tuple[str, ...]
    actors: tuple[ActorStats, ...]
    freq: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "sources": [s.to_dict() for s in self.sources],
            "over_time": [p.to_dict() for p in self.over_time],
            "techniques": list(self.techniques),
            "actors": [a.to_dict() for a in self.actors],
            "freq": self.freq,
        }


@dataclass(frozen=True)
class Statistics:
    """Everything ``unspin corpus stats`` and ``GET /api/v1/stats`` show.

    ``store`` is the store's own summary (``Corpus.stats()``: backend, schema version, counts,
    published range, layers); ``techniques`` counts spans per technique over the corpus.
    """

    store: Mapping[str, Any]
    techniques: Mapping[str, int]
    freq: str
    sources: tuple[SourceStats, ...]
    over_time: tuple[PeriodStats, ...]
    actors: tuple[ActorStats, ...]
    timeline: tuple[TimelineRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: the store's summary fields, then the rest."""
        return {
            **self.store,
            "techniques": dict(self.techniques),
            "freq": self.freq,
            "sources": [s.to_dict() for s in self.sources],
            "over_time": [p.to_dict() for p in self.over_time],
            "actors": [a.to_dict() for a in self.actors],
            "timeline": [row.to_dict() for row in self.timeline],
        }


def source_stats(corpus: Corpus, *, freq: str = "week", top_actors: int = 10) -> SourceStatistics:
    """Summarise a corpus by source (outlet).

    Args:
        corpus: the store.
        freq: periods of the over-time rates, ``day`` or ``week``.
        top_actors: how many of the most named actors to list.

    Returns:
        Per source its documents and, per technique, spans per document and the share of
        documents using it; the same per period; the actors named in the most documents with,
        per source, stance counts and ``net``. Actors come from ``actors`` layers, or from
        ``entities`` where no document has actors.

    Raises:
        InvalidInput: freq is not ``day`` or ``week``.
    """
    bucket("2000-01-01", freq)
    docs = corpus.document_rows()
    outlet_of = {d["id"]: d["outlet"] or UNKNOWN_SOURCE for d in docs}
    period_of = {d["id"]: bucket(d["published"], freq) if d["published"] else None for d in docs}
    per_source = Counter(outlet_of.values())
    per_period: Counter[tuple[str, str]] = Counter(
        (period, outlet_of[i]) for i, period in period_of.items() if period
    )
    spans: dict[str, Counter[str]] = defaultdict(Counter)
    using: dict[str, Counter[str]] = defaultdict(Counter)
    period_spans: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    labels: set[str] = set()
    for row in corpus.facet_rows(["technique"]):
        source = outlet_of[row["doc_id"]]
        spans[source][row["value"]] += int(row["count"])
        using[source][row["value"]] += 1
        labels.add(row["value"])
        period = period_of[row["doc_id"]]
        if period:
            period_spans[(period, source)][row["value"]] += int(row["count"])
    sources = []
    for source, n in sorted(per_source.items(), key=lambda x: (-x[1], x[0])):
        sources.append(
            SourceStats(
                source,
                n,
                {
                    label: TechniqueRate(
                        spans[source][label],
                        round(spans[source][label] / n, 3),
                        round(using[source][label] / n, 3),
                    )
                    for label in sorted(spans[source])
                },
            )
        )
    over_time = [
        PeriodStats(
            period,
            source,
            n,
            {
                label: round(count / n, 3)
                for label, count in sorted(period_spans[(period, source)].items())
            },
        )
        for (period, source), n in sorted(per_period.items())
    ]
    return SourceStatistics(
        sources=tuple(sources),
        over_time=tuple(over_time),
        techniques=tuple(sorted(labels)),
        actors=_actors(corpus, outlet_of, top_actors),
        freq=freq,
    )


def stats_report(corpus: Corpus, *, freq: str = "week", top_actors: int = 10) -> Statistics:
    """Return everything ``unspin corpus stats`` and ``GET /api/v1/stats`` show.

    Args:
        corpus: the store.
        freq: periods of the timeline and the over-time rates, ``day`` or ``week``.
        top_actors: how many of the most named actors to list.

    Returns:
        The store's summary (``Corpus.stats()``) and spans per technique over the corpus, with
        the rates per source and period and the actors of :func:`source_stats`, and the
        timeline of :func:`unspin.corpus.timeline.document_timeline`.

    Raises:
        InvalidInput: freq is not ``day`` or ``week``.
    """
    by_source = source_stats(corpus, freq=freq, top_actors=top_actors)
    summary = dict(corpus.stats())
    techniques = dict(sorted(summary.pop("techniques").items()))
    return Statistics(
        store=summary,
        techniques=techniques,
        freq=freq,
        sources=by_source.sources,
        over_time=by_source.over_time,
        actors=by_source.actors,
        timeline=document_timeline(corpus, freq),
    )


def _actors(corpus: Corpus, outlet_of: dict[str, str], top: int) -> tuple[ActorStats, ...]:
    rows = corpus.facet_rows(["actor"])
    kind = "actor"
    if not rows:
        rows = corpus.facet_rows(["entity"])
        kind = "entity"
    documents: Counter[str] = Counter()
    mentions: Counter[str] = Counter()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    stance: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        key = row["value"].casefold()
        names[key][row["value"]] += 1
        documents[key] += 1
        mentions[key] += int(row["count"])
        label = row["stance"] if row["stance"] in STANCES else "unknown"
        stance[key][outlet_of[row["doc_id"]]][label] += 1
    out = []
    for key, n in sorted(documents.items(), key=lambda x: (-x[1], x[0]))[:top]:
        per_source = {}
        for source, counts in sorted(stance[key].items()):
            rated = sum(counts[s] for s in STANCES)
            net = (sum(_SIGN[s] * counts[s] for s in STANCES) / rated) if rated else None
            per_source[source] = StanceCounts(
                counts["negative"],
                counts["neutral"],
                counts["positive"],
                counts["unknown"],
                None if net is None else round(net, 3),
            )
        out.append(ActorStats(names[key].most_common(1)[0][0], kind, n, mentions[key], per_source))
    return tuple(out)
