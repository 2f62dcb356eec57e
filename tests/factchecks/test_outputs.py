"""Claims with fact-checks in the reports (text, Markdown, HTML) and the JSON."""

from __future__ import annotations

import pytest

from unspin.document import Document, Layer, Span
from unspin.formats import render

TEXT = "Officials say the Millbrook bridge will collapse. The choir sang on Friday."
MATCH = {
    "id": "fc-1",
    "similarity": 0.93,
    "level": "match",
    "rating": "False",
    "reviewer": "Example <Checkers>",
    "date": "2024-03-05",
    "url": "https://checkers.example.org/fact-check/bridge",
    "claim_reviewed": "The Millbrook bridge is about to <b>collapse</b>.",
    "claimant": "",
}
RELATED = dict(MATCH, id="fc-2", level="related", similarity=0.41, url="javascript:alert(1)")


def _doc(checks: list | None) -> Document:  # type: ignore[type-arg]
    first = TEXT.index(".") + 1
    attrs = {"numbers": []} if checks is None else {"numbers": [], "factchecks": checks}
    layer = Layer(
        "claims",
        (
            Span(0, first, "claim", 0.9, attrs),
            Span(
                first + 1,
                len(TEXT),
                "claim",
                0.7,
                dict(attrs, factchecks=[]) if checks is not None else {},
            ),
        ),
        "claims@1",
    )
    return Document(TEXT, layers={"claims": layer})


def test_json_keeps_factchecks_in_claim_attrs():
    data = _doc([MATCH]).to_dict()
    assert data["layers"]["claims"]["spans"][0]["attrs"]["factchecks"][0]["id"] == "fc-1"


def test_text_report_has_checked_before_column():
    out = render(_doc([MATCH, RELATED]), "text", width=200)
    assert "Checked before (2)" in out and "Checked: False (Example <Checkers>, 2024-03-05)" in out
    assert "https://checkers.example.org/fact-check/bridge" in out


def test_text_report_without_matching_has_no_column():
    assert "Checked before" not in render(_doc(None), "text")


def test_markdown_lists_factchecks_with_links_and_escapes():
    out = render(_doc([MATCH, RELATED]), "md")
    assert "### Checked before" in out
    assert "(<https://checkers.example.org/fact-check/bridge>)" in out
    assert "&lt;b\\>collapse" in out and "<b>collapse" not in out


def test_markdown_drops_a_non_http_link():
    assert "javascript:" not in render(_doc([RELATED]), "md")


def test_markdown_says_when_nothing_was_found():
    assert "No published fact-check found" in render(_doc([]), "md")


def test_html_report_shows_badge_and_escaped_list():
    out = render(_doc([MATCH, RELATED]), "html")
    assert 'class="badge checked-before"' in out
    assert 'href="https://checkers.example.org/fact-check/bridge"' in out
    assert "&lt;b&gt;collapse&lt;/b&gt;" in out and "<b>collapse</b>" not in out


def test_html_report_never_links_javascript():
    assert "javascript:alert" not in render(_doc([RELATED]), "html")


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_reports_read_a_document_without_factchecks_as_before(fmt):
    assert render(_doc(None), fmt)
