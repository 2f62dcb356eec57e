"""``unspin corpus --db URL <command>``: the corpus commands of the CLI.

``unspin.cli.build_parser`` calls :func:`add_corpus_parser`; every handler opens the store,
makes one library call and renders the result. Errors propagate as ``UnspinError`` for
``unspin.cli.main`` to report.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.cli.options import command, db_option, format_option, input_options

if TYPE_CHECKING:
    from unspin.corpus.narratives import Narratives

__all__ = ["add_corpus_parser"]


def add_corpus_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``corpus`` and its subcommands to the top-level subparsers.

    Args:
        sub: the top-level ``add_subparsers()`` object.

    Returns:
        The ``corpus`` parser.
    """
    corpus = command(
        sub,
        "corpus",
        None,
        summary="store analysed articles; find copies, narratives and trends",
        example="unspin corpus --db corpus.db add articles/ && unspin corpus --db corpus.db dups",
        description="The store (--db) is a SQLite file or sqlite:///PATH, or "
        "postgresql://USER@HOST/DB;\nwithout --db it is $UNSPIN_DB, else corpus.db in this folder "
        "(the same store\n'unspin serve' opens).",
    )

    def show_help(args: argparse.Namespace) -> int:
        corpus.print_help(sys.stderr)
        return 2

    corpus.set_defaults(func=show_help)
    db_option(corpus)
    csub = corpus.add_subparsers(dest="corpus_command", metavar="COMMAND")

    def subcommand(*args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        # --db works after the subcommand too; only `corpus` holds its default, because
        # argparse copies a subcommand's defaults over what `corpus --db URL` parsed
        parser = command(*args, **kwargs)
        db_option(parser, default=argparse.SUPPRESS)
        return parser

    add = subcommand(
        csub,
        "add",
        cmd_add,
        summary="analyse inputs and store them",
        example="unspin corpus --db corpus.db add articles/ feed.jsonl",
        description="Documents already stored by the same detector versions are "
        "skipped, so an interrupted add resumes where it stopped.",
    )
    input_options(add)

    listing = subcommand(
        csub,
        "list",
        cmd_list,
        summary="list stored documents, newest first",
        example="unspin corpus --db corpus.db list --limit 20",
    )
    _paging(listing)
    format_option(listing, ("table", "json", "jsonl"))

    show = subcommand(
        csub,
        "show",
        cmd_show,
        summary="show one stored document",
        example="unspin corpus --db corpus.db show 3f2a9c0d1e4b5a67 --format md",
    )
    show.add_argument("id", metavar="ID")
    format_option(show, ("json", "text", "md", "html"))

    search = subcommand(
        csub,
        "search",
        cmd_search,
        summary="full-text search with filters",
        example='unspin corpus --db corpus.db search "warehouse fire" '
        "--technique Loaded_Language --since 2024-05-01",
    )
    search.add_argument("query", metavar="QUERY", help="words that must all occur ('' for any)")
    search.add_argument("--source", help="source path or URL (or its start), or outlet")
    search.add_argument("--since", metavar="DATE", help="published on or after (YYYY-MM-DD)")
    search.add_argument("--until", metavar="DATE", help="published on or before (YYYY-MM-DD)")
    search.add_argument("--technique", metavar="LABEL", help="a technique in the document")
    search.add_argument("--actor", metavar="NAME", help="an actor (or alias) the document names")
    _paging(search)
    format_option(search, ("table", "json", "jsonl"))

    export = subcommand(
        csub,
        "export",
        cmd_export,
        summary="export every stored document",
        example="unspin corpus --db corpus.db export --format labelstudio -o tasks.json",
    )
    export.add_argument(
        "-f", "--format", required=True, choices=("jsonl", "csv", "parquet", "labelstudio")
    )
    export.add_argument("-o", "--output", metavar="PATH", help="file to write (default stdout)")

    imp = subcommand(
        csub,
        "import",
        cmd_import,
        summary="import a Label Studio export as gold layers",
        example="unspin corpus --db corpus.db import export.json --layer persuasion-gold",
    )
    imp.add_argument("file", metavar="FILE", help="Label Studio JSON export (or -)")
    imp.add_argument("--layer", default="persuasion-gold", help="gold layer name")

    delete = subcommand(
        csub,
        "delete",
        cmd_delete,
        summary="remove a stored document",
        example="unspin corpus --db corpus.db delete 3f2a9c0d1e4b5a67",
    )
    delete.add_argument("id", metavar="ID")

    stats = subcommand(
        csub,
        "stats",
        cmd_stats,
        summary="technique rates per source, actors and stance, charts",
        example="unspin corpus --db corpus.db stats --charts report/",
    )
    stats.add_argument(
        "--freq",
        choices=("day", "week"),
        default="week",
        help="periods for rates over time (default week)",
    )
    stats.add_argument("--actors", type=int, default=10, metavar="N", help="actors to list")
    stats.add_argument("--charts", metavar="DIR", help="write PNG charts and index.html into DIR")
    format_option(stats, ("table", "json"))

    dups = subcommand(
        csub,
        "dups",
        cmd_dups,
        summary="clusters of republished and edited copies",
        example="unspin corpus --db corpus.db dups --format json",
    )
    dups.add_argument(
        "--overlap",
        type=float,
        default=0.5,
        help="least share of the shorter text in the longer (default 0.5)",
    )
    dups.add_argument(
        "--jaccard",
        type=float,
        default=0.25,
        help="least Jaccard similarity of word 3-shingles (default 0.25)",
    )
    dups.add_argument("--shingle", type=int, default=3, help="words per shingle (default 3)")
    format_option(dups, ("table", "json"))

    narratives = subcommand(
        csub,
        "narratives",
        cmd_narratives,
        summary="documents or claims clustered by meaning",
        example="unspin corpus --db corpus.db narratives --unit claim",
    )
    _narrative_options(narratives)
    format_option(narratives, ("table", "json"))

    timeline = subcommand(
        csub,
        "timeline",
        cmd_timeline,
        summary="documents, techniques and narratives per day or week",
        example="unspin corpus --db corpus.db timeline --freq week --narratives",
    )
    timeline.add_argument(
        "--narratives",
        action="store_true",
        help="also count narratives (needs the embedding model)",
    )
    _narrative_options(timeline, freq=False)
    timeline.add_argument("--freq", choices=("day", "week"), default="day")
    format_option(timeline, ("table", "json"))
    return corpus


def _paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=50, help="at most N documents (default 50)")
    parser.add_argument("--offset", type=int, default=0, help="skip the first N")


