"""The corpus store: analysed documents in SQLite (default) or PostgreSQL, with numbered
migrations.

The store every command and server uses when none is named is decided here, in
:func:`default_url`: ``$UNSPIN_DB`` when set, else ``corpus.db`` in the working folder.
SQLAlchemy loads only when a store is opened, so this module is cheap to import.

Example:
    >>> from unspin.store import default_url, open_corpus
    >>> corpus = open_corpus(default_url())  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unspin.store.sql import Corpus, TextRow, open_corpus, producers_of

__all__ = ["Corpus", "TextRow", "open_corpus", "producers_of", "default_url", "DEFAULT_DB", "ENV"]

DEFAULT_DB = "corpus.db"
ENV = "UNSPIN_DB"
_LAZY = ("Corpus", "TextRow", "open_corpus", "producers_of")


def default_url(environ: Mapping[str, str] | None = None) -> str:
    """Return the store to use when none is given: ``$UNSPIN_DB``, else ``corpus.db``.

    Args:
        environ: the environment to read (default ``os.environ``).

    Returns:
        A store URL or SQLite path for :func:`open_corpus`.
    """
    env = os.environ if environ is None else environ
    return env.get(ENV) or DEFAULT_DB


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from unspin.store import sql

        return getattr(sql, name)
    raise AttributeError(f"module 'unspin.store' has no attribute {name!r}")
