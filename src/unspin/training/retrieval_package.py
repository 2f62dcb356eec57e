"""Choose the matcher's scorer and thresholds by cross-validation and write the shipped
``retrieval`` model folder.

Reads the fold runs of ``python -m unspin.training retrieval --folds K --fold I --embed`` (each
holds its held-out query ids and the embeddings its model made) and the full run (trained on
every train query, exported to ``RUN/export``). Every train query is scored by the fold model
that did not see it (out-of-fold), so:

1. each feature set of :data:`CANDIDATE_SETS` is scored by MAP@5 over the same grouped folds
   (a logistic scorer fitted on the other folds' out-of-fold features), per task: mean, std,
   min and max; the set with the best mean over both tasks is kept (a smaller set wins a tie
   within one standard deviation);
2. the kept scorer is fitted on all out-of-fold features;
3. thresholds are chosen on a population where every train query appears twice, once with its
   fact-checks in the collection and once with them removed (a claim nobody has checked):
   ``match`` is the lowest probability at which the top candidate is a right fact-check at
   least ``--match-precision`` of the time; ``related`` the lowest at which at least
   ``--related-precision`` of the candidates shown are right ones.

numpy only (no torch).

Example:
    python -m unspin.training retrieval-package --data ../shared/data \\
        --folds runs/f0 runs/f1 runs/f2 --full runs/full --to src/unspin/models/retrieval
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspin.corpus.factchecks.index import TermStats
from unspin.corpus.factchecks.lexical import tokens
from unspin.corpus.factchecks.matching import FEATURES, clean_query, features
from unspin.evaluation.claim_retrieval import score_run
from unspin.training.retrieval_scorer import expected_calibration_error, fit_logistic

__all__ = [
    "CANDIDATE_SETS",
    "Rows",
    "collect",
    "cross_validate",
    "choose_thresholds",
    "add_arguments",
    "package",
]

#: feature sets compared by cross-validation (indices into FEATURES)
CANDIDATE_SETS: dict[str, tuple[str, ...]] = {
    "cosine": ("cosine",),
    "cosine+bm25": ("cosine", "bm25"),
    "cosine+bm25+gaps": ("cosine", "cosine_gap", "bm25", "bm25_gap"),
    "all": FEATURES,
}
DEPTH = 50


@dataclass(frozen=True)
class Rows:
    """The candidates of one query: their ids, features and relevance labels."""

    task: str
    query: str
    fold: int
    ids: list[str]
    values: np.ndarray
    labels: np.ndarray


def collect(
    task: str,
    fold: int,
    query_ids: list[str],
    query_texts: list[str],
    query_vectors: np.ndarray,
    vclaim_ids: list[str],
    vclaim_texts: list[str],
    vclaim_vectors: np.ndarray,
    terms: TermStats,
    rel: dict[str, set[str]],
    *,
    drop_relevant: bool = False,
) -> list[Rows]:
    """Return each query's top ``DEPTH`` candidates by cosine with their features.

    Args:
        drop_relevant: leave the query's relevant fact-checks out of the collection (a claim
            that nobody has checked yet).
    """
    sims = query_vectors @ vclaim_vectors.T
    out = []
    for row, qid in enumerate(query_ids):
        scores = sims[row].copy()
        if drop_relevant:
            for i, vid in enumerate(vclaim_ids):
                if vid in rel[qid]:
                    scores[i] = -np.inf
        top = np.argpartition(-scores, DEPTH)[:DEPTH]
        top = top[np.argsort(-scores[top])]
        values = features(
            query_texts[row],
            [vclaim_texts[i] for i in top],
            [float(scores[i]) for i in top],
            idf=terms.idf,
            average_length=terms.average_length,
        )
        labels = np.array([vclaim_ids[i] in rel[qid] for i in top], dtype=np.int64)
        out.append(Rows(task, qid, fold, [vclaim_ids[i] for i in top], values, labels))
    return out


def _columns(names: tuple[str, ...]) -> list[int]:
    return [FEATURES.index(n) for n in names]


def cross_validate(
    rows: list[Rows],
    names: tuple[str, ...],
    rel: dict[str, dict[str, set[str]]],
    folds: int,
    *,
    absent: list[Rows] | None = None,
) -> dict[str, dict[str, Any]]:
    """Return per task MAP@5 (mean, std, min, max and each fold's) of a scorer on the named
    features fitted on the other folds, and the calibration error of the top candidate's
    probability (on ``rows`` plus ``absent``: the same claims with their fact-checks removed).

    The scorer is fitted on the other folds' ``rows`` and ``absent`` together, so it learns
    that being the best candidate is not enough when nothing in the collection matches.
    """
    cols = _columns(names)
    absent = absent or []
    per_task: dict[str, list[float]] = {}
    top_p: list[float] = []
    top_y: list[int] = []
    for fold in range(folds):
        train = [r for r in rows + absent if r.fold != fold]
        weights, bias = fit_logistic(
            np.vstack([r.values[:, cols] for r in train]), np.concatenate([r.labels for r in train])
        )
        for task in sorted({r.task for r in rows}):
            test = [r for r in rows if r.fold == fold and r.task == task]
            run = {}
            for r in test:
                p = 1.0 / (1.0 + np.exp(-(r.values[:, cols] @ weights + bias)))
                run[r.query] = list(zip(r.ids, p.tolist(), strict=True))
            gold = {r.query: rel[task][r.query] for r in test}
            per_task.setdefault(task, []).append(score_run(run, gold).map_at[5])
        for r in rows + absent:
            if r.fold == fold:
                p = 1.0 / (1.0 + np.exp(-(r.values[:, cols] @ weights + bias)))
                best = int(np.argmax(p))
                top_p.append(float(p[best]))
                top_y.append(int(r.labels[best]))
    out: dict[str, dict[str, Any]] = {
        task: {
            "map5_mean": float(np.mean(v)),
            "map5_std": float(np.std(v)),
            "map5_min": float(np.min(v)),
            "map5_max": float(np.max(v)),
            "folds": [float(x) for x in v],
        }
        for task, v in per_task.items()
    }
    out["top1"] = {"ece": expected_calibration_error(top_p, top_y)}
    return out


def choose_set(results: dict[str, dict[str, Any]], *, tasks: tuple[str, ...]) -> str:
    """Return the feature set to keep.

    Going from the smallest set up, a larger one replaces the kept one when its MAP@5, paired
    fold by fold and task by task, is higher by more than the spread (std) of those paired
    differences; when the difference is within the spread (a tie), the one whose top
    candidate's probability is better calibrated (lower ECE) is kept, since the matcher's
    output is that probability.
    """
    names = sorted(results, key=lambda n: len(CANDIDATE_SETS.get(n, (n,))))
    kept = names[0]
    for name in names[1:]:
        gains = [
            new - old
            for task in tasks
            for new, old in zip(
                results[name][task]["folds"], results[kept][task]["folds"], strict=True
            )
        ]
        mean, spread = float(np.mean(gains)), float(np.std(gains))
        if mean > spread or abs(mean) <= spread and _ece(results[name]) < _ece(results[kept]):
            kept = name
    return kept


def _ece(result: dict[str, Any]) -> float:
    return float(result.get("top1", {}).get("ece", 1.0))


def choose_thresholds(
    present: list[Rows],
    absent: list[Rows],
    names: tuple[str, ...],
    weights: np.ndarray,
    bias: float,
    *,
    match_precision: float,
    related_precision: float,
) -> dict[str, float]:
    """Return the ``match`` and ``related`` thresholds and what they give on the population
    of ``present`` (relevant fact-checks in the collection) plus ``absent`` (removed)."""
    cols = _columns(names)
    top: list[tuple[float, int]] = []
    shown: list[tuple[float, int]] = []
    for r in present + absent:
        p = 1.0 / (1.0 + np.exp(-(r.values[:, cols] @ weights + bias)))
        order = np.argsort(-p)[:5]
        top.append((float(p[order[0]]), int(r.labels[order[0]])))
        shown += [(float(p[i]), int(r.labels[i])) for i in order]

    def lowest(pairs: list[tuple[float, int]], precision: float) -> float:
        pairs = sorted(pairs, reverse=True)
        right = 0
        best = 1.0
        for n, (p, y) in enumerate(pairs, 1):
            right += y
            if right / n >= precision:
                best = p
        return best

    match = lowest(top, match_precision)
    related = min(match, lowest(shown, related_precision))
    n_present = len(present)
    called = [(p, y) for p, y in top[:n_present] if p >= match]
    wrong_absent = sum(1 for p, _ in top[n_present:] if p >= match)
    return {
        "match": round(match, 4),
        "related": round(related, 4),
        "match_precision": float(
            np.mean([y for p, y in top if p >= match]) if any(p >= match for p, _ in top) else 0.0
        ),
        "match_recall_present": len([1 for _, y in called if y]) / max(n_present, 1),
        "match_false_alarm_absent": wrong_absent / max(len(absent), 1),
        "related_precision": float(
            np.mean([y for p, y in shown if p >= related])
            if any(p >= related for p, _ in shown)
            else 0.0
        ),
    }


def _load_vectors(run: Path, task: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    ids = json.loads((run / f"{task}_q_ids.json").read_text(encoding="utf-8"))
    queries = np.load(run / f"{task}_q.npy").astype(np.float32)
    vclaims = np.load(run / f"{task}_v_vt.npy").astype(np.float32)
    return ids, queries, vclaims


def _fold_runs(
    args: argparse.Namespace, task: str, queries: list[Any], qrels: dict[str, set[str]]
) -> list[tuple[int, Path, list[str]]]:
    """Return (fold, folder of vectors, held-out query ids) for each fold.

    A trained encoder has a run per fold (each scores the queries it did not see); a shipped
    encoder (``--encoder analysis``) saw none of them, so one folder of vectors serves every
    fold of :func:`~unspin.training.retrieval.folds`.
    """
    from unspin.training.retrieval import folds, group_of

    if args.encoder == "retrieval":
        out = []
        for fold, run in enumerate(args.folds):
            held = json.loads((run / "heldout.json").read_text(encoding="utf-8"))[task]
            out.append((fold, run, held))
        return out
    assigned = folds([group_of(task, q, qrels) for q in queries], args.cv)
    return [
        (fold, args.folds[0], [q.id for q, f in zip(queries, assigned, strict=True) if f == fold])
        for fold in range(args.cv)
    ]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``python -m unspin.training retrieval-package``."""
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument(
        "--folds",
        required=True,
        nargs="+",
        type=Path,
        help="fold runs, in order (--encoder analysis: one folder of its vectors)",
    )
    parser.add_argument("--full", type=Path, help="the run trained on all train (its export)")
    parser.add_argument(
        "--encoder",
        choices=("retrieval", "analysis"),
        default="retrieval",
        help="the fine-tuned encoder of the runs, or the shipped analysis model's embedding",
    )
    parser.add_argument("--cv", type=int, default=3, help="--encoder analysis: grouped folds")
    parser.add_argument("--to", required=True, type=Path, help="the model folder to write")
    parser.add_argument("--match-precision", type=float, default=0.9)
    parser.add_argument("--related-precision", type=float, default=0.5)
    parser.add_argument("--version", default="1.0.0")


def package(args: argparse.Namespace) -> Path:
    """Choose the scorer by CV, write the model folder and return it."""
    from unspin.training.retrieval import TASKS, load_task

    present: list[Rows] = []
    absent: list[Rows] = []
    rel: dict[str, dict[str, set[str]]] = {}
    for task in TASKS:
        queries, qrels, vclaims = load_task(args.data, task)
        rel[task] = qrels
        texts = {q.id: clean_query(q.text) for q in queries}
        vtexts = [v.text(("vclaim", "title")) for v in vclaims]
        vids = [v.id for v in vclaims]
        terms = TermStats()
        terms.add(tokens(t) for t in vtexts)
        for fold, run, held_ids in _fold_runs(args, task, queries, qrels):
            ids, qvec, vvec = _load_vectors(run, task)
            position = {q: i for i, q in enumerate(ids)}
            held = [q for q in held_ids if q in texts]
            chosen = qvec[[position[q] for q in held]]
            common = (
                task,
                fold,
                held,
                [texts[q] for q in held],
                chosen,
                vids,
                vtexts,
                vvec,
                terms,
                qrels,
            )
            present += collect(*common)
            absent += collect(*common, drop_relevant=True)
    n_folds = len({r.fold for r in present})
    report: dict[str, Any] = {"folds": n_folds, "encoder": args.encoder, "sets": {}}
    results = {}
    for name, names in CANDIDATE_SETS.items():
        results[name] = cross_validate(present, names, rel, n_folds, absent=absent)
        report["sets"][name] = results[name]
        print(name, json.dumps(results[name]), flush=True)
    best_name = choose_set(results, tasks=tuple(TASKS))
    names = CANDIDATE_SETS[best_name]
    cols = _columns(names)
    both = present + absent
    weights, bias = fit_logistic(
        np.vstack([r.values[:, cols] for r in both]), np.concatenate([r.labels for r in both])
    )
    thresholds = choose_thresholds(
        present,
        absent,
        names,
        weights,
        bias,
        match_precision=args.match_precision,
        related_precision=args.related_precision,
    )
    report["chosen"] = best_name
    report["thresholds"] = thresholds
    scorer = {
        "features": list(names),
        "weights": {n: round(float(w), 6) for n, w in zip(names, weights, strict=True)},
        "bias": round(bias, 6),
        "match": thresholds["match"],
        "related": thresholds["related"],
    }
    report["scorer"] = scorer
    print(json.dumps(report["chosen"]), json.dumps(scorer), json.dumps(thresholds), flush=True)
    args.to.mkdir(parents=True, exist_ok=True)
    if args.encoder == "retrieval":
        export = args.full / "export"
        for name in ("model.onnx", "tokenizer.json"):
            shutil.copyfile(export / name, args.to / name)
        manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    else:
        from unspin.models.runtime import load_manifest

        analysis = load_manifest(args.encoder)
        manifest = {
            "name": "retrieval",
            "files": {},
            "config": {
                "encoder": args.encoder,
                "measured_with": {
                    "model": f"{analysis.name}@{analysis.version}",
                    "model.onnx sha256": analysis.files.get("model.onnx", ""),
                },
            },
        }
    manifest["version"] = args.version
    manifest["config"]["scorer"] = scorer
    (args.to / "manifest.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    (args.to / "metrics.json").write_text(
        json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return Path(args.to)
