"""Turn what people have (files, stdin, HTML pages, URLs, JSONL, CSV, folders) into Documents.

``read(input)`` yields Documents and raises on the first bad item. ``read_items(input)`` is the
batch form: it yields a ``Document`` or a ``Failure`` per item, so one broken JSONL line does not
stop the rest. Meta keys: ``title``, ``author``, ``published`` (ISO 8601 date), ``source`` (path or
URL), ``language``, ``encoding``, ``targets``.

Example:
    >>> from unspin.sources import read
    >>> docs = list(read("examples/"))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import http.client
import io
import ipaddress
import json
import re
import socket
import ssl
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

from unspin.document import Document
from unspin.errors import Failure, InvalidInput, SourceError, UnspinError

__all__ = [
    "read",
    "read_items",
    "Item",
    "Failure",
    "SUFFIXES",
    "USER_AGENT",
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "Fetched",
    "fetch",
    "decode",
    "from_html",
    "from_record",
]

Item = Document | Failure

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
MAX_BYTES = 10 * 1024 * 1024
"""The most bytes read from a URL or from one text or HTML file."""
MAX_REDIRECTS = 5
MIN_ARTICLE_WORDS = 8
"""Fewer words than this out of an HTML page means it had no article text."""


def _version() -> str:
    from unspin import __version__

    return __version__


USER_AGENT = f"unspin/{_version()} (+https://github.com/unspin)"

_STDIN = "<stdin>"
_FIELDS = ("id", "text", "html", "url", "title", "author", "source", "published", "language")


@dataclass(frozen=True)
class _Options:
    allow_private: bool
    timeout: float


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
    options = _Options(allow_private=allow_private, timeout=timeout)
    name = _STDIN if input == "-" else input
    try:
        yield from _dispatch(input, options, stdin)
    except UnspinError as exc:
        yield Failure(name, exc)


def _dispatch(input: str, options: _Options, stdin: IO[bytes] | None) -> Iterator[Item]:
    if input == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        yield from _read_stream(stream, options)
        return
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", input):
        yield _url_document(input, options, meta={})
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
            yield from _read_jsonl(handle, input, options)
        return
    if kind == "csv":
        yield from _read_csv(path, input, options)
        return
    data = _read_file(path, input)
    if kind is None:
        kind = _sniff(data)
        if kind == "jsonl":
            yield from _read_jsonl(io.BytesIO(data), input, options)
            return
    meta = {"source": str(path)}
    if kind == "html":
        yield from_html(data, name=input, meta=meta)
    else:
        yield _text_document(data, name=input, meta=meta)


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


def _read_folder(root: Path, name: str, options: _Options) -> Iterator[Item]:
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


def _read_stream(stream: IO[bytes], options: _Options) -> Iterator[Item]:
    head = stream.read(4096)
    if _sniff(head) == "jsonl":
        yield from _read_jsonl(_lines(head, stream), _STDIN, options)
        return
    data = head + stream.read(MAX_BYTES + 1 - len(head))
    if len(data) > MAX_BYTES:
        raise SourceError(f"{_STDIN}: larger than {MAX_BYTES // (1024 * 1024)} MB; use JSONL")
    if _sniff(data) == "html":
        yield from_html(data, name=_STDIN, meta={})
    else:
        yield _text_document(data, name=_STDIN, meta={})


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


def _sniff(data: bytes) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"<") and re.search(
        rb"<(?:!doctype html|html|head|body|article|p|div)\b", head
    ):
        return "html"
    return "text"


# ---------------------------------------------------------------------------------------------
# Text and encodings


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (docx, xlsx, epub?)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"{\\rtf", "an RTF document"),
)
# Code pages for Latin script: charset-normalizer cannot tell them apart on short texts, and
# cp1252 (a superset of latin-1's printable range) is by far the most common, so it wins.
_LATIN_CODEPAGES = _words(
    """cp1250 cp1252 cp1254 cp1257 latin_1 iso8859_2 iso8859_3 iso8859_4 iso8859_9 iso8859_10
    iso8859_13 iso8859_14 iso8859_15 iso8859_16 mac_roman mac_latin2 mac_iceland mac_turkish
    cp437 cp850 cp858 cp1006 cp1125 hp_roman8"""
)
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def decode(data: bytes, *, name: str = "<bytes>") -> tuple[str, str]:
    """Decode article bytes: a BOM, else UTF-8, else a legacy encoding found by charset-normalizer.

    Args:
        data: the raw bytes.
        name: the input to name in errors.

    Returns:
        ``(text, encoding)``; encoding is a Python codec name such as ``utf-8`` or ``cp1252``.

    Raises:
        InvalidInput: the bytes are binary (a PDF, an image, NUL bytes) or in no known encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding.replace("-sig", "")), encoding
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"{name}: starts with a {encoding} byte order mark but byte {exc.start} "
                    "does not decode"
                ) from None
    _refuse_binary(data, name)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InvalidInput(f"{name}: bytes are not UTF-8 and match no known text encoding")
    encoding = best.encoding
    if encoding in _LATIN_CODEPAGES and not _CP1252_UNDEFINED.intersection(data):
        # without any byte in 0x80-0x9f, latin-1 and cp1252 decode identically
        encoding = "cp1252" if any(0x80 <= b <= 0x9F for b in data) else "latin_1"
    return data.decode(encoding), encoding


