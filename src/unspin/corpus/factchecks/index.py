"""Nearest fact-checks by cosine similarity: exact (numpy) for small collections, an HNSW graph
over int8 vectors (usearch) from ``EXACT_LIMIT`` vectors on.

Keys are the store's row numbers (``pk``), which only grow, so an index saved to disk knows
what it lacks: everything above :attr:`VectorIndex.last_key`. A saved index is a usearch file
plus a JSON sidecar (model, dimensions, last key, term statistics for BM25), both replaced
atomically, so readers never see half an index.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspin.errors import MissingExtra, StorageError

__all__ = ["EXACT_LIMIT", "VectorIndex", "TermStats"]

#: below this many vectors a query compares against all of them (exact and fast enough)
EXACT_LIMIT = 50_000
_FORMAT = 1


@dataclass
class TermStats:
    """Document frequencies for BM25 over a collection that grows: documents, total length and
    the number of documents holding each word."""

    documents: int = 0
    total_length: int = 0
    df: Counter[str] | None = None

    def add(self, token_lists: Iterable[Sequence[str]]) -> None:
        """Count more documents (each a list of its BM25 tokens)."""
        if self.df is None:
            self.df = Counter()
        for words in token_lists:
            self.documents += 1
            self.total_length += len(words)
            self.df.update(set(words))

    @property
    def average_length(self) -> float:
        return self.total_length / self.documents if self.documents else 1.0

    def idf(self, word: str) -> float:
        """Return the BM25 IDF of a word (the IDF of a word no document has, for one unseen)."""
        df = self.df.get(word, 0) if self.df else 0
        n = max(self.documents, 1)
        return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "total_length": self.total_length,
            "df": dict(self.df or {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TermStats:
        return cls(
            int(data.get("documents", 0)),
            int(data.get("total_length", 0)),
            Counter({str(k): int(v) for k, v in data.get("df", {}).items()}),
        )


class VectorIndex:
    """Cosine nearest neighbours over L2-normalised vectors keyed by int.

    Args:
        ndim: vector dimensions.
        model: who made the vectors (an index never mixes models).
        connectivity: HNSW edges per node (memory against recall).
        expansion_add: HNSW candidates while inserting (build time against recall).
        expansion_search: HNSW candidates while searching (time against recall).
        threads: threads for adding and searching (0: all cores).

    Example:
        >>> index = VectorIndex(3, model="m")
        >>> index.add(np.array([7, 9]), np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
        >>> keys, sims = index.search(np.array([[1, 0.1, 0]], dtype=np.float32), 1)
        >>> int(keys[0, 0])
        7
    """

    def __init__(
        self,
        ndim: int,
        *,
        model: str,
        connectivity: int = 16,
        expansion_add: int = 48,
        expansion_search: int = 96,
        threads: int = 0,
    ) -> None:
        self.ndim = ndim
        self.model = model
        self.connectivity = connectivity
        self.expansion_add = expansion_add
        self.expansion_search = expansion_search
        self.threads = threads
        self.terms = TermStats()
        self.last_key = 0
        self._keys: list[np.ndarray] = []
        self._vectors: list[np.ndarray] = []
        self._exact: tuple[np.ndarray, np.ndarray] | None = None
        self._graph: Any = None
        self._removed: set[int] = set()

    def __len__(self) -> int:
        if self._graph is not None:
            return int(len(self._graph))
        return sum(len(k) for k in self._keys) - len(self._removed)

    @property
    def kind(self) -> str:
        """``exact`` or ``hnsw``."""
        return "hnsw" if self._graph is not None else "exact"

    # -- building --------------------------------------------------------------------------
    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors (rows L2-normalised) under int keys larger than any added before."""
        keys = np.asarray(keys, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if len(keys) == 0:
            return
        if vectors.shape != (len(keys), self.ndim):
            raise StorageError(
                f"vectors of shape {vectors.shape} for {len(keys)} keys; index has {self.ndim} dims"
            )
        self.last_key = max(self.last_key, int(keys.max()))
        if self._graph is not None:
            self._graph.add(keys, vectors, threads=self.threads)
            return
        self._keys.append(keys)
        self._vectors.append(vectors.astype(np.float16))
        self._exact = None
        if sum(len(k) for k in self._keys) >= EXACT_LIMIT:
            self._to_graph()

    def _to_graph(self) -> None:
        keys = np.concatenate(self._keys)
        vectors = np.concatenate(self._vectors).astype(np.float32)
        keep = np.array([int(k) not in self._removed for k in keys], dtype=bool)
        self._graph = _new_graph(self)
        self._graph.add(keys[keep], vectors[keep], threads=self.threads)
        self._keys, self._vectors, self._exact, self._removed = [], [], None, set()

    def remove(self, keys: Iterable[int]) -> None:
        """Forget vectors (a deleted fact-check); unknown keys are ignored."""
        for key in keys:
            if self._graph is not None:
                self._graph.remove(int(key))
            else:
                self._removed.add(int(key))
        self._exact = None

    # -- searching -------------------------------------------------------------------------
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the keys and cosine similarities of each query's ``k`` nearest vectors.

        Returns:
            ``(keys, similarities)``, each ``[len(queries), k]``, best first; a row is padded
            with key -1 and similarity -inf when the index holds fewer than ``k``.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        n = len(queries)
        keys = np.full((n, k), -1, dtype=np.int64)
        sims = np.full((n, k), -np.inf, dtype=np.float32)
        if n == 0 or k <= 0 or len(self) == 0:
            return keys, sims
        if self._graph is not None:
            found = self._graph.search(queries, k, threads=self.threads)
            got_keys = np.asarray(found.keys).reshape(n, -1)
            got = np.asarray(found.distances, dtype=np.float32).reshape(n, -1)
            # one query gives a Matches (no counts), several a BatchMatches
            counts = (
                np.asarray(found.counts).reshape(n)
                if hasattr(found, "counts")
                else np.array([got_keys.shape[1]])
            )
            for row in range(n):
                c = int(counts[row])
                keys[row, :c] = got_keys[row, :c]
                sims[row, :c] = 1.0 - got[row, :c]
            return keys, sims
        all_keys, matrix = self._matrix()
        scores = queries @ matrix.T
        take = min(k, len(all_keys))
        top = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        for row in range(n):
            order = top[row][np.argsort(-scores[row, top[row]], kind="stable")]
            keys[row, :take] = all_keys[order]
            sims[row, :take] = scores[row, order]
        return keys, sims

    def _matrix(self) -> tuple[np.ndarray, np.ndarray]:
        if self._exact is None:
            keys = np.concatenate(self._keys) if self._keys else np.zeros(0, dtype=np.int64)
            vectors = (
                np.concatenate(self._vectors).astype(np.float32)
                if self._vectors
                else np.zeros((0, self.ndim), dtype=np.float32)
            )
            if self._removed:
                keep = np.array([int(k) not in self._removed for k in keys], dtype=bool)
                keys, vectors = keys[keep], vectors[keep]
            self._exact = (keys, vectors)
        return self._exact

    # -- saving ----------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the index to ``path`` (vectors) and ``path.json`` (sidecar), atomically."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": _FORMAT,
            "model": self.model,
            "ndim": self.ndim,
            "last_key": self.last_key,
            "kind": self.kind,
            "connectivity": self.connectivity,
            "expansion_add": self.expansion_add,
            "expansion_search": self.expansion_search,
            "terms": self.terms.to_dict(),
        }
        tmp = _temp(path)
        try:
            if self._graph is not None:
                self._graph.save(str(tmp))
            else:
                keys, vectors = self._matrix()
                with tmp.open("wb") as handle:
                    np.savez(handle, keys=keys, vectors=vectors.astype(np.float16))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        side = _temp(path)
        try:
            side.write_text(json.dumps(meta), encoding="utf-8")
            os.replace(side, path.with_name(path.name + ".json"))
        finally:
            side.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, *, threads: int = 0) -> VectorIndex:
        """Read an index written by :meth:`save`.

        Raises:
            StorageError: the files are missing, unreadable or of another format.
        """
        path = Path(path)
        try:
            meta = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8"))
            if meta.get("format") != _FORMAT:
                raise StorageError(f"index {path} has format {meta.get('format')}, not {_FORMAT}")
            index = cls(
                int(meta["ndim"]),
                model=str(meta["model"]),
                connectivity=int(meta["connectivity"]),
                expansion_add=int(meta["expansion_add"]),
                expansion_search=int(meta["expansion_search"]),
                threads=threads,
            )
            index.last_key = int(meta["last_key"])
            index.terms = TermStats.from_dict(meta.get("terms", {}))
            if meta["kind"] == "hnsw":
                index._graph = _new_graph(index)
                index._graph.load(str(path))
            else:
                with np.load(path) as data:
                    keys, vectors = data["keys"], data["vectors"]
                index._keys, index._vectors = [keys.astype(np.int64)], [vectors]
        except (OSError, ValueError, KeyError) as exc:
            raise StorageError(f"cannot read the fact-check index {path}: {exc}") from None
        return index


def _temp(path: Path) -> Path:
    handle, name = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    os.close(handle)
    return Path(name)


def _new_graph(index: VectorIndex) -> Any:
    try:
        from usearch.index import Index
    except ImportError:
        raise MissingExtra("a fact-check index of this size", "factchecks", "usearch") from None
    return Index(
        ndim=index.ndim,
        metric="cos",
        dtype="i8",
        connectivity=index.connectivity,
        expansion_add=index.expansion_add,
        expansion_search=index.expansion_search,
    )
