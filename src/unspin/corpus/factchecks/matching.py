"""Match claims to fact-checks: nearest fact-checks by the retrieval encoder, re-scored with
word matching (BM25) by a logistic scorer whose output is a calibrated probability that the
fact-check reviews the same claim.

The recipe (features, weights, thresholds) lives in the ``retrieval`` model's manifest and was
chosen by cross-validation on the CheckThat! train queries; see the model card.

Example:
    >>> matcher = Matcher.from_checks(checks)  # doctest: +SKIP
    >>> [m.check.claim for m in matcher.match(["The moon is made of cheese."])[0]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from unspin.corpus.factchecks.lexical import tokens
from unspin.errors import InvalidInput
from unspin.store.factchecks import FactCheck

__all__ = [
    "FEATURES",
    "clean_query",
    "check_text",
    "Candidates",
    "Scorer",
    "MatchOptions",
    "Match",
    "Matcher",
    "features",
]

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
# a pasted tweet's signature: "— Name (@handle) January 14, 2020"
_SIGNATURE = re.compile(r"\s*[—–-]{1,2}\s*([^—–(]{0,80})\(@\w+\)\s*\w+ \d{1,2}, \d{4}\s*$")
_K1, _B = 1.2, 0.75

#: the features a scorer may weigh, in this order
FEATURES = ("cosine", "cosine_gap", "bm25", "bm25_gap", "coverage")


def clean_query(text: str) -> str:
    """Return a claim's text as the retriever reads it: links dropped, a pasted tweet's signature
    reduced to its author's name, whitespace collapsed.

    Example:
        >>> clean_query("Look at this pic.twitter.com/x1 — Ann Lee (@ann) May 2, 2020")
        'Look at this Ann Lee'
    """
    name = ""
    found = _SIGNATURE.search(text)
    if found:
        name = found.group(1).strip()
        text = text[: found.start()]
    text = " ".join(_URL.sub(" ", text).split())
    return f"{text} {name}".strip() if name else text


def check_text(check: FactCheck) -> str:
    """Return the text a fact-check is embedded and word-matched by: its claim, then its title
    when that says something the claim does not."""
    claim = " ".join(check.claim.split())
    title = " ".join(check.title.split())
    if title and title.casefold() not in claim.casefold():
        return f"{claim} . {title}"
    return claim


class Candidates(Protocol):
    """Where the matcher finds fact-checks: a vector index and the records behind it."""

    def nearest(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(keys, cosines)`` of each vector's ``k`` nearest fact-checks (key -1: none)."""
        ...

    def checks(self, keys: Sequence[int]) -> Mapping[int, FactCheck]:
        """Return the fact-checks under the keys still present."""
        ...

    def idf(self, word: str) -> float:
        """Return a word's BM25 IDF in the collection."""
        ...

    @property
    def average_length(self) -> float:
        """The mean number of BM25 tokens of a fact-check's text."""
        ...


