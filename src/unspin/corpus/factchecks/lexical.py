"""Word matching for fact-check retrieval: Okapi BM25 over an in-memory inverted index.

Tokens are lower-cased letters and digits with URLs and English function words removed (no
stemming). :class:`BM25Index` grows by :meth:`~BM25Index.add` (IDF and the mean length follow
the whole collection at query time), so a collection is indexed once and extended in place.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

__all__ = ["STOP_WORDS", "tokens", "BM25Index"]

_STOP = """a an and are as at be by for from has have he her his i in is it its of on or that the
    this to was were will with you your we they them our their not no but if so do does did than
    then there these those what which who whom how when where why all any can could would should
    may might must also just into out up down over about after before more most some such only
    own same too very s t don via amp rt"""
STOP_WORDS = frozenset(_STOP.split())
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)


def tokens(text: str) -> list[str]:
    """Return the words BM25 counts: lower case, no URLs, no function words.

    Example:
        >>> tokens("The Moon is made of cheese! https://t.co/x")
        ['moon', 'made', 'cheese']
    """
    return list(_tokens(text))


@lru_cache(maxsize=65536)
def _tokens(text: str) -> tuple[str, ...]:
    # cached: the same fact-checks come back as candidates for claim after claim
    text = _URL.sub(" ", text.casefold().replace("’", "'"))
    return tuple(t for t in _TOKEN.findall(text) if t not in STOP_WORDS)


class BM25Index:
    """Okapi BM25 (k1, b) over documents added in order; document n is row n.

    Args:
        k1: term-frequency saturation.
        b: length normalisation.

    Example:
        >>> index = BM25Index()
        >>> index.add(["moon made of cheese", "sun is hot"])
        >>> int(index.scores("cheese moon").argmax())
        0
    """

    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._vocab: dict[str, int] = {}
        self._postings: list[list[tuple[int, int]]] = []  # term -> [(doc, tf)]
        self._lengths: list[int] = []
        self._frozen: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._lengths)

    def add(self, texts: Iterable[str]) -> None:
        """Index more documents (they take the next row numbers)."""
        for text in texts:
            doc = len(self._lengths)
            counts = Counter(tokens(text))
            self._lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                slot = self._vocab.get(term)
                if slot is None:
                    slot = self._vocab[term] = len(self._postings)
                    self._postings.append([])
                self._postings[slot].append((doc, tf))
                self._frozen.pop(slot, None)

    def _posting(self, slot: int) -> tuple[np.ndarray, np.ndarray]:
        found = self._frozen.get(slot)
        if found is None:
            pairs = self._postings[slot]
            found = (
                np.fromiter((d for d, _ in pairs), dtype=np.int64, count=len(pairs)),
                np.fromiter((t for _, t in pairs), dtype=np.float32, count=len(pairs)),
            )
            self._frozen[slot] = found
        return found

    def idf(self, term: str) -> float:
        """Return the BM25 IDF of a (tokenised) term; 0 for a term no document has."""
        slot = self._vocab.get(term)
        if slot is None:
            return 0.0
        n, df = len(self._lengths), len(self._postings[slot])
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str, rows: Sequence[int] | None = None) -> np.ndarray:
        """Return the BM25 score of every document (or of ``rows`` only) for ``query``.

        Each distinct query word counts once.
        """
        lengths = np.asarray(self._lengths, dtype=np.float32)
        average = float(lengths.mean()) if len(lengths) else 1.0
        out = np.zeros(len(lengths), dtype=np.float32)
        for term in set(tokens(query)):
            slot = self._vocab.get(term)
            if slot is None:
                continue
            docs, tf = self._posting(slot)
            norm = tf + self.k1 * (1.0 - self.b + self.b * lengths[docs] / max(average, 1e-9))
            out[docs] += self.idf(term) * tf * (self.k1 + 1.0) / norm
        if rows is not None:
            return out[np.asarray(rows, dtype=np.int64)]
        return out
