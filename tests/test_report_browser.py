"""The HTML report in a real browser: Debian's chromium, headless, driven by Playwright."""

import os

import pytest

from report_docs import INJECTION, report_doc
from unspin.formats import render
from unspin.taxonomy import GROUPS, technique

CHROMIUM = os.environ.get("UNSPIN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"chromium not found at {CHROMIUM} (apt-get install -y chromium)",
    ),
]

# Every segment's text grouped by the span indices it carries, in document order.
SPAN_TEXTS = """() => {
  const out = {};
  for (const seg of document.querySelectorAll('.seg')) {
    for (const i of seg.dataset.spans.split(' ')) { out[i] = (out[i] || '') + seg.textContent; }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def doc():
    return report_doc()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def report_path(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render(doc, "html"), encoding="utf-8")
    return path


@pytest.fixture
def opened(browser, report_path):
    """A page with the report loaded, plus what it tried to do: dialogs, errors, requests."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    events = {"dialogs": [], "errors": [], "requests": []}
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("request", lambda r: events["requests"].append(r.url))
    page.goto(report_path.as_uri())
    yield page, events
    context.close()


def _index(doc, quote):
    spans = doc.layers["persuasion"].spans
    return next(k for k, s in enumerate(spans) if doc.text[s.start : s.end] == quote)


def test_report_browser_highlights_each_span_with_its_text(doc, opened):
    page, _ = opened
    spans = doc.layers["persuasion"].spans
    expected = {str(k): doc.text[s.start : s.end] for k, s in enumerate(spans)}
    assert page.evaluate(SPAN_TEXTS) == expected


def test_report_browser_span_after_emoji_has_the_right_text(doc, opened):
    page, _ = opened
    k = _index(doc, "καταστροφή")
    assert page.evaluate(SPAN_TEXTS)[str(k)] == "καταστροφή"


def test_report_browser_code_point_self_check_passes(opened):
    page, _ = opened
    assert page.get_attribute("html", "data-offsets") == "ok"


def test_report_browser_focus_explains_the_span(doc, opened):
    page, _ = opened
    k = _index(doc, "καταστροφή")
    page.locator(f'.seg[data-spans="{k}"]').focus()
    tip = page.locator("#tip")
    assert tip.is_visible()
    assert "“καταστροφή”" in tip.inner_text()
    assert technique("Loaded_Language").explanation in tip.inner_text()


def test_report_browser_click_explains_every_overlapping_span(doc, opened):
    page, _ = opened
    inner = _index(doc, "the harbour district dies")
    outer = _index(doc, "Either we build this bridge or the harbour district dies")
    page.locator(".seg", has_text="district dies").first.click()
    text = page.locator("#tip").inner_text()
    assert technique(doc.layers["persuasion"].spans[inner].label).name in text
    assert technique(doc.layers["persuasion"].spans[outer].label).name in text


def test_report_browser_escape_closes_the_explanation(opened):
    page, _ = opened
    page.locator(".seg").first.click()
    page.keyboard.press("Escape")
    assert page.locator("#tip").is_hidden()


def test_report_browser_legend_has_every_group(opened):
    page, _ = opened
    groups = page.eval_on_selector_all(".lg[data-group]", "els => els.map(e => e.dataset.group)")
    assert groups == list(GROUPS)


def test_report_browser_legend_button_hides_a_group(opened):
    page, _ = opened
    page.click('.lg[data-group="call"]')
    muted = page.eval_on_selector_all(".seg.muted", "els => els.length")
    assert muted > 0


def test_report_browser_chart_counts_every_span(doc, opened):
    page, _ = opened
    counts = page.eval_on_selector_all("#chart .bar", "els => els.map(e => +e.dataset.count)")
    assert sum(counts) == len(doc.layers["persuasion"])


def test_report_browser_article_script_does_not_run(opened):
    page, events = opened
    assert events["dialogs"] == [] and events["errors"] == []
    assert INJECTION in page.inner_text("#text")


def test_report_browser_fetches_nothing(opened):
    _, events = opened
    assert [url for url in events["requests"] if not url.startswith("file:")] == []


def test_report_browser_fits_a_phone_screen(browser, report_path):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(report_path.as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    context.close()
    assert overflow <= 0