def _refuse_binary(data: bytes, name: str) -> None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InvalidInput(
                f"{name}: binary input ({what}); unspin reads text, HTML, JSONL or CSV"
            )
    sample = data[:8192]
    if b"\x00" in sample:
        raise InvalidInput(f"{name}: binary input (NUL bytes; UTF-16 needs a byte order mark)")
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\t\n\r\x0b\x0c\x1b")
    if sample and controls / len(sample) > 0.05:
        raise InvalidInput(
            f"{name}: binary input ({controls} control bytes in the first {len(sample)})"
        )


def _text_document(data: bytes, *, name: str, meta: dict[str, Any]) -> Document:
    text, encoding = decode(data, name=name)
    _require_text(text, name)
    return Document(text, meta={**meta, "encoding": encoding})


def _require_text(text: str, name: str) -> None:
    if not text.strip():
        raise InvalidInput(f"{name}: empty or blank text")
    if "\x00" in text:
        raise InvalidInput(f"{name}: text contains NUL characters: binary input?")


# ---------------------------------------------------------------------------------------------
# HTML

_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)", re.I)


def from_html(
    html: bytes | str,
    *,
    name: str = "<html>",
    url: str | None = None,
    meta: Mapping[str, Any] | None = None,
) -> Document:
    """Extract the article from an HTML page with trafilatura (boilerplate left out).

    Args:
        html: the page, as bytes (encoding detected) or text.
        name: the input to name in errors.
        url: the page's address, which helps trafilatura with metadata.
        meta: metadata to start from; the page's title, author and date fill in what is missing.

    Returns:
        A document of the article text with ``title``, ``author``, ``published``, ``language``.

    Raises:
        SourceError: the page has no article text.
    """
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
        )
    except Exception as exc:  # trafilatura's parsers raise many kinds on broken markup
        raise SourceError(f"{name}: HTML could not be parsed: {type(exc).__name__}") from None
    found: dict[str, Any] = {}
    if result is not None:
        found = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    text = str(found.get("text") or "").strip()
    if len(text.split()) < MIN_ARTICLE_WORDS:
        raise SourceError(f"{name}: HTML page has no article text")
    raw = html if isinstance(html, bytes) else html[:4096].encode("utf-8", "replace")
    lang = _HTML_LANG.search(raw[:4096])
    page = {
        "title": found.get("title"),
        "author": found.get("author"),
        "published": _published(found.get("date"), name, strict=False),
        "language": found.get("language")
        or (lang.group(1).decode("ascii").lower() if lang else None),
        "sitename": found.get("sitename"),
        "url": url,
    }
    merged = dict(meta or {})
    for key, value in page.items():
        if value and not merged.get(key):
            merged[key] = value
    return Document(text, meta=merged)


# ---------------------------------------------------------------------------------------------
# JSONL and CSV records


def _read_jsonl(lines: Iterable[bytes], name: str, options: _Options) -> Iterator[Item]:
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
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(
                    f"{where}: not valid JSON: {exc.msg} at column {exc.colno}"
                ) from None
            yield from_record(
                record, name=where, allow_private=options.allow_private, timeout=options.timeout
            )
        except UnspinError as exc:
            yield Failure(where, exc)


def _read_csv(path: Path, name: str, options: _Options) -> Iterator[Item]:
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
    kinds = [key for key in ("text", "html", "url") if record.get(key) not in (None, "")]
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
        meta["published"] = _published(record["published"], name, strict=True)
    if kind == "text":
        _require_text(record["text"], name)
        doc = Document(record["text"], meta=meta)
    elif kind == "html":
        doc = from_html(record["html"], name=name, meta=meta)
    else:
        options = _Options(allow_private=allow_private, timeout=timeout)
        doc = _url_document(record["url"], options, meta=meta, name=name)
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


