import html
import io
import json
import re
from html.parser import HTMLParser
from importlib import resources

import jsonschema
import pytest

from report_docs import ARTICLE, INJECTION, bare_doc, find, report_doc
from unspin.document import Document, Layer, Span
from unspin.errors import InvalidInput
from unspin.formats import FORMATS, render
from unspin.formats.json import jsonl_line, write_jsonl
from unspin.formats.labelstudio import label_studio_config, label_studio_tasks
from unspin.formats.markdown import md_escape
from unspin.formats.semeval import semeval_si_lines, semeval_tc_lines
from unspin.formats.text import render_text
from unspin.formats.view import segments
from unspin.taxonomy import GROUPS, TECHNIQUES, technique


@pytest.fixture(scope="module")
def doc():
    return report_doc()


@pytest.fixture(scope="module")
def validator():
    schema = json.loads((resources.files("unspin") / "schema" / "document-2.json").read_text())
    return jsonschema.Draft202012Validator(schema)


def _small(text="The corrupt elite lied again.", spans=()):
    return Document(text, layers={"persuasion": Layer("persuasion", tuple(spans), producer="t@1")})


class _Segments(HTMLParser):
    """Collect the text of each technique span from the report's ``.seg`` elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.pieces = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "seg" in (attrs.get("class") or "").split():
            self.stack.append(attrs["data-spans"].split())
        elif tag == "span":
            self.stack.append(None)

    def handle_endtag(self, tag):
        if tag == "span" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            for index in self.stack[-1]:
                self.pieces[int(index)] = self.pieces.get(int(index), "") + data


# --- dispatch ---------------------------------------------------------------------------------


def test_formats_lists_the_cli_formats():
    assert FORMATS == ("text", "json", "jsonl", "md", "html")


def test_render_rejects_unknown_format(doc):
    with pytest.raises(InvalidInput, match="known: text, json, jsonl, md, html"):
        render(doc, "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_ends_with_newline(doc, fmt):
    assert render(doc, fmt).endswith("\n")


# --- JSON and JSONL -------------------------------------------------------------------------


@pytest.mark.parametrize("make", [report_doc, bare_doc])
def test_render_json_is_valid_against_schema(validator, make):
    validator.validate(json.loads(render(make(), "json")))


def test_render_json_round_trips(doc):
    assert Document.from_json(render(doc, "json")).to_dict() == doc.to_dict()


def test_render_json_carries_actors_once_in_their_layer(doc):
    out = json.loads(render(doc, "json"))
    assert "actors" not in out
    assert [a["id"] for a in out["layers"]["actors"]["data"]["actors"]] == ["a1", "a2", "a3", "a4"]


def test_render_jsonl_is_one_valid_line(validator, doc):
    line = render(doc, "jsonl")
    assert line.count("\n") == 1
    validator.validate(json.loads(line))


def test_write_jsonl_returns_count_and_writes_valid_lines(validator, doc):
    out = io.StringIO()
    count = write_jsonl([doc, bare_doc()], out)
    lines = out.getvalue().splitlines()
    assert count == len(lines) == 2
    for line in lines:
        validator.validate(json.loads(line))


def test_write_jsonl_streams_each_document_before_reading_the_next(doc):
    out = io.StringIO()
    seen = []

    def docs():
        for k in range(3):
            seen.append(out.getvalue().count("\n"))
            yield Document(f"Document number {k}.")

    write_jsonl(docs(), out)
    assert seen == [0, 1, 2]


def test_jsonl_line_survives_unicode_line_separators():
    doc = Document("One\u2028two\u2029three\x85four.")
    line = jsonl_line(doc)
    assert len(line.splitlines()) == 1
    assert Document.from_json(line).text == doc.text


# --- escaping -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("make", [report_doc, bare_doc])
def test_render_never_contains_the_raw_injection(fmt, make):
    out = render(make(), fmt)
    assert INJECTION not in out
    assert "<script>alert" not in out
    assert "<b>tender" not in out


def test_render_html_shows_the_injection_as_text(doc):
    assert html.escape(INJECTION) in render(doc, "html")


def test_render_md_shows_the_injection_as_text(doc):
    assert md_escape(INJECTION) in render(doc, "md")


def test_render_html_has_only_its_own_two_scripts(doc):
    assert render(doc, "html").count("<script") == 2


def test_render_html_fetches_nothing(doc):
    out = render(doc, "html")
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b|@import|url\(|\ssrc=", out)


def test_render_html_data_island_is_script_safe():
    doc = Document(f"Odd </script><!-- & \u2028 \u2029 text {INJECTION}")
    out = render(doc, "html")
    island = re.search(
        r'<script type="application/json" id="unspin-data">(.*?)</script>', out, re.S
    )
    assert island is not None
    assert not re.search("[<>&\u2028\u2029]", island.group(1))
    assert json.loads(island.group(1))["text"] == doc.text


@pytest.mark.parametrize("source", ["javascript:alert(1)", "data:text/html,hi", "file:///etc"])
def test_render_html_links_only_http_sources(source):
    out = render(Document("Some text.", meta={"source": source}), "html")
    assert 'href="javascript' not in out and '<a href="data' not in out
    assert 'rel="noopener' not in out


def test_md_escape_disarms_links_emphasis_and_html():
    out = md_escape("*hi* [x](javascript:alert(1)) | <b>bold</b> `code`\nnext")
    assert "[x](" not in out and "<b>" not in out and "*hi*" not in out
    assert "|" not in out.replace("\\|", "") and "\n" not in out


# --- HTML content ---------------------------------------------------------------------------


def test_render_html_segments_carry_each_technique_text(doc):
    parser = _Segments()
    parser.feed(render(doc, "html"))
    spans = doc.layers["persuasion"].spans
    assert parser.pieces == {k: doc.text[s.start : s.end] for k, s in enumerate(spans)}


def test_render_html_keeps_the_whole_article_text(doc):
    out = render(doc, "html")
    body = re.search(r'<div class="text" id="text">(.*?)</div>', out, re.S)
    assert body is not None
    assert html.unescape(re.sub(r"<[^>]+>", "", body.group(1))) == doc.text


def test_render_html_legend_lists_every_group(doc):
    out = render(doc, "html")
    assert re.findall(r'data-group="([a-z_]+)"', out) == list(GROUPS)


def test_render_html_chart_counts_every_span(doc):
    counts = [
        int(n) for n in re.findall(r'<g class="bar" [^>]*data-count="(\d+)"', render(doc, "html"))
    ]
    assert sum(counts) == len(doc.layers["persuasion"])


def test_render_html_panels_show_claims_and_actors(doc):
    out = render(doc, "html")
    assert out.count('<li class="person">') == len(doc.actors)
    assert out.count('<td class="quote">') == len(doc.layers["claims"])


@pytest.mark.parametrize("fmt", ["md", "html", "text"])
def test_render_reports_missing_layers_as_not_analysed(fmt):
    out = render(bare_doc(), fmt)
    assert out.count("not analysed") + out.count("Not analysed") >= 3


def test_render_html_marks_baseline_producers(doc):
    assert "(rules, no model)" in render(doc, "html")


# --- segments -------------------------------------------------------------------------------


def test_segments_split_overlapping_spans():
    spans = [Span(0, 4, "a"), Span(2, 6, "b")]
    assert segments("abcdefgh", spans) == [(0, 2, (0,)), (2, 4, (0, 1)), (4, 6, (1,)), (6, 8, ())]


def test_segments_cover_the_whole_text(doc):
    parts = segments(doc.text, doc.layers["persuasion"].spans)
    assert "".join(doc.text[a:b] for a, b, _ in parts) == doc.text


def test_segments_skip_empty_spans():
    assert segments("abc", [Span(1, 1, "a")]) == [(0, 3, ())]


# --- Markdown -------------------------------------------------------------------------------


def test_render_md_lists_groups_in_taxonomy_order(doc):
    headings = re.findall(r"^### \S+ (.+?) \(\d+\)$", render(doc, "md"), re.M)
    assert headings == [g.name for g in GROUPS.values()]


@pytest.mark.parametrize("label", sorted({s.label for s in report_doc().layers["persuasion"]}))
def test_render_md_explains_each_technique_found(doc, label):
    assert md_escape(technique(label).explanation) in render(doc, "md")


def test_render_md_quotes_non_latin_span(doc):
    assert "“καταστροφή”" in render(doc, "md")


def test_render_md_claims_table_has_a_row_per_claim(doc):
    out = render(doc, "md")
    section = out.split("## Claims")[1].split("## Actors")[0]
    rows = [line for line in section.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) == len(doc.layers["claims"])


def test_render_md_actors_table_shows_aliases_and_stance(doc):
    row = next(line for line in render(doc, "md").splitlines() if line.startswith("| Lena Ortiz"))
    assert "Mayor Lena Ortiz" in row and "favor (0.86)" in row


def test_render_md_table_cells_have_no_raw_pipes():
    doc = Document(
        "A | B said 5 things.",
        layers={"claims": Layer("claims", (Span(0, 20, "claim", attrs={"numbers": []}),))},
    )
    row = next(line for line in render(doc, "md").splitlines() if line.startswith("| 1 |"))
    assert row.count("|") - row.count("\\|") == 6


# --- terminal -------------------------------------------------------------------------------


def test_render_text_shows_article_then_tables(doc):
    out = render(doc, "text", width=120)
    assert out.index("καταστροφή") < out.index("Claims (6)") < out.index("Actors (4)")


def test_render_text_colour_adds_ansi_styles(doc):
    assert "\x1b[" in render(doc, "text", colour=True)
    assert "\x1b[" not in render(doc, "text")


def test_render_text_prints_markup_literally():
    doc = _small("Say [bold red]nothing[/bold red] here.", [Span(4, 14, "Loaded_Language")])
    assert "[bold red]nothing[/bold red]" in render(doc, "text")


# --- SemEval TSV ----------------------------------------------------------------------------


def test_semeval_si_lines_merge_overlapping_spans():
    doc = _small(spans=[Span(4, 11, "Loaded_Language"), Span(8, 17, "Name_Calling,Labeling")])
    assert semeval_si_lines(doc, "111") == ["111\t4\t17"]


def test_semeval_si_lines_keep_overlaps_without_merge():
    doc = _small(spans=[Span(4, 11, "Loaded_Language"), Span(8, 17, "Name_Calling,Labeling")])
    assert semeval_si_lines(doc, "111", merge=False) == ["111\t4\t11", "111\t8\t17"]


def test_semeval_tc_lines_write_label_and_offsets():
    doc = _small(spans=[Span(4, 11, "Loaded_Language")])
    assert semeval_tc_lines(doc, "7") == ["7\tLoaded_Language\t4\t11"]


def test_semeval_tc_lines_reject_labels_outside_ptc():
    with pytest.raises(InvalidInput, match="unknown technique"):
        semeval_tc_lines(_small(spans=[Span(4, 11, "Sarcasm")]), "7")


@pytest.mark.parametrize("write", [semeval_si_lines, semeval_tc_lines])
def test_semeval_lines_need_a_persuasion_layer(write):
    with pytest.raises(InvalidInput, match="no 'persuasion' layer"):
        write(Document("Nothing analysed here."), "1")


# --- Label Studio ---------------------------------------------------------------------------


def test_label_studio_predictions_quote_the_code_point_text(doc):
    (task,) = label_studio_tasks([doc])
    for result in task["predictions"][0]["result"]:
        value = result["value"]
        assert doc.text[value["start"] : value["end"]] == value["text"]


def test_label_studio_predictions_use_ptc_labels(doc):
    (task,) = label_studio_tasks([doc])
    labels = {r["value"]["labels"][0] for r in task["predictions"][0]["result"]}
    assert labels <= set(TECHNIQUES)


def test_label_studio_task_without_layer_has_no_predictions():
    (task,) = label_studio_tasks([bare_doc()])
    assert "predictions" not in task and task["data"]["text"] == ARTICLE


def test_label_studio_config_names_every_technique():
    config = label_studio_config()
    assert re.findall(r'<Label value="([^"]+)"', config) == [html.escape(t) for t in TECHNIQUES]


def test_fixture_offsets_follow_code_points():
    start, end = find(ARTICLE, "καταστροφή")
    assert (
        ARTICLE[start:end] == "καταστροφή" and len(ARTICLE[:start].encode("utf-16-le")) > 2 * start
    )


def test_render_html_find_buttons_are_hidden_until_the_script_runs(doc):
    buttons = re.findall(r"<button [^>]*class=\"find\"[^>]*>", render(doc, "html"))
    assert buttons and all(" hidden" in b for b in buttons)


def test_render_text_to_a_console_prints_the_article(doc):
    from rich.console import Console

    console = Console(record=True, width=120, color_system=None)
    render_text(doc, console)
    assert "so why are you still waiting?" in " ".join(console.export_text().split())


@pytest.mark.parametrize("fmt", ["md", "html", "text"])
def test_render_shows_labels_outside_the_taxonomy(fmt):
    doc = _small("It is sarcasm, obviously.", [Span(6, 13, "Sarcasm_Plugin")])
    assert "Sarcasm Plugin" in render(doc, fmt)


def test_render_html_draws_unknown_labels_in_the_neutral_group():
    doc = _small("It is sarcasm, obviously.", [Span(6, 13, "Sarcasm_Plugin")])
    assert 'class="seg g-other' in render(doc, "html")


def test_render_md_adds_a_score_column_when_claims_have_scores():
    claims = Layer("claims", (Span(0, 20, "claim", 0.75),))
    doc = Document("A | B said 5 things.", layers={"claims": claims})
    row = next(line for line in render(doc, "md").splitlines() if line.startswith("| 1 |"))
    assert row.endswith("| 0.75 |")


def _with_persuasion(labels: list[str]) -> Document:
    text = "The corrupt elite lied again."
    spans = tuple(Span(4, 11, label) for label in labels)
    return Document(text).with_layer(Layer("persuasion", spans, producer="test@1"))


def test_technique_counts_counts_spans_per_label() -> None:
    from unspin.formats.view import technique_counts

    doc = _with_persuasion(["Loaded_Language", "Doubt", "Loaded_Language"])
    assert technique_counts(doc) == {"Doubt": 1, "Loaded_Language": 2}


def test_technique_counts_is_none_when_not_analysed() -> None:
    from unspin.formats.view import technique_counts

    assert technique_counts(Document("Nothing was analysed here.")) is None


def test_summary_tells_empty_layers_from_missing_ones() -> None:
    from unspin.formats.view import summary

    about = summary(_with_persuasion([]))
    assert (about["techniques"], about["claims"], about["actors"]) == ({}, None, None)
