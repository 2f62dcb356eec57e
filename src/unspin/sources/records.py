"""JSONL and CSV records: one article a line or row, with ``id``, exactly one of ``text`` /
``html`` / ``url``, and optional metadata and stance targets.

A bad record becomes a ``Failure`` naming ``path:line``, so the rest of the batch goes on.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from unspin.document import Document
from unspin.errors import Failure, InvalidInput, SourceError, UnspinError
from unspin.sources.decode import MAX_BYTES, require_text
from unspin.sources.fetch import FetchOptions, url_document
from unspin.sources.html import from_html, published_date

__all__ = ["Item", "from_record"]

Item = Document | Failure
"""What a batch yields per item: the document, or why it could not be read."""


_FIELDS = ("id", "text", "html", "url", "title", "author", "source", "published", "language")


def read_jsonl(lines: Iterable[bytes], name: str, options: FetchOptions) -> Iterator[Item]:
    """Yield a document or a failure per non-blank line of a JSONL input called ``name``."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"{where}: not UTF-8 (byte {exc.start})") from None
            try:
                record = json.loads(line.rstrip())
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"{where}: not valid JSON: {exc.msg} at column {exc.colno}"
                ) from None
            yield from_record(
                record, name=where, allow_private=options.allow_private, timeout=options.timeout
            )
        except UnspinError as exc:
            yield Failure(where, exc)


def read_csv(path: Path, name: str, options: FetchOptions) -> Iterator[Item]:
    """Yield a document or a failure per row of a CSV file with a header row."""
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))
    try:
        handle = path.open("r", encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SourceError(f"{name}: cannot open: {exc.strerror or exc}") from None
    with handle:
        reader = csv.DictReader(handle)
        try:
            columns = reader.fieldnames or []
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{name}: not UTF-8 (byte {exc.start}); save the CSV as UTF-8"
            ) from None
        if not {"text", "html", "url"}.intersection(columns):
            raise InvalidInput(
                f"{name}: CSV needs a 'text', 'html' or 'url' column; "
                f"found {', '.join(columns) or 'none'}"
            )
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"{name}: not UTF-8 after line {reader.line_num}") from exc
            except csv.Error as exc:
                raise InvalidInput(f"{name}:{reader.line_num}: malformed CSV: {exc}") from None
            where = f"{name}:{reader.line_num}"
            record: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
            if None in row:
                yield Failure(where, InvalidInput(f"{where}: more cells than columns"))
                continue
            try:
                if "targets" in record:
                    try:
                        record["targets"] = json.loads(record["targets"])
                    except json.JSONDecodeError:
                        raise InvalidInput(
                            f'{where}: targets must be JSON like [{{"start": 0, "end": 5}}]'
                        ) from None
                yield from_record(
                    record, name=where, allow_private=options.allow_private, timeout=options.timeout
                )
            except UnspinError as exc:
                yield Failure(where, exc)


def from_record(
    record: Any,
    *,
    name: str = "<record>",
    allow_private: bool = False,
    timeout: float = 10.0,
) -> Document:
    """Build a document from one JSONL/CSV record.

    Args:
        record: a mapping with ``id`` and exactly one of ``text``, ``html`` or ``url``; optional
            ``title``, ``author``, ``source``, ``published`` (ISO 8601), ``language`` and
            ``targets`` (a list of ``{"start", "end"}`` offsets into the text).
        name: the input to name in errors (``path:line``).
        allow_private, timeout: as for ``read``, when the record has a ``url``.

    Returns:
        The document, whose id is the record's ``id`` when it has one.

    Raises:
        InvalidInput: the record is malformed.
        SourceError: its HTML has no article text or its URL cannot be fetched.
    """
    if not isinstance(record, Mapping):
        raise InvalidInput(f"{name}: a record must be a JSON object, got {type(record).__name__}")
    # an empty "text" counts as given, so that it is reported as empty rather than missing
    kinds = [key for key in ("text", "html", "url") if record.get(key) is not None]
    if len(kinds) != 1:
        found = ", ".join(kinds) if kinds else "none"
        raise InvalidInput(f"{name}: needs exactly one of 'text', 'html' or 'url'; found {found}")
    kind = kinds[0]
    for key in _FIELDS:
        value = record.get(key)
        if (
            value is not None
            and not isinstance(value, str)
            and not (key == "id" and isinstance(value, int))
        ):
            raise InvalidInput(f"{name}: {key!r} must be a string, got {type(value).__name__}")
    meta: dict[str, Any] = {}
    for key in ("title", "author", "source", "language"):
        if record.get(key):
            meta[key] = record[key]
    if record.get("published"):
        meta["published"] = published_date(record["published"], name, strict=True)
    if kind == "text":
        require_text(record["text"], name)
        doc = Document(record["text"], meta=meta)
    elif kind == "html":
        doc = from_html(record["html"], name=name, meta=meta)
    else:
        options = FetchOptions(allow_private=allow_private, timeout=timeout)
        doc = url_document(record["url"], options, meta=meta, name=name)
    meta = dict(doc.meta)
    if "targets" in record and record["targets"] is not None:
        meta["targets"] = _targets(record["targets"], len(doc.text), name)
    record_id = record.get("id")
    return Document(doc.text, meta=meta, id=str(record_id) if record_id not in (None, "") else "")


def _targets(value: Any, size: int, name: str) -> list[dict[str, int]]:
    if not isinstance(value, list):
        raise InvalidInput(f"{name}: targets must be a list of {{start, end}} objects")
    out: list[dict[str, int]] = []
    for target in value:
        if not isinstance(target, Mapping) or not all(
            isinstance(target.get(k), int) and not isinstance(target.get(k), bool)
            for k in ("start", "end")
        ):
            raise InvalidInput(
                f"{name}: each target needs integer 'start' and 'end', got {target!r}"
            )
        start, end = target["start"], target["end"]
        if not 0 <= start <= end <= size:
            raise InvalidInput(
                f"{name}: target [{start}, {end}) is outside the text (0..{size} code points)"
            )
        out.append({"start": start, "end": end})
    return out
