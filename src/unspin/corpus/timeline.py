"""Timelines: documents and technique spans per day or ISO week, by published date."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from unspin.errors import InvalidInput

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = ["FREQS", "TimelineRow", "bucket", "document_timeline"]

FREQS = ("day", "week")


def bucket(published: str, freq: str = "day") -> str:
    """Return the period an ISO date falls in: the date itself (``day``) or the Monday that
    starts its ISO week (``week``).

    Raises:
        InvalidInput: freq is not ``day`` or ``week``, or the date is not ISO.
    """
    if freq not in FREQS:
        raise InvalidInput(f"unknown timeline frequency {freq!r}; use one of {', '.join(FREQS)}")
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        raise InvalidInput(f"date {published!r} is not an ISO date (YYYY-MM-DD)") from None
    if freq == "week":
        day -= timedelta(days=day.weekday())
    return day.isoformat()


@dataclass(frozen=True)
class TimelineRow:
    """One period: its documents, technique spans by label and, where asked, narratives (id ->
    documents of that narrative in the period)."""

    period: str
    documents: int
    techniques: Mapping[str, int]
    narratives: Mapping[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``narratives`` only where asked)."""
        out: dict[str, Any] = {
            "period": self.period,
            "documents": self.documents,
            "techniques": dict(self.techniques),
        }
        if self.narratives is not None:
            out["narratives"] = dict(self.narratives)
        return out


def document_timeline(corpus: Corpus, freq: str = "day") -> tuple[TimelineRow, ...]:
    """Return, per day or week (by published date), the number of documents and of each
    technique's spans. Documents without a date are left out.

    Raises:
        InvalidInput: freq is not ``day`` or ``week``.
    """
    docs: Counter[str] = Counter()
    techniques: dict[str, Counter[str]] = {}
    for row in corpus.document_rows():
        if row["published"]:
            docs[bucket(row["published"], freq)] += 1
    for row in corpus.facet_rows(["technique"]):
        if row["published"]:
            period = bucket(row["published"], freq)
            techniques.setdefault(period, Counter())[row["value"]] += int(row["count"])
    return tuple(
        TimelineRow(period, docs[period], dict(sorted(techniques.get(period, Counter()).items())))
        for period in sorted(docs)
    )
