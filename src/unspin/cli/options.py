"""Options that several commands share, so each is spelt, checked and explained once."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = [
    "Command",
    "command",
    "debug_option",
    "db_option",
    "input_options",
    "detectors_option",
    "format_option",
    "seconds",
    "positive",
]

Command = Callable[[argparse.Namespace], int]

DB_HELP = (
    "a SQLite path or sqlite:///PATH, or postgresql://USER@HOST/DB "
    "(default: $UNSPIN_DB, else corpus.db)"
)


def command(
    sub: Any,
    name: str,
    func: Command | None,
    *,
    summary: str,
    example: str,
    description: str = "",
) -> argparse.ArgumentParser:
    """Add one subcommand with its help text and example, and the options every command has."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=f"{summary}\n\n{description}".strip(),
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    debug_option(parser, default=argparse.SUPPRESS)
    parser.set_defaults(func=func)
    return parser


def debug_option(parser: argparse.ArgumentParser, *, default: Any) -> None:
    """Add ``--debug``; only the top-level parser should give it a default.

    argparse copies a subcommand's defaults over what the levels above it parsed, so a default
    on ``list`` would undo ``unspin corpus --debug list``; nested commands pass SUPPRESS.
    """
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks for errors"
    )


def db_option(
    parser: argparse.ArgumentParser, *, what: str = "the store", default: Any = None
) -> None:
    """Add ``--db URL``, defaulting to the store :func:`unspin.store.default_url` names.

    Args:
        parser: the command to add the option to.
        what: how the help text names the store.
        default: the default instead of ``default_url()`` (``argparse.SUPPRESS`` on nested
            commands, so that they do not override the level above).
    """
    from unspin.store import default_url

    parser.add_argument(
        "--db",
        default=default_url() if default is None else default,
        metavar="URL",
        help=f"{what}: {DB_HELP}",
    )


def detectors_option(
    parser: argparse.ArgumentParser, *, what: str = "comma-separated detectors or sets"
) -> None:
    """Add ``-d/--detectors NAMES`` (default: the ``default`` set)."""
    parser.add_argument(
        "-d",
        "--detectors",
        default="default",
        metavar="NAMES",
        help=f"{what} (default: default; see 'unspin detectors')",
    )


def input_options(parser: argparse.ArgumentParser) -> None:
    """Add what reading and analysing inputs takes: INPUT..., detectors, progress, URL rules."""
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="text, HTML, JSONL or CSV files, folders, http(s) URLs, or - for stdin",
    )
    detectors_option(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--allow-private",
        action="store_true",
        help="fetch URLs on private, loopback or link-local addresses",
    )
    parser.add_argument(
        "--timeout", type=seconds, default=10.0, metavar="SECONDS", help="URL timeout (default 10)"
    )


def format_option(
    parser: argparse.ArgumentParser, choices: tuple[str, ...], *, default: str = ""
) -> None:
    """Add ``-f/--format`` with ``choices`` (default the first)."""
    parser.add_argument(
        "-f",
        "--format",
        choices=choices,
        default=default or choices[0],
        help=f"output format (default {default or choices[0]})",
    )


def seconds(value: str) -> float:
    """Parse a timeout in (0, 600] seconds."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 < number <= 600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds in (0, 600]")
    return number


def positive(value: str) -> int:
    """Parse a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} must be at least 1")
    return number
