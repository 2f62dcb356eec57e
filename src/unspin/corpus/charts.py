"""Charts (PNG, matplotlib's Agg backend) and an HTML page for corpus statistics.

Every piece of article-derived text (sources, actor names, labels) is escaped in the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.errors import StorageError

if TYPE_CHECKING:
    from unspin.corpus.stats import SourceStatistics, Statistics
    from unspin.corpus.timeline import TimelineRow

__all__ = ["write_report"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _per_document(source: Any, label: str) -> float:
    rate = source.techniques.get(label)
    return rate.per_document if rate is not None else 0.0


def _technique_chart(stats: Statistics | SourceStatistics, path: Path) -> bool:
    sources = [s.source for s in stats.sources][:20]
    labels = list(stats.techniques)
    if not sources or not labels:
        return False
    plt = _pyplot()
    rates = [
        [
            next((_per_document(s, label) for s in stats.sources if s.source == source), 0.0)
            for label in labels
        ]
        for source in sources
    ]
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.6 + 3), max(3, len(sources) * 0.4 + 2)))
    image = ax.imshow(rates, aspect="auto", cmap="Oranges")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(sources)), sources, fontsize=8)
    ax.set_title("Technique spans per document, by source")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _timeline_chart(timeline: Sequence[TimelineRow], path: Path) -> bool:
    if not timeline:
        return False
    plt = _pyplot()
    periods = [row.period for row in timeline]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(periods, [row.documents for row in timeline], marker="o", label="documents")
    totals = [sum(row.techniques.values()) for row in timeline]
    ax.plot(periods, totals, marker="s", label="technique spans")
    ax.set_title("Documents and technique spans over time")
    ax.tick_params(axis="x", rotation=45, labelsize=8)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def _stance_chart(stats: Statistics | SourceStatistics, path: Path) -> bool:
    rows = [
        (actor.name, source, values.net)
        for actor in stats.actors[:8]
        for source, values in actor.stance.items()
        if values.net is not None
    ]
    if not rows:
        return False
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, max(3, len(rows) * 0.3 + 1.5)))
    names = [f"{name} / {source}" for name, source, _ in rows]
    values = [net for _, _, net in rows]
    ax.barh(names, values, color=["#c0392b" if v < 0 else "#27ae60" for v in values])
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title("Net stance toward the most named actors, by source")
    ax.set_xlabel("mean stance: -1 all negative, 0 neutral or balanced, +1 all positive")
    ax.tick_params(axis="y", labelsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def write_report(
    stats: Statistics | SourceStatistics, timeline: Sequence[TimelineRow], folder: Path
) -> Path:
    """Write the charts as PNG files and an ``index.html`` page showing them with the tables.

    Args:
        stats: what :func:`unspin.corpus.stats.stats_report` (or ``source_stats``) returns.
        timeline: what :func:`unspin.corpus.timeline.document_timeline` returns.
        folder: where to write (created if missing).

    Returns:
        The path of the HTML page.

    Raises:
        StorageError: the folder cannot be written.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"cannot write the report to {folder}: {exc.strerror}") from None
    charts = []
    for name, draw, title in (
        ("techniques.png", lambda p: _technique_chart(stats, p), "Technique rates"),
        ("timeline.png", lambda p: _timeline_chart(timeline, p), "Timeline"),
        ("stance.png", lambda p: _stance_chart(stats, p), "Stance toward actors"),
    ):
        if draw(folder / name):
            charts.append((name, title))
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>unspin corpus statistics</title><style>body{font-family:sans-serif;"
        "max-width:70em;margin:auto}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}</style></head><body>",
        "<h1>Corpus statistics</h1>",
    ]
    for name, title in charts:
        parts.append(f"<h2>{esc(title)}</h2><img src='{esc(name)}' alt='{esc(title)}'>")
    parts.append(
        "<h2>Techniques per document, by source</h2><table><tr><th>source</th>"
        "<th>documents</th>" + "".join(f"<th>{esc(t)}</th>" for t in stats.techniques) + "</tr>"
    )
    for source in stats.sources:
        cells = "".join(f"<td>{_per_document(source, t):.2f}</td>" for t in stats.techniques)
        parts.append(f"<tr><td>{esc(source.source)}</td><td>{source.documents}</td>{cells}</tr>")
    parts.append(
        "</table><h2>Most named actors</h2><table><tr><th>actor</th><th>documents</th>"
        "<th>stance by source (negative / neutral / positive, net)</th></tr>"
    )
    for actor in stats.actors:
        stance = "; ".join(
            f"{esc(src)}: {v.negative}/{v.neutral}/{v.positive}"
            + (f", net {v.net:+.2f}" if v.net is not None else "")
            for src, v in actor.stance.items()
        )
        parts.append(
            f"<tr><td>{esc(actor.name)}</td><td>{actor.documents}</td><td>{stance}</td></tr>"
        )
    parts.append(
        "</table><h2>Timeline</h2><table><tr><th>period</th><th>documents</th>"
        "<th>technique spans</th></tr>"
    )
    for row in timeline:
        parts.append(
            f"<tr><td>{esc(row.period)}</td><td>{row.documents}</td>"
            f"<td>{sum(row.techniques.values())}</td></tr>"
        )
    parts.append("</table></body></html>\n")
    page = folder / "index.html"
    page.write_text("".join(parts), encoding="utf-8")
    return page
