"""Check the claims of analysed documents against a store's fact-check collection: what
``unspin analyze --db URL`` and ``unspin serve`` use.

:func:`open_checker` returns None for a store without fact-checks, so callers change nothing
then; a :class:`ClaimChecker` loads the retrieval model and the index on the first document
with claims, and picks up fact-checks imported meanwhile (at most once a minute).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unspin.document import Document

if TYPE_CHECKING:
    from unspin.corpus.factchecks.matching import Matcher, MatchOptions
    from unspin.store.sql import Corpus

__all__ = ["ClaimChecker", "open_checker"]

_REFRESH_S = 60.0


class ClaimChecker:
    """Add ``attrs.factchecks`` to the claims of documents (thread-safe).

    Args:
        corpus: the store whose collection is matched.
        model_dir: a retrieval model folder other than the shipped one.
        options: how many fact-checks to consider and keep per claim.
        matcher: a ready matcher (another encoder, a test double) instead of the shipped model.
    """

    def __init__(
        self,
        corpus: Corpus,
        *,
        model_dir: Path | str | None = None,
        options: MatchOptions | None = None,
        matcher: Matcher | None = None,
    ) -> None:
        self.corpus = corpus
        self.model_dir = model_dir
        self.options = options
        self._matcher = matcher
        self._model = "" if matcher is None else "given"
        self._lock = threading.Lock()
        self._checked = 0.0

    def matcher(self) -> Matcher:
        """Return the matcher, loading it (and catching up with new fact-checks) when due."""
        with self._lock:
            if self._matcher is None:
                from unspin.corpus.factchecks import load_encoder, open_matcher

                encoder = load_encoder(self.model_dir)
                self._model = encoder.name
                self._matcher = open_matcher(
                    self.corpus, encoder=encoder, options=self.options, model_dir=self.model_dir
                )
                self._checked = time.monotonic()
            elif time.monotonic() - self._checked > _REFRESH_S:
                self._checked = time.monotonic()
                refresh = getattr(self._matcher.candidates, "refresh", None)
                if refresh is not None:
                    refresh()
            return self._matcher

    def __call__(self, doc: Document) -> Document:
        """Return ``doc`` with the fact-checks of its claims (as it is without a claims layer)."""
        return self.check([doc])[0]

    def check(self, docs: Sequence[Document]) -> list[Document]:
        """Return the documents with the fact-checks of their claims, matched in one batch."""
        from unspin.corpus.factchecks.annotate import LAYER, annotate_many

        if not any(LAYER in doc.layers and doc.layers[LAYER].spans for doc in docs):
            return list(docs)
        matcher = self.matcher()
        return annotate_many(docs, matcher, model=self._model)


def open_checker(corpus: Any, **options: Any) -> ClaimChecker | None:
    """Return a checker over the store's fact-checks, or None when it holds none (or when
    ``corpus`` is None)."""
    if corpus is None or len(corpus.factchecks) == 0:
        return None
    return ClaimChecker(corpus, **options)