def _narrative_options(parser: argparse.ArgumentParser, *, freq: bool = True) -> None:
    parser.add_argument(
        "--unit",
        choices=("document", "claim"),
        default="document",
        help="cluster whole documents or their claims",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="least cosine similarity to a cluster (default 0.5)",
    )
    parser.add_argument("--min-size", type=int, default=2, help="least members (default 2)")
    parser.add_argument(
        "--model-dir",
        metavar="DIR",
        help="load the embedding model from DIR instead of the shipped one",
    )
    if freq:
        parser.add_argument("--freq", choices=("day", "week"), default="day")


# ---------------------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Any:
    from unspin.store import open_corpus

    return open_corpus(args.db)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, width=None if sys.stdout.isatty() else 140)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # markup=False: article text must never be read as rich markup
        from rich.text import Text

        table.add_row(*[Text("" if v is None else str(v)) for v in row])
    return table


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_add(args: argparse.Namespace) -> int:
    """Analyse and store inputs, with a progress bar on a terminal."""
    from unspin.corpus.ingest import add_inputs

    show = not args.quiet and sys.stderr.isatty()
    with _open(args) as corpus, _add_progress(show) as tick:
        report = add_inputs(
            corpus,
            args.inputs,
            detectors=args.detectors,
            allow_private=args.allow_private,
            timeout=args.timeout,
            on_item=tick,
        )
    if not show:
        for line in report.failures:
            print(f"unspin: {line}", file=sys.stderr)
    print(
        f"added {report.added}, skipped {report.skipped} (already stored), failed {report.failed}",
        file=sys.stderr,
    )
    return 1 if report.failed else 0


