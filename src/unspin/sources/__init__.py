"""Turn what people have (files, stdin, HTML pages, URLs, JSONL, CSV, folders) into Documents.

``read(input)`` yields Documents and raises on the first bad item. ``read_items(input)`` is the
batch form: it yields a ``Document`` or a ``Failure`` per item, so one broken JSONL line does not
stop the rest. Meta keys: ``title``, ``author``, ``published`` (ISO 8601 date), ``source`` (path or
URL), ``language``, ``encoding``, ``targets``.

A module per kind of source:

- :mod:`~unspin.sources.decode`: bytes to text (encodings, binary input refused).
- :mod:`~unspin.sources.html`: the article out of an HTML page (trafilatura).
- :mod:`~unspin.sources.records`: JSONL and CSV records.
- :mod:`~unspin.sources.fetch`: the safe HTTP fetcher for URLs.

This module reads paths, folders and stdin and hands each input to the right one.

Example:
    >>> from unspin.sources import read
    >>> docs = list(read("examples/"))  # doctest: +SKIP
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

from unspin.document import Document
from unspin.errors import Failure, SourceError, UnspinError
from unspin.sources.decode import MAX_BYTES, sniff, text_document
from unspin.sources.fetch import FetchOptions, url_document
from unspin.sources.html import from_html
from unspin.sources.records import Item, read_csv, read_jsonl

__all__ = ["read", "read_items", "is_batch", "SUFFIXES"]


# File suffix -> how it is read. Folders take only these; other named files are sniffed.
SUFFIXES: Mapping[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
}


_STDIN = "<stdin>"


def read(
    input: str,
    *,
    allow_private: bool = False,
    timeout: float = 10.0,
    stdin: IO[bytes] | None = None,
) -> Iterator[Document]:
    """Yield the documents in ``input``, raising at the first one that cannot be read.

    Args:
        input: a path to a text, HTML, JSONL or CSV file, a folder, ``-`` for stdin, or an
            http(s) URL.
        allow_private: fetch URLs that resolve to private, loopback or link-local addresses.
        timeout: seconds to wait to connect and for each read from a URL.
        stdin: the byte stream to read for ``-`` (default ``sys.stdin.buffer``).

    Returns:
        An iterator of documents, one per article, read lazily.

    Raises:
        SourceError: a path is missing, a URL is refused or unreachable, or a page has no text.
        InvalidInput: binary input, undecodable bytes, empty text or a malformed record.
    """
    for item in read_items(input, allow_private=allow_private, timeout=timeout, stdin=stdin):
        if isinstance(item, Failure):
            raise item.error
        yield item


def read_items(
    input: str,
    *,
    allow_private: bool = False,
    timeout: float = 10.0,
    stdin: IO[bytes] | None = None,
) -> Iterator[Item]:
    """Yield a ``Document`` or a ``Failure`` for each item in ``input``; never raise for bad data.

    Args: as for ``read``.

    Returns:
        An iterator of ``Document`` and ``Failure`` values in input order. A failure's ``input``
        names the file, URL or ``path:line`` of the bad item.

    Example:
        >>> for item in read_items("batch.jsonl"):  # doctest: +SKIP
        ...     print(item if isinstance(item, Failure) else item.id)
    """
    options = FetchOptions(allow_private=allow_private, timeout=timeout)
    name = _STDIN if input == "-" else input
    try:
        yield from _dispatch(input, options, stdin)
    except UnspinError as exc:
        yield Failure(name, exc)


def is_batch(input: str) -> bool:
    """Tell whether an input may hold several documents: stdin, a folder, JSONL or CSV.

    Args:
        input: what :func:`read` would be given.
    """
    if input == "-":
        return True
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", input):
        return False
    path = Path(input)
    return path.is_dir() or SUFFIXES.get(path.suffix.lower()) in ("jsonl", "csv")


def _dispatch(input: str, options: FetchOptions, stdin: IO[bytes] | None) -> Iterator[Item]:
    if input == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _read_stream(stream, options)
        return
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", input):
        yield url_document(input, options, meta={})
        return
    path = Path(input)
    if not path.exists():
        raise SourceError(f"{input}: no such file or folder")
    if path.is_dir():
        yield from _read_folder(path, input, options)
        return
    kind = SUFFIXES.get(path.suffix.lower())
    if kind == "jsonl":
        with _open(path, input) as handle:
            yield from read_jsonl(handle, input, options)
        return
    if kind == "csv":
        yield from read_csv(path, input, options)
        return
    data = _read_file(path, input)
    if kind is None:
        kind = sniff(data)
        if kind == "jsonl":
            yield from read_jsonl(io.BytesIO(data), input, options)
            return
    meta = {"source": str(path)}
    if kind == "html":
        yield from_html(data, name=input, meta=meta)
    else:
        yield text_document(data, name=input, meta=meta)


def _open(path: Path, name: str) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise SourceError(f"{name}: cannot open: {exc.strerror or exc}") from None


def _read_file(path: Path, name: str) -> bytes:
    with _open(path, name) as handle:
        try:
            data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise SourceError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise SourceError(
            f"{name}: larger than {MAX_BYTES // (1024 * 1024)} MB; split it or use JSONL"
        )
    return data


def _read_folder(root: Path, name: str, options: FetchOptions) -> Iterator[Item]:
    files = sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    )
    if not files:
        raise SourceError(f"{name}: folder has no supported files ({', '.join(sorted(SUFFIXES))})")
    for path in files:
        yield from read_items(
            str(path), allow_private=options.allow_private, timeout=options.timeout
        )


def _read_stream(stream: IO[bytes], options: FetchOptions) -> Iterator[Item]:
    head = stream.read(4096)
    if sniff(head) == "jsonl":
        yield from read_jsonl(_lines(head, stream), _STDIN, options)
        return
    data = head + stream.read(MAX_BYTES + 1 - len(head))
    if len(data) > MAX_BYTES:
        raise SourceError(f"{_STDIN}: larger than {MAX_BYTES // (1024 * 1024)} MB; use JSONL")
    if sniff(data) == "html":
        yield from_html(data, name=_STDIN, meta={})
    else:
        yield text_document(data, name=_STDIN, meta={})


def _lines(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """Yield the lines of ``head`` + the rest of ``stream``, reading as it goes."""
    buffer = head
    while True:
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line + b"\n"
        chunk = stream.read(1 << 16)
        if not chunk:
            break
        buffer += chunk
    if buffer:
        yield buffer
