"""Per-source statistics: technique rates per source and over time, the most named actors and
the stance each source takes toward them."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from unspin.corpus.timeline import bucket

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = ["UNKNOWN_SOURCE", "source_stats", "stats_report", "STANCES"]

UNKNOWN_SOURCE = "(unknown)"
STANCES = ("negative", "neutral", "positive")
_SIGN = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def source_stats(corpus: Corpus, *, freq: str = "week", top_actors: int = 10) -> dict[str, Any]:
    """Summarise a corpus by source (outlet).

    Args:
        corpus: the store.
        freq: periods of the over-time rates, ``day`` or ``week``.
        top_actors: how many of the most named actors to list.

    Returns:
        ``{"sources": [...], "over_time": [...], "actors": [...], "techniques": [...]}``:
        per source its documents and, per technique, spans per document and the share of
        documents using it; the same per period; the actors named in the most documents with,
        per source, stance counts and ``net`` (mean of -1 negative, 0 neutral, +1 positive).
        Actors come from ``actors`` layers, or from ``entities`` where no document has actors.

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
            {
                "source": source,
                "documents": n,
                "techniques": {
                    label: {
                        "spans": spans[source][label],
                        "per_document": round(spans[source][label] / n, 3),
                        "share_of_documents": round(using[source][label] / n, 3),
                    }
                    for label in sorted(spans[source])
                },
            }
        )
    over_time = [
        {
            "period": period,
            "source": source,
            "documents": n,
            "techniques": {
                label: round(count / n, 3)
                for label, count in sorted(period_spans[(period, source)].items())
            },
        }
        for (period, source), n in sorted(per_period.items())
    ]
    return {
        "sources": sources,
        "over_time": over_time,
        "techniques": sorted(labels),
        "actors": _actors(corpus, outlet_of, top_actors),
        "freq": freq,
    }


def stats_report(corpus: Corpus, *, freq: str = "week", top_actors: int = 10) -> dict[str, Any]:
    """Return everything ``unspin corpus stats`` and ``GET /api/v1/stats`` show, in one shape.

    Args:
        corpus: the store.
        freq: periods of the timeline and the over-time rates, ``day`` or ``week``.
        top_actors: how many of the most named actors to list.

    Returns:
        ``Corpus.stats()`` (counts, ``techniques``: spans per technique over the corpus) with
        ``freq``, ``sources``, ``over_time`` and ``actors`` from :func:`source_stats` and
        ``timeline`` from ``Corpus.timeline``.

    Raises:
        InvalidInput: freq is not ``day`` or ``week``.
    """
    by_source = source_stats(corpus, freq=freq, top_actors=top_actors)
    summary = corpus.stats()
    return {
        **summary,
        "techniques": dict(sorted(summary["techniques"].items())),
        "freq": freq,
        "sources": by_source["sources"],
        "over_time": by_source["over_time"],
        "actors": by_source["actors"],
        "timeline": corpus.timeline(freq),
    }


def _actors(corpus: Corpus, outlet_of: dict[str, str], top: int) -> list[dict[str, Any]]:
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
            per_source[source] = {
                **{s: counts[s] for s in (*STANCES, "unknown")},
                "net": None if net is None else round(net, 3),
            }
        out.append(
            {
                "name": names[key].most_common(1)[0][0],
                "kind": kind,
                "documents": n,
                "mentions": mentions[key],
                "stance": per_source,
            }
        )
    return out
