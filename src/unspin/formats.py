"""Write documents out: JSON, JSONL, terminal, Markdown and HTML reports, SemEval TSV, Label Studio.

Every format shows what the document has: a layer that was not analysed is reported as not
analysed, never as an empty result. Article text is untrusted: the Markdown and HTML writers
escape it everywhere, and the JSON embedded in the HTML report is escaped for ``<script>``.

Example:
    >>> from unspin.document import Document
    >>> render(Document("A plain sentence."), "json").startswith("{")
    True
"""

from __future__ import annotations

import html
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, TextIO

from unspin.document import Document, Span
from unspin.errors import InvalidInput
from unspin.taxonomy import GROUPS, Group, is_technique, technique

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "FORMATS",
    "render",
    "render_text",
    "render_json",
    "render_markdown",
    "render_html",
    "write_jsonl",
    "jsonl_line",
    "semeval_si_lines",
    "semeval_tc_lines",
    "label_studio_tasks",
    "label_studio_config",
    "segments",
]

FORMATS = ("text", "json", "jsonl", "md", "html")

PERSUASION = "persuasion"
CLAIMS = "claims"

# Labels outside the taxonomy (a third-party detector's) are drawn in a neutral grey.
_OTHER = Group(
    "other",
    "Other",
    "A label outside the unspin taxonomy.",
    colour="#6B7280",
    tint="#ECEDEF",
    ink="#4B5563",
    pattern="solid",
    marker="?",
    terminal="bold #6B7280",
)

# Characters that end a line for str.splitlines() but that json.dumps leaves raw.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


# ---------------------------------------------------------------------------------------------
# Shared helpers


@dataclass(frozen=True)
class _Tech:
    """A technique span with everything a report shows about it."""

    index: int
    span: Span
    label: str
    name: str
    group: Group
    explanation: str
    semeval2023: tuple[str, ...]
    example: str


def _technique_spans(doc: Document) -> list[_Tech] | None:
    """Return the persuasion spans with their taxonomy entries, or None if not analysed."""
    layer = doc.layers.get(PERSUASION)
    if layer is None:
        return None
    out: list[_Tech] = []
    for span in layer.spans:
        if span.end <= span.start:
            continue
        if is_technique(span.label):
            entry = technique(span.label)
            grp = GROUPS[entry.group]
            out.append(
                _Tech(
                    len(out),
                    span,
                    span.label,
                    entry.name,
                    grp,
                    entry.explanation,
                    entry.semeval2023,
                    entry.example,
                )
            )
        else:
            explanation = str(span.attrs.get("explanation") or _OTHER.explanation)
            out.append(
                _Tech(
                    len(out),
                    span,
                    span.label,
                    span.label.replace("_", " "),
                    _OTHER,
                    explanation,
                    (),
                    "",
                )
            )
    return out


def segments(text: str, spans: Sequence[Span]) -> list[tuple[int, int, tuple[int, ...]]]:
    """Split ``text`` at every span boundary into segments and say which spans cover each.

    Overlapping spans need no special case: a segment carries every span that covers it.

    Args:
        text: the document text.
        spans: spans with code-point offsets into ``text``.

    Returns:
        ``(start, end, indices)`` for consecutive segments covering the whole text, where
        ``indices`` are positions in ``spans`` of the spans that cover the segment (may be empty).
    """
    bounds = {0, len(text)}
    for span in spans:
        if span.end > span.start:
            bounds.add(span.start)
            bounds.add(span.end)
    ordered = sorted(b for b in bounds if 0 <= b <= len(text))
    out: list[tuple[int, int, tuple[int, ...]]] = []
    for start, end in zip(ordered, ordered[1:], strict=False):
        covering = tuple(
            i for i, span in enumerate(spans) if span.start <= start and span.end >= end
        )
        out.append((start, end, covering))
    return out


def _title(doc: Document) -> str:
    title = doc.meta.get("title")
    if title:
        return str(title)
    first_line = doc.text.strip().splitlines()[0] if doc.text.strip() else ""
    return first_line[:80] + ("…" if len(first_line) > 80 else "")


def _meta_items(doc: Document) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for key, label in (
        ("author", "Author"),
        ("published", "Published"),
        ("source", "Source"),
        ("language", "Language"),
    ):
        value = doc.meta.get(key)
        if value:
            items.append((label, str(value)))
    return items


def _is_baseline(producer: str) -> bool:
    return producer.startswith("baseline")


def _quote(doc: Document, start: Any, end: Any) -> str:
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(doc.text):
        return doc.text[start:end]
    return ""


def _one_line(text: str, limit: int = 0) -> str:
    flat = " ".join(text.split())
    if limit and len(flat) > limit:
        return flat[: limit - 1].rstrip() + "…"
    return flat


