"""CheckThat! Task 2 (detecting previously fact-checked claims): the official run file and
metrics.

MAP@k follows trec_eval / trectools (``TrecEval.get_map(depth=k)``): for a query with R relevant
vclaims, AP@k = (1/R) * sum over ranks i <= k of P@i * rel(i), averaged over every query in the
qrels (a query without predictions counts 0). A run is ordered by score, descending, and ties by
vclaim id, descending, as trectools orders them. MRR is 1/rank of the first relevant vclaim
anywhere in the run (0 if none); P@k divides the relevant vclaims in the first k by k.

Example:
    >>> run = {"q1": [("v1", 0.9), ("v2", 0.5)]}
    >>> scores = score_run(run, {"q1": {"v2"}})
    >>> scores.map_at[1], scores.map_at[5], scores.mrr
    (0.0, 0.5, 0.5)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from unspin.datasets.claim_retrieval import VClaim
from unspin.errors import InvalidInput
from unspin.store.factchecks import FactCheck

__all__ = [
    "DEPTHS",
    "RUN_DEPTH",
    "RetrievalScores",
    "ordered",
    "average_precision",
    "score_run",
    "write_run",
    "read_run",
    "vclaims_as_checks",
    "evaluate_claim_retrieval",
]

DEPTHS = (1, 3, 5, 10, 20)
RUN_DEPTH = 1000

Run = Mapping[str, Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class RetrievalScores:
    """MAP@k, P@k and MRR over the queries of the qrels."""

    queries: int
    map_at: Mapping[int, float] = field(default_factory=dict)
    precision_at: Mapping[int, float] = field(default_factory=dict)
    mrr: float = 0.0

    def to_dict(self) -> dict[str, float | int]:
        out: dict[str, float | int] = {"queries": self.queries}
        out.update({f"map@{k}": round(v, 4) for k, v in self.map_at.items()})
        out.update({f"p@{k}": round(v, 4) for k, v in self.precision_at.items()})
        out["mrr"] = round(self.mrr, 4)
        return out

    def lines(self) -> list[str]:
        """Return the scores as printable lines."""
        maps = "  ".join(f"MAP@{k} {v:.4f}" for k, v in self.map_at.items())
        precision = "  ".join(f"P@{k} {v:.4f}" for k, v in self.precision_at.items())
        return [f"queries {self.queries}", maps, precision, f"MRR {self.mrr:.4f}"]


def ordered(scored: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    """Return ``(vclaim_id, score)`` pairs in run order: score descending, then id descending."""
    return sorted(scored, key=lambda pair: (pair[1], pair[0]), reverse=True)


def average_precision(ranked: Sequence[str], relevant: set[str] | frozenset[str], k: int) -> float:
    """Return AP@k of one ranked list of ids, normalised by the number of relevant ids.

    Raises:
        InvalidInput: k is not positive.
    """
    if k < 1:
        raise InvalidInput(f"the depth k must be >= 1, got {k}")
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for rank, doc_id in enumerate(ranked[:k], 1):
        if doc_id in relevant:
            hits += 1
            total += hits / rank
    return total / len(relevant)


def score_run(
    run: Run, qrels: Mapping[str, set[str]], *, depths: Sequence[int] = DEPTHS
) -> RetrievalScores:
    """Score a run against qrels.

    Args:
        run: query id -> ``(vclaim_id, score)`` pairs, in any order.
        qrels: query id -> relevant vclaim ids; queries without a relevant id are left out.
        depths: the k of MAP@k and P@k.

    Returns:
        The scores averaged over the queries of the qrels.
    """
    gold = {qid: rel for qid, rel in qrels.items() if rel}
    maps = {k: 0.0 for k in depths}
    precision = {k: 0.0 for k in depths}
    mrr = 0.0
    for qid, relevant in gold.items():
        ranked = [doc for doc, _ in ordered(run.get(qid, ()))]
        for k in depths:
            maps[k] += average_precision(ranked, relevant, k)
            precision[k] += sum(1 for doc in ranked[:k] if doc in relevant) / k
        for rank, doc in enumerate(ranked, 1):
            if doc in relevant:
                mrr += 1.0 / rank
                break
    n = len(gold)
    if n == 0:
        return RetrievalScores(0, {k: 0.0 for k in depths}, {k: 0.0 for k in depths}, 0.0)
    return RetrievalScores(
        n, {k: v / n for k, v in maps.items()}, {k: v / n for k, v in precision.items()}, mrr / n
    )


def write_run(run: Run, out: TextIO, *, tag: str = "unspin", depth: int = RUN_DEPTH) -> int:
    """Write the official run file: ``qid<TAB>Q0<TAB>vclaim_id<TAB>rank<TAB>score<TAB>tag``.

    Args:
        run: query id -> ``(vclaim_id, score)`` pairs.
        out: where to write.
        tag: the run's name (no whitespace).
        depth: at most this many lines per query (the official limit is 1000).

    Returns:
        The number of lines written.

    Raises:
        InvalidInput: the tag is empty or has whitespace.
    """
    if not tag or any(c.isspace() for c in tag):
        raise InvalidInput(f"run tag {tag!r} must be one word")
    lines = 0
    for qid, scored in run.items():
        for rank, (doc, score) in enumerate(ordered(scored)[:depth], 1):
            out.write(f"{qid}\tQ0\t{doc}\t{rank}\t{score:.6f}\t{tag}\n")
            lines += 1
    return lines


def read_run(path: Path | str) -> dict[str, list[tuple[str, float]]]:
    """Read a run file written by :func:`write_run` (or any TREC run: 6 fields a line).

    Raises:
        InvalidInput: a line does not have 6 fields or its score is not a number.
    """
    out: dict[str, list[tuple[str, float]]] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 6:
                raise InvalidInput(f"{path}:{number}: expected 6 fields, got {len(parts)}")
            try:
                score = float(parts[4])
            except ValueError:
                raise InvalidInput(f"{path}:{number}: score {parts[4]!r} is not a number") from None
            out.setdefault(parts[0], []).append((parts[2], score))
    return out


def vclaims_as_checks(vclaims: Sequence[VClaim]) -> list[FactCheck]:
    """Return CheckThat! vclaims as fact-checks (id = ``vclaim_id``; claim, title, rating...)."""
    out = []
    for v in vclaims:
        out.append(
            FactCheck(
                id=v.id,
                claim=v.claim or v.fields.get("title", "") or v.id,
                title=v.fields.get("title", ""),
                rating=v.fields.get("truth_label", ""),
                claimant=v.fields.get("speaker", ""),
                url=v.fields.get("page_url", "") or v.fields.get("url", ""),
                content_key=v.id,
            )
        )
    return out


def evaluate_claim_retrieval(
    queries: Path | str,
    vclaims: Path | str,
    *,
    out: Path | str,
    qrels: Path | str | None = None,
    depth: int = 100,
    tag: str = "unspin",
    model_dir: Path | str | None = None,
) -> RetrievalScores | None:
    """Rank the vclaims for every query with the fact-check matcher, write the run file and,
    with qrels, score it.

    Args:
        queries: ``id<TAB>text`` TSV.
        vclaims: vclaims JSONL.
        out: the run file to write.
        qrels: TREC qrels to score against.
        depth: vclaims per query in the run (1..1000).
        tag: the run's name.
        model_dir: a retrieval model folder other than the shipped one.

    Returns:
        The scores, or None without qrels.

    Raises:
        InvalidInput: depth is out of range, or a file is malformed.
        SourceError: a file cannot be read.
        ModelError: the retrieval model is missing.
    """
    from unspin.corpus.factchecks import MODEL, load_encoder
    from unspin.corpus.factchecks.collection import MemoryCollection
    from unspin.corpus.factchecks.matching import Matcher, MatchOptions, Scorer
    from unspin.datasets.claim_retrieval import read_qrels, read_queries, read_vclaims
    from unspin.models.runtime import load_manifest

    if not 1 <= depth <= RUN_DEPTH:
        raise InvalidInput(f"depth must be 1..{RUN_DEPTH}, got {depth}")
    found_queries = read_queries(queries)
    checks = vclaims_as_checks(read_vclaims(vclaims))
    gold = read_qrels(qrels) if qrels else None
    encoder = load_encoder(model_dir)
    manifest = load_manifest(MODEL, Path(model_dir) if model_dir else None)
    scorer = Scorer.from_config(manifest.config.get("scorer", {}))
    collection = MemoryCollection(checks, encoder.embed, model=encoder.name)
    matcher = Matcher(
        collection, encoder.embed, scorer, options=MatchOptions(candidates=depth, limit=depth)
    )
    run: dict[str, list[tuple[str, float]]] = {}
    for start in range(0, len(found_queries), 64):
        chunk = found_queries[start : start + 64]
        for query, matches in zip(chunk, matcher.rank([q.text for q in chunk]), strict=True):
            run[query.id] = [(m.check.id, m.similarity) for m in matches]
    try:
        with open(out, "w", encoding="utf-8", newline="\n") as handle:
            write_run(run, handle, tag=tag, depth=depth)
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror or exc}") from None
    return score_run(run, gold) if gold is not None else None
