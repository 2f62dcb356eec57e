"""Benchmark the fact-check collection at scale: import, vector index build, and matching one
claim at a time, on a synthetic collection grown from real fact-checks.

The collection: each synthetic fact-check takes a real CheckThat! fact-check (2A Snopes + 2B
PolitiFact, read from --data at run time, never copied into the repository), swaps about a third
of its words for other words of the collection and gets a vector near a mix of two real
fact-checks' embeddings (``normalize(e_i + 0.5 e_j + 0.3 g)``, ``g`` Gaussian), so the vectors
cluster as real ones do. Encoding a million texts is not part of the build figure: the encoder's
own throughput on the real texts is printed beside it (the ceiling), with the time it would take
for the whole collection.

Stages, each timed, in one process whose peak RSS is printed at the end:
1. encoder ceiling: texts per second embedding real fact-checks (UNSPIN_THREADS threads);
2. import: records into the store (rows + full-text index), in batches;
3. vectors: the synthetic vectors into the store (float16 rows);
4. index: StoreCollection catches up (reads every vector, builds the HNSW graph, term
   statistics) and saves the index file;
5. reopen: loading the saved index and catching up with nothing;
6. match: real claims (CheckThat! train queries) matched one at a time: p50 / p95 / max;
7. recall@10 of the HNSW graph against exact search, on 200 of those claims.

    PYTHONPATH=src python benchmarks/factcheck_scale.py --data ../shared/data --size 1000000 \\
        --work /work/runs/factcheck/scale
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _real(data: Path) -> tuple[list[str], list[str]]:
    from unspin.datasets.claim_retrieval import read_queries, read_vclaims

    texts: list[str] = []
    for folder in ("checkthat2022-task2a-en", "checkthat2021-task2b-en"):
        texts += [
            v.text(("vclaim", "title")) for v in read_vclaims(data / folder / "vclaims.jsonl")
        ]
    queries = [
        q.text
        for q in read_queries(
            data / "checkthat2021-task2b-en" / "CT2022-Task2B-EN-Train-Dev_Queries.tsv"
        )
    ]
    queries += [
        q.text
        for q in read_queries(
            data / "checkthat2022-task2a-en" / "CT2022-Task2A-EN-Train-Dev_Queries.tsv"
        )
    ]
    return texts, queries


def _synthetic(texts: list[str], base: np.ndarray, n: int, seed: int = 11):  # type: ignore[no-untyped-def]
    """Yield (FactCheck, vector) for n synthetic fact-checks."""
    from unspin.corpus.factchecks.records import content_key
    from unspin.store.factchecks import FactCheck

    rng = np.random.default_rng(seed)
    words = np.array(sorted({w for t in texts[:5000] for w in t.split()}))
    reviewers = ["Factdesk", "Verify Desk", "Example Checkers", "Newsroom Checks", "Claim Watch"]
    ratings = ["False", "Mostly False", "Half True", "Mostly True", "True", "Misleading"]
    for i in range(n):
        a, b = int(rng.integers(len(texts))), int(rng.integers(len(texts)))
        tokens = texts[a].split()
        swap = rng.random(len(tokens)) < 0.33
        for k in np.flatnonzero(swap):
            tokens[k] = str(words[int(rng.integers(len(words)))])
        claim = " ".join(tokens) + f" ({i})"
        vector = (
            base[a] + 0.5 * base[b] + 0.3 * rng.normal(size=base.shape[1]) / np.sqrt(base.shape[1])
        )
        vector = vector / np.linalg.norm(vector)
        reviewer, rating = reviewers[i % 5], ratings[i % 6]
        yield (
            FactCheck(
                id=f"syn-{i}",
                claim=claim,
                rating=rating,
                reviewer=reviewer,
                url=f"https://checks{i % 50}.example/{i}",
                published=f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
                content_key=content_key(claim, reviewer, rating),
                origin="synthetic",
                record={"claimReviewed": claim},
            ),
            vector.astype(np.float32),
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", required=True, type=Path, help="folder with the CheckThat! folders"
    )
    parser.add_argument("--work", required=True, type=Path, help="folder for the store and index")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--db", help="a store URL (default: WORK/scale.db, SQLite)")
    parser.add_argument("--queries", type=int, default=1000, help="claims matched one at a time")
    parser.add_argument("--keep", action="store_true", help="reuse a store built before")
    parser.add_argument(
        "--base",
        type=int,
        default=5000,
        help="real fact-checks the synthetic ones grow from (also the encoder's figure)",
    )
    parser.add_argument("--model-dir", type=Path, help="a retrieval model other than the shipped")
    args = parser.parse_args()

    from unspin.corpus.factchecks import load_encoder
    from unspin.corpus.factchecks.collection import StoreCollection
    from unspin.corpus.factchecks.matching import Matcher, MatchOptions, Scorer
    from unspin.models.runtime import default_threads, load_manifest
    from unspin.store import open_corpus

    class Report(dict):  # type: ignore[type-arg]
        """Prints each figure as it is measured, so a run cut short still tells what it got."""

        def __setitem__(self, key: str, value: object) -> None:
            super().__setitem__(key, value)
            print(f"{key}: {value}", flush=True)

    report: dict[str, object] = Report()
    report.update(
        {
            "size": args.size,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
            "threads": default_threads(),
            "load_average_at_start": os.getloadavg(),
        }
    )
    for key, value in report.items():
        print(f"{key}: {value}", flush=True)
    texts, queries = _real(args.data)
    encoder = load_encoder(args.model_dir)
    report["encoder"] = encoder.name
    # 1. the encoder's ceiling on real fact-check texts (they seed the synthetic collection)
    texts = texts[:: max(1, len(texts) // args.base)][: args.base]
    started = time.perf_counter()
    base = encoder.embed(texts)
    per_second = len(texts) / (time.perf_counter() - started)
    report["encode_texts_per_s"] = round(per_second, 1)
    report["encode_projected_min_for_size"] = round(args.size / per_second / 60, 1)

    args.work.mkdir(parents=True, exist_ok=True)
    db = args.db or str(args.work / "scale.db")
    if not args.keep and not args.db:
        for path in args.work.glob("scale.db*"):
            path.unlink() if path.is_file() else shutil.rmtree(path)
    corpus = open_corpus(db)
    store = corpus.factchecks
    # 2 + 3. records and vectors into the store
    if len(store) < args.size:
        started = time.perf_counter()
        vectors: dict[str, np.ndarray] = {}

        def records():  # type: ignore[no-untyped-def]
            for check, vector in _synthetic(texts, base, args.size):
                vectors[check.id] = vector
                yield check

        stored_s = vectors_s = 0.0
        pending: list[object] = []
        batch_started = time.perf_counter()
        for outcome in store.add(records(), batch=2000):
            pending.append(outcome)
            if len(pending) == 2000:
                stored_s += time.perf_counter() - batch_started
                t = time.perf_counter()
                ids = [o.id for o in pending]  # type: ignore[attr-defined]
                pks = _pks(corpus, ids)
                store.put_vectors(encoder.name, {pks[i]: vectors.pop(i) for i in ids})
                vectors_s += time.perf_counter() - t
                pending = []
                batch_started = time.perf_counter()
        if pending:
            ids = [o.id for o in pending]  # type: ignore[attr-defined]
            pks = _pks(corpus, ids)
            store.put_vectors(encoder.name, {pks[i]: vectors.pop(i) for i in ids})
        report["import_s"] = round(stored_s, 1)
        report["vectors_s"] = round(vectors_s, 1)
        report["import_and_vectors_s"] = round(time.perf_counter() - started, 1)
    report["rss_after_import_mb"] = round(_rss_mb(), 1)
    # 4. the index, built from the store
    index_file = args.work / "scale.usearch"
    for path in (index_file, index_file.with_name(index_file.name + ".json")):
        path.unlink(missing_ok=True)
    started = time.perf_counter()
    collection = StoreCollection(
        corpus, encoder.embed, model=encoder.name, path=index_file, embed_missing=False
    )
    report["index_build_s"] = round(time.perf_counter() - started, 1)
    report["index_kind"] = collection.index.kind
    report["index_size"] = len(collection)
    report["index_file_mb"] = round(index_file.stat().st_size / 1e6, 1)
    report["rss_after_index_mb"] = round(_rss_mb(), 1)
    del collection
    # 5. reopening
    started = time.perf_counter()
    collection = StoreCollection(
        corpus, encoder.embed, model=encoder.name, path=index_file, embed_missing=False
    )
    report["index_reopen_s"] = round(time.perf_counter() - started, 2)
    # 6. matching one claim at a time
    manifest = load_manifest("retrieval", args.model_dir)
    scorer = Scorer.from_config(manifest.config["scorer"])
    matcher = Matcher(collection, encoder.embed, scorer, options=MatchOptions())
    claims = queries[: args.queries]
    matcher.match(claims[:5])  # warm up the session
    times = []
    for claim in claims:
        started = time.perf_counter()
        matcher.match([claim])
        times.append((time.perf_counter() - started) * 1000)
    report["match_ms_p50"] = round(float(np.percentile(times, 50)), 1)
    report["match_ms_p95"] = round(float(np.percentile(times, 95)), 1)
    report["match_ms_max"] = round(float(np.max(times)), 1)
    # 7. recall@10 of the graph against exact search
    probe = encoder.embed(claims[:200])
    got, _ = collection.index.search(probe, 10)
    scores = np.full((len(probe), 10), -np.inf, dtype=np.float32)
    keys = np.full((len(probe), 10), -1, dtype=np.int64)
    for pks, block in corpus.factchecks.iter_vectors(encoder.name, batch=50_000):
        sims = probe @ block.T
        both_s = np.concatenate([scores, sims], axis=1)
        both_k = np.concatenate([keys, np.broadcast_to(pks, sims.shape)], axis=1)
        top = np.argsort(-both_s, axis=1)[:, :10]
        scores = np.take_along_axis(both_s, top, axis=1)
        keys = np.take_along_axis(both_k, top, axis=1)
    recall = np.mean(
        [len(set(g) & set(e)) / 10 for g, e in zip(got.tolist(), keys.tolist(), strict=True)]
    )
    report["hnsw_recall_at_10"] = round(float(recall), 4)
    report["peak_rss_mb"] = round(_rss_mb(), 1)
    report["load_average_at_end"] = os.getloadavg()
    print(json.dumps(report, indent=2))
    corpus.close()
    return 0


def _pks(corpus, ids: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    params = {f"i{n}": value for n, value in enumerate(ids)}
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    out: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        params = {f"i{n}": value for n, value in enumerate(chunk)}
        marks = ", ".join(f":i{n}" for n in range(len(chunk)))
        with corpus._read() as conn:
            rows = conn.execute(
                text(f"SELECT id, pk FROM factchecks WHERE id IN ({marks})"), params
            )
            out.update({str(a): int(b) for a, b in rows})
    return out


if __name__ == "__main__":
    raise SystemExit(main())
