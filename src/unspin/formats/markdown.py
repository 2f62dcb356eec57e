"""The Markdown writer: metadata, techniques by group, claims and actors tables; article text is
escaped everywhere."""

from __future__ import annotations

import re
from typing import Any

from unspin.document import Document
from unspin.formats.view import (
    CLAIMS,
    PERSUASION,
    _actors,
    _claims,
    _counts,
    _groups_in_order,
    _is_baseline,
    _meta_items,
    _one_line,
    _score_text,
    _technique_spans,
    _title,
    factcheck_label,
)

__all__ = ["md_escape", "render_markdown"]


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(text: str) -> str:
    """Escape untrusted text for Markdown: HTML characters as entities, markup with backslashes.

    Newlines become spaces, so the result is safe inside a list item or a table cell.
    """
    text = " ".join(text.split())
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text


def _factchecks_md(claims: list[dict[str, Any]]) -> list[str]:
    """The "Checked before" section: for each claim that was matched, its fact-checks."""
    if not any(c["factchecks"] is not None for c in claims):
        return []
    lines = ["### Checked before", ""]
    found = False
    for n, claim in enumerate(claims, 1):
        for check in claim["factchecks"] or []:
            found = True
            label = md_escape(factcheck_label(check))
            link = f"[{label}](<{check['url'].replace('>', '%3E')}>)" if check["url"] else label
            similarity = check["similarity"]
            sim = f", similarity {similarity:.2f}" if similarity is not None else ""
            lines.append(f"- Claim {n}: {link}: “{md_escape(check['claim_reviewed'])}”{sim}")
    if not found:
        lines.append("No published fact-check found for these claims.")
    lines.append("")
    return lines


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
            with_score = any(c["score"] is not None for c in claims)
            lines += [
                "| # | Claim | Numbers | Dates | Attribution |"
                + (" Score |" if with_score else ""),
                "|---:|---|---|---|---|" + ("---:|" if with_score else ""),
            ]
            for n, claim in enumerate(claims, 1):
                cells = [
                    md_escape(claim["text"]),
                    ", ".join(md_escape(x) for x in claim["numbers"]),
                    ", ".join(md_escape(x) for x in claim["dates"]),
                    ", ".join(md_escape(x) for x in claim["attribution"]),
                ]
                if with_score:
                    cells.append(_score_text(claim["score"]))
                lines.append(f"| {n} | " + " | ".join(cells) + " |")
            lines.append("")
            lines += _factchecks_md(claims)
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
