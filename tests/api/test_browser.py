"""The web page in Debian's chromium (headless), against uvicorn on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import KEY, WordsEmbedder

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
ARTICLE = (
    "Opinion: the corrupt elite has betrayed us again, Mayor Anna Berg said on 3 May 2024.\n\n"
    "Officials claimed 12,000 jobs were lost, according to the union. Berg called the plan a "
    "disgraceful farce and said radical thugs were running the council.\n\n"
    "Critics say the figures are shameless, but the minister insisted the budget is balanced."
)
# emoji and non-Latin letters before a span: JavaScript string offsets would drift here
MULTISCRIPT = "🙂🇺🇦 Київ, 北京 👩🏽‍⚕️: the corrupt elite lied, Ελένη said. Then the thugs 🙂 left."

CORPUS = [
    (
        "https://north.example/a",
        "2024-05-02",
        "North Post: council vote",
        "The council voted to close 12 libraries on Tuesday, Mayor Lena Ostrova said. "
        "Critics called the decision a disgraceful farce that betrays every reader in the city.",
    ),
    (
        "https://south.example/a",
        "2024-05-03",
        "South Daily: council vote",
        "The council voted to close 12 libraries on Tuesday, Mayor Lena Ostrova said. "
        "Critics called the decision a shameful farce that betrays every reader in the town.",
    ),
    (
        "https://south.example/b",
        "2024-05-15",
        "South Daily: harbour",
        "Radical thugs blocked the harbour road for three hours, Inspector Tomas Varga said, "
        "and the corrupt port authority did nothing about it.",
    ),
    (
        "https://east.example/c",
        "2024-05-28",
        "East Herald: weather",
        "Rain is expected in the north on Friday, the weather service said in its forecast.",
    ),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _post(base: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        base + "/api/v1/analyze",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": KEY},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


ACTORS_TEXT = "Senator Ida Holm spoke. Critics called Holm a puppet of the banks."


def _with_actors() -> Any:
    """A stored document with the layers the trained detectors make: actors, stance."""
    from unspin.document import Document, Layer, Span

    text = ACTORS_TEXT
    puppet = text.index("puppet")
    holm = text.index("Holm", 30)
    actor = {
        "id": "A1",
        "name": "Ida Holm",
        "type": "PER",
        "aliases": ["Senator Ida Holm", "Holm"],
        "mentions": [{"start": 0, "end": 16}, {"start": holm, "end": holm + 4}],
        "stance": {"label": "negative", "score": 0.91, "mentions": 1},
        "techniques": [
            {"label": "Name_Calling,Labeling", "start": puppet, "end": puppet + 6, "text": "puppet"}
        ],
    }
    layers = [
        Layer("persuasion", (Span(puppet, puppet + 6, "Name_Calling,Labeling", 0.88),), "test@1"),
        Layer("stance", (Span(holm, holm + 4, "negative", 0.91),), "test@1"),
        Layer("actors", (), "test@1", data={"actors": [actor]}),
    ]
    doc = Document(text, meta={"title": "Holm under fire", "source": "javascript:alert('src')"})
    return doc.with_layers(layers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[str]:
    """Serve the app with uvicorn on a free 127.0.0.1 port over a small corpus; yield its URL.

    It asks for ``browser`` only so that it is skipped, not started, where chromium is missing.
    """
    import uvicorn

    from unspin.api import create_app

    db = tmp_path_factory.mktemp("serve") / "corpus.db"
    app = create_app(db=str(db), api_key=KEY, detectors="baseline", embedder=WordsEmbedder())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("uvicorn did not start")
            time.sleep(0.05)
        for source, published, title, text in CORPUS:
            _post(
                base,
                {
                    "text": text,
                    "store": True,
                    "meta": {"source": source, "published": published, "title": title},
                },
            )
        app.state.unspin.corpus.add(_with_actors())
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: $UNSPIN_SCREENSHOTS (``docs`` refreshes the README's), else a
    temporary folder, so that a test run never rewrites tracked files."""
    folder = os.environ.get("UNSPIN_SCREENSHOTS")
    return Path(folder) if folder else tmp_path


