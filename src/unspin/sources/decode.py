"""Bytes to text: byte order marks, UTF-8, legacy encodings (charset-normalizer), and binary
input refused with a reason; what kind of input some bytes are (text, HTML or JSONL)."""

from __future__ import annotations

import re
from typing import Any

from unspin.document import Document
from unspin.errors import InvalidInput

__all__ = ["MAX_BYTES", "decode", "sniff"]


MAX_BYTES = 10 * 1024 * 1024
"""The most bytes read from a URL or from one text or HTML file."""


def sniff(data: bytes) -> str:
    """Tell what some bytes (the first of an input) are: ``jsonl``, ``html`` or ``text``."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{"):
        return "jsonl"
    if head.startswith(b"<") and re.search(
        rb"<(?:!doctype html|html|head|body|article|p|div)\b", head
    ):
        return "html"
    return "text"


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


def text_document(data: bytes, *, name: str, meta: dict[str, Any]) -> Document:
    text, encoding = decode(data, name=name)
    require_text(text, name)
    return Document(text, meta={**meta, "encoding": encoding})


def require_text(text: str, name: str) -> None:
    if not text.strip():
        raise InvalidInput(f"{name}: empty or blank text")
    if "\x00" in text:
        raise InvalidInput(f"{name}: text contains NUL characters: binary input?")
