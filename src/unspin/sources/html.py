"""HTML pages: the article text and its title, author, date and language, extracted with
trafilatura (navigation, ads, banners, related links, footers and scripts left out)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from unspin.document import Document
from unspin.errors import InvalidInput, SourceError

__all__ = ["MIN_ARTICLE_WORDS", "from_html"]


MIN_ARTICLE_WORDS = 8
"""Fewer words than this out of an HTML page means it had no article text."""


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
        "published": published_date(found.get("date"), name, strict=False),
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


def published_date(value: Any, name: str, *, strict: bool) -> str | None:
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
