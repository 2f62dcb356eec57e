"""Read fact-check records: schema.org ClaimReview (JSON-LD objects or lists, ``@graph``, the
``DataFeed`` shape, and ``<script type="application/ld+json">`` in HTML pages), the Google Fact
Check Tools ``claims`` shape, CheckThat!-style vclaims JSONL, and CSV.

Every reader yields :class:`~unspin.store.factchecks.FactCheck` values and, for a record that
cannot be used, a :class:`~unspin.errors.Failure` naming ``file:line`` (JSONL, CSV) or
``file#n`` (the n-th record of a JSON or HTML file) with a one-line reason; the others go on.

Example:
    >>> items = list(read_factchecks(["feed.json"]))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from unspin.errors import Failure, InvalidInput, SourceError
from unspin.store.factchecks import FactCheck

__all__ = [
    "SUFFIXES",
    "read_factchecks",
    "read_file",
    "from_json",
    "from_html",
    "from_csv",
    "canonical_url",
    "content_key",
    "iso_date",
]

SUFFIXES = {
    ".json": "json",
    ".jsonld": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
    ".tsv": "tsv",
}
_MAX_BYTES = 2_000_000_000
_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|amp)$", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»„"
_MONTH_FORMATS = ("%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%B %d %Y", "%Y/%m/%d")
_LD_SCRIPT = re.compile(
    r"<script\b[^>]*\btype\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>",
    re.IGNORECASE | re.DOTALL,
)

# column names (case-insensitive) each field may have in CSV, CheckThat! JSONL and plain objects
_ALIASES: dict[str, tuple[str, ...]] = {
    "claim": ("claim", "claimreviewed", "claim_reviewed", "vclaim", "text", "statement"),
    "rating": (
        "rating",
        "textualrating",
        "textual_rating",
        "verdict",
        "truth_label",
        "label",
        "alternatename",
    ),
    "reviewer": ("reviewer", "publisher", "fact_checker", "factchecker", "site", "author"),
    "url": ("url", "review_url", "page_url", "link"),
    "published": (
        "published",
        "datepublished",
        "date_published",
        "reviewdate",
        "review_date",
        "date",
    ),
    "claimant": ("claimant", "speaker", "claimed_by"),
    "claim_date": ("claim_date", "claimdate"),
    "language": ("language", "languagecode", "inlanguage", "lang"),
    "title": ("title", "headline"),
    "id": ("vclaim_id", "id", "identifier"),
}


# -- entry points ------------------------------------------------------------------------------
def read_factchecks(paths: Iterable[str | Path]) -> Iterator[FactCheck | Failure]:
    """Read every file (a folder: every file inside with a known suffix, in sorted order).

    Args:
        paths: files or folders; ``-`` reads standard input (JSON, JSONL or HTML, sniffed).

    Yields:
        Fact-checks and failures, in file order.
    """
    for path in paths:
        if str(path) == "-":
            data = sys.stdin.buffer.read()
            yield from _read_bytes(data, "-", _sniff(data))
            continue
        path = Path(path)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
            )
            if not files:
                yield Failure(str(path), SourceError(f"{path}: no fact-check files inside"))
            for file in files:
                yield from read_file(file)
        else:
            yield from read_file(path)


def read_file(path: Path | str) -> Iterator[FactCheck | Failure]:
    """Read one file; its suffix says the format (``.json``, ``.jsonl``, ``.html``, ``.csv``...).

    A file that cannot be read at all is one failure.
    """
    path = Path(path)
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(SUFFIXES))
        yield Failure(str(path), InvalidInput(f"unknown fact-check file type; known: {known}"))
        return
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise SourceError(f"{path}: larger than {_MAX_BYTES // 1_000_000} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        yield Failure(str(path), SourceError("no such file"))
        return
    except OSError as exc:
        yield Failure(str(path), SourceError(f"cannot read: {exc.strerror or exc}"))
        return
    except SourceError as exc:
        yield Failure(str(path), exc)
        return
    yield from _read_bytes(data, str(path), kind)


def _sniff(data: bytes) -> str:
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<!doctype", b"<html", b"<")):
        return "html"
    if head.startswith(b"["):
        return "json"
    first = data.lstrip().split(b"\n", 1)[0]
    try:
        json.loads(first)
        return "jsonl" if b"\n" in data.strip() else "json"
    except ValueError:
        return "json"


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{name}: not UTF-8 (byte {exc.start})") from None


def _read_bytes(data: bytes, name: str, kind: str) -> Iterator[FactCheck | Failure]:
    try:
        content = _decode(data, name)
    except SourceError as exc:
        yield Failure(name, exc)
        return
    if kind == "json":
        try:
            value = json.loads(content)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            yield Failure(name, InvalidInput(f"not valid JSON: {exc.msg} ({where})"))
            return
        yield from from_json(value, name)
    elif kind == "jsonl":
        yield from _from_jsonl(content, name)
    elif kind == "html":
        yield from from_html(content, name)
    else:
        yield from from_csv(content, name, delimiter="\t" if kind == "tsv" else ",")


def _from_jsonl(content: str, name: str) -> Iterator[FactCheck | Failure]:
    for number, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(where, InvalidInput(f"not valid JSON: {exc.msg}"))
            continue
        found = list(from_json(value, where, numbered=False))
        if not found:
            kinds = sorted(_types(value)) if isinstance(value, Mapping) else []
            what = f"a {'/'.join(kinds)}, not a ClaimReview" if kinds else "no fact-check"
            yield Failure(where, InvalidInput(f"{what} in this line"))
        yield from found


def from_json(value: Any, name: str, *, numbered: bool = True) -> Iterator[FactCheck | Failure]:
    """Yield the fact-checks in a parsed JSON value: a ClaimReview, a list or ``@graph`` of them,
    a ``DataFeed``, a Fact Check Tools ``claims`` response, or a plain record (CheckThat!).

    Args:
        value: the parsed JSON.
        name: where it came from, for ``origin`` and failures.
        numbered: add ``#n`` (the record's place) to the name of each record.
    """
    count = 0
    for record in _records(value):
        count += 1
        where = f"{name}#{count}" if numbered else name
        try:
            yield from _convert(record, where)
        except InvalidInput as exc:
            yield Failure(where, exc)
    if count == 0 and numbered:
        yield Failure(name, InvalidInput("no ClaimReview or fact-check record found"))


def from_html(content: str, name: str) -> Iterator[FactCheck | Failure]:
    """Yield the ClaimReviews in a page's ``<script type="application/ld+json">`` blocks."""
    found = 0
    for block_number, match in enumerate(_LD_SCRIPT.finditer(content), 1):
        raw = match.group(1).strip()
        if raw.startswith("<!--"):
            raw = raw.removeprefix("<!--").removesuffix("-->").strip()
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield Failure(f"{name}#ld{block_number}", InvalidInput(f"not valid JSON-LD: {exc.msg}"))
            continue
        for record in _records(value):
            if not _is_claim_review(record):
                continue
            found += 1
            where = f"{name}#{found}"
            try:
                yield from _convert(record, where)
            except InvalidInput as exc:
                yield Failure(where, exc)
    if found == 0:
        yield Failure(name, InvalidInput("no ClaimReview in the page's JSON-LD"))


