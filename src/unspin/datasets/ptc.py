"""The PTC corpus of SemEval-2020 Task 11: articles, span (SI) and technique (TC) labels.

The corpus folder holds ``train-articles/article<ID>.txt``, ``train-task-si.labels`` and
``train-task-flc-tc.labels`` (the official splits hold the same kinds of files). Files: SI lines
``article_id<TAB>start<TAB>end``; TC lines ``article_id<TAB>technique<TAB>start<TAB>end`` (a TC
template has ``?`` for the technique); offsets are code points into the article text as stored.
Stdlib only; the files stay in the data folder.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from unspin.errors import InvalidInput, SourceError
from unspin.taxonomy import TECHNIQUES

__all__ = [
    "SISpan",
    "TCSpan",
    "PtcCorpus",
    "read_si",
    "read_tc",
    "write_si",
    "write_tc",
    "read_articles",
    "read_ids",
    "find_corpus",
    "load_corpus",
    "split_ids",
    "line_sentences",
]


_ARTICLE_NAME = re.compile(r"^article(?P<id>[^.]+)\.txt$")


@dataclass(frozen=True, order=True)
class SISpan:
    """A span of an article, ``[start, end)`` in code points."""

    article_id: str
    start: int
    end: int


@dataclass(frozen=True, order=True)
class TCSpan:
    """A span with its technique (``?`` in a template)."""

    article_id: str
    start: int
    end: int
    technique: str


def _lines(path: Path) -> Iterable[tuple[int, list[str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield number, line.rstrip("\n").split("\t")


def _offsets(path: Path, number: int, start: str, end: str) -> tuple[int, int]:
    try:
        a, b = int(start), int(end)
    except ValueError:
        raise InvalidInput(
            f"{path}:{number}: offsets {start!r}, {end!r} are not integers"
        ) from None
    if a < 0 or b < a:
        raise InvalidInput(f"{path}:{number}: bad span [{a}, {b}): need 0 <= start <= end")
    return a, b


def read_si(path: str | Path) -> list[SISpan]:
    """Read an SI file (``article_id<TAB>start<TAB>end``).

    Raises:
        SourceError: the file cannot be read.
        InvalidInput: a line does not have three fields or integer offsets.
    """
    path = Path(path)
    spans = []
    for number, fields in _lines(path):
        if len(fields) != 3:
            raise InvalidInput(
                f"{path}:{number}: SI lines have 3 tab-separated fields, got {len(fields)}"
            )
        a, b = _offsets(path, number, fields[1], fields[2])
        spans.append(SISpan(fields[0].strip(), a, b))
    return spans


def read_tc(path: str | Path) -> list[TCSpan]:
    """Read a TC gold, prediction or template file (``article_id<TAB>technique<TAB>start<TAB>end``).

    Raises:
        SourceError: the file cannot be read.
        InvalidInput: a line does not have four fields or integer offsets.
    """
    path = Path(path)
    spans = []
    for number, fields in _lines(path):
        if len(fields) != 4:
            raise InvalidInput(
                f"{path}:{number}: TC lines have 4 tab-separated fields, got {len(fields)}"
            )
        a, b = _offsets(path, number, fields[2], fields[3])
        spans.append(TCSpan(fields[0].strip(), a, b, fields[1].strip()))
    return spans


def write_si(path: str | Path, spans: Iterable[SISpan]) -> None:
    """Write spans as an SI file, sorted by article and offset."""
    lines = [f"{s.article_id}\t{s.start}\t{s.end}\n" for s in sorted(spans)]
    Path(path).write_text("".join(lines), encoding="utf-8")


def write_tc(path: str | Path, spans: Iterable[TCSpan]) -> None:
    """Write labelled spans as a TC file, in the order given (templates keep their order)."""
    lines = [f"{s.article_id}\t{s.technique}\t{s.start}\t{s.end}\n" for s in spans]
    Path(path).write_text("".join(lines), encoding="utf-8")


def read_articles(directory: str | Path, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Read ``article<ID>.txt`` files of a folder: id -> text (offsets index this text).

    Args:
        directory: the folder.
        ids: read only these article ids.

    Raises:
        SourceError: the folder has no article files, or an asked-for id is missing.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise SourceError(f"{folder} is not a folder of article<ID>.txt files")
    wanted = set(ids) if ids is not None else None
    articles: dict[str, str] = {}
    for path in sorted(folder.iterdir()):
        match = _ARTICLE_NAME.match(path.name)
        if match is None or (wanted is not None and match["id"] not in wanted):
            continue
        # newline="" keeps the text exactly as stored, so offsets index it unchanged
        with path.open(encoding="utf-8", newline="") as handle:
            articles[match["id"]] = handle.read()
    if not articles:
        raise SourceError(f"{folder} has no article<ID>.txt files")
    if wanted is not None and (missing := wanted - set(articles)):
        raise SourceError(f"{folder} lacks articles {', '.join(sorted(missing)[:5])}")
    return articles


def read_ids(path: str | Path) -> list[str]:
    """Read article ids, one a line (blank lines and ``#`` comments skipped).

    Raises:
        SourceError: the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class PtcCorpus:
    articles: dict[str, str]
    si: list[SISpan]
    tc: list[TCSpan]


def find_corpus(data: str | Path) -> Path:
    """Return the PTC folder: ``data`` itself or ``data/ptc-semeval2020``.

    Raises:
        SourceError: neither holds ``train-articles/``.
    """
    root = Path(data)
    for candidate in (root / "ptc-semeval2020", root):
        if (candidate / "train-articles").is_dir():
            return candidate
    raise SourceError(
        f"{root} holds no PTC corpus (train-articles/ or ptc-semeval2020/train-articles/)"
    )


def load_corpus(data: str | Path) -> PtcCorpus:
    """Read the training articles with their SI and TC gold spans.

    Raises:
        SourceError: a file is missing.
        InvalidInput: a technique is not one of the 14 PTC classes.
    """
    folder = find_corpus(data)
    articles = read_articles(folder / "train-articles")
    si = read_si(folder / "train-task-si.labels")
    tc = read_tc(folder / "train-task-flc-tc.labels")
    for span in tc:
        if span.technique not in TECHNIQUES:
            raise InvalidInput(
                f"unknown technique {span.technique!r}; known: {', '.join(TECHNIQUES)}"
            )
    return PtcCorpus(articles, si, tc)


def split_ids(
    ids: list[str], *, fraction: float = 0.15, seed: int = 13
) -> tuple[list[str], list[str]]:
    """Split article ids into (train, validation), by article, reproducibly."""
    ordered = sorted(ids)
    random.Random(seed).shuffle(ordered)
    n_val = max(1, round(len(ordered) * fraction))
    return sorted(ordered[n_val:]), sorted(ordered[:n_val])


def line_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of a one-sentence-per-line article: ``[start, end)`` of each non-blank line."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            out.append((start, start + len(stripped)))
        pos += len(line) + 1
    return out
