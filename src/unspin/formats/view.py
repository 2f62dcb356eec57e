"""What every report shows about a document: technique spans with their taxonomy entries,
claims, actors, titles and counts (shared by the writers of this package).

Every view tells a layer that was not analysed (None) from one that found nothing (empty).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unspin.document import Document, Span
from unspin.taxonomy import GROUPS, Group, is_technique, technique

__all__ = ["PERSUASION", "CLAIMS", "technique_counts", "summary", "segments", "factcheck_label"]


PERSUASION = "persuasion"


CLAIMS = "claims"


# Labels outside the taxonomy (a third-party detector's) are drawn in a neutral grey.
_OTHER = Group(
    "other",
    "Other",
    "A label outside the unspin taxonomy.",
    colour="#6B7280",
    tint="#ECEDEF",
    ink="#4B5563",
    pattern="solid",
    marker="?",
    terminal="bold #6B7280",
)


@dataclass(frozen=True)
class _Tech:
    """A technique span with everything a report shows about it."""

    index: int
    span: Span
    label: str
    name: str
    group: Group
    explanation: str
    semeval2023: tuple[str, ...]
    example: str


def technique_counts(doc: Document) -> dict[str, int] | None:
    """Count the persuasion spans per technique, by label.

    Returns:
        Label -> spans, sorted by label; None when the document has no ``persuasion`` layer
        (not analysed, which is not the same as nothing found).
    """
    layer = doc.layers.get(PERSUASION)
    if layer is None:
        return None
    counts: dict[str, int] = {}
    for span in layer.spans:
        counts[span.label] = counts.get(span.label, 0) + 1
    return dict(sorted(counts.items()))


def summary(doc: Document, *, preview: int = 240) -> dict[str, Any]:
    """Return the list view of a document: its metadata and what was found in it.

    Args:
        doc: the document.
        preview: how many characters of the text to include.

    Returns:
        ``id``, ``title``, ``source``, ``published``, ``author``, ``length``, ``preview``,
        ``techniques`` (see :func:`technique_counts`), ``claims`` (a count) and ``actors``
        (names); a layer that was not analysed gives None.
    """
    claims = doc.layers.get(CLAIMS)
    actors = doc.layers.get("actors")
    return {
        "id": doc.id,
        "title": doc.meta.get("title"),
        "source": doc.meta.get("source"),
        "published": doc.meta.get("published"),
        "author": doc.meta.get("author"),
        "length": len(doc.text),
        "preview": doc.text[:preview],
        "techniques": technique_counts(doc),
        "claims": len(claims) if claims is not None else None,
        "actors": [actor.get("name") for actor in doc.actors] if actors is not None else None,
    }


def _technique_spans(doc: Document) -> list[_Tech] | None:
    """Return the persuasion spans with their taxonomy entries, or None if not analysed."""
    layer = doc.layers.get(PERSUASION)
    if layer is None:
        return None
    out: list[_Tech] = []
    for span in layer.spans:
        if span.end <= span.start:
            continue
        if is_technique(span.label):
            entry = technique(span.label)
            grp = GROUPS[entry.group]
            out.append(
                _Tech(
                    len(out),
                    span,
                    span.label,
                    entry.name,
                    grp,
                    entry.explanation,
                    entry.semeval2023,
                    entry.example,
                )
            )
        else:
            explanation = str(span.attrs.get("explanation") or _OTHER.explanation)
            out.append(
                _Tech(
                    len(out),
                    span,
                    span.label,
                    span.label.replace("_", " "),
                    _OTHER,
                    explanation,
                    (),
                    "",
                )
            )
    return out


def segments(text: str, spans: Sequence[Span]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Split ``text`` at every span boundary into segments and say which spans cover each.

    Overlapping spans need no special case: a segment carries every span that covers it.

    Args:
        text: the document text.
        spans: spans with code-point offsets into ``text``.

    Returns:
        ``(start, end, indices)`` for consecutive segments covering the whole text, where
        ``indices`` are positions in ``spans`` of the spans that cover the segment (may be empty).
    """
    size = len(text)
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    bounds = {0, size}
    for i, span in enumerate(spans):
        if span.end > span.start and span.end <= size:
            starts.setdefault(span.start, []).append(i)
            ends.setdefault(span.end, []).append(i)
            bounds.update((span.start, span.end))
    ordered = sorted(bounds)
    out: list[tuple[int, int, tuple[int, ...]]] = []
    active: set[int] = set()
    # a sweep over the boundaries: linear in boundaries plus spans, not their product
    for start, end in zip(ordered, ordered[1:], strict=False):
        active.difference_update(ends.get(start, ()))
        active.update(starts.get(start, ()))
        out.append((start, end, tuple(sorted(active))))
    return out


def _title(doc: Document) -> str:
    title = doc.meta.get("title")
    if title:
        return str(title)
    first_line = doc.text.strip().splitlines()[0] if doc.text.strip() else ""
    return first_line[:80] + ("…" if len(first_line) > 80 else "")


def _meta_items(doc: Document) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, label in (
        ("author", "Author"),
        ("published", "Published"),
        ("source", "Source"),
        ("language", "Language"),
    ):
        value = doc.meta.get(key)
        if value:
            items.append((label, str(value)))
    return items


def _is_baseline(producer: str) -> bool:
    return producer.startswith("baseline")


def _quote(doc: Document, start: Any, end: Any) -> str:
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(doc.text):
        return doc.text[start:end]
    return ""


