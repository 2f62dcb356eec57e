"""Near-duplicate articles: MinHash signatures of word shingles, LSH candidates, a verification
step, then clusters.

A copy that was re-headed, trimmed or lightly reworded keeps most of its word 3-shingles; a
different article on the same subject shares names and a few phrases but few 3-word runs. The
LSH index (datasketch) proposes pairs whose estimated Jaccard similarity is near ``candidate``;
a pair is kept when the shorter text's shingles are mostly found in the longer one (``overlap``,
estimated from the signatures and the two set sizes) *and* the Jaccard estimate is at least
``jaccard``. Clusters are the connected groups of kept pairs.

Signatures are computed with numpy: tokens are hashed once per distinct word (cached), shingles
are combined with vectorised integer arithmetic, and the ``affine32`` permutations of datasketch
are applied to the whole shingle set at once; the result is bit-for-bit the datasketch MinHash
of those shingle hashes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from unspin.errors import InvalidInput

if TYPE_CHECKING:
    from unspin.store import Corpus

__all__ = [
    "DupOptions",
    "Signer",
    "Item",
    "DuplicateMember",
    "DuplicateCluster",
    "Duplicates",
    "find_duplicates",
    "corpus_duplicates",
]

_TOKEN = re.compile(r"\w+", re.UNICODE)
_M1 = np.uint32(0x85EBCA6B)
_M2 = np.uint32(0xC2B2AE35)
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class DupOptions:
    """How near-duplicates are found.

    Args:
        shingle: words per shingle.
        num_perm: MinHash permutations (signature length).
        candidate: LSH threshold: pairs with an estimated Jaccard above about this are compared;
            None follows ``jaccard`` (at most 0.9), so no pair that could pass is missed.
        overlap: least share of the shorter text's shingles found in the longer one.
        jaccard: least estimated Jaccard similarity of the two shingle sets.
        seed: permutation seed (signatures with different seeds do not compare).
    """

    shingle: int = 3
    num_perm: int = 128
    candidate: float | None = None
    overlap: float = 0.5
    jaccard: float = 0.25
    seed: int = 1

    def __post_init__(self) -> None:
        if self.shingle < 1:
            raise InvalidInput(f"shingle size must be >= 1, got {self.shingle}")
        if self.num_perm < 16:
            raise InvalidInput(f"num_perm must be >= 16, got {self.num_perm}")
        for name in ("candidate", "overlap", "jaccard"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value <= 1.0:
                raise InvalidInput(f"{name} threshold must be in (0, 1], got {value}")

    @property
    def lsh_threshold(self) -> float:
        """The LSH threshold: ``candidate``, else ``jaccard`` capped at 0.9."""
        return self.candidate if self.candidate is not None else min(self.jaccard, 0.9)


@dataclass(frozen=True)
class Item:
    """A text to compare, with what the clusters report about it."""

    id: str
    text: str
    source: str = ""
    published: str | None = None


@dataclass(frozen=True)
class DuplicateMember:
    """One copy in a cluster: the document, where it was seen and how much it shares.

    ``similarity`` is the estimated share of the shorter text found in the cluster's first
    member (1.0 for the first member itself), ``jaccard`` the estimated Jaccard similarity of
    their shingle sets.
    """

    id: str
    source: str
    similarity: float
    jaccard: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "id": self.id,
            "source": self.source,
            "similarity": self.similarity,
            "jaccard": self.jaccard,
        }


@dataclass(frozen=True)
class DuplicateCluster:
    """Copies of one text; the first member is the earliest (then longest)."""

    members: tuple[DuplicateMember, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"members": [member.to_dict() for member in self.members]}


@dataclass(frozen=True)
class Duplicates:
    """The clusters of copies among ``documents`` texts, largest first."""

    documents: int
    clusters: tuple[DuplicateCluster, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (``unspin corpus dups --format json``, ``/api/v1/dups``)."""
        return {"documents": self.documents, "clusters": [c.to_dict() for c in self.clusters]}


def _order(clusters: Iterable[DuplicateCluster]) -> tuple[DuplicateCluster, ...]:
    """Largest first, then by the first member's id."""
    return tuple(sorted(clusters, key=lambda c: (-len(c.members), c.members[0].id)))


def _fmix32(hv: np.ndarray) -> np.ndarray:
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * _M1
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * _M2
    return hv ^ (hv >> np.uint32(16))


class Signer:
    """Compute MinHash signatures of word shingles (one per text).

    Args:
        shingle: words per shingle.
        num_perm: signature length.
        seed: datasketch permutation seed.
    """

    def __init__(self, *, shingle: int = 3, num_perm: int = 128, seed: int = 1) -> None:
        from datasketch import MinHash

        self.shingle = shingle
        self.num_perm = num_perm
        self.seed = seed
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
        self._a = np.asarray(a, dtype=np.uint32)
        self._b = np.asarray(b, dtype=np.uint32)
        self._vocab: dict[str, int] = {}

    @staticmethod
    def _token_hash(token: str) -> int:
        digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
        return int.from_bytes(digest, "little")

    def shingles(self, text: str) -> np.ndarray:
        """Return the distinct 32-bit shingle hashes of a text (lower-cased words)."""
        tokens = _TOKEN.findall(text.casefold())
        if not tokens:
            return np.zeros(0, dtype=np.uint32)
        vocab = self._vocab
        try:
            hashes = list(map(vocab.__getitem__, tokens))
        except KeyError:
            for token in set(tokens).difference(vocab):
                vocab[token] = self._token_hash(token)
            hashes = list(map(vocab.__getitem__, tokens))
            if len(vocab) > 2_000_000:  # bound the cache on huge vocabularies
                vocab.clear()
        ids = np.array(hashes, dtype=np.uint64)
        k = min(self.shingle, len(ids))
        n = len(ids) - k + 1
        combined = ids[:n].copy()
        for offset in range(1, k):
            combined = combined * _MIX + ids[offset : offset + n]
        combined ^= combined >> np.uint64(29)
        return np.unique((combined >> np.uint64(32)).astype(np.uint32))

    def signature(self, shingles: np.ndarray) -> np.ndarray:
        """Return the MinHash signature (uint32, ``num_perm`` values) of shingle hashes."""
        if len(shingles) == 0:
            return np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        signature = np.full(self.num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
        mixed = _fmix32(shingles)[:, None]
        for start in range(0, len(mixed), 4096):  # bound the temporary matrix
            block = mixed[start : start + 4096] * self._a + self._b
            np.minimum(signature, block.min(axis=0), out=signature)
        return signature


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)


