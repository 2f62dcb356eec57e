"""The HTML report writer: one self-contained page (inline CSS and JS, nothing fetched) with the
technique spans highlighted in the text, a legend, explanations, a chart, claims and actors.

Article text is untrusted: it is escaped everywhere, and the JSON embedded for the page's script
is escaped for ``<script>``.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from unspin.document import Document, Span
from unspin.formats.view import (
    _OTHER,
    _actors,
    _claims,
    _counts,
    _is_baseline,
    _meta_items,
    _one_line,
    _primary,
    _score_text,
    _Tech,
    _technique_spans,
    _title,
    factcheck_label,
    segments,
)
from unspin.taxonomy import GROUPS, Group

__all__ = ["render_html"]


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
        parts.append(_article_html(doc, [], claims, actors))
    else:
        parts.append(
            '<p class="hint">Hover, tap or tab to a highlight to see which technique it is and '
            "why it persuades.</p>"
        )
        parts.append(_article_html(doc, techs, claims, actors))
    parts.append("</section>")

    parts.append(_legend_html(techs))
    parts.append(_chart_html(techs))

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


def _article_html(
    doc: Document,
    techs: Sequence[_Tech],
    claims: Sequence[Mapping[str, Any]] | None,
    actors: Sequence[Mapping[str, Any]] | None,
) -> str:
    """The article as flat segments: technique spans are focusable, claims and mentions are
    tagged so the panels can point at them."""
    spans = [t.span for t in techs]
    refs: list[tuple[str, Span]] = []
    for n, claim in enumerate(claims or []):
        refs.append((f"c{n}", Span(claim["start"], claim["end"], "claim")))
    for n, actor in enumerate(actors or []):
        for start, end in actor["mention_offsets"]:
            if 0 <= start < end <= len(doc.text):
                refs.append((f"a{n}", Span(start, end, "mention")))
    every = spans + [span for _, span in refs]
    out = ['<div class="text" id="text">']
    for start, end, covering in segments(doc.text, every):
        piece = _e(doc.text[start:end])
        mine = [i for i in covering if i < len(spans)]
        tags = sorted({refs[i - len(spans)][0] for i in covering if i >= len(spans)})
        ref_attr = f' data-refs="{" ".join(tags)}"' if tags else ""
        if not mine:
            out.append(f'<span class="ref"{ref_attr}>{piece}</span>' if tags else piece)
            continue
        primary = _primary(techs, mine)
        classes = ["seg", f"g-{primary.group.id}"]
        attrs = [f'data-spans="{" ".join(str(i) for i in mine)}"']
        starting = [techs[i] for i in mine if spans[i].start == start]
        if starting:
            classes.append("first")
            attrs.append(f'data-mk="{_e("".join(t.group.marker for t in starting))}"')
        tints = []
        for i in sorted(mine, key=lambda i: (spans[i].end - spans[i].start, i)):
            if techs[i].group.tint not in tints:
                tints.append(techs[i].group.tint)
        if len(mine) > 1:
            classes.append("multi")
        if len(tints) > 1:
            stops = []
            bands = min(len(tints), 3)
            for k, tint in enumerate(tints[:3]):
                stops.append(f"{tint} {round(100 * k / bands)}% {round(100 * (k + 1) / bands)}%")
            attrs.append(f'style="background-image:linear-gradient(180deg,{",".join(stops)})"')
        names = "; ".join(f"{techs[i].name} ({techs[i].group.name})" for i in mine)
        out.append(
            f'<span class="{" ".join(classes)}" tabindex="0" role="button" '
            f'aria-haspopup="dialog" aria-label="{_e(names)}: {piece}" '
            f"{' '.join(attrs)}{ref_attr}>{piece}</span>"
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
        here = _counts([t for t in techs or [] if t.group.id == grp.id])
        found = (
            '<p class="gt">Here: '
            + ", ".join(f"{_e(tech.name)} ({count})" for tech, count in here)
            + "</p>"
            if here
            else ""
        )
        out.append(
            f'<li class="sw-{_e(grp.id)}">'
            f'<button type="button" class="lg" data-group="{_e(grp.id)}" '
            f'aria-pressed="true"{" disabled" if not n else ""}>'
            f'<span class="mk" aria-hidden="true">{_e(grp.marker)}</span>'
            f'<span class="sample g-{_e(grp.id)}">{_e(grp.name)}</span>'
            f'<span class="n">{n}</span></button>'
            f'<p class="gx">{_e(grp.explanation)}</p>{found}</li>'
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
    width, row_h, pad = 340, 40, 4
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
            f'<text x="0" y="{y + 14}" class="bl">'
            f'<tspan fill="{tech.group.ink}">{_e(tech.group.marker)}</tspan> {_e(tech.name)}</text>'
            f'<rect x="0" y="{y + 20}" width="{bar}" height="14" rx="3" '
            f'fill="{tech.group.colour}"/>'
            f'<text x="{bar + 6}" y="{y + 32}" class="bn">{n}</text></g>'
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
    matched = any(c["factchecks"] is not None for c in claims)
    out.append(
        '<div class="scroll"><table><thead><tr><th scope="col">#</th>'
        '<th scope="col">Claim</th><th scope="col">Numbers</th><th scope="col">Dates</th>'
        '<th scope="col">Attribution</th>'
        + ('<th scope="col">Checked before</th>' if matched else "")
        + ('<th scope="col">Score</th>' if with_score else "")
        + "</tr></thead><tbody>"
    )
    for n, claim in enumerate(claims, 1):

        def chips(values: Sequence[str], kind: str) -> str:
            return "".join(f'<span class="tag {kind}">{_e(v)}</span>' for v in values)

        out.append(
            f'<tr><td class="num">{n}</td><td class="quote">{_e(_one_line(claim["text"]))}'
            f"{_find_button(f'c{n - 1}', f'Show claim {n} in the article', 'Show in text')}</td>"
            f"<td>{chips(claim['numbers'], 'number')}</td><td>{chips(claim['dates'], 'date')}</td>"
            f"<td>{chips(claim['attribution'], 'attr')}</td>"
            + (f"<td>{_factchecks_html(claim['factchecks'] or [])}</td>" if matched else "")
            + (f'<td class="num">{_e(_score_text(claim["score"]))}</td>' if with_score else "")
            + "</tr>"
        )
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


def _factchecks_html(checks: Sequence[Mapping[str, Any]]) -> str:
    """A claim's fact-checks: a "checked before" badge for a match, then a list of links."""
    if not checks:
        return ""
    out = []
    if any(c["level"] == "match" for c in checks):
        out.append('<span class="badge checked-before">checked before</span>')
    out.append('<ul class="factchecks">')
    for check in checks:
        label = _e(factcheck_label(check))
        head = (
            f'<a href="{_e(check["url"])}" rel="noopener noreferrer" target="_blank">{label}</a>'
            if check["url"]
            else label
        )
        similarity = check["similarity"]
        sim = f" · similarity {similarity:.2f}" if similarity is not None else ""
        out.append(
            f'<li class="factcheck {_e(check["level"])}">{head}'
            f'<div class="note">“{_e(check["claim_reviewed"])}”{sim}</div></li>'
        )
    out.append("</ul>")
    return "".join(out)


def _find_button(ref: str, label: str, text: str) -> str:
    """A button that points at text in the article; hidden until the script shows it."""
    return (
        f'<button type="button" class="find" data-ref="{_e(ref)}" aria-label="{_e(label)}" '
        f"hidden>{_e(text)}</button>"
    )


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
    for k, actor in enumerate(actors):
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
        if actor["mention_offsets"]:
            out.append(
                _find_button(
                    f"a{k}", f"Show where the article mentions {actor['name']}", "Show mentions"
                )
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
