"""The corpus store: analysed documents in SQLite (default) or PostgreSQL, with numbered
migrations.

Example:
    >>> from unspin.store import open_corpus
    >>> corpus = open_corpus("corpus.db")  # doctest: +SKIP
"""

from __future__ import annotations

from unspin.store.sql import Corpus, TextRow, open_corpus, producers_of

__all__ = ["Corpus", "TextRow", "open_corpus", "producers_of"]