@contextlib.contextmanager
def _add_progress(show: bool) -> Iterator[Callable[[str, Any], None] | None]:
    """Yield the ``on_item`` callback that draws the progress bar (None when not shown)."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.text import Text

    console = _console(stderr=True)
    counts = {"added": 0, "skipped": 0, "failed": 0}
    with Progress(
        SpinnerColumn(),
        TextColumn("adding"),
        BarColumn(bar_width=None),
        TextColumn(
            "{task.fields[added]} added, {task.fields[skipped]} skipped, "
            "{task.fields[failed]} failed"
        ),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("add", total=None, added=0, skipped=0, failed=0)

        def tick(what: str, item: Any) -> None:
            counts[what] += 1
            bar.update(task, advance=1, **counts)  # type: ignore[arg-type]
            if what == "failed":
                console.print(Text(f"unspin: {item}"))

        yield tick


def _doc_rows(docs: list[Any]) -> list[list[Any]]:
    from unspin.formats.view import summary

    rows = []
    for doc in docs:
        about = summary(doc)
        techniques = about["techniques"]
        rows.append(
            [
                about["id"],
                about["published"] or "",
                about["source"] or "",
                about["title"] or "",
                "-" if techniques is None else sum(techniques.values()),
            ]
        )
    return rows


def _print_docs(docs: list[Any], total: int, fmt: str, title: str) -> None:
    if fmt == "json":
        _print_json({"total": total, "documents": [doc.to_dict() for doc in docs]})
    elif fmt == "jsonl":
        from unspin.formats.json import write_jsonl

        write_jsonl(docs, sys.stdout)
    else:
        _console().print(
            _table(
                f"{title} ({len(docs)} of {total})",
                ["id", "published", "source", "title", "techniques"],
                _doc_rows(docs),
            )
        )


def cmd_list(args: argparse.Namespace) -> int:
    """List stored documents."""
    with _open(args) as corpus:
        docs, total = corpus.search("", limit=args.limit, offset=args.offset)
    _print_docs(docs, total, args.format, "documents")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one document in a report format."""
    from unspin.formats import render

    with _open(args) as corpus:
        doc = corpus.get(args.id)
    sys.stdout.write(render(doc, args.format))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search the store."""
    with _open(args) as corpus:
        docs, total = corpus.search(
            args.query,
            source=args.source,
            since=args.since,
            until=args.until,
            technique=args.technique,
            actor=args.actor,
            limit=args.limit,
            offset=args.offset,
        )
    _print_docs(docs, total, args.format, f"search {args.query!r}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the stored documents."""
    from unspin.corpus.exchange import export_documents

    with _open(args) as corpus:
        out: Any = Path(args.output) if args.output and args.output != "-" else sys.stdout
        count = export_documents(corpus.iter_documents(), args.format, out)
    print(f"exported {count} documents", file=sys.stderr)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import Label Studio annotations as gold layers."""
    from unspin.corpus.exchange import import_labelstudio, read_json

    tasks = read_json(args.file)
    with _open(args) as corpus:
        report = import_labelstudio(corpus, tasks, layer=args.layer)
    print(
        f"imported {report.spans} spans into {report.documents} documents as layer "
        f"{args.layer!r}; skipped {report.skipped_tasks} tasks, repaired "
        f"{report.repaired_offsets} offsets, rejected {report.rejected_spans} spans",
        file=sys.stderr,
    )
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete a document."""
    with _open(args) as corpus:
        corpus.delete(args.id)
    print(f"deleted {args.id}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print per-source statistics; optionally write charts and an HTML page."""
    from unspin.corpus.stats import stats_report

    with _open(args) as corpus:
        report = stats_report(corpus, freq=args.freq, top_actors=args.actors)
    if args.charts:
        from unspin.corpus.charts import write_report

        page = write_report(report, report.timeline, Path(args.charts))
        print(f"wrote {page}", file=sys.stderr)
    if args.format == "json":
        _print_json(report.to_dict())
        return 0
    store = report.store
    console = _console()
    console.print(
        _table(
            "store",
            ["documents", "sightings", "sources", "from", "to", "backend", "schema"],
            [
                [
                    store[key]
                    for key in (
                        "documents",
                        "sightings",
                        "outlets",
                        "published_from",
                        "published_to",
                        "backend",
                        "schema_version",
                    )
                ]
            ],
        )
    )
    labels = list(report.techniques)
    console.print(
        _table(
            "technique spans per document, by source",
            ["source", "documents", *labels],
            [
                [
                    s.source,
                    s.documents,
                    *[f"{_per_document(s, t):.2f}" for t in labels],
                ]
                for s in report.sources
            ],
        )
    )
    console.print(
        _table(
            f"technique spans per document, by source and {args.freq}",
            ["period", "source", "documents", *labels],
            [
                [
                    r.period,
                    r.source,
                    r.documents,
                    *[f"{r.techniques.get(t, 0.0):.2f}" for t in labels],
                ]
                for r in report.over_time
            ],
        )
    )
    rows = []
    for actor in report.actors:
        for source, v in actor.stance.items():
            rows.append(
                [
                    actor.name,
                    actor.documents,
                    source,
                    v.negative,
                    v.neutral,
                    v.positive,
                    v.unknown,
                    "" if v.net is None else f"{v.net:+.2f}",
                ]
            )
    console.print(
        _table(
            "most named actors and the stance of each source",
            ["actor", "documents", "source", "negative", "neutral", "positive", "no stance", "net"],
            rows,
        )
    )
    return 0


def _per_document(source: Any, label: str) -> float:
    rate = source.techniques.get(label)
    return rate.per_document if rate is not None else 0.0


def cmd_dups(args: argparse.Namespace) -> int:
    """Print clusters of near-duplicate documents."""
    from unspin.corpus.dups import DupOptions, corpus_duplicates

    options = DupOptions(shingle=args.shingle, overlap=args.overlap, jaccard=args.jaccard)
    with _open(args) as corpus:
        result = corpus_duplicates(corpus, options)
    if args.format == "json":
        _print_json(result.to_dict())
        return 0
    rows = []
    for number, cluster in enumerate(result.clusters, 1):
        for member in cluster.members:
            rows.append([number, member.id, member.source, f"{member.similarity:.2f}"])
    _console().print(
        _table(
            f"{len(result.clusters)} clusters of copies among {result.documents} documents",
            ["cluster", "id", "source", "similarity"],
            rows,
        )
    )
    return 0


def _narratives(args: argparse.Namespace, corpus: Any, freq: str) -> Narratives:
    from unspin.corpus.narratives import NarrativeOptions, corpus_narratives
    from unspin.models.embeddings import Embedder

    options = NarrativeOptions(threshold=args.threshold, min_size=args.min_size, freq=freq)
    embedder = Embedder(directory=args.model_dir) if args.model_dir else Embedder()
    return corpus_narratives(corpus, embedder=embedder, unit=args.unit, options=options)


def cmd_narratives(args: argparse.Namespace) -> int:
    """Print narratives with key phrases, sources and timeline."""
    with _open(args) as corpus:
        result = _narratives(args, corpus, args.freq)
    if args.format == "json":
        _print_json(result.to_dict())
        return 0
    rows = [
        [
            n.id,
            n.label,
            n.size,
            ", ".join(f"{s.source} ({s.count})" for s in n.sources),
            n.first_seen,
            n.last_seen,
        ]
        for n in result.narratives
    ]
    _console().print(
        _table(
            f"{len(rows)} narratives among {result.units} {result.unit}s "
            f"({result.unassigned} in none)",
            ["id", "key phrases", "size", "sources", "first", "last"],
            rows,
        )
    )
    return 0


def cmd_timeline(args: argparse.Namespace) -> int:
    """Print documents, techniques (and narratives) per period."""
    from unspin.corpus.narratives import timeline_with_narratives
    from unspin.corpus.timeline import document_timeline

    with _open(args) as corpus:
        timeline = document_timeline(corpus, args.freq)
        if args.narratives:
            timeline = timeline_with_narratives(timeline, _narratives(args, corpus, args.freq))
    if args.format == "json":
        _print_json({"freq": args.freq, "timeline": [row.to_dict() for row in timeline]})
        return 0
    columns = ["period", "documents", "techniques"] + (["narratives"] if args.narratives else [])
    rows = []
    for row in timeline:
        cells = [row.period, row.documents, _counts(row.techniques)]
        if args.narratives:
            cells.append(_counts(row.narratives or {}))
        rows.append(cells)
    _console().print(_table(f"timeline per {args.freq}", columns, rows))
    return 0


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in counts.items())