def _published(value: Any, name: str, *, strict: bool) -> str | None:
    """Return ``value`` as an ISO 8601 date (or date-time); None or an error when it is not one."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return datetime.fromisoformat(text.replace("Z", "+00:00")).isoformat()
    except ValueError:
        if strict:
            raise InvalidInput(
                f"{name}: published {text!r} is not an ISO 8601 date (YYYY-MM-DD)"
            ) from None
        return None


# ---------------------------------------------------------------------------------------------
# URLs


@dataclass(frozen=True)
class Fetched:
    """A fetched resource: where it ended up, its content type and body."""

    url: str
    final_url: str
    content_type: str
    charset: str | None
    body: bytes


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Say why an address must not be fetched by default, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_unspecified:
        return "unspecified"
    if address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global:
        return "private"
    return None


def _resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _checked_address(url: str, host: str, port: int, options: _Options) -> str:
    try:
        addresses = _resolve(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError(f"{url}: cannot resolve host {host!r}: {exc}") from None
    if not addresses:
        raise SourceError(f"{url}: host {host!r} has no address")
    if not options.allow_private:
        for address in addresses:
            why = _refusal(ipaddress.ip_address(address.split("%")[0]))
            if why:
                raise SourceError(
                    f"{url}: refused: {host} resolves to {address}, a {why} address "
                    "(allow it with --allow-private / allow_private=True)"
                )
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connect to the already checked address, so a second DNS answer cannot redirect us."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def fetch(
    url: str,
    *,
    allow_private: bool = False,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """Fetch a URL safely: http(s) only, bounded in time and size, redirects re-checked.

    Each hop's host is resolved and every address checked before connecting; private,
    loopback, link-local and reserved addresses are refused unless ``allow_private``.

    Args:
        url: an http or https URL.
        allow_private: allow addresses that are not public.
        timeout: seconds to connect and for each read; the whole fetch gets six times this.
        max_bytes: the largest body read (streamed; larger bodies are refused).

    Returns:
        The final URL, content type, charset and body.

    Raises:
        SourceError: a bad scheme, a refused address, more than 5 redirects, an HTTP error,
            a timeout or a body over the limit.
    """
    options = _Options(allow_private=allow_private, timeout=timeout)
    deadline = time.monotonic() + 6 * timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise SourceError(
                f"{url}: only http and https URLs are allowed, not {scheme or 'none'}"
            )
        host = parts.hostname
        if not host:
            raise SourceError(f"{url}: URL has no host")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise SourceError(f"{url}: URL has a bad port") from None
        address = _checked_address(url, host, port, options)
        connection_class = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = connection_class(host, port, address, timeout)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        netloc = parts.netloc.rsplit("@", 1)[-1]
        try:
            connection.request(
                "GET",
                target,
                headers={
                    "Host": netloc,
                    "User-Agent": USER_AGENT,
                    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise SourceError(f"{url}: redirect {response.status} without a Location")
                current = urljoin(current, location.strip())
                continue
            if not 200 <= response.status < 300:
                raise SourceError(f"{url}: HTTP {response.status} {response.reason}".rstrip())
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(
                    f"{url}: body of {length} bytes is over the {max_bytes} byte limit"
                )
            chunks: list[bytes] = []
            size = 0
            while True:
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise SourceError(f"{url}: body is over the {max_bytes} byte limit")
                if time.monotonic() > deadline:
                    raise SourceError(f"{url}: took longer than {6 * timeout:g} s")
                chunks.append(chunk)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            if response.getheader("Content-Type") is None:
                content_type = ""
            return Fetched(url, current, content_type, charset, b"".join(chunks))
        except SourceError:
            raise
        except TimeoutError:
            raise SourceError(f"{url}: timed out after {timeout:g} s") from None
        except ssl.SSLError as exc:
            raise SourceError(f"{url}: TLS error: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise SourceError(f"{url}: cannot fetch: {reason}") from None
        finally:
            connection.close()
    raise SourceError(f"{url}: more than {MAX_REDIRECTS} redirects")


def _url_document(
    url: str, options: _Options, *, meta: Mapping[str, Any], name: str | None = None
) -> Document:
    name = name or url
    fetched = fetch(url, allow_private=options.allow_private, timeout=options.timeout)
    kind = {"text/html": "html", "application/xhtml+xml": "html", "text/plain": "text"}.get(
        fetched.content_type
    )
    if kind is None and fetched.content_type:
        raise SourceError(
            f"{name}: unsupported content type {fetched.content_type!r}; unspin reads "
            "text/html and text/plain"
        )
    if kind is None:
        kind = _sniff(fetched.body)
    base = {"source": url, **meta}
    if fetched.final_url != url:
        base["url"] = fetched.final_url
    if kind == "html":
        body: bytes | str = fetched.body
        if fetched.charset:
            try:
                body = fetched.body.decode(fetched.charset)
            except (LookupError, UnicodeDecodeError):
                body = fetched.body
        return from_html(body, name=name, url=fetched.final_url, meta=base)
    if fetched.charset:
        try:
            text = fetched.body.decode(fetched.charset)
        except (LookupError, UnicodeDecodeError):
            raise InvalidInput(f"{name}: body does not decode as {fetched.charset}") from None
        _require_text(text, name)
        return Document(text, meta={**base, "encoding": fetched.charset})
    return _text_document(fetched.body, name=name, meta=base)
