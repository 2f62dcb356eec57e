"""Benchmark near-duplicate search (MinHash + LSH) on a synthetic corpus with planted copies.

Prints, for each corpus size, the seconds spent finding duplicates (generation excluded), the
peak resident memory of the process, and how many planted copies were found / wrongly merged.
Each size runs in a fresh process so the peak memory figures do not carry over.

    PYTHONPATH=src python benchmarks/dups_scale.py --sizes 10000 30000 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator

import numpy as np

from unspin.corpus.dups import DupOptions, Item, find_duplicates

LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def vocabulary(size: int, rng: np.random.Generator) -> np.ndarray:
    lengths = rng.integers(2, 10, size=size)
    return np.array(["".join(rng.choice(LETTERS, n)) for n in lengths])


def corpus(n: int, *, seed: int = 7, planted: float = 0.05) -> Iterator[tuple[Item, str]]:
    """Yield (item, group) pairs: ``group`` is the id of the original for planted copies."""
    rng = np.random.default_rng(seed)
    words = vocabulary(40_000, rng)
    zipf = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    zipf /= zipf.sum()
    # a few recurring "subjects": articles on the same subject share a pool of topic words
    topics = [rng.choice(len(words), 60, replace=False) for _ in range(200)]
    pending: deque[tuple[int, Item, str]] = deque()
    made = 0
    index = 0
    while made < n:
        while pending and pending[0][0] <= index and made < n:
            yield pending.popleft()[1:]  # type: ignore[misc]
            made += 1
        if made >= n:
            break
        length = int(rng.integers(250, 700))
        ids = rng.choice(len(words), size=length, p=zipf)
        topic = topics[int(rng.integers(len(topics)))]
        mask = rng.random(length) < 0.15
        ids[mask] = rng.choice(topic, size=int(mask.sum()))
        doc_id = f"d{index}"
        yield (
            Item(doc_id, " ".join(words[ids]), f"https://site{index % 97}.example/{index}"),
            doc_id,
        )
        made += 1
        if rng.random() < planted:
            copy = ids[: int(length * 0.85)].copy()  # trimmed by 15%
            swap = rng.random(len(copy)) < 0.05  # lightly reworded
            copy[swap] = rng.choice(len(words), size=int(swap.sum()), p=zipf)
            headline = " ".join(words[rng.choice(len(words), 8, p=zipf)])  # re-headed
            text = headline + "\n" + " ".join(words[copy])
            later = index + int(rng.integers(1, 500))
            pending.append(
                (later, Item(f"c{index}", text, f"https://copy.example/{index}"), doc_id)
            )
        index += 1


def run_one(n: int) -> dict[str, float]:
    groups: dict[str, str] = {}

    def items() -> Iterator[Item]:
        for item, group in corpus(n):
            groups[item.id] = group
            yield item

    # time generation separately so it can be subtracted
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_start = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    for _ in corpus(n):
        pass
    generate = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    generate_cpu = usage.ru_utime + usage.ru_stime - cpu_start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    result = find_duplicates(items(), DupOptions())
    total = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    planted = sum(1 for k, g in groups.items() if k != g)
    found = wrong = 0
    for cluster in result.clusters:
        ids = [m.id for m in cluster.members]
        roots = {groups[i] for i in ids}
        wrong += len(roots) - 1
        found += sum(1 for i in ids if groups[i] != i and groups[i] in ids)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "articles": n,
        "seconds": round(total - generate, 1),
        "generate_s": round(generate, 1),
        "cpu_s": round(cpu - generate_cpu, 1),
        "peak_rss_mb": round(peak_mb),
        "planted": planted,
        "found": found,
        "false_merges": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    print(
        f"{'articles':>9} {'seconds':>8} {'cpu s':>7} {'peak RSS MB':>12} {'planted':>8} "
        f"{'found':>6} {'false merges':>13}"
    )
    for n in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], check=True, capture_output=True, text=True
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(
            f"{row['articles']:>9} {row['seconds']:>8} {row['cpu_s']:>7} {row['peak_rss_mb']:>12} "
            f"{row['planted']:>8} {row['found']:>6} {row['false_merges']:>13}",
            flush=True,
        )


if __name__ == "__main__":
    main()
