"""``unspin factchecks --db URL <command>``: the fact-check collection commands of the CLI.

``unspin.cli.build_parser`` calls :func:`add_factchecks_parser`; each handler opens the store,
makes one library call and renders the result. Errors propagate as ``UnspinError`` for
``unspin.cli.main`` to report.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from unspin.cli.options import command, db_option, format_option

__all__ = ["add_factchecks_parser"]


def add_factchecks_parser(sub: Any) -> argparse.ArgumentParser:
    """Add ``factchecks`` and its subcommands to the top-level subparsers.

    Args:
        sub: the top-level ``add_subparsers()`` object.

    Returns:
        The ``factchecks`` parser.
    """
    top = command(
        sub,
        "factchecks",
        None,
        summary="keep a collection of published fact-checks and match claims to it",
        example="unspin factchecks --db corpus.db import claimreview.json && "
        'unspin factchecks --db corpus.db match "Vaccines contain microchips."',
        description="The collection lives in the store (--db), beside the corpus: a SQLite file "
        "or\nsqlite:///PATH, or postgresql://USER@HOST/DB (default $UNSPIN_DB, else corpus.db).\n"
        "'unspin analyze --db URL' and 'unspin serve' match every claim against it.",
    )

    def show_help(args: argparse.Namespace) -> int:
        top.print_help(sys.stderr)
        return 2

    top.set_defaults(func=show_help)
    db_option(top)
    fsub = top.add_subparsers(dest="factchecks_command", metavar="COMMAND")

    def subcommand(*args: Any, **kwargs: Any) -> argparse.ArgumentParser:
        parser = command(*args, **kwargs)
        db_option(parser, default=argparse.SUPPRESS)
        return parser

    imp = subcommand(
        fsub,
        "import",
        cmd_import,
        summary="import fact-checks (ClaimReview JSON-LD, data feeds, HTML pages, JSONL, CSV)",
        example="unspin factchecks --db corpus.db import feed.json reviews/ checks.csv",
        description="FILE is a .json/.jsonld (ClaimReview objects or lists, @graph, a DataFeed, "
        "a Fact Check\nTools 'claims' response), .jsonl/.ndjson (a record a line: ClaimReview "
        "or CheckThat!\nvclaims), .html/.htm (ClaimReview in <script type=application/ld+json>), "
        ".csv/.tsv\n(a header row: claim, rating, reviewer, url, date, claimant, ...), a folder, "
        "or - for stdin.\nRecords are de-duplicated by URL or content; an interrupted import "
        "resumes when run again.\nBad records are reported one line each and skipped (exit 1).",
    )
    imp.add_argument("files", nargs="+", metavar="FILE")
    imp.add_argument(
        "--no-embed",
        action="store_true",
        help="store only; embed later ('factchecks index' or the first match)",
    )
    imp.add_argument("--model-dir", metavar="DIR", help="a retrieval model other than the shipped")

    listing = subcommand(
        fsub,
        "list",
        cmd_list,
        summary="list stored fact-checks, newest review first",
        example="unspin factchecks --db corpus.db list --limit 20",
    )
    _paging(listing)
    listing.add_argument("--reviewer", help="only this reviewer's")
    format_option(listing, ("table", "json", "jsonl"))

    search = subcommand(
        fsub,
        "search",
        cmd_search,
        summary="find fact-checks by words of their claim, title or claimant",
        example='unspin factchecks --db corpus.db search "wind turbines"',
    )
    search.add_argument("text", metavar="TEXT", help="words that must all occur")
    search.add_argument("--reviewer", help="only this reviewer's")
    _paging(search)
    format_option(search, ("table", "json", "jsonl"))

    show = subcommand(
        fsub,
        "show",
        cmd_show,
        summary="show one fact-check with its source record",
        example="unspin factchecks --db corpus.db show fc-29ee5b349e61f805",
    )
    show.add_argument("id", metavar="ID")

    delete = subcommand(
        fsub,
        "delete",
        cmd_delete,
        summary="remove fact-checks",
        example="unspin factchecks --db corpus.db delete fc-29ee5b349e61f805",
    )
    delete.add_argument("ids", nargs="+", metavar="ID")

    stats = subcommand(
        fsub,
        "stats",
        cmd_stats,
        summary="counts by reviewer and rating, dates, embeddings",
        example="unspin factchecks --db corpus.db stats",
    )
    format_option(stats, ("table", "json"))

    index = subcommand(
        fsub,
        "index",
        cmd_index,
        summary="embed the fact-checks that lack a vector and bring the vector index up to date",
        example="unspin factchecks --db corpus.db index",
        description="Matching does this on first use; run it after a large import so that the "
        "first\n'analyze --db' or 'serve' starts at once.",
    )
    index.add_argument(
        "--model-dir", metavar="DIR", help="a retrieval model other than the shipped"
    )

    match = subcommand(
        fsub,
        "match",
        cmd_match,
        summary="find the fact-checks of claims given as text",
        example='unspin factchecks --db corpus.db match "The moon landing was filmed in a studio."',
    )
    match.add_argument("claims", nargs="+", metavar="CLAIM")
    match.add_argument("--limit", type=int, default=5, help="fact-checks per claim (default 5)")
    match.add_argument(
        "--all",
        action="store_true",
        help="show the best candidates whatever their similarity (not only match / related)",
    )
    match.add_argument(
        "--model-dir", metavar="DIR", help="a retrieval model other than the shipped"
    )
    format_option(match, ("table", "json"))
    return top


def _paging(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--limit", type=int, default=50, help="at most N (default 50)")
    parser.add_argument("--offset", type=int, default=0, help="skip the first N")


# ---------------------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Any:
    from unspin.store import open_corpus

    return open_corpus(args.db)


def _console() -> Any:
    from rich.console import Console

    return Console(width=None if sys.stdout.isatty() else 140)


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        # Text(): fact-check text must never be read as rich markup
        table.add_row(*[Text("" if v is None else str(v)) for v in row])
    return table


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def cmd_import(args: argparse.Namespace) -> int:
    """Import fact-check files; report each bad record on one line."""
    from unspin.corpus.factchecks import import_factchecks, load_encoder

    def report(status: str, item: Any) -> None:
        if status == "failed":
            print(f"unspin: {item}", file=sys.stderr, flush=True)

    encoder = None if args.no_embed else load_encoder(args.model_dir)
    with _open(args) as corpus:
        result = import_factchecks(corpus, args.files, encoder=encoder, on_item=report)
    print(
        f"added {result.added}, updated {result.updated}, skipped {result.skipped} (already "
        f"stored), duplicates {result.duplicates}, failed {result.failed}; embedded "
        f"{result.embedded}",
        file=sys.stderr,
    )
    return 1 if result.failed else 0


def _rows(checks: list[Any]) -> list[list[Any]]:
    return [[c.id, c.published or "", c.reviewer, c.rating, c.claim[:160], c.url] for c in checks]


def _print_checks(checks: list[Any], total: int, fmt: str, title: str) -> None:
    if fmt == "json":
        _print_json({"total": total, "factchecks": [c.to_dict() for c in checks]})
    elif fmt == "jsonl":
        for check in checks:
            sys.stdout.write(json.dumps(check.to_dict(), ensure_ascii=False) + "\n")
    else:
        _console().print(
            _table(
                f"{title} ({len(checks)} of {total})",
                ["id", "date", "reviewer", "rating", "claim", "url"],
                _rows(checks),
            )
        )


def cmd_list(args: argparse.Namespace) -> int:
    """List stored fact-checks."""
    with _open(args) as corpus:
        checks, total = corpus.factchecks.search(
            "", reviewer=args.reviewer, limit=args.limit, offset=args.offset
        )
    _print_checks(checks, total, args.format, "fact-checks")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search fact-checks by words."""
    with _open(args) as corpus:
        checks, total = corpus.factchecks.search(
            args.text, reviewer=args.reviewer, limit=args.limit, offset=args.offset
        )
    _print_checks(checks, total, args.format, f"search {args.text!r}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one fact-check as JSON, with its source record."""
    with _open(args) as corpus:
        check = corpus.factchecks.get(args.id)
    _print_json(check.to_dict(record=True))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    """Delete fact-checks one by one; an unknown id stops there with an error."""
    with _open(args) as corpus:
        for check_id in args.ids:
            corpus.factchecks.delete(check_id)
            print(f"deleted {check_id}", file=sys.stderr)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Print collection counts."""
    with _open(args) as corpus:
        stats = corpus.factchecks.stats()
    if args.format == "json":
        _print_json(stats)
        return 0
    console = _console()
    console.print(
        _table(
            "fact-checks",
            ["fact-checks", "from", "to", "embedded"],
            [
                [
                    stats["factchecks"],
                    stats["published_from"] or "",
                    stats["published_to"] or "",
                    ", ".join(f"{k}: {v}" for k, v in stats["embeddings"].items()) or "none",
                ]
            ],
        )
    )
    console.print(
        _table(
            "reviewers", ["reviewer", "fact-checks"], list(map(list, stats["reviewers"].items()))
        )
    )
    console.print(
        _table("ratings", ["rating", "fact-checks"], list(map(list, stats["ratings"].items())))
    )
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Embed and index the collection."""
    from unspin.corpus.factchecks import open_matcher

    counts = {"embedded": 0, "indexed": 0}

    def progress(what: str, n: int) -> None:
        counts[what] += n

    with _open(args) as corpus:
        matcher = open_matcher(corpus, model_dir=args.model_dir, on_progress=progress)
        size = len(matcher.candidates)  # type: ignore[arg-type]
    print(
        f"embedded {counts['embedded']}, indexed {counts['indexed']}; the index holds {size}",
        file=sys.stderr,
    )
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    """Match claims given on the command line."""
    from unspin.corpus.factchecks import open_matcher
    from unspin.corpus.factchecks.matching import MatchOptions

    options = MatchOptions(limit=args.limit)
    with _open(args) as corpus:
        matcher = open_matcher(corpus, model_dir=args.model_dir, options=options)
        found = matcher.rank(args.claims) if args.all else matcher.match(args.claims)
    if args.format == "json":
        _print_json(
            [
                {"claim": claim, "factchecks": [m.to_dict() for m in matches]}
                for claim, matches in zip(args.claims, found, strict=True)
            ]
        )
        return 0
    console = _console()
    for claim, matches in zip(args.claims, found, strict=True):
        rows = [
            [
                f"{m.similarity:.2f}",
                m.level,
                m.check.reviewer,
                m.check.rating,
                m.check.claim[:160],
                m.check.url,
            ]
            for m in matches
        ]
        console.print(
            _table(
                f"{claim[:100]} ({len(rows)} found)",
                ["similarity", "level", "reviewer", "rating", "claim reviewed", "url"],
                rows,
            )
        )
    return 0


def add_claim_retrieval_parser(eval_sub: Any) -> argparse.ArgumentParser:
    """Add ``unspin eval claim-retrieval`` to the ``eval`` subparsers."""
    parser = command(
        eval_sub,
        "claim-retrieval",
        cmd_eval_claim_retrieval,
        summary="CheckThat! Task 2 (previously fact-checked claims): write the run file, "
        "print MAP@k",
        example="unspin eval claim-retrieval --queries CT2022-Task2A-EN-Dev-Test_Queries.tsv "
        "--vclaims vclaims.jsonl --qrels CT2022-Task2A-EN-Dev-Test_QRELs.tsv --out run.tsv",
        description="Ranks the vclaims for every query with the fact-check matcher and writes "
        "the official run\nfile (qid Q0 vclaim_id rank score tag, tab-separated). With --qrels, "
        "prints MAP@1/3/5/10/20,\nP@k and MRR (MAP@5 is the official measure).",
    )
    parser.add_argument("--queries", required=True, metavar="TSV", help="id<TAB>text, no header")
    parser.add_argument(
        "--vclaims", required=True, metavar="JSONL", help="vclaim_id, vclaim (+ title, ...)"
    )
    parser.add_argument("--qrels", metavar="TSV", help="qid 0 vclaim_id 1: score the run")
    parser.add_argument("--out", required=True, metavar="TSV", help="the run file to write")
    parser.add_argument("--depth", type=int, default=100, help="vclaims per query (<= 1000)")
    parser.add_argument("--tag", default="unspin", help="the run's name (last column)")
    parser.add_argument(
        "--model-dir", metavar="DIR", help="a retrieval model other than the shipped"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def cmd_eval_claim_retrieval(args: argparse.Namespace) -> int:
    """Rank, write the run file and print the scores."""
    from unspin.evaluation.claim_retrieval import evaluate_claim_retrieval

    scores = evaluate_claim_retrieval(
        args.queries,
        args.vclaims,
        out=args.out,
        qrels=args.qrels,
        depth=args.depth,
        tag=args.tag,
        model_dir=args.model_dir,
    )
    if scores is None:
        print(f"wrote {args.out}", file=sys.stderr)
    elif args.format == "json":
        _print_json(scores.to_dict())
    else:
        for line in scores.lines():
            print(line)
    return 0