def _one_line(text: str, limit: int = 0) -> str:
    flat = " ".join(text.split())
    if limit and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def _claims(doc: Document) -> list[dict[str, Any]] | None:
    """Return the claims as plain dicts (text, numbers, dates, attribution, score), or None."""
    layer = doc.layers.get(CLAIMS)
    if layer is None:
        return None
    out: list[dict[str, Any]] = []
    for span in layer.spans:
        attrs = span.attrs

        def texts(key: str, attrs: Mapping[str, Any] = attrs) -> list[str]:
            found = []
            for item in attrs.get(key) or []:
                if isinstance(item, Mapping):
                    value = item.get("text") or _quote(doc, item.get("start"), item.get("end"))
                else:
                    value = str(item)
                if value and value not in found:
                    found.append(str(value))
            return found

        score = span.score
        if score is None and isinstance(attrs.get("checkworthy"), int | float):
            score = float(attrs["checkworthy"])
        out.append(
            {
                "start": span.start,
                "end": span.end,
                "text": doc.text[span.start : span.end],
                "numbers": texts("numbers"),
                "dates": texts("dates"),
                "attribution": texts("attribution"),
                "score": score,
                "factchecks": _factchecks(attrs.get("factchecks")),
            }
        )
    return out


def _factchecks(value: Any) -> list[dict[str, Any]] | None:
    """Return a claim's fact-checks as flat dicts (None when the claim was not matched): level,
    rating, reviewer, date, the claim reviewed, similarity, and the URL when it is http(s)."""
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if not isinstance(item, Mapping):
            continue
        url = str(item.get("url") or "")
        similarity = item.get("similarity")
        out.append(
            {
                "level": "match" if item.get("level") == "match" else "related",
                "rating": str(item.get("rating") or ""),
                "reviewer": str(item.get("reviewer") or ""),
                "date": str(item.get("date") or ""),
                "claim_reviewed": str(item.get("claim_reviewed") or ""),
                "similarity": float(similarity) if isinstance(similarity, int | float) else None,
                "url": url if url.lower().startswith(("http://", "https://")) else "",
            }
        )
    return out


def factcheck_label(check: Mapping[str, Any]) -> str:
    """Return one line for a fact-check: ``Checked: False (Factdesk, 2024-03-05)``."""
    who = ", ".join(v for v in (check["reviewer"], check["date"]) if v)
    head = "Checked" if check["level"] == "match" else "Related"
    return f"{head}: {check['rating'] or 'no rating'}" + (f" ({who})" if who else "")


def _actor_view(doc: Document, actor: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one actor dict for display, tolerating missing keys."""
    stance = actor.get("stance") if isinstance(actor.get("stance"), Mapping) else None
    evidence: list[str] = []
    if stance:
        raw = stance.get("evidence") or []
        if isinstance(raw, Mapping | str):
            raw = [raw]
        for item in raw:
            if isinstance(item, Mapping):
                text = item.get("text") or _quote(doc, item.get("start"), item.get("end"))
            else:
                text = str(item)
            if text:
                evidence.append(str(text))
    techniques = []
    for item in actor.get("techniques") or []:
        if not isinstance(item, Mapping):
            continue
        label = str(item.get("label", ""))
        name = technique(label).name if is_technique(label) else label.replace("_", " ")
        grp = GROUPS[technique(label).group] if is_technique(label) else _OTHER
        techniques.append(
            {
                "label": label,
                "name": name,
                "group": grp,
                "text": _quote(doc, item.get("start"), item.get("end")),
            }
        )
    score = stance.get("score") if stance else None
    return {
        "name": str(actor.get("name") or actor.get("id") or "?"),
        "type": str(actor.get("type") or ""),
        "aliases": [str(a) for a in actor.get("aliases") or [] if str(a) != actor.get("name")],
        "mentions": len(actor.get("mentions") or []),
        "mention_offsets": [
            (m["start"], m["end"])
            for m in actor.get("mentions") or []
            if isinstance(m, Mapping)
            and isinstance(m.get("start"), int)
            and isinstance(m.get("end"), int)
        ],
        "stance": str(stance.get("label")) if stance and stance.get("label") else "",
        "stance_score": float(score) if isinstance(score, int | float) else None,
        "evidence": evidence,
        "techniques": techniques,
    }


def _actors(doc: Document) -> list[dict[str, Any]] | None:
    if "actors" not in doc.layers:
        return None
    return [_actor_view(doc, actor) for actor in doc.actors if isinstance(actor, Mapping)]


def _counts(techs: Sequence[_Tech]) -> list[tuple[_Tech, int]]:
    """One representative per label with its count, most frequent first."""
    counter = Counter(t.label for t in techs)
    first: dict[str, _Tech] = {}
    for tech in techs:
        first.setdefault(tech.label, tech)
    return sorted(
        ((first[label], n) for label, n in counter.items()),
        key=lambda item: (-item[1], item[0].name),
    )


def _groups_in_order(techs: Sequence[_Tech]) -> list[Group]:
    present = {t.group.id for t in techs}
    ordered = [g for g in GROUPS.values() if g.id in present]
    if _OTHER.id in present:
        ordered.append(_OTHER)
    return ordered


def _score_text(score: float | None) -> str:
    return "" if score is None else f"{score:.2f}"


def _primary(techs: Sequence[_Tech], covering: Sequence[int]) -> _Tech:
    """The span a segment is drawn as: the shortest covering one (the most specific)."""
    return min((techs[i] for i in covering), key=lambda t: (t.span.end - t.span.start, t.index))