def _overlap(jaccard: float, size_a: int, size_b: int) -> float:
    """Estimate |A & B| / min(|A|, |B|) from the Jaccard estimate and the set sizes."""
    small = min(size_a, size_b)
    if small == 0:
        return 0.0
    inter = jaccard * (size_a + size_b) / (1.0 + jaccard)
    return min(1.0, inter / small)


def find_duplicates(items: Iterable[Item], options: DupOptions | None = None) -> Duplicates:
    """Cluster near-duplicate texts.

    Args:
        items: the texts, with ids and sources. Texts with no words are skipped.
        options: thresholds and signature settings.

    Returns:
        The clusters of two or more members, largest first, and the number of texts compared.
    """
    from datasketch import MinHashLSH

    options = options or DupOptions()
    signer = Signer(shingle=options.shingle, num_perm=options.num_perm, seed=options.seed)
    lsh = MinHashLSH(threshold=options.lsh_threshold, num_perm=options.num_perm)
    index: list[Item] = []
    sizes: list[int] = []
    signatures: list[np.ndarray] = []
    union = _UnionFind()
    for item in items:
        shingles = signer.shingles(item.text)
        if len(shingles) == 0:
            continue
        position = len(index)
        signature = signer.signature(shingles)
        index.append(Item(item.id, "", item.source, item.published))
        sizes.append(len(shingles))
        signatures.append(signature)
        sketch = _lean(signature, options.seed)
        for other in lsh.query(sketch):
            if _verified(signature, signatures[other], sizes[position], sizes[other], options):
                union.union(position, other)
        lsh.insert(position, sketch, check_duplication=False)
    return Duplicates(len(index), _clusters(union, index, sizes, signatures))


def _lean(signature: np.ndarray, seed: int) -> Any:
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=signature, scheme="affine32")


def _verified(
    sig_a: np.ndarray, sig_b: np.ndarray, size_a: int, size_b: int, options: DupOptions
) -> bool:
    jaccard = float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
    return jaccard >= options.jaccard and _overlap(jaccard, size_a, size_b) >= options.overlap


def _clusters(
    union: _UnionFind, index: list[Item], sizes: list[int], signatures: list[np.ndarray]
) -> tuple[DuplicateCluster, ...]:
    groups: dict[int, list[int]] = {}
    for position in list(union.parent):
        root = union.find(position)
        groups.setdefault(root, [root]).append(position)
    clusters = []
    for members in groups.values():
        members = sorted(set(members))
        if len(members) < 2:
            continue
        # the original: earliest published, then the longest
        members.sort(key=lambda p: (index[p].published or "9999", -sizes[p], p))
        head = members[0]
        rows = []
        for position in members:
            jaccard = float(np.count_nonzero(signatures[head] == signatures[position]))
            jaccard /= len(signatures[head])
            similarity = (
                1.0 if position == head else _overlap(jaccard, sizes[head], sizes[position])
            )
            rows.append(
                DuplicateMember(
                    index[position].id,
                    index[position].source,
                    round(similarity, 3),
                    round(1.0 if position == head else jaccard, 3),
                )
            )
        clusters.append(DuplicateCluster(tuple(rows)))
    return _order(clusters)


def _corpus_items(corpus: Corpus) -> Iterator[Item]:
    for row in corpus.iter_texts():
        yield Item(row.id, row.text, row.source, row.published)


def corpus_duplicates(corpus: Corpus, options: DupOptions | None = None) -> Duplicates:
    """Cluster the stored documents of a corpus; exact copies seen at several sources are listed
    once per source (similarity 1.0).

    Args:
        corpus: the store.
        options: thresholds and signature settings.

    Returns:
        The clusters, as :func:`find_duplicates` returns them.
    """
    result = find_duplicates(_corpus_items(corpus), options)
    sightings = corpus.sightings()
    clusters: list[DuplicateCluster] = []
    clustered: set[str] = set()
    for cluster in result.clusters:
        members = _with_sightings(cluster.members, sightings)
        clusters.append(DuplicateCluster(members))
        clustered.update(m.id for m in members)
    for doc_id, seen in sightings.items():
        if doc_id not in clustered and len(seen) > 1:
            copies = tuple(DuplicateMember(doc_id, s["source"], 1.0, 1.0) for s in seen)
            clusters.append(DuplicateCluster(copies))
    return Duplicates(result.documents, _order(clusters))


def _with_sightings(
    members: Iterable[DuplicateMember], sightings: dict[str, list[dict[str, Any]]]
) -> tuple[DuplicateMember, ...]:
    out = []
    for member in members:
        out.append(member)
        for seen in sightings.get(member.id, []):
            if seen["source"] != member.source:
                out.append(replace(member, source=seen["source"]))
    return tuple(out)