def _claims(doc: Document) -> list[dict[str, Any]] | None:
    """Return the claims as plain dicts (text, numbers, dates, attribution, score), or None."""
    layer = doc.layers.get(CLAIMS)
    if layer is None:
        return None
    out: list[dict[str, Any]] = []
    for span in layer.spans:
        attrs = span.attrs

        def texts(key: str, attrs: Mapping[str, Any] = attrs) -> list[str]:
            found = []
            for item in attrs.get(key) or []:
                if isinstance(item, Mapping):
                    value = item.get("text") or _quote(doc, item.get("start"), item.get("end"))
                else:
                    value = str(item)
                if value and value not in found:
                    found.append(str(value))
            return found

        score = span.score
        if score is None and isinstance(attrs.get("checkworthy"), int | float):
            score = float(attrs["checkworthy"])
        out.append(
            {
                "start": span.start,
                "end": span.end,
                "text": doc.text[span.start : span.end],
                "numbers": texts("numbers"),
                "dates": texts("dates"),
                "attribution": texts("attribution"),
                "score": score,
            }
        )
    return out


def _actor_view(doc: Document, actor: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten one actor dict for display, tolerating missing keys."""
    stance = actor.get("stance") if isinstance(actor.get("stance"), Mapping) else None
    evidence: list[str] = []
    if stance:
        raw = stance.get("evidence") or []
        if isinstance(raw, Mapping | str):
            raw = [raw]
        for item in raw:
            if isinstance(item, Mapping):
                text = item.get("text") or _quote(doc, item.get("start"), item.get("end"))
            else:
                text = str(item)
            if text:
                evidence.append(str(text))
    techniques = []
    for item in actor.get("techniques") or []:
        if not isinstance(item, Mapping):
            continue
        label = str(item.get("label", ""))
        name = technique(label).name if is_technique(label) else label.replace("_", " ")
        grp = GROUPS[technique(label).group] if is_technique(label) else _OTHER
        techniques.append(
            {
                "label": label,
                "name": name,
                "group": grp,
                "text": _quote(doc, item.get("start"), item.get("end")),
            }
        )
    score = stance.get("score") if stance else None
    return {
        "name": str(actor.get("name") or actor.get("id") or "?"),
        "type": str(actor.get("type") or ""),
        "aliases": [str(a) for a in actor.get("aliases") or [] if str(a) != actor.get("name")],
        "mentions": len(actor.get("mentions") or []),
        "stance": str(stance.get("label")) if stance and stance.get("label") else "",
        "stance_score": float(score) if isinstance(score, int | float) else None,
        "evidence": evidence,
        "techniques": techniques,
    }


def _actors(doc: Document) -> list[dict[str, Any]] | None:
    if "actors" not in doc.layers:
        return None
    return [_actor_view(doc, actor) for actor in doc.actors if isinstance(actor, Mapping)]


def _counts(techs: Sequence[_Tech]) -> list[tuple[_Tech, int]]:
    """One representative per label with its count, most frequent first."""
    counter = Counter(t.label for t in techs)
    first: dict[str, _Tech] = {}
    for tech in techs:
        first.setdefault(tech.label, tech)
    return sorted(
        ((first[label], n) for label, n in counter.items()),
        key=lambda item: (-item[1], item[0].name),
    )


def _groups_in_order(techs: Sequence[_Tech]) -> list[Group]:
    present = {t.group.id for t in techs}
    ordered = [g for g in GROUPS.values() if g.id in present]
    if _OTHER.id in present:
        ordered.append(_OTHER)
    return ordered


def _score_text(score: float | None) -> str:
    return "" if score is None else f"{score:.2f}"


# ---------------------------------------------------------------------------------------------
# JSON and JSONL


def _json_text(value: Any, *, indent: int | None) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def render_json(doc: Document, *, indent: int | None = 2) -> str:
    """Return the document's ``unspin.document/1`` JSON (ending with a newline).

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


# ---------------------------------------------------------------------------------------------
# Terminal


def render_text(doc: Document, console: Console) -> None:
    """Print the document to a rich console: the article with technique spans, then tables.

    Technique spans are coloured by group and preceded by the group's marker, so colour is not
    the only cue. Article text is passed to rich as ``Text``, never as markup.

    Args:
        doc: the document.
        console: where to print.
    """
    from rich import box
    from rich.rule import Rule
    from rich.table import Table
    from rich.text import Text

    techs = _technique_spans(doc)
    console.print(Rule(Text(_title(doc), style="bold")))
    meta = _meta_items(doc)
    if meta:
        console.print(Text(" · ".join(f"{k}: {v}" for k, v in meta), style="dim"))

    if techs is None:
        console.print(Text("Techniques: not analysed (no persuasion layer).", style="dim"))
        console.print(Text(doc.text))
    else:
        legend = Text("Legend: ")
        for grp in GROUPS.values():
            legend.append(f"{grp.marker} {grp.name}", style=f"black on {grp.tint}")
            legend.append("  ")
        console.print(legend)
        console.print()
        console.print(_text_with_spans(doc, techs))
    console.print()

    if techs:
        table = Table(title="Techniques", box=box.SIMPLE_HEAD, show_lines=False)
        table.add_column("Where", justify="right", no_wrap=True)
        table.add_column("Technique")
        table.add_column("Group")
        table.add_column("Text")
        table.add_column("Score", justify="right")
        for tech in techs:
            table.add_row(
                Text(f"{tech.span.start}–{tech.span.end}"),
                Text(tech.name),
                Text(f"{tech.group.marker} {tech.group.name}", style=tech.group.terminal),
                Text(_one_line(doc.text[tech.span.start : tech.span.end], 80)),
                Text(_score_text(tech.span.score)),
            )
        console.print(table)

    claims = _claims(doc)
    if claims is None:
        console.print(Text("Claims: not analysed.", style="dim"))
    else:
        table = Table(title=f"Claims ({len(claims)})", box=box.SIMPLE_HEAD)
        table.add_column("Claim")
        table.add_column("Numbers")
        table.add_column("Dates")
        table.add_column("Attribution")
        for claim in claims:
            table.add_row(
                Text(_one_line(claim["text"], 160)),
                Text(", ".join(claim["numbers"])),
                Text(", ".join(claim["dates"])),
                Text(", ".join(claim["attribution"])),
            )
        console.print(table)

    actors = _actors(doc)
    if actors is None:
        console.print(Text("Actors: not analysed.", style="dim"))
    else:
        table = Table(title=f"Actors ({len(actors)})", box=box.SIMPLE_HEAD)
        table.add_column("Actor")
        table.add_column("Type")
        table.add_column("Also called")
        table.add_column("Mentions", justify="right")
        table.add_column("Stance")
        table.add_column("Techniques aimed at them")
        for actor in actors:
            stance = actor["stance"]
            if stance and actor["stance_score"] is not None:
                stance += f" ({actor['stance_score']:.2f})"
            aimed = Text()
            for i, item in enumerate(actor["techniques"]):
                if i:
                    aimed.append("; ")
                aimed.append(f"{item['group'].marker} {item['name']}", style=item["group"].terminal)
                if item["text"]:
                    aimed.append(f" “{_one_line(item['text'], 40)}”")
            table.add_row(
                Text(actor["name"]),
                Text(actor["type"]),
                Text(", ".join(actor["aliases"])),
                Text(str(actor["mentions"])),
                Text(stance),
                aimed,
            )
        console.print(table)


def _text_with_spans(doc: Document, techs: Sequence[_Tech]) -> Any:
    from rich.text import Text

    spans = [t.span for t in techs]
    out = Text()
    for start, end, covering in segments(doc.text, spans):
        for i in covering:
            if spans[i].start == start:
                out.append(techs[i].group.marker, style=techs[i].group.terminal)
        piece = doc.text[start:end]
        if covering:
            primary = _primary(techs, covering)
            style = f"black on {primary.group.tint} underline"
            if len({techs[i].group.id for i in covering}) > 1:
                style += " bold"
            out.append(piece, style=style)
        else:
            out.append(piece)
    return out


def _primary(techs: Sequence[_Tech], covering: Sequence[int]) -> _Tech:
    """The span a segment is drawn as: the shortest covering one (the most specific)."""
    return min((techs[i] for i in covering), key=lambda t: (t.span.end - t.span.start, t.index))


def _render_text_string(doc: Document, *, width: int, colour: bool) -> str:
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    render_text(doc, console)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: str) -> str:
    """Escape untrusted text for Markdown: HTML characters as entities, markup with backslashes.

    Newlines become spaces, so the result is safe inside a list item or a table cell.
    """
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text


