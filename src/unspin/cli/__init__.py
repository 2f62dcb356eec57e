"""The ``unspin`` command line: parse, one library call, render.

Each command is one ``cmd_<name>(args) -> int`` function plus one ``command(...)`` block in
``build_parser`` (the ``corpus`` commands live in ``unspin.cli.corpus``); give it a summary and
an example (a test checks every command has both), and take shared options from
``unspin.cli.options``.
``UnspinError`` is turned into a one-line message and an exit code in ``main`` only; a traceback
appears only with ``--debug``.

Exit codes: 0 every input analysed; 1 some inputs failed (the rest were still written); 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import traceback
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, TextIO

from unspin import __version__
from unspin.cli.options import (
    command,
    db_option,
    debug_option,
    detectors_option,
    input_options,
    positive,
)
from unspin.errors import Failure, InvalidInput, UnknownDetector, UnspinError

__all__ = ["main", "build_parser"]

OUTPUT_FORMATS = ("text", "json", "jsonl", "md", "html")
_SUFFIX = {"text": ".txt", "json": ".json", "md": ".md", "html": ".html"}
# errors that mean the command line asked for something that does not exist
_USAGE_ERRORS: tuple[type[UnspinError], ...] = (UnknownDetector,)


class _UsageError(InvalidInput):
    """A combination of options that cannot work; exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    from unspin.cli.corpus import add_corpus_parser

    parser = argparse.ArgumentParser(
        prog="unspin",
        description="Show how a news or opinion article tries to persuade: techniques, claims, "
        "actors and stance, offline on a CPU.",
        epilog="example:\n  unspin analyze examples/ashen-hand.txt --format html -o report.html",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"unspin {__version__}")
    debug_option(parser, default=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    analyze = command(
        sub,
        "analyze",
        cmd_analyze,
        summary="analyse articles and write a report",
        example="unspin analyze examples/ashen-hand.txt --format html -o report.html",
        description="INPUT is a text, HTML, JSONL or CSV file, a folder, - for stdin, or an "
        "http(s) URL.\nThe format is text on a terminal, else json (one document, or an array "
        "for several);\njsonl streams one document a line. With -o DIR, json, md, html and text "
        "write one file\nper document.",
    )
    input_options(analyze)
    analyze.add_argument(
        "-f",
        "--format",
        choices=OUTPUT_FORMATS,
        help="output format (default: text on a terminal, else json)",
    )
    analyze.add_argument("-o", "--output", metavar="PATH", help="write here instead of stdout")
    analyze.add_argument(
        "--workers",
        type=positive,
        default=2,
        metavar="N",
        help="documents analysed at once (default 2); the CPU cores are shared among them "
        "(UNSPIN_THREADS sets the threads per model instead)",
    )
    analyze.add_argument(
        "--db",
        metavar="URL",
        help="match each claim against the fact-checks in this store ('unspin factchecks "
        "import'); without it, or when the store holds none, claims are not matched",
    )

    evaluate = command(
        sub,
        "eval",
        None,
        summary="score a model on a benchmark",
        example="unspin eval ptc --articles ptc/train-articles --si-gold ptc/train-task-si.labels "
        "--out out/",
        description="Benchmarks: ptc (SemEval-2020 Task 11), claim-retrieval (CheckThat! Task 2).",
    )
    eval_sub = evaluate.add_subparsers(dest="benchmark", metavar="BENCHMARK", required=True)
    ptc = command(
        eval_sub,
        "ptc",
        cmd_eval_ptc,
        summary="SemEval-2020 Task 11 (PTC): write si.txt / tc.txt and print SI and TC scores",
        example="unspin eval ptc --articles ptc/train-articles --si-gold ptc/train-task-si.labels "
        "--tc-gold ptc/train-task-flc-tc.labels --ids runs/persuasion/r1/val-ids.txt --out out/",
        description="Runs the persuasion detector on every article<ID>.txt of --articles. With a "
        "template (or\nTC gold), classifies its spans into tc.txt. With gold files, prints "
        "precision, recall\nand F1 (SI, partial-overlap credit) and micro-F1 per technique (TC).",
    )
    ptc.add_argument("--articles", required=True, metavar="DIR", help="folder of article<ID>.txt")
    ptc.add_argument("--si-gold", metavar="FILE", help="SI gold labels to score against")
    ptc.add_argument("--tc-gold", metavar="FILE", help="TC gold labels to score against")
    ptc.add_argument("--tc-template", metavar="FILE", help="TC template: the spans to classify")
    ptc.add_argument("--ids", metavar="FILE", help="only these article ids (one a line)")
    ptc.add_argument("--model-dir", metavar="DIR", help="a model folder other than the shipped one")
    ptc.add_argument(
        "--tc-repeats",
        choices=("ranked", "same"),
        default="ranked",
        help="a span the template lists k times gets its k most probable techniques (ranked, "
        "the default) or the best one k times (same)",
    )
    ptc.add_argument("--out", required=True, metavar="DIR", help="folder for si.txt and tc.txt")
    from unspin.cli.factchecks import add_claim_retrieval_parser

    add_claim_retrieval_parser(eval_sub)

    command(
        sub,
        "detectors",
        cmd_detectors,
        summary="list detectors with versions, descriptions and model files",
        example="unspin detectors",
    )

    serve = command(
        sub,
        "serve",
        cmd_serve,
        summary="serve the HTTP API and the web page",
        example="unspin serve --db corpus.db --port 8000",
        description="Open http://HOST:PORT/ for the web page, /docs for the API reference.\n"
        "The corpus views and storing use the store --db names (default $UNSPIN_DB, else\n"
        "corpus.db in this folder: the same store as 'unspin corpus');\n"
        "--no-db serves analysis only.\n"
        "Storing and deleting need the key from --api-key or $UNSPIN_API_KEY when one is set.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=positive, default=8000, help="port (default 8000)")
    db_option(serve, what="the corpus")
    serve.add_argument(
        "--no-db", action="store_true", help="serve analysis only, with no corpus and no storing"
    )
    serve.add_argument(
        "--workers", type=positive, default=2, metavar="N", help="analyses at once (default 2)"
    )
    serve.add_argument(
        "--api-key",
        metavar="KEY",
        default=os.environ.get("UNSPIN_API_KEY"),
        help="key that storing and deleting need (default $UNSPIN_API_KEY; none: open)",
    )
    serve.add_argument(
        "--cors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let this origin call the API from a browser (repeatable; default: CORS off)",
    )
    detectors_option(serve, what="detectors when a request names none")
    serve.add_argument(
        "--allow-private",
        action="store_true",
        help="let url inputs reach private, loopback or link-local addresses",
    )

    add_corpus_parser(sub)
    from unspin.cli.factchecks import add_factchecks_parser

    add_factchecks_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Example:
        >>> main(["--version"])  # doctest: +SKIP
        unspin 0.1.0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except UnspinError as exc:
        # the one place errors become messages
        if args.debug:
            raise
        _say(f"unspin: {exc}")
        return 2 if isinstance(exc, _USAGE_ERRORS + (_UsageError,)) else 1
    except KeyboardInterrupt:
        _say("unspin: interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (| head); leave quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _say(line: str, console: Any = None) -> None:
    if console is not None:
        from rich.text import Text

        console.print(Text(line), highlight=False, soft_wrap=True)
    else:
        print(line, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# eval


def cmd_eval_ptc(args: argparse.Namespace) -> int:
    """Run the PTC evaluation and print its summary."""
    from unspin.datasets.ptc import read_ids
    from unspin.evaluation.ptc import evaluate_ptc

    report = evaluate_ptc(
        args.articles,
        out=args.out,
        si_gold=args.si_gold,
        tc_gold=args.tc_gold,
        tc_template=args.tc_template,
        ids=read_ids(args.ids) if args.ids else None,
        model_dir=args.model_dir,
        repeats=args.tc_repeats,
    )
    for line in report.lines():
        print(line)
    return 0


# ---------------------------------------------------------------------------------------------
# analyze


def cmd_analyze(args: argparse.Namespace) -> int:
    """Read every input, run the detectors, write each good document, report each failure."""
    from unspin.models.runtime import set_threads
    from unspin.pipeline import Pipeline
    from unspin.sources import read_items

    output_dir = args.output is not None and Path(args.output).is_dir()
    fmt = args.format or ("text" if args.output is None and sys.stdout.isatty() else "json")
    if output_dir and fmt == "jsonl":
        raise _UsageError(f"--format jsonl writes one stream; -o {args.output} is a folder")
    set_threads(workers=args.workers)
    pipeline = Pipeline.from_names(args.detectors)
    items: Iterator[Any] = chain.from_iterable(
        read_items(source, allow_private=args.allow_private, timeout=args.timeout)
        for source in args.inputs
    )
    failures = 0
    with _progress(args) as progress, _claim_checker(args.db) as check:

        def documents() -> Iterator[Any]:
            nonlocal failures
            for item in pipeline.run_items(items, workers=args.workers):
                if progress is not None:
                    progress.advance()
                if isinstance(item, Failure):
                    failures += 1
                    _report(item, args, progress)
                    continue
                yield check(item)

        if output_dir:
            _write_files(documents(), fmt, Path(args.output))
        else:
            with _open_output(args.output) as out:
                _write_stream(documents(), fmt, out)
    return 1 if failures else 0


@contextlib.contextmanager
def _claim_checker(db: str | None) -> Iterator[Any]:
    """Yield doc -> doc: the store's fact-check matcher, or the identity without one."""
    if db is None:
        yield lambda doc: doc
        return
    from unspin.corpus.factchecks.checker import open_checker
    from unspin.store import open_corpus

    with open_corpus(db) as corpus:
        checker = open_checker(corpus)
        yield checker if checker is not None else (lambda doc: doc)


def _report(failure: Failure, args: argparse.Namespace, progress: Any) -> None:
    console = progress.console if progress is not None else None
    _say(f"unspin: {failure}", console)
    if args.debug:
        lines = traceback.format_exception(failure.error)
        _say("".join(lines).rstrip(), console)


@contextlib.contextmanager
def _open_output(path: str | None) -> Iterator[TextIO]:
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
    except OSError as exc:
        raise _UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    with handle:
        yield handle


def _write_stream(docs: Iterable[Any], fmt: str, out: TextIO) -> None:
    from unspin.formats import render
    from unspin.formats.json import write_jsonl

    if fmt == "jsonl":
        write_jsonl(docs, out)
        return
    written = 0
    pending: Any = None
    for doc in docs:
        if fmt == "json":
            # one document is an object; several become an array, written as they come
            if written == 0:
                pending = doc
            else:
                if written == 1:
                    out.write("[\n" + render(pending, "json").rstrip("\n"))
                out.write(",\n" + render(doc, "json").rstrip("\n"))
            written += 1
            continue
        if written and fmt == "html":
            raise _UsageError("an HTML report holds one document; for several, give -o FOLDER")
        if written:
            out.write("\n---\n\n" if fmt == "md" else "\n")
        out.write(_render(doc, fmt, out))
        out.flush()
        written += 1
    if fmt == "json":
        if written == 1:
            out.write(render(pending, "json"))
        elif written > 1:
            out.write("\n]\n")


def _render(doc: Any, fmt: str, out: TextIO) -> str:
    from unspin.formats import render

    if fmt == "text":
        terminal = out.isatty()
        width = os.get_terminal_size(out.fileno()).columns if terminal else 100
        return render(doc, "text", width=width, colour=terminal)
    return render(doc, fmt)


def _write_files(docs: Iterable[Any], fmt: str, folder: Path) -> None:
    from unspin.formats import render

    for doc in docs:
        name = re.sub(r"[^\w.-]+", "_", doc.id).strip("._")[:100] or doc.text_hash
        path = folder / f"{name}{_SUFFIX[fmt]}"
        path.write_text(render(doc, fmt), encoding="utf-8")


class _Progress:
    """A rich progress line on stderr: documents done so far (the total is not known)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("analysing"),
            BarColumn(bar_width=None),
            TextColumn("{task.completed} items"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._task = self._bar.add_task("analysing", total=None)

    def __enter__(self) -> _Progress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def advance(self) -> None:
        self._bar.advance(self._task)


@contextlib.contextmanager
def _progress(args: argparse.Namespace) -> Iterator[_Progress | None]:
    from unspin.sources import is_batch

    batch = len(args.inputs) > 1 or any(is_batch(source) for source in args.inputs)
    if args.quiet or not batch or not sys.stderr.isatty():
        yield None
        return
    with _Progress() as progress:
        yield progress


# ---------------------------------------------------------------------------------------------
# detectors


def cmd_detectors(args: argparse.Namespace) -> int:
    """Print every registered detector and detector set."""
    from rich.console import Console
    from rich.table import Table

    from unspin.detectors import registry

    listing = registry.listing()
    table = Table(title="detectors", show_lines=False)
    columns = ("name", "version", "provides", "requires", "reads", "description", "model files")
    for column in columns:
        # file names stay whole; the description wraps instead
        table.add_column(column, no_wrap=column == "model files")
    for about in listing.detectors:
        version = about.version or "-"
        if not about.available:
            version = f"{version} (unavailable: {about.problem})"
        table.add_row(
            about.name,
            version,
            ", ".join(about.provides),
            ", ".join(about.requires) or "-",
            ", ".join(about.reads) or "-",
            about.description,
            "\n".join(about.model_files) or "-",
        )
    sets = Table(title="sets")
    sets.add_column("name")
    sets.add_column("detectors")
    for name, members in listing.sets.items():
        sets.add_row(name, ", ".join(members))
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(table)
    console.print(sets)
    return 0


# ---------------------------------------------------------------------------------------------
# serve


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from unspin.api import create_app

    app = create_app(
        db=None if args.no_db else args.db,
        api_key=args.api_key,
        cors_origins=args.cors,
        workers=args.workers,
        detectors=args.detectors,
        allow_private=args.allow_private,
    )
    corpus = app.state.unspin.corpus
    store = "analysis only, no corpus" if corpus is None else repr(corpus)
    _say(
        f"unspin: serving the web page on http://{args.host}:{args.port}/ "
        f"(API docs at /docs; {store})"
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", server_header=False)
    return 0