def from_csv(content: str, name: str, *, delimiter: str = ",") -> Iterator[FactCheck | Failure]:
    """Yield a fact-check per CSV row (a header row names the columns; see ``_ALIASES``)."""
    csv.field_size_limit(sys.maxsize)
    reader = csv.DictReader(io.StringIO(content), delimiter=delimiter)
    if not reader.fieldnames:
        yield Failure(name, InvalidInput("empty CSV: no header row"))
        return
    columns = {_key(c) for c in reader.fieldnames if c}
    if not columns & set(_ALIASES["claim"]):
        yield Failure(
            name,
            InvalidInput(f"no claim column; name one of: {', '.join(_ALIASES['claim'])}"),
        )
        return
    try:
        for row in reader:
            where = f"{name}:{reader.line_num}"
            if not any((v or "").strip() for k, v in row.items() if k):
                continue
            try:
                yield _from_plain({k: v for k, v in row.items() if k}, where)
            except InvalidInput as exc:
                yield Failure(where, exc)
    except csv.Error as exc:
        yield Failure(f"{name}:{reader.line_num}", InvalidInput(f"bad CSV: {exc}"))


# -- finding records ---------------------------------------------------------------------------
def _types(record: Mapping[str, Any]) -> set[str]:
    kind = record.get("@type", ())
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds if k}


def _is_claim_review(record: Any) -> bool:
    return isinstance(record, Mapping) and "ClaimReview" in _types(record)


