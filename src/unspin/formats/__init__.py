"""Write documents out: a module per format.

- :mod:`~unspin.formats.json`: JSON and JSONL (the ``unspin.document`` schema).
- :mod:`~unspin.formats.text`: the terminal view (rich).
- :mod:`~unspin.formats.markdown`: a Markdown report.
- :mod:`~unspin.formats.html`: a self-contained HTML report.
- :mod:`~unspin.formats.semeval`: SemEval-2020 Task 11 SI and TC lines.
- :mod:`~unspin.formats.labelstudio`: Label Studio tasks and config.
- :mod:`~unspin.formats.view`: what every report shows (shared by the writers).

Every format shows what the document has: a layer that was not analysed is reported as not
analysed, never as an empty result. Article text is untrusted: the Markdown and HTML writers
escape it everywhere, and the JSON embedded in the HTML report is escaped for ``<script>``.

Example:
    >>> from unspin.document import Document
    >>> render(Document("A plain sentence."), "json").startswith("{")
    True
"""

from __future__ import annotations

from unspin.document import Document
from unspin.errors import InvalidInput

__all__ = ["FORMATS", "render"]


FORMATS = ("text", "json", "jsonl", "md", "html")


def render(
    doc: Document,
    fmt: str,
    *,
    indent: int | None = 2,
    width: int = 100,
    colour: bool = False,
) -> str:
    """Render one document in a named format.

    Args:
        doc: the document.
        fmt: one of :data:`FORMATS`: ``text``, ``json``, ``jsonl``, ``md``, ``html``.
        indent: JSON indentation (``json`` only).
        width: line width of the terminal view (``text`` only).
        colour: keep ANSI colours in the terminal view (``text`` only).

    Returns:
        The rendered document, ending with a newline.

    Raises:
        InvalidInput: the format is unknown, with the allowed formats.

    Example:
        >>> from unspin.document import Document
        >>> "<!doctype html>" in render(Document("Hello <b>world</b>."), "html")
        True
    """
    if fmt == "json":
        from unspin.formats.json import render_json

        return render_json(doc, indent=indent)
    if fmt == "jsonl":
        from unspin.formats.json import jsonl_line

        return jsonl_line(doc)
    if fmt == "md":
        from unspin.formats.markdown import render_markdown

        return render_markdown(doc)
    if fmt == "html":
        from unspin.formats.html import render_html

        return render_html(doc)
    if fmt == "text":
        from unspin.formats.text import render_text_string

        return render_text_string(doc, width=width, colour=colour)
    raise InvalidInput(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
