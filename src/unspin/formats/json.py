"""The JSON and JSONL writers: the ``unspin.document`` JSON of a document, one or a line each."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from unspin.document import Document

__all__ = ["render_json", "jsonl_line", "write_jsonl"]


# Characters that end a line for str.splitlines() but that json.dumps leaves raw.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _json_text(value: Any, *, indent: int | None) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def render_json(doc: Document, *, indent: int | None = 2) -> str:
    """Return the document's ``unspin.document/2`` JSON (ending with a newline).

    Args:
        doc: the document.
        indent: spaces per indentation level; None for one line.
    """
    return _json_text(doc.to_dict(), indent=indent) + "\n"


def jsonl_line(doc: Document) -> str:
    """Return the document as one JSON line ending in a newline.

    U+2028, U+2029 and U+0085 are escaped so that no line splitter breaks the line.
    """
    return _json_text(doc.to_dict(), indent=None) + "\n"


def write_jsonl(docs: Iterable[Document], out: TextIO) -> int:
    """Write documents to ``out`` one JSON line each, as they come (constant memory).

    Args:
        docs: documents, typically a generator from the pipeline.
        out: a text stream.

    Returns:
        The number of documents written.
    """
    count = 0
    for doc in docs:
        out.write(jsonl_line(doc))
        count += 1
    return count