def _records(value: Any) -> Iterator[Mapping[str, Any]]:
    """Yield the records inside a JSON value, depth first, without descending into a record."""
    if isinstance(value, list):
        for item in value:
            yield from _records(item)
        return
    if not isinstance(value, Mapping):
        return
    if "@graph" in value:
        yield from _records(value["@graph"])
        return
    kinds = _types(value)
    if "DataFeed" in kinds or "dataFeedElement" in value:
        yield from _records(value.get("dataFeedElement", []))
        return
    if "DataFeedItem" in kinds:
        yield from _records(value.get("item", []))
        return
    if "claims" in value and isinstance(value["claims"], list) and "@type" not in value:
        yield from _records(value["claims"])
        return
    if "ClaimReview" in kinds or "@type" not in value or "claimReview" in value:
        yield value
        return
    # another schema.org object (an Article with a review inside, a WebPage...)
    for key in ("review", "mainEntity", "hasPart"):
        if key in value:
            yield from _records(value[key])


# -- converting ---------------------------------------------------------------------------------
def _convert(record: Mapping[str, Any], where: str) -> Iterator[FactCheck]:
    if _is_claim_review(record):
        yield _from_claim_review(record, where)
    elif isinstance(record.get("claimReview"), list):
        reviews = record["claimReview"]
        if not reviews:
            raise InvalidInput("claim has an empty claimReview list")
        for review in reviews:
            if not isinstance(review, Mapping):
                raise InvalidInput("claimReview holds something other than objects")
            yield _from_api(record, review, where)
    elif "@type" in record:
        raise InvalidInput(f"a {'/'.join(sorted(_types(record)))}, not a ClaimReview")
    else:
        yield _from_plain(record, where)


def _text(value: Any) -> str:
    """Return a JSON-LD value as one line of text (first of a list, ``name`` of an object)."""
    if isinstance(value, list):
        for item in value:
            found = _text(item)
            if found:
                return found
        return ""
    if isinstance(value, Mapping):
        for key in ("name", "alternateName", "@value", "text", "headline"):
            if key in value:
                return _text(value[key])
        return ""
    if value is None or isinstance(value, bool):
        return ""
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _from_claim_review(review: Mapping[str, Any], where: str) -> FactCheck:
    item = review.get("itemReviewed")
    item = item[0] if isinstance(item, list) and item else item
    item = item if isinstance(item, Mapping) else {}
    rating = review.get("reviewRating")
    rating = rating[0] if isinstance(rating, list) and rating else rating
    verdict = ""
    if isinstance(rating, Mapping):
        verdict = _text(rating.get("alternateName")) or _text(rating.get("name"))
        if not verdict and rating.get("ratingValue") not in (None, ""):
            best = rating.get("bestRating")
            verdict = (
                f"{_text(rating['ratingValue'])}/{_text(best)}"
                if best
                else _text(rating["ratingValue"])
            )
    elif isinstance(rating, str):
        verdict = _text(rating)
    claimant = _text(item.get("author"))
    claim_date = item.get("datePublished")
    appearance = item.get("appearance") or item.get("firstAppearance")
    if not claimant and isinstance(appearance, Mapping | list):
        first = appearance[0] if isinstance(appearance, list) and appearance else appearance
        if isinstance(first, Mapping):
            claimant = _text(first.get("author"))
            claim_date = claim_date or first.get("datePublished")
    return _build(
        where,
        record=review,
        claim=_text(review.get("claimReviewed")) or _text(item.get("name")),
        rating=verdict,
        reviewer=_text(review.get("author")) or _text(review.get("publisher")),
        url=_text(review.get("url")) or _text(review.get("@id")),
        published=review.get("datePublished") or review.get("dateCreated"),
        claimant=claimant,
        claim_date=claim_date,
        language=_text(review.get("inLanguage")),
        title=_text(review.get("headline")) or _text(review.get("name")),
    )


def _from_api(claim: Mapping[str, Any], review: Mapping[str, Any], where: str) -> FactCheck:
    publisher = review.get("publisher")
    return _build(
        where,
        record={**{k: v for k, v in claim.items() if k != "claimReview"}, "claimReview": [review]},
        claim=_text(claim.get("text")),
        rating=_text(review.get("textualRating")),
        reviewer=_text(publisher)
        or (_text(publisher.get("site")) if isinstance(publisher, Mapping) else ""),
        url=_text(review.get("url")),
        published=review.get("reviewDate"),
        claimant=_text(claim.get("claimant")),
        claim_date=claim.get("claimDate"),
        language=_text(review.get("languageCode")),
        title=_text(review.get("title")),
    )


def _key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower()).replace("_", "") if name else ""


def _pick(record: Mapping[str, Any], field: str) -> Any:
    keys = {_key(k): k for k in record}
    for alias in _ALIASES[field]:
        key = keys.get(alias.replace("_", ""))
        if key is not None and record[key] not in (None, ""):
            return record[key]
    return None


