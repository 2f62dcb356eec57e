"""The ``claims`` detector: check-worthy sentences from the analysis pass, with the facts inside
each claim: numbers and quantities, dates (ISO 8601 where possible), attribution.

The facts are found by rules (stdlib only). Every fact carries ``start``/``end`` offsets into the
text it was found in, shifted by ``base`` so callers can pass a sentence and get document offsets
back.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from unspin.detectors import register
from unspin.detectors.analysis.engine import MODEL_FILES, VERSION, AnalysisEngine, engine
from unspin.document import Document, Layer, Span

__all__ = ["ClaimsDetector", "numbers", "dates", "attributions", "iso_date"]

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_SCALES = {
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "bn": 1e9,
    "tn": 1e12,
    "hundred": 1e2,
    "dozen": 12,
}
_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "half": 0.5,
    "dozens": None,
    "hundreds": None,
    "thousands": None,
    "millions": None,
    "billions": None,
}
_UNITS = (
    r"per\s*cent|percent|%|percentage points?|points?|people|persons?|dollars?|euros?|"
    r"pounds?|yuan|rubles?|km|kilomet(?:er|re)s?|miles?|kg|kilograms?|tons?|tonnes?|"
    r"years?|months?|weeks?|days?|hours?|minutes?|times|votes?|jobs|lives|deaths|cases|"
    r"troops|soldiers|refugees|barrels|acres|degrees"
)
_CURRENCY = r"(?:US\$|\$|€|£|¥)"
_NUMBER = re.compile(
    rf"(?P<cur>{_CURRENCY}\s?)?(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|tn|k|m)\b)?"
    rf"(?:\s?(?P<unit>{_UNITS})(?![A-Za-z]))?",
    re.IGNORECASE,
)
_WORDS = re.compile(
    r"\b(?P<num>" + "|".join(_WORD_NUMBERS) + r")(?:\s(?P<scale>hundred|thousand|million|billion|"
    r"trillion))?(?:\s(?:of\s)?(?P<unit>" + _UNITS + r"))?\b",
    re.IGNORECASE,
)
_ISO = re.compile(r"\b(?P<y>(?:19|20)\d\d)-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-2]\d|3[01])\b")
_MDY = re.compile(
    rf"\b(?P<mon>{_MONTH})\s(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s(?P<y>(?:1[89]|20)\d\d))?\b",
    re.IGNORECASE,
)
_DMY = re.compile(
    rf"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th)?\s(?:of\s)?(?P<mon>{_MONTH})(?:,?\s(?P<y>(?:1[89]|20)\d\d))?\b",
    re.IGNORECASE,
)
_MY = re.compile(rf"\b(?P<mon>{_MONTH})\s(?P<y>(?:1[89]|20)\d\d)\b", re.IGNORECASE)
_YEAR = re.compile(
    r"\b(?:in|since|by|until|from|before|after|of|during)\s(?P<y>(?:1[89]|20)\d\d)\b"
)
_RELATIVE = re.compile(
    r"\b(?P<rel>today|yesterday|tomorrow|last year|this year|next year)\b", re.IGNORECASE
)
_SLASH = re.compile(r"\b(?P<a>[0-3]?\d)/(?P<b>[0-3]?\d)/(?P<y>(?:19|20)\d\d)\b")

_VERBS = (
    r"said|says|say|wrote|writes|claimed|claims|claim|told|tells|stated|states|announced|"
    r"announces|argued|argues|added|adds|insisted|insists|reported|reports|warned|warns|"
    r"noted|notes|tweeted|tweets|posted|declared|declares|alleged|alleges|admitted|"
    r"admits|denied|denies|confirmed|confirms|suggested|suggests|explained|explains|"
    r"asserted|asserts|maintained|maintains|estimated|estimates|predicted|predicts"
)
_SOURCE = (
    r"(?:(?:[Tt]he|[Aa]n?|[Hh]is|[Hh]er|[Tt]heir|[Ii]ts|[Oo]ur)\s)?(?:[A-Z][\w.'’-]*|[a-z][\w'’-]*)"
    r"(?:\s(?:of\s(?:the\s)?)?[A-Z][\w.'’-]*){0,4}"
)
_ACCORDING = re.compile(
    r"\b(?:according to|as reported by|in the words of|cited by)\s"
    r"(?P<src>[^,.;:!?\"“”]{2,80}?)(?=[,.;:!?\"“”]|$|\s(?:the|a|which|who)\s)",
    re.IGNORECASE,
)
_SUBJECT_VERB = re.compile(
    rf"(?P<src>{_SOURCE})(?:,\s[^,.;:!?\"“”]{{2,60}},)?\s(?:(?:has|had|have|also|later|then|"
    rf"recently|publicly)\s)?(?P<verb>{_VERBS})\b"
)
_VERB_SUBJECT = re.compile(rf"[,\"”]\s?(?P<verb>{_VERBS})\s(?P<src>{_SOURCE})")
_PRONOUNS = {"he", "she", "they", "we", "i", "you", "it", "who", "which", "that", "this"}


def _fact(match: re.Match[str], base: int, group: int | str = 0, **extra: Any) -> dict[str, Any]:
    start, end = match.span(group)
    out: dict[str, Any] = {"start": base + start, "end": base + end, "text": match.group(group)}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def numbers(
    text: str, *, base: int = 0, exclude: list[tuple[int, int]] | None = None
) -> list[dict[str, Any]]:
    """Return the numbers and quantities in ``text`` with value, unit and currency where found.

    Args:
        text: the text to search.
        base: added to every offset.
        exclude: ``[start, end)`` ranges (in ``text``) to skip, such as the dates found.
    """
    skip = exclude or []
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_NUMBER, _WORDS):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in skip + taken):
                continue
            raw = match.group("num").lower().replace(",", "")
            value: float | None
            try:
                value = float(raw)
            except ValueError:
                value = _WORD_NUMBERS.get(raw)
            scale = (match.group("scale") or "").lower()
            if value is not None and scale:
                value *= _SCALES.get(scale, 1)
            unit = match.group("unit")
            currency = match.groupdict().get("cur")
            if (
                pattern is _WORDS
                and not (unit or scale)
                and raw not in ("hundreds", "thousands", "millions", "billions")
            ):
                continue  # "one" alone is rarely a quantity worth checking
            taken.append((start, end))
            found.append(
                _fact(
                    match,
                    base,
                    value=value,
                    unit=unit.lower() if unit else None,
                    currency=currency.strip() if currency else None,
                )
            )
    return sorted(found, key=lambda f: f["start"])


def iso_date(year: int | None, month: int | None, day: int | None) -> str | None:
    """Return ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (None if the parts make no date)."""
    if year is None:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _published(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(str(published)[:10])
    except ValueError:
        return None


def dates(text: str, *, base: int = 0, published: str | None = None) -> list[dict[str, Any]]:
    """Return the dates in ``text``, each with ``iso`` (ISO 8601, possibly partial) where known.

    A date without a year gets the year of ``published`` (an ISO date) when given; relative words
    ("yesterday") are resolved against it too, else their ``iso`` is left out.
    """
    anchor = _published(published)
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match[str], iso: str | None, group: int | str = 0) -> None:
        start, end = match.span(group)
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(_fact(match, base, group, iso=iso))

    for match in _ISO.finditer(text):
        add(match, iso_date(int(match["y"]), int(match["m"]), int(match["d"])))
    for pattern in (_MDY, _DMY):
        for match in pattern.finditer(text):
            month = _MONTHS[match["mon"].lower().rstrip(".")]
            year = int(match["y"]) if match["y"] else (anchor.year if anchor else None)
            day = int(match["d"])
            if not 1 <= day <= 31:
                continue
            add(match, iso_date(year, month, day) if year else f"--{month:02d}-{day:02d}")
    for match in _MY.finditer(text):
        add(match, iso_date(int(match["y"]), _MONTHS[match["mon"].lower().rstrip(".")], None))
    for match in _SLASH.finditer(text):
        add(match, None)  # 03/04/2021 is ambiguous between US and European order
    for match in _YEAR.finditer(text):
        add(match, match["y"], "y")
    for match in _RELATIVE.finditer(text):
        word = match["rel"].lower()
        iso = None
        if anchor is not None:
            shift = {"today": 0, "yesterday": -1, "tomorrow": 1}
            if word in shift:
                iso = (anchor + timedelta(days=shift[word])).isoformat()
            else:
                offset = {"last year": -1, "this year": 0, "next year": 1}[word]
                iso = f"{anchor.year + offset:04d}"
        add(match, iso)
    return sorted(found, key=lambda f: f["start"])


def _source_ok(source: str) -> bool:
    words = source.split()
    return (
        bool(words)
        and words[-1].lower() not in _PRONOUNS | {"the", "a", "an"}
        or (len(words) == 1 and words[0].lower() in {"he", "she", "they", "we", "i"})
    )


def attributions(text: str, *, base: int = 0) -> list[dict[str, Any]]:
    """Return who is said to say what: cue, ``source`` (with offsets) and ``verb``.

    Finds "according to X", "X said/wrote/claimed ..." and '..., said X'.
    """
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for match in _ACCORDING.finditer(text):
        source = match.group("src").strip()
        src_start = match.start("src")
        src_end = src_start + len(source)
        taken.append(match.span())
        found.append(
            {
                "start": base + match.start(),
                "end": base + src_end,
                "text": text[match.start() : src_end],
                "verb": "according to",
                "source": {"start": base + src_start, "end": base + src_end, "text": source},
            }
        )
    for pattern in (_VERB_SUBJECT, _SUBJECT_VERB):
        for match in pattern.finditer(text):
            start, end = match.span()
            if pattern is _VERB_SUBJECT:
                start += 1 + (text[start + 1] == " ")
            if any(s < end and start < e for s, e in taken):
                continue
            source = match.group("src")
            src_end = match.end("src")
            if source.endswith(".") and "." not in source.split()[-1][:-1]:
                source, src_end = source[:-1], src_end - 1  # a full stop, not "U.S."
                end = min(end, src_end) if pattern is _VERB_SUBJECT else end
            if not _source_ok(source):
                continue
            taken.append((start, end))
            found.append(
                {
                    "start": base + start,
                    "end": base + end,
                    "text": text[start:end],
                    "verb": match.group("verb").lower(),
                    "source": {
                        "start": base + match.start("src"),
                        "end": base + src_end,
                        "text": source,
                    },
                }
            )
    return sorted(found, key=lambda f: f["start"])


class ClaimsDetector:
    """Check-worthy claims: sentences the model scores at or above the card's threshold."""

    name = "claims"
    version = VERSION
    requires: tuple[str, ...] = ("sentences",)
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("claims",)

    def __init__(
        self, analysis: AnalysisEngine | None = None, *, threshold: float | None = None
    ) -> None:
        self.analysis = analysis or engine()
        self.threshold = self.analysis.threshold if threshold is None else float(threshold)

    def detect(self, doc: Document) -> Layer:
        published = doc.meta.get("published")
        spans: list[Span] = []
        for segment in self.analysis.analyze(doc):
            if segment.claim < self.threshold:
                continue
            text = doc.text[segment.start : segment.end]
            found_dates = dates(
                text, base=segment.start, published=str(published) if published else None
            )
            skip = [(d["start"] - segment.start, d["end"] - segment.start) for d in found_dates]
            spans.append(
                Span(
                    segment.start,
                    segment.end,
                    "claim",
                    round(segment.claim, 6),
                    {
                        "numbers": numbers(text, base=segment.start, exclude=skip),
                        "dates": found_dates,
                        "attribution": attributions(text, base=segment.start),
                    },
                )
            )
        return Layer(
            "claims",
            tuple(spans),
            producer=f"{self.name}@{self.version}",
            config={"model": self.analysis.producer, "threshold": self.threshold},
        )


@register(
    "claims",
    version=ClaimsDetector.version,
    requires=ClaimsDetector.requires,
    provides=ClaimsDetector.provides,
    description="check-worthy claims (MiniLM, CheckThat! 2024) with numbers, dates and attribution",
    model_files=MODEL_FILES,
)
def make_claims(*, threshold: float | None = None) -> ClaimsDetector:
    return ClaimsDetector(threshold=threshold)