@dataclass(frozen=True)
class Scorer:
    """A logistic model over :data:`FEATURES`: P(same claim) = sigmoid(w . x + bias).

    Args:
        weights: feature name -> weight (missing features weigh 0).
        bias: the intercept.
        match: the probability from which a fact-check counts as a match (same claim).
        related: the probability from which it is shown as related.
    """

    weights: Mapping[str, float]
    bias: float
    match: float
    related: float

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise InvalidInput(f"unknown scorer features {sorted(unknown)}; known: {FEATURES}")
        if not 0.0 <= self.related <= self.match <= 1.0:
            raise InvalidInput(
                f"thresholds must satisfy 0 <= related <= match <= 1, got {self.related}, "
                f"{self.match}"
            )

    def probability(self, values: np.ndarray) -> np.ndarray:
        """Return P(same claim) for rows of feature values in :data:`FEATURES` order."""
        w = np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)
        z = np.asarray(values, dtype=np.float64) @ w + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -60, 60)))

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Scorer:
        """Read ``{"weights", "bias", "match", "related"}`` (a model manifest's ``scorer``)."""
        try:
            return cls(
                {str(k): float(v) for k, v in config["weights"].items()},
                float(config["bias"]),
                float(config["match"]),
                float(config["related"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"bad scorer configuration: {exc}") from None


@dataclass(frozen=True)
class MatchOptions:
    """How many fact-checks to consider and to keep per claim.

    Args:
        candidates: nearest fact-checks re-scored per claim.
        limit: at most this many kept per claim.
        related: keep those at or above the scorer's ``related`` threshold (False: matches only).
    """

    candidates: int = 50
    limit: int = 5
    related: bool = True

    def __post_init__(self) -> None:
        if self.candidates < 1 or self.limit < 1:
            raise InvalidInput(
                f"candidates and limit must be >= 1, got {self.candidates} and {self.limit}"
            )


@dataclass(frozen=True)
class Match:
    """A fact-check found for a claim.

    Attributes:
        check: the fact-check.
        similarity: the calibrated probability that it reviews the same claim.
        cosine: the encoder's cosine similarity.
        level: ``match`` (same claim) or ``related``.
    """

    check: FactCheck
    similarity: float
    cosine: float
    level: str
    features: Mapping[str, float] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return what a claim span's ``attrs.factchecks`` holds for this match."""
        return {
            "id": self.check.id,
            "similarity": round(self.similarity, 4),
            "level": self.level,
            "rating": self.check.rating,
            "reviewer": self.check.reviewer,
            "date": self.check.published,
            "url": self.check.url,
            "claim_reviewed": self.check.claim,
            "claimant": self.check.claimant,
        }


def _bm25(
    query: Sequence[str], doc: Sequence[str], idf: Callable[[str], float], avg: float
) -> float:
    counts = Counter(doc)
    norm = _K1 * (1.0 - _B + _B * len(doc) / max(avg, 1e-9))
    score = 0.0
    for word in set(query):
        tf = counts.get(word, 0)
        if tf:
            score += idf(word) * tf * (_K1 + 1.0) / (tf + norm)
    return score


def features(
    query: str,
    docs: Sequence[str],
    cosines: Sequence[float],
    *,
    idf: Callable[[str], float],
    average_length: float,
) -> np.ndarray:
    """Return the :data:`FEATURES` of each candidate fact-check text for one query.

    ``bm25`` is divided by the query's own IDF mass, so it reads alike for short and long
    claims (1.0: every query word once in a fact-check of average length; at most k1 + 1);
    ``coverage`` is the share of the fact-check's words found in the claim; the gaps are a
    candidate's distance to the best candidate of the same query.
    """
    words = tokens(query)
    mass = sum(idf(w) for w in set(words))
    rows = np.zeros((len(docs), len(FEATURES)), dtype=np.float64)
    if not len(docs):
        return rows
    query_set = set(words)
    for i, (doc, cosine) in enumerate(zip(docs, cosines, strict=True)):
        doc_words = tokens(doc)
        rows[i, 0] = cosine
        rows[i, 2] = _bm25(words, doc_words, idf, average_length) / mass if mass > 0 else 0.0
        doc_set = set(doc_words)
        rows[i, 4] = len(doc_set & query_set) / len(doc_set) if doc_set else 0.0
    rows[:, 1] = rows[:, 0] - rows[:, 0].max()
    rows[:, 3] = rows[:, 2] - rows[:, 2].max()
    return rows


class Matcher:
    """Find the fact-checks of claims.

    Args:
        candidates: the collection's index and records.
        embed: texts -> L2-normalised vectors (the encoder the collection was embedded with).
        scorer: the calibrated scorer.
        options: how many to consider and keep.
    """

    def __init__(
        self,
        candidates: Candidates,
        embed: Callable[[Sequence[str]], np.ndarray],
        scorer: Scorer,
        *,
        options: MatchOptions | None = None,
    ) -> None:
        self.candidates = candidates
        self.embed = embed
        self.scorer = scorer
        self.options = options or MatchOptions()

    def match(self, claims: Sequence[str]) -> list[list[Match]]:
        """Return, for each claim, its fact-checks above the thresholds, most similar first.

        Raises:
            InvalidInput: ``claims`` is one string instead of a list.
        """
        return [[m for m in found if self._kept(m)] for found in self.rank(claims)]

    def _kept(self, match: Match) -> bool:
        if match.level == "match":
            return True
        return self.options.related and match.level == "related"

    def rank(self, claims: Sequence[str], *, depth: int | None = None) -> list[list[Match]]:
        """Return, for each claim, its best ``depth`` (default ``options.limit``) candidates
        scored, whatever their score (level ``none`` below the related threshold)."""
        if isinstance(claims, str):
            raise InvalidInput("match() takes a list of claims, not one string")
        depth = self.options.limit if depth is None else depth
        if not claims:
            return []
        queries = [clean_query(c) for c in claims]
        vectors = self.embed(queries)
        keys, cosines = self.candidates.nearest(vectors, max(self.options.candidates, depth))
        wanted = sorted({int(k) for k in keys.ravel() if k >= 0})
        records = self.candidates.checks(wanted)
        out: list[list[Match]] = []
        for row, query in enumerate(queries):
            found = [
                (records[int(k)], float(c))
                for k, c in zip(keys[row], cosines[row], strict=True)
                if int(k) in records and math.isfinite(float(c))
            ]
            if not found:
                out.append([])
                continue
            values = features(
                query,
                [check_text(check) for check, _ in found],
                [c for _, c in found],
                idf=self.candidates.idf,
                average_length=self.candidates.average_length,
            )
            probability = self.scorer.probability(values)
            order = sorted(range(len(found)), key=lambda i: (-probability[i], found[i][0].id))
            matches = []
            for i in order[:depth]:
                p = float(probability[i])
                level = (
                    "match"
                    if p >= self.scorer.match
                    else "related"
                    if p >= self.scorer.related
                    else "none"
                )
                matches.append(
                    Match(
                        found[i][0],
                        p,
                        found[i][1],
                        level,
                        dict(zip(FEATURES, (float(v) for v in values[i]), strict=True)),
                    )
                )
            out.append(matches)
        return out