def _from_plain(record: Mapping[str, Any], where: str) -> FactCheck:
    """A flat record: a CSV row or a CheckThat! vclaim (``vclaim_id``, ``vclaim``, ``title``,
    ``date``, ``page_url`` / ``url``, ``truth_label``, ``speaker``)."""
    published = _pick(record, "published")
    claim_date = _pick(record, "claim_date")
    return _build(
        where,
        record=record,
        claim=_text(_pick(record, "claim")),
        rating=_text(_pick(record, "rating")),
        reviewer=_text(_pick(record, "reviewer")),
        url=_text(_pick(record, "url")),
        published=published,
        claimant=_text(_pick(record, "claimant")),
        claim_date=claim_date,
        language=_text(_pick(record, "language")),
        title=_text(_pick(record, "title")),
        given_id=_text(_pick(record, "id")),
    )


def _build(
    where: str, *, record: Mapping[str, Any], given_id: str = "", **fields: Any
) -> FactCheck:
    claim = str(fields["claim"]).strip()
    if not claim:
        raise InvalidInput("no claim text (claimReviewed)")
    if len(claim) > 5000:
        raise InvalidInput(f"claim text of {len(claim)} characters; at most 5000")
    url = str(fields["url"])
    canonical = canonical_url(url) if url else ""
    if url and not canonical and not given_id:
        raise InvalidInput(f"url {url[:200]!r} is not an http(s) address")
    published = iso_date(fields["published"], strict=False)
    key = content_key(
        claim, fields["reviewer"], fields["rating"], fields["claimant"], published or ""
    )
    if canonical:
        check_id = "fc-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
    elif given_id:
        check_id = given_id[:200]
    else:
        check_id = "fc-" + hashlib.sha256(("content\n" + key).encode()).hexdigest()[:16]
    return FactCheck(
        id=check_id,
        claim=claim,
        rating=str(fields["rating"])[:200],
        reviewer=str(fields["reviewer"])[:200],
        url=url if canonical or given_id else "",
        published=published,
        claimant=str(fields["claimant"])[:500],
        claim_date=iso_date(fields["claim_date"], strict=False),
        language=str(fields["language"])[:35],
        title=str(fields["title"])[:1000],
        content_key=key,
        origin=where,
        record=_jsonable(record),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# -- normalising ---------------------------------------------------------------------------------
def canonical_url(url: str) -> str:
    """Return the form of a review URL that two copies of it share ("" if not http(s)).

    The scheme becomes https, the host loses ``www.`` and case, the fragment, tracking
    parameters (``utm_*``, ``fbclid``...) and a trailing ``/`` go.

    Example:
        >>> canonical_url("http://WWW.Example.org/fact-check/x/?utm_source=feed#top")
        'https://example.org/fact-check/x'
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        )
    )
    path = parts.path.rstrip("/") or ""
    return urlunsplit(("https", host, path, query, ""))


def content_key(
    claim: str, reviewer: str = "", rating: str = "", claimant: str = "", published: str = ""
) -> str:
    """Return the normalised content two copies of one review share: the claim without its
    wrapping quotes, the reviewer, the verdict, the claimant and the review date, case and
    punctuation folded."""

    def fold(value: str) -> str:
        value = unicodedata.normalize("NFKC", value).casefold()
        return " ".join(re.findall(r"\w+", value))

    return "\x1f".join(
        (
            fold(claim.strip().strip(_QUOTES)),
            fold(_reviewer_name(reviewer)),
            fold(rating),
            fold(claimant),
            published,
        )
    )


def _reviewer_name(name: str) -> str:
    """Fold the spellings one fact-checker goes by ("The Washington Post", "Snopes.com")."""
    name = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"\.(com|org|net)$", "", name, flags=re.IGNORECASE)


def iso_date(value: Any, *, strict: bool = True) -> str | None:
    """Return a date as ``YYYY-MM-DD`` from ISO 8601 (with or without a time) or an English
    long form ("30 January 2019", "October 22, 2019").

    Args:
        value: the date as found (None and "" give None).
        strict: raise on a value that is not a date; False returns None instead.

    Raises:
        InvalidInput: (strict) the value is not a date.
    """
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    raw = _text(value)
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})", raw)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", raw).strip(" .:")
        for fmt in _MONTH_FORMATS:
            try:
                return datetime.strptime(cleaned, fmt).date().isoformat()
            except ValueError:
                continue
    except ValueError:
        pass
    if strict:
        raise InvalidInput(f"date {raw[:50]!r} is not ISO 8601 or 'D Month YYYY'")
    return None
