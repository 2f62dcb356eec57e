"""Readers for the CheckThat! claim-retrieval formats (Task 2 "detecting previously fact-checked
claims"): queries TSV, vclaims JSONL and TREC qrels.

Stdlib only; shared by the evaluation (``unspin eval claim-retrieval``) and the training of the
retrieval model.
"""

from __future__ import annotations

import csv
import json
import lzma
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.errors import InvalidInput, SourceError

__all__ = ["Query", "VClaim", "read_queries", "read_vclaims", "read_qrels", "read_texts"]


@dataclass(frozen=True)
class Query:
    """An input claim: a tweet or a debate sentence."""

    id: str
    text: str

    @property
    def group(self) -> str:
        """The unit that leaks between folds: the debate of a 2B sentence (``<debate>_<line>``),
        else the query itself."""
        head, sep, tail = self.id.rpartition("_")
        return head if sep and tail.isdigit() else self.id


@dataclass(frozen=True)
class VClaim:
    """A verified claim (a fact-check) with every text field its record had."""

    id: str
    claim: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def text(self, names: tuple[str, ...] = ("vclaim", "title")) -> str:
        """Return the named fields joined by `` . `` (missing or empty ones left out)."""
        parts = []
        for name in names:
            value = self.claim if name == "vclaim" else self.fields.get(name, "")
            value = " ".join(str(value).split())
            if value and value not in parts:
                parts.append(value)
        return " . ".join(parts)


def _open(path: Path | str) -> Iterator[str]:
    path = Path(path)
    try:
        opener: Any = lzma.open if path.suffix == ".xz" else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            yield from handle
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, lzma.LZMAError) as exc:
        raise SourceError(f"{path}: cannot read: {exc}") from None


def read_queries(path: Path | str) -> list[Query]:
    """Read ``id<TAB>text`` lines (no header, no quoting); repeated ids keep their first text.

    Raises:
        SourceError: the file cannot be read.
        InvalidInput: a line has no tab, or an id is empty.
    """
    csv.field_size_limit(sys.maxsize)
    seen: dict[str, Query] = {}
    for number, row in enumerate(csv.reader(_open(path), delimiter="\t", quoting=csv.QUOTE_NONE)):
        if not row or not "".join(row).strip():
            continue
        if len(row) < 2 or not row[0].strip():
            raise InvalidInput(f"{path}:{number + 1}: expected 'id<TAB>text'")
        qid = row[0].strip()
        if qid not in seen:
            seen[qid] = Query(qid, "\t".join(row[1:]).strip())
    return list(seen.values())


def read_vclaims(path: Path | str) -> list[VClaim]:
    """Read vclaims JSONL: ``vclaim_id`` and ``vclaim`` plus any other text fields.

    Raises:
        SourceError: the file cannot be read.
        InvalidInput: a line is not a JSON object with a ``vclaim_id`` and a ``vclaim``.
    """
    out: list[VClaim] = []
    for number, line in enumerate(_open(path), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{path}:{number}: not valid JSON: {exc.msg}") from None
        if not isinstance(record, dict) or not record.get("vclaim_id") or "vclaim" not in record:
            raise InvalidInput(f"{path}:{number}: expected an object with vclaim_id and vclaim")
        fields = {
            str(k): str(v)
            for k, v in record.items()
            if k not in ("vclaim_id", "vclaim") and isinstance(v, str | int | float)
        }
        out.append(VClaim(str(record["vclaim_id"]), str(record["vclaim"] or ""), fields))
    return out


def read_texts(path: Path | str) -> dict[str, str]:
    """Read ``{"vclaim_id", "text"}`` lines (the 2B article bodies; ``.xz`` is decompressed)."""
    out: dict[str, str] = {}
    for number, line in enumerate(_open(path), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            out[str(record["vclaim_id"])] = str(record.get("text") or "")
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InvalidInput(
                f"{path}:{number}: expected an object with vclaim_id and text"
            ) from None
    return out


def read_qrels(path: Path | str) -> dict[str, set[str]]:
    """Read TREC qrels ``qid 0 docid rel`` (tab or space separated); keep rel > 0.

    Returns:
        query id -> the relevant vclaim ids (a repeated line counts once).

    Raises:
        SourceError: the file cannot be read.
        InvalidInput: a line does not have four fields or its relevance is not a number.
    """
    out: dict[str, set[str]] = {}
    for number, line in enumerate(_open(path), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise InvalidInput(f"{path}:{number}: expected 'qid 0 docid relevance'")
        try:
            relevance = float(parts[3])
        except ValueError:
            raise InvalidInput(f"{path}:{number}: relevance {parts[3]!r} is not a number") from None
        out.setdefault(parts[0], set())
        if relevance > 0:
            out[parts[0]].add(parts[2])
    return out