def render_markdown(doc: Document) -> str:
    """Return a Markdown report: metadata, techniques by group, claims and actors tables.

    Args:
        doc: the document.
    """
    lines: list[str] = [f"# {md_escape(_title(doc))}", ""]
    meta = _meta_items(doc)
    if meta:
        lines.append(" · ".join(f"**{k}:** {md_escape(v)}" for k, v in meta))
        lines.append("")
    lines.append(f"*unspin report · document `{md_escape(doc.id)}`*")
    lines.append("")
    producers = [
        f"{md_escape(name)}: {md_escape(layer.producer or 'unknown')}"
        + (" (rules, no model)" if _is_baseline(layer.producer) else "")
        for name, layer in sorted(doc.layers.items())
        if name in (PERSUASION, CLAIMS, "entities", "actors", "stance")
    ]
    if producers:
        lines.append("Layers: " + "; ".join(producers) + ".")
        lines.append("")

    techs = _technique_spans(doc)
    if techs is None:
        lines += ["## Techniques", "", "*Not analysed: the document has no persuasion layer.*", ""]
    else:
        lines += [f"## Techniques ({len(techs)})", ""]
        if not techs:
            lines += ["No technique spans found.", ""]
        for grp in _groups_in_order(techs):
            in_group = [t for t in techs if t.group.id == grp.id]
            lines += [f"### {grp.marker} {md_escape(grp.name)} ({len(in_group)})", ""]
            lines += [f"*{md_escape(grp.explanation)}*", ""]
            for tech, count in _counts(in_group):
                lines.append(f"**{md_escape(tech.name)}** (`{tech.label}`, {count}×)")
                if tech.semeval2023:
                    lines[-1] += " · SemEval-2023: " + ", ".join(f"`{n}`" for n in tech.semeval2023)
                lines.append(f": {md_escape(tech.explanation)}")
                lines.append("")
                for other in in_group:
                    if other.label != tech.label:
                        continue
                    quote = md_escape(doc.text[other.span.start : other.span.end])
                    where = f"{other.span.start}–{other.span.end}"
                    score = _score_text(other.span.score)
                    suffix = f" · score {score}" if score else ""
                    lines.append(f"- “{quote}” ({where}{suffix})")
                lines.append("")

    claims = _claims(doc)
    if claims is None:
        lines += ["## Claims", "", "*Not analysed: the document has no claims layer.*", ""]
    else:
        lines += [f"## Claims ({len(claims)})", ""]
        if claims:
            lines += [
                "| # | Claim | Numbers | Dates | Attribution |",
                "|---:|---|---|---|---|",
            ]
            for n, claim in enumerate(claims, 1):
                cells = [
                    md_escape(claim["text"]),
                    ", ".join(md_escape(x) for x in claim["numbers"]),
                    ", ".join(md_escape(x) for x in claim["dates"]),
                    ", ".join(md_escape(x) for x in claim["attribution"]),
                ]
                lines.append(f"| {n} | " + " | ".join(cells) + " |")
            lines.append("")
        else:
            lines += ["No check-worthy claims found.", ""]

    actors = _actors(doc)
    if actors is None:
        lines += ["## Actors", "", "*Not analysed: the document has no actors layer.*", ""]
    else:
        lines += [f"## Actors ({len(actors)})", ""]
        if actors:
            lines += [
                "| Actor | Type | Also called | Mentions | Stance | Techniques aimed at them |",
                "|---|---|---|---:|---|---|",
            ]
            for actor in actors:
                stance = md_escape(actor["stance"])
                if stance and actor["stance_score"] is not None:
                    stance += f" ({actor['stance_score']:.2f})"
                if actor["evidence"]:
                    stance += ": “" + md_escape(_one_line(actor["evidence"][0], 100)) + "”"
                aimed = "; ".join(
                    f"{item['group'].marker} {md_escape(item['name'])}"
                    + (f" “{md_escape(_one_line(item['text'], 60))}”" if item["text"] else "")
                    for item in actor["techniques"]
                )
                cells = [
                    md_escape(actor["name"]),
                    md_escape(actor["type"]),
                    ", ".join(md_escape(a) for a in actor["aliases"]),
                    str(actor["mentions"]),
                    stance,
                    aimed,
                ]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
        else:
            lines += ["No actors found.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------------------
# HTML


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _script_json(value: Any) -> str:
    """Return JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are escaped so no ``</script>`` or ``<!--`` can appear, and U+2028 and
    U+2029 so the text stays valid JavaScript too.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _asset(name: str) -> str:
    return (resources.files("unspin") / "data" / name).read_text(encoding="utf-8")


def _group_css(groups: Iterable[Group]) -> str:
    rules = []
    for grp in groups:
        line = "underline overline" if grp.pattern == "overline" else "underline"
        style = "solid" if grp.pattern == "overline" else grp.pattern
        rules.append(
            f".g-{grp.id}{{--tint:{grp.tint};--ink:{grp.ink};--col:{grp.colour};"
            f"background-color:var(--tint);text-decoration-line:{line};"
            f"text-decoration-style:{style};text-decoration-color:var(--ink)}}"
        )
        rules.append(f".sw-{grp.id}{{--tint:{grp.tint};--ink:{grp.ink};--col:{grp.colour}}}")
    return "\n".join(rules)


def _safe_href(value: str) -> str | None:
    return value if re.match(r"^https?://[^\s<>\"']+$", value, re.IGNORECASE) else None


def render_html(doc: Document) -> str:
    """Return a self-contained HTML report (inline CSS and JS, nothing fetched from the network).

    The article is shown with technique spans highlighted (colour by group and an underline
    pattern; overlapping spans split into segments), a legend by group, an explanation on hover,
    click, tap or keyboard focus, a chart of technique counts, and claims and actors panels.

    Args:
        doc: the document.
    """
    techs = _technique_spans(doc)
    claims = _claims(doc)
    actors = _actors(doc)
    title = _title(doc)
    all_groups = [*GROUPS.values(), _OTHER]

    parts: list[str] = [
        "<!doctype html>",
        f'<html lang="{_e(doc.meta.get("language") or "en")}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="unspin">',
        f"<title>{_e(title)} · unspin report</title>",
        "<style>",
        _asset("report.css"),
        _group_css(all_groups),
        "</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#article">Skip to the article</a>',
        '<header class="top">',
        '<p class="brand">unspin <span>· how this article persuades</span></p>',
        f'<h1 id="title">{_e(title)}</h1>',
    ]
    meta = _meta_items(doc)
    if meta:
        parts.append('<dl class="meta">')
        for key, value in meta:
            href = _safe_href(value) if key == "Source" else None
            shown = (
                f'<a href="{_e(href)}" rel="noopener noreferrer nofollow">{_e(value)}</a>'
                if href
                else _e(value)
            )
            parts.append(f"<div><dt>{_e(key)}</dt><dd>{shown}</dd></div>")
        parts.append("</dl>")
    parts.append(_summary_html(doc, techs, claims, actors))
    parts.append("</header>")

    parts.append('<main class="layout">')
    parts.append('<section class="article card" id="article" aria-labelledby="article-h">')
    parts.append('<h2 id="article-h">Article</h2>')
    if techs is None:
        parts.append('<p class="note">Techniques not analysed: no persuasion layer.</p>')
        parts.append(f'<div class="text" id="text">{_e(doc.text)}</div>')
    else:
        parts.append(
            '<p class="hint">Hover, tap or tab to a highlight to see which technique it is and '
            "why it persuades.</p>"
        )
        parts.append(_article_html(doc, techs))
    parts.append("</section>")

    parts.append('<aside class="side">')
    parts.append(_legend_html(techs))
    parts.append(_chart_html(techs))
    parts.append("</aside>")

    parts.append(_claims_html(claims))
    parts.append(_actors_html(actors))
    parts.append("</main>")
    parts.append(
        '<footer class="foot"><p>Made with unspin. Highlights are machine suggestions for '
        "discussion, not verdicts: read the passage and judge for yourself. Offsets are Unicode "
        f"code points. Document id <code>{_e(doc.id)}</code>.</p></footer>"
    )
    parts.append(
        '<div id="tip" class="tip" role="dialog" aria-modal="false" aria-labelledby="tip-h" '
        "hidden></div>"
    )
    parts.append(
        f'<script type="application/json" id="unspin-data">{_script_json(_payload(doc, techs))}'
        "</script>"
    )
    parts.append("<script>")
    parts.append(_asset("report.js"))
    parts.append("</script>")
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


def _summary_html(
    doc: Document,
    techs: Sequence[_Tech] | None,
    claims: Sequence[Any] | None,
    actors: Sequence[Any] | None,
) -> str:
    def chip(count: Sequence[Any] | None, one: str, many: str) -> str:
        if count is None:
            return f'<li class="chip off">{_e(many)}: not analysed</li>'
        word = one if len(count) == 1 else many
        return f'<li class="chip"><b>{len(count)}</b> {_e(word)}</li>'

    out = ['<ul class="summary">']
    out.append(chip(techs, "technique span", "technique spans"))
    out.append(chip(claims, "claim", "claims"))
    out.append(chip(actors, "actor", "actors"))
    out.append("</ul>")
    producers = []
    for name, layer in sorted(doc.layers.items()):
        if name in ("paragraphs", "sentences"):
            continue
        note = " (rules, no model)" if _is_baseline(layer.producer) else ""
        producers.append(f"<span>{_e(name)}: <code>{_e(layer.producer or '?')}</code>{note}</span>")
    if producers:
        out.append('<p class="producers">' + " · ".join(producers) + "</p>")
    return "\n".join(out)


def _article_html(doc: Document, techs: Sequence[_Tech]) -> str:
    spans = [t.span for t in techs]
    out = ['<div class="text" id="text">']
    for start, end, covering in segments(doc.text, spans):
        piece = _e(doc.text[start:end])
        if not covering:
            out.append(piece)
            continue
        primary = _primary(techs, covering)
        classes = ["seg", f"g-{primary.group.id}"]
        attrs = [f'data-spans="{" ".join(str(i) for i in covering)}"']
        starting = [techs[i] for i in covering if spans[i].start == start]
        if starting:
            classes.append("first")
            attrs.append(f'data-mk="{_e("".join(t.group.marker for t in starting))}"')
        tints = []
        for i in sorted(covering, key=lambda i: (spans[i].end - spans[i].start, i)):
            if techs[i].group.tint not in tints:
                tints.append(techs[i].group.tint)
        if len(covering) > 1:
            classes.append("multi")
        if len(tints) > 1:
            stops = []
            for k, tint in enumerate(tints[:3]):
                a = round(100 * k / min(len(tints), 3))
                b = round(100 * (k + 1) / min(len(tints), 3))
                stops.append(f"{tint} {a}% {b}%")
            attrs.append(f'style="background-image:linear-gradient(180deg,{",".join(stops)})"')
        names = "; ".join(f"{techs[i].name} ({techs[i].group.name})" for i in covering)
        out.append(
            f'<span class="{" ".join(classes)}" tabindex="0" role="button" '
            f'aria-haspopup="dialog" aria-label="{_e(names)}: {piece}" '
            f"{' '.join(attrs)}>{piece}</span>"
        )
    out.append("</div>")
    return "".join(out)


def _legend_html(techs: Sequence[_Tech] | None) -> str:
    counts = Counter(t.group.id for t in techs or [])
    out = [
        '<section class="legend card" aria-labelledby="legend-h">',
        '<h2 id="legend-h">Technique groups</h2>',
        '<p class="hint">Press a group to hide or show its highlights.</p>',
        '<ul class="groups">',
    ]
    groups = list(GROUPS.values())
    if counts.get(_OTHER.id):
        groups.append(_OTHER)
    for grp in groups:
        n = counts.get(grp.id, 0)
        out.append(
            f'<li><button type="button" class="lg sw-{_e(grp.id)}" data-group="{_e(grp.id)}" '
            f'aria-pressed="true"{" disabled" if not n else ""}>'
            f'<span class="mk" aria-hidden="true">{_e(grp.marker)}</span>'
            f'<span class="sample g-{_e(grp.id)}">{_e(grp.name)}</span>'
            f'<span class="n">{n}</span></button>'
            f'<p class="gx">{_e(grp.explanation)}</p></li>'
        )
    out.append("</ul></section>")
    return "\n".join(out)


def _chart_html(techs: Sequence[_Tech] | None) -> str:
    out = [
        '<section class="chart card" aria-labelledby="chart-h">',
        '<h2 id="chart-h">Techniques by count</h2>',
    ]
    if techs is None:
        out.append('<p class="note">Not analysed.</p></section>')
        return "\n".join(out)
    rows = _counts(techs)
    if not rows:
        out.append('<p class="note">No technique spans found.</p></section>')
        return "\n".join(out)
    width, row_h, pad = 360, 38, 4
    height = row_h * len(rows) + pad
    top = max(n for _, n in rows)
    desc = "; ".join(f"{tech.name}: {n}" for tech, n in rows)
    out.append(
        f'<svg id="chart" class="bars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-t" preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart-t">Technique counts: {_e(desc)}</title>'
    )
    bar_max = width - 40
    for k, (tech, n) in enumerate(rows):
        y = k * row_h + pad
        bar = max(4, round(bar_max * n / top))
        out.append(
            f'<g class="bar" data-label="{_e(tech.label)}" data-count="{n}">'
            f'<text x="0" y="{y + 13}" class="bl">'
            f'<tspan fill="{tech.group.ink}">{_e(tech.group.marker)}</tspan> {_e(tech.name)}</text>'
            f'<rect x="0" y="{y + 19}" width="{bar}" height="12" rx="3" '
            f'fill="{tech.group.colour}"/>'
            f'<text x="{bar + 6}" y="{y + 30}" class="bn">{n}</text></g>'
        )
    out.append("</svg></section>")
    return "\n".join(out)


def _claims_html(claims: Sequence[Mapping[str, Any]] | None) -> str:
    out = ['<section class="claims card wide" aria-labelledby="claims-h">']
    if claims is None:
        out.append('<h2 id="claims-h">Claims</h2>')
        out.append('<p class="note">Not analysed: no claims layer.</p></section>')
        return "\n".join(out)
    out.append(f'<h2 id="claims-h">Claims to check <span class="count">{len(claims)}</span></h2>')
    if not claims:
        out.append('<p class="note">No check-worthy claims found.</p></section>')
        return "\n".join(out)
    out.append(
        '<p class="hint">Sentences that state numbers, dates or what someone said: '
        "worth checking against another source.</p>"
    )
    with_score = any(c["score"] is not None for c in claims)
    out.append(
        '<div class="scroll"><table><thead><tr><th scope="col">#</th>'
        '<th scope="col">Claim</th><th scope="col">Numbers</th><th scope="col">Dates</th>'
        '<th scope="col">Attribution</th>'
        + ('<th scope="col">Score</th>' if with_score else "")
        + "</tr></thead><tbody>"
    )
    for n, claim in enumerate(claims, 1):

        def chips(values: Sequence[str], kind: str) -> str:
            return "".join(f'<span class="tag {kind}">{_e(v)}</span>' for v in values)

        out.append(
            f'<tr><td class="num">{n}</td><td class="quote">{_e(_one_line(claim["text"]))}</td>'
            f"<td>{chips(claim['numbers'], 'number')}</td><td>{chips(claim['dates'], 'date')}</td>"
            f"<td>{chips(claim['attribution'], 'attr')}</td>"
            + (f'<td class="num">{_e(_score_text(claim["score"]))}</td>' if with_score else "")
            + "</tr>"
        )
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


def _actors_html(actors: Sequence[Mapping[str, Any]] | None) -> str:
    out = ['<section class="actors card wide" aria-labelledby="actors-h">']
    if actors is None:
        out.append('<h2 id="actors-h">Actors</h2>')
        out.append('<p class="note">Not analysed: no actors layer.</p></section>')
        return "\n".join(out)
    out.append(f'<h2 id="actors-h">Actors <span class="count">{len(actors)}</span></h2>')
    if not actors:
        out.append('<p class="note">No actors found.</p></section>')
        return "\n".join(out)
    out.append('<ul class="people">')
    for actor in actors:
        stance = actor["stance"]
        stance_class = re.sub(r"[^a-z]", "", stance.lower()) or "none"
        out.append('<li class="person">')
        out.append(
            f'<p class="who"><b>{_e(actor["name"])}</b>'
            + (f' <span class="type">{_e(actor["type"])}</span>' if actor["type"] else "")
            + f' <span class="mentions">{actor["mentions"]} mention'
            + ("" if actor["mentions"] == 1 else "s")
            + "</span></p>"
        )
        if actor["aliases"]:
            out.append(
                '<p class="aliases">Also called: '
                + "".join(f'<span class="tag">{_e(a)}</span>' for a in actor["aliases"])
                + "</p>"
            )
        if stance:
            score = actor["stance_score"]
            meter = (
                f' <meter min="0" max="1" value="{score:.3f}">{score:.2f}</meter> '
                f'<span class="sc">{score:.2f}</span>'
                if score is not None
                else ""
            )
            out.append(
                f'<p class="stance">Stance of the article: '
                f'<span class="st st-{_e(stance_class)}">{_e(stance)}</span>{meter}</p>'
            )
            for quote in actor["evidence"][:2]:
                out.append(f"<blockquote>{_e(_one_line(quote, 220))}</blockquote>")
        if actor["techniques"]:
            out.append('<p class="aimed-h">Techniques aimed at them:</p><ul class="aimed">')
            for item in actor["techniques"]:
                grp = item["group"]
                out.append(
                    f'<li class="sw-{_e(grp.id)}"><span class="mk" aria-hidden="true">'
                    f"{_e(grp.marker)}</span> {_e(item['name'])}"
                    + (f" <q>{_e(_one_line(item['text'], 80))}</q>" if item["text"] else "")
                    + "</li>"
                )
            out.append("</ul>")
        out.append("</li>")
    out.append("</ul></section>")
    return "\n".join(out)


def _payload(doc: Document, techs: Sequence[_Tech] | None) -> dict[str, Any]:
    """The data the report's script needs: the text and spans (code-point offsets), taxonomy."""
    techniques: dict[str, Any] = {}
    for tech in techs or []:
        techniques.setdefault(
            tech.label,
            {
                "name": tech.name,
                "group": tech.group.id,
                "explanation": tech.explanation,
                "example": tech.example,
                "semeval2023": list(tech.semeval2023),
            },
        )
    groups = {
        grp.id: {"name": grp.name, "marker": grp.marker, "tint": grp.tint, "ink": grp.ink}
        for grp in [*GROUPS.values(), _OTHER]
    }
    return {
        "schema": "unspin.report/1",
        "id": doc.id,
        "text": doc.text,
        "spans": [
            {"start": t.span.start, "end": t.span.end, "label": t.label, "score": t.span.score}
            for t in techs or []
        ],
        "techniques": techniques,
        "groups": groups,
    }


# ---------------------------------------------------------------------------------------------
# SemEval-2020 Task 11 and Label Studio


def _persuasion_spans(doc: Document, layer: str) -> tuple[Span, ...]:
    if layer not in doc.layers:
        raise InvalidInput(
            f"document {doc.id} has no {layer!r} layer to write; run a persuasion detector first"
        )
    return doc.layers[layer].spans


def semeval_si_lines(
    doc: Document, article_id: str, *, layer: str = PERSUASION, merge: bool = True
) -> list[str]:
    """Return SemEval-2020 Task 11 span-identification lines ``id<TAB>start<TAB>end``.

    Args:
        doc: the document, with offsets into the article file's text.
        article_id: the article id (``123`` for ``article123.txt``).
        layer: the layer whose spans to write.
        merge: merge overlapping or touching spans, since SI asks where propaganda is, not which.

    Returns:
        One line (without a newline) per span, sorted by offset.

    Raises:
        InvalidInput: the document has no such layer.
    """
    spans = sorted((s.start, s.end) for s in _persuasion_spans(doc, layer) if s.end > s.start)
    if merge:
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        spans = [(a, b) for a, b in merged]
    else:
        spans = sorted(set(spans))
    return [f"{article_id}\t{start}\t{end}" for start, end in spans]


def semeval_tc_lines(doc: Document, article_id: str, *, layer: str = PERSUASION) -> list[str]:
    """Return SemEval-2020 Task 11 technique lines ``id<TAB>technique<TAB>start<TAB>end``.

    Args:
        doc: the document, with offsets into the article file's text.
        article_id: the article id (``123`` for ``article123.txt``).
        layer: the layer whose spans to write.

    Returns:
        One line (without a newline) per span, sorted by offset.

    Raises:
        InvalidInput: the document has no such layer, or a span's label is not a PTC technique.
    """
    lines = []
    for span in _persuasion_spans(doc, layer):
        technique(span.label)  # raises InvalidInput for a label the scorer would reject
        lines.append(f"{article_id}\t{span.label}\t{span.start}\t{span.end}")
    return lines


def label_studio_config() -> str:
    """Return a Label Studio labelling config for the 14 techniques, coloured by group."""
    from unspin.taxonomy import TECHNIQUES

    labels = []
    for label in TECHNIQUES:
        grp = GROUPS[technique(label).group]
        labels.append(f'    <Label value="{_e(label)}" background="{grp.colour}"/>')
    return (
        "<View>\n"
        '  <Labels name="technique" toName="text">\n' + "\n".join(labels) + "\n  </Labels>\n"
        '  <Text name="text" value="$text" granularity="symbol"/>\n'
        "</View>\n"
    )


def label_studio_tasks(
    docs: Iterable[Document], *, layer: str = PERSUASION
) -> list[dict[str, Any]]:
    """Return Label Studio import tasks, with the persuasion layer as predictions.

    Offsets are code points, as Label Studio stores them for ``Text`` since its emoji fix; each
    result also carries the span text so a mismatch is visible. A document without the layer
    becomes a task without predictions (to annotate from scratch). Use with
    :func:`label_studio_config`.

    Args:
        docs: the documents.
        layer: the layer to turn into predictions.

    Returns:
        A JSON-ready list of tasks (``json.dump`` it to a file and import it).
    """
    tasks: list[dict[str, Any]] = []
    for doc in docs:
        data: dict[str, Any] = {"text": doc.text, "unspin_id": doc.id}
        for key in ("title", "source", "published"):
            if doc.meta.get(key):
                data[key] = str(doc.meta[key])
        task: dict[str, Any] = {"data": data}
        found = doc.layers.get(layer)
        if found is not None:
            results = []
            scores = []
            for k, span in enumerate(found.spans):
                if span.end <= span.start:
                    continue
                result: dict[str, Any] = {
                    "id": f"{doc.id[:8]}-{k}",
                    "from_name": "technique",
                    "to_name": "text",
                    "type": "labels",
                    "value": {
                        "start": span.start,
                        "end": span.end,
                        "text": doc.text[span.start : span.end],
                        "labels": [span.label],
                    },
                }
                if span.score is not None:
                    result["score"] = float(span.score)
                    scores.append(float(span.score))
                results.append(result)
            prediction: dict[str, Any] = {
                "model_version": found.producer or "unspin",
                "result": results,
            }
            if scores:
                prediction["score"] = sum(scores) / len(scores)
            task["predictions"] = [prediction]
        tasks.append(task)
    return tasks


# ---------------------------------------------------------------------------------------------
# Dispatch


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
        return render_json(doc, indent=indent)
    if fmt == "jsonl":
        return jsonl_line(doc)
    if fmt == "md":
        return render_markdown(doc)
    if fmt == "html":
        return render_html(doc)
    if fmt == "text":
        return _render_text_string(doc, width=width, colour=colour)
    raise InvalidInput(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
