"""Where the matcher looks: a collection of fact-checks with its vector index.

:class:`MemoryCollection` holds fact-checks given in memory (evaluation, tests, a small list);
:class:`StoreCollection` reads a store's collection, embeds what has no vector yet, and keeps
the vector index in a file beside the store, catching up with rows added since it was saved.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from unspin.corpus.factchecks.index import VectorIndex
from unspin.corpus.factchecks.lexical import tokens
from unspin.corpus.factchecks.matching import check_text
from unspin.errors import StorageError
from unspin.store.factchecks import FactCheck

if TYPE_CHECKING:
    from unspin.store.sql import Corpus

__all__ = ["MemoryCollection", "StoreCollection", "index_path", "embed_collection"]

Embed = Callable[[Sequence[str]], np.ndarray]


class MemoryCollection:
    """Fact-checks held in memory, keyed 1..n in the order given.

    Args:
        checks: the fact-checks.
        embed: texts -> L2-normalised vectors.
        vectors: precomputed vectors of ``check_text(check)`` (skips embedding).
        model: who made the vectors.
    """

    def __init__(
        self,
        checks: Sequence[FactCheck],
        embed: Embed | None = None,
        *,
        vectors: np.ndarray | None = None,
        model: str = "",
    ) -> None:
        self._checks = {n + 1: check for n, check in enumerate(checks)}
        if vectors is None:
            if embed is None:
                raise StorageError("a collection needs an encoder or precomputed vectors")
            vectors = embed([check_text(c) for c in checks]) if checks else None
        dim = int(vectors.shape[1]) if vectors is not None and len(checks) else 384
        self.index = VectorIndex(dim, model=model)
        if checks and vectors is not None:
            self.index.add(np.arange(1, len(checks) + 1), vectors)
        self.index.terms.add(tokens(check_text(c)) for c in checks)

    def __len__(self) -> int:
        return len(self._checks)

    def nearest(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self.index.search(vectors, k)

    def checks(self, keys: Sequence[int]) -> Mapping[int, FactCheck]:
        return {int(k): self._checks[int(k)] for k in keys if int(k) in self._checks}

    def idf(self, word: str) -> float:
        return self.index.terms.idf(word)

    @property
    def average_length(self) -> float:
        return self.index.terms.average_length


def index_path(corpus: Corpus, model: str) -> Path:
    """Return where a store's vector index for ``model`` lives: beside a SQLite file, else in
    ``$UNSPIN_CACHE`` (default ``~/.cache/unspin``) under a name made from the store's URL."""
    tag = hashlib.sha256(model.encode()).hexdigest()[:12]
    url = corpus.url
    if url.startswith("sqlite:///") and url not in ("sqlite:///:memory:",):
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(f"{db.name}.factchecks-{tag}.usearch")
    cache = Path(os.environ.get("UNSPIN_CACHE") or Path.home() / ".cache" / "unspin")
    place = hashlib.sha256(url.encode()).hexdigest()[:16]
    return cache / f"factchecks-{place}-{tag}.usearch"


def embed_collection(
    corpus: Corpus,
    embed: Embed,
    model: str,
    *,
    batch: int = 256,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Embed every stored fact-check without a vector from ``model``, a batch per transaction.

    Returns:
        How many were embedded.
    """
    done = 0
    for checks in corpus.factchecks.unembedded(model, batch=batch):
        vectors = embed([check_text(c) for c in checks])
        corpus.factchecks.put_vectors(
            model, {c.pk: v for c, v in zip(checks, vectors, strict=True)}
        )
        done += len(checks)
        if on_batch is not None:
            on_batch(len(checks))
    return done


class StoreCollection:
    """A store's fact-checks behind a vector index kept on disk.

    Opening it embeds the rows without a vector (when ``embed_missing``), loads the saved
    index, adds the rows stored since, and saves it again when it grew.

    Args:
        corpus: the store.
        embed: texts -> L2-normalised vectors.
        model: who made the vectors (the encoder's producer).
        path: the index file (default :func:`index_path`).
        embed_missing: embed rows that have no vector yet (else leave them out).
        save: write the index back when it changed.
        threads: threads for the index (0: all cores).
    """

    def __init__(
        self,
        corpus: Corpus,
        embed: Embed,
        *,
        model: str,
        path: Path | None = None,
        embed_missing: bool = True,
        save: bool = True,
        threads: int = 0,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.corpus = corpus
        self.embed = embed
        self.model = model
        self.path = path or index_path(corpus, model)
        if embed_missing:
            embed_collection(
                corpus,
                embed,
                model,
                on_batch=None if on_progress is None else lambda n: on_progress("embedded", n),
            )
        self.index = self._load(threads)
        grew = self._catch_up(on_progress)
        if grew and save:
            try:
                self.index.save(self.path)
            except OSError as exc:
                raise StorageError(
                    f"cannot write the fact-check index {self.path}: {exc}"
                ) from None

    def _load(self, threads: int) -> VectorIndex:
        if self.path.exists():
            index = VectorIndex.load(self.path, threads=threads)
            if index.model == self.model and index.last_key <= self.corpus.factchecks.last_pk():
                return index
        return VectorIndex(self._dims(), model=self.model, threads=threads)

    def _dims(self) -> int:
        probe = self.embed(["dimension probe"])
        return int(probe.shape[1])

    def _catch_up(self, on_progress: Callable[[str, int], None] | None) -> int:
        added = 0
        store = self.corpus.factchecks
        for pks, vectors in store.iter_vectors(self.model, after=self.index.last_key):
            checks = store.by_pks([int(p) for p in pks], record=False)
            self.index.add(pks, vectors)
            self.index.terms.add(tokens(check_text(c)) for c in checks.values())
            added += len(pks)
            if on_progress is not None:
                on_progress("indexed", len(pks))
        return added

    def __len__(self) -> int:
        return len(self.index)

    def nearest(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        # a deleted row still in the index is dropped by checks(): ask for a few more
        return self.index.search(vectors, k + 10)

    def checks(self, keys: Sequence[int]) -> Mapping[int, FactCheck]:
        return self.corpus.factchecks.by_pks(list(keys), record=False)

    def idf(self, word: str) -> float:
        return self.index.terms.idf(word)

    @property
    def average_length(self) -> float:
        return self.index.terms.average_length

    def remove(self, keys: Iterable[int]) -> None:
        """Drop deleted rows from the index in memory (and on disk at the next save)."""
        self.index.remove(keys)