class Watched:
    """A page plus every dialog it opened and every request it made off the server."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", lambda r: None if r.url.startswith(base) else self.foreign.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        # a Content-Security-Policy violation is reported as a console error
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page(), server)
    watched.page.goto(server + "/")
    watched.page.wait_for_selector("body[data-ready='1']")
    yield watched
    context.close()


def _analyse_text(page: Any, text: str) -> None:
    page.fill("#in-text", text)
    page.select_option("#in-detectors", "baseline")
    page.click("#analyze-button")
    page.wait_for_selector("#article-text")


def _expected_marks(server: str, text: str) -> list[str]:
    """The highlighted stretches as Python slices them (code points), merged where they touch."""
    request = urllib.request.Request(
        server + "/api/v1/analyze",
        data=json.dumps({"text": text, "detectors": "baseline"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        doc = json.loads(response.read())
    return [text[s["start"] : s["end"]] for s in doc["layers"]["persuasion"]["spans"]]


def _mark_texts(page: Any) -> list[str]:
    # drop the marker glyphs, which are not article text
    return page.eval_on_selector_all(
        "#article-text mark.hl",
        "marks => marks.map(m => Array.from(m.childNodes)"
        ".filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.textContent).join(''))",
    )


def test_page_highlights_each_technique_span(page: Watched, server: str) -> None:
    _analyse_text(page.page, ARTICLE)
    assert _mark_texts(page.page) == _expected_marks(server, ARTICLE)


def test_page_marks_groups_without_colour_alone(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    first = page.page.locator("#article-text mark.hl").first
    style = first.evaluate("m => getComputedStyle(m).textDecorationLine")
    assert "underline" in style or "overline" in style
    assert first.locator(".marker").count() == 1


def test_page_offsets_hold_with_emoji_and_other_scripts(page: Watched, server: str) -> None:
    _analyse_text(page.page, MULTISCRIPT)
    assert _mark_texts(page.page) == _expected_marks(server, MULTISCRIPT)


def test_page_focus_shows_technique_and_explanation(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    page.page.locator("#article-text mark.hl").first.focus()
    tip = page.page.locator("#tip")
    assert tip.is_visible()
    assert "Name calling" in tip.inner_text() or "Loaded" in tip.inner_text()


def test_page_tab_key_reaches_a_highlight(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    page.page.locator("#analyze-button").focus()
    for _ in range(10):
        page.page.keyboard.press("Tab")
        if page.page.evaluate("document.activeElement.matches('mark.hl')"):
            break
    assert page.page.locator("#tip").is_visible()


def test_page_filter_hides_a_technique(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    box = page.page.locator(".techniques input[value='Loaded_Language']")
    box.uncheck()
    labels = page.page.eval_on_selector_all(
        "#article-text mark.hl", "ms => ms.map(m => m.dataset.labels)"
    )
    assert labels and all("Loaded_Language" not in label.split("|") for label in labels)


def test_page_lists_claims_with_numbers_and_dates(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    claims = page.page.locator(".claims")
    assert claims.locator(".claim-numbers", has_text="12,000").count() >= 1
    assert claims.locator(".claim-dates", has_text="3 May 2024").count() >= 1


def test_page_lists_actors(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    assert page.page.locator(".actors .actor", has_text="Berg").count() >= 1


def test_page_draws_the_technique_chart(page: Watched, screenshots: Path) -> None:
    _analyse_text(page.page, ARTICLE)
    assert page.page.locator(".chart-panel svg rect").count() >= 2
    page.page.screenshot(path=str(screenshots / "screenshot-article.png"), full_page=True)


def test_page_runs_nothing_from_injected_text(page: Watched) -> None:
    text = (DATA / "injection.txt").read_text("utf-8")
    _analyse_text(page.page, text)
    page.page.wait_for_timeout(300)
    article = page.page.locator("#analysis")
    assert page.dialogs == []
    assert article.locator("script, img, iframe, svg[onload], style, div[style]").count() == 0
    assert article.locator("a[href^='javascript']").count() == 0
    assert "<script>" in page.page.locator("#article-text").inner_text()
    assert page.page.locator("body").is_visible()


def test_page_runs_nothing_from_injected_html(page: Watched) -> None:
    page.page.check("input[name=mode][value=file]")
    page.page.set_input_files("#in-file", str(DATA / "injection.html"))
    page.page.select_option("#in-detectors", "baseline")
    page.page.click("#analyze-button")
    page.page.wait_for_selector("#article-text")
    page.page.wait_for_timeout(300)
    assert page.dialogs == []
    analysis = page.page.locator("#analysis")
    assert analysis.locator("script, img, iframe, style").count() == 0
    assert analysis.locator("a[href^='javascript']").count() == 0
    assert "alert" in page.page.locator("#article-text").inner_text()


def test_page_fetches_nothing_from_other_sites(page: Watched) -> None:
    _analyse_text(page.page, ARTICLE)
    assert page.foreign == [] and page.errors == []


def test_page_search_lists_stored_documents(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/search")
    page.page.wait_for_selector("#search-results li")
    assert page.page.locator("#search-results li").count() == len(CORPUS) + 1


def test_page_search_filters_by_technique(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/search")
    page.page.select_option("#f-technique", "Name_Calling,Labeling")
    page.page.click("#search-form button[type=submit]")
    page.page.wait_for_selector("#search-status:has-text('2 document')")
    titles = page.page.locator("#search-results li a").all_inner_texts()
    assert sorted(titles) == ["Holm under fire", "South Daily: harbour"]


def test_page_opens_a_stored_document(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/search")
    page.page.locator("#search-results li a", has_text="harbour").click()
    page.page.wait_for_selector("#doc-container #article-text mark.hl")
    assert "harbour" in page.page.locator("#doc-container .doc-title").inner_text()


def test_page_charts_the_mix_per_source_and_time(page: Watched, screenshots: Path) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/stats")
    page.page.wait_for_selector("#chart-sources svg rect")
    assert page.page.locator("#chart-sources svg rect").count() >= 2
    assert page.page.locator("#chart-time svg rect").count() >= 2
    page.page.screenshot(path=str(screenshots / "screenshot-corpus.png"), full_page=True)


def test_page_fits_a_phone_screen(browser: Any, server: str) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    phone = context.new_page()
    phone.goto(server + "/")
    phone.wait_for_selector("body[data-ready='1']")
    _analyse_text(phone, ARTICLE)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    phone.locator("#article-text mark.hl").first.tap()
    assert overflow <= 0 and phone.locator("#tip").is_visible()
    context.close()


def test_page_shows_copies_side_by_side_with_word_differences(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/dups")
    page.page.wait_for_selector("#dups-list .side-by-side")
    compare = page.page.locator("#dups-list .side-by-side").first
    changed = {
        compare.locator("del").all_inner_texts()[0],
        compare.locator("ins").all_inner_texts()[0],
    }
    assert changed == {"disgraceful", "shameful"}


def test_docs_page_renders_the_openapi_offline(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "docs")
    page.page.wait_for_selector("body[data-ready='1']")
    assert page.page.locator("#endpoints h2", has_text="POST /api/v1/analyze").count() == 1
    assert page.foreign == []


def test_page_lists_narratives_with_timelines(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/narratives")
    page.page.wait_for_selector("#narr-list .narrative")
    first = page.page.locator("#narr-list .narrative").first
    assert first.locator("a", has_text="council vote").count() == 2
    assert first.locator("svg.timeline rect").count() >= 1


def test_page_charts_list_most_named_actors(page: Watched) -> None:
    page.page.goto(page.page.url.split("#")[0] + "#/stats")
    page.page.wait_for_selector("#stats-actors table")
    assert page.page.locator("#stats-actors tr").count() >= 2


def test_page_shows_actor_aliases_stance_and_techniques(page: Watched) -> None:
    from unspin.document import text_id

    page.page.goto(page.page.url.split("#")[0] + "#/doc/" + text_id(ACTORS_TEXT))
    actor = page.page.locator("#doc-container .actors .actor").first
    actor.wait_for()
    text = actor.inner_text()
    assert "Senator Ida Holm" in text and "negative" in text and "puppet" in text


def test_page_never_links_a_javascript_source(page: Watched) -> None:
    from unspin.document import text_id

    page.page.goto(page.page.url.split("#")[0] + "#/doc/" + text_id(ACTORS_TEXT))
    page.page.locator("#doc-container .meta").wait_for()
    assert page.page.locator("#doc-container a[href^='javascript']").count() == 0
    assert "javascript:alert" in page.page.locator("#doc-container .meta").inner_text()
