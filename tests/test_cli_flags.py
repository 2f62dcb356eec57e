"""Options every command has (``--debug``, and ``--db`` under ``corpus``) work in any position."""

from __future__ import annotations

import argparse

import pytest

from unspin.cli import build_parser, main


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command that runs something, as (its words, its parser)."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(path, parser)]
    found = []
    for name, child in subs[0].choices.items():
        found.extend(_leaves(child, (*path, name)))
    return found


def _required(parser: argparse.ArgumentParser) -> list[str]:
    """Arguments that let ``parser`` parse: a value for each positional and required option."""
    words = []
    for action in parser._actions:
        value = str(action.choices[0]) if action.choices else "x"  # type: ignore[index]
        if not action.option_strings:
            words.append(value)
        elif action.required:
            words.extend([action.option_strings[0], value])
    return words


LEAVES = _leaves(build_parser())
IDS = [" ".join(words) for words, _ in LEAVES]


def _argv(words: tuple[str, ...], flags: list[str], at: int, rest: list[str]) -> list[str]:
    """``words`` with ``flags`` inserted after the first ``at`` of them, then ``rest``."""
    position = len(words) if at < 0 else at
    return [*words[:position], *flags, *words[position:], *rest]


@pytest.mark.parametrize(("words", "parser"), LEAVES, ids=IDS)
def test_cli_debug_is_kept_in_every_position(
    words: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    rest = _required(parser)
    seen = []
    for at in range(len(words) + 1):
        args = build_parser().parse_args(_argv(words, ["--debug"], at, rest))
        seen.append(args.debug)
    assert seen == [True] * (len(words) + 1)


@pytest.mark.parametrize(("words", "parser"), LEAVES, ids=IDS)
def test_cli_debug_is_off_unless_given(
    words: tuple[str, ...], parser: argparse.ArgumentParser
) -> None:
    assert build_parser().parse_args([*words, *_required(parser)]).debug is False


CORPUS = [(words, parser) for words, parser in LEAVES if words[0] == "corpus"]


@pytest.mark.parametrize(("words", "parser"), CORPUS, ids=[" ".join(w) for w, _ in CORPUS])
@pytest.mark.parametrize("at", [1, 2])
def test_cli_corpus_db_is_kept_before_and_after_the_command(
    words: tuple[str, ...], parser: argparse.ArgumentParser, at: int
) -> None:
    argv = _argv(words, ["--db", "given.db"], at, _required(parser))
    assert build_parser().parse_args(argv).db == "given.db"


def test_cli_corpus_db_defaults_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNSPIN_DB", "env.db")
    assert build_parser().parse_args(["corpus", "list"]).db == "env.db"


def test_cli_debug_before_a_corpus_command_shows_the_traceback() -> None:
    from unspin.errors import StorageError

    with pytest.raises(StorageError):
        main(["corpus", "--debug", "--db", "mysql://x/y", "list"])
