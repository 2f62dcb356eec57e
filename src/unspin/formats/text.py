"""The terminal writer: the article with technique spans marked and coloured by group (rich),
then tables of techniques, claims and actors. Article text goes to rich as ``Text``, never as
markup."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from unspin.document import Document
from unspin.taxonomy import GROUPS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

from unspin.formats.view import (
    _actors,
    _claims,
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

__all__ = ["render_text", "render_text_string"]


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
        matched = any(c["factchecks"] is not None for c in claims)
        if matched:
            table.add_column("Checked before")
        for claim in claims:
            cells = [
                Text(_one_line(claim["text"], 160)),
                Text(", ".join(claim["numbers"])),
                Text(", ".join(claim["dates"])),
                Text(", ".join(claim["attribution"])),
            ]
            if matched:
                cells.append(_checked_cell(claim["factchecks"] or []))
            table.add_row(*cells)
        console.print(table)
        if matched:
            _print_factchecks(console, claims)

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


def render_text_string(doc: Document, *, width: int, colour: bool) -> str:
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


def _checked_cell(checks: Sequence[Any]) -> Text:
    from rich.text import Text

    if not checks:
        return Text("no", style="dim")
    matches = sum(1 for c in checks if c["level"] == "match")
    if matches:
        return Text(f"yes ({len(checks)})", style="bold")
    return Text(f"related ({len(checks)})")


def _print_factchecks(console: Console, claims: Sequence[Any]) -> None:
    """A table of the fact-checks found, a row each, with the whole URL (never cut)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rows = [(n, c, check) for n, c in enumerate(claims, 1) for check in c["factchecks"] or []]
    if not rows:
        console.print(Text("Checked before: no published fact-check found.", style="dim"))
        return
    table = Table(title=f"Checked before ({len(rows)})", box=box.SIMPLE_HEAD)
    table.add_column("Claim", justify="right")
    table.add_column("Fact-check")
    table.add_column("Claim reviewed")
    table.add_column("Similarity", justify="right")
    table.add_column("URL", overflow="fold")
    for n, _, check in rows:
        similarity = check["similarity"]
        table.add_row(
            Text(str(n)),
            Text(factcheck_label(check), style="bold" if check["level"] == "match" else ""),
            Text(_one_line(check["claim_reviewed"], 160)),
            Text("" if similarity is None else f"{similarity:.2f}"),
            Text(check["url"]),
        )
    console.print(table)
