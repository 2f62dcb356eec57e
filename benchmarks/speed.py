"""Speed and memory of the whole pipeline on real articles, beside the encoder ceiling.

Reads real articles (``--articles-dir``: every ``.txt``, ``.md`` or ``.html`` file of a folder,
for example the PTC training articles in ``../shared/data``; nothing is copied) or, without it,
generates ~800-word articles from sentences written for this script (a smoke mode for CI).
Runs the detectors the way ``unspin analyze`` does (``--workers`` documents at once, the ONNX
threads shared out by ``set_threads``) and prints, with the machine's CPU:

- model load time, articles/s and words/s of the pipeline, peak RSS, time per detector;
- the bare-encoder ceiling of the same machine in the same run: one pass of the shipped int8
  encoder (the ``analysis`` model) over every sentence of the same articles, in the analysis
  engine's own segments and batches, ``--workers`` lanes at once; and the pipeline's share of it;
- with ``--cli``, ``unspin analyze FILES --format jsonl`` from start to exit in a child process
  (wall time and the child's peak RSS), the figure a user sees.

Usage:
    python benchmarks/speed.py --articles-dir ../shared/data/ptc-semeval2020/train-articles \\
        --articles 60 --workers 2 --cli
    python benchmarks/speed.py --articles 10      # generated articles (CI smoke)
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

SENTENCES = [
    "The regional council met on Thursday to discuss the budget for the coming year.",
    "Officials said the new bus routes would open in the spring after a long delay.",
    "Critics called the plan a shameless giveaway to the mayor's wealthy friends.",
    "The report, published by the transport office, counted 4,200 daily passengers.",
    "Only a fool would believe the promises of these spineless career politicians.",
    "Residents in the eastern districts have waited more than a decade for a station.",
    "This is a disaster for every hard-working family in the valley, the host shouted.",
    "The minister said the figures would be reviewed by an independent panel in June.",
    "Everyone knows the whole mess was caused by one lazy official in the capital.",
    "Engineers expect the tunnel works to take about eighteen months to complete.",
    "The so-called experts have been wrong about everything, and they know it.",
    "A spokesperson for the operator declined to comment on the timetable.",
    "Stand up for our towns, stand up for our children, stand up for our future!",
    "Ticket prices will rise by three percent, according to the draft agreement.",
    "These corrupt bureaucrats are bleeding the taxpayers dry while they laugh at us.",
    "The council will publish the full minutes of the meeting on its website.",
]
NAMED = [
    "Mayor Elena Novak said the Transit Authority would answer every complaint by Friday.",
    "Councillor Tomas Reed accused Elena Novak of hiding the true cost from voters.",
    "The Valley Chamber of Commerce praised the plan, calling Novak a careful manager.",
    "According to the Regional Audit Office, the project is already two years late.",
    "Reed, a former engineer at Northline Rail, wants the contract cancelled.",
    "Residents of Ashford and Milbrook told the Valley Gazette they feel forgotten.",
    "Priya Shah of the Commuters Union said Reed and Novak both ignore the eastern towns.",
    "Northline Rail declined to answer questions from the Valley Gazette about the delays.",
]
SUFFIXES = (".txt", ".md", ".html", ".htm")


def make_article(seed: int, words: int = 800) -> str:
    """Return a generated article of about ``words`` words in paragraphs of 4 sentences."""
    rng = random.Random(seed)
    pool = SENTENCES + NAMED * 2
    paragraphs, current, count = [], [], 0
    while count < words:
        sentence = rng.choice(pool)
        current.append(sentence)
        count += len(sentence.split())
        if len(current) == 4:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "Council budget row\n\n" + "\n\n".join(paragraphs) + "\n"


def cpu_name() -> str:
    """Return the CPU model and its int8 instruction sets, as /proc/cpuinfo names them."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    model = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line),
        platform.machine(),
    )
    lines = info.splitlines()
    flags = next((line.split(":", 1)[1].split() for line in lines if "flags" in line), [])
    wanted = [f for f in ("avx2", "avx512_vnni", "avx_vnni", "amx_int8") if f in flags]
    return f"{model} ({os.cpu_count()} cores; {', '.join(wanted) or 'no AVX2'})"


def article_files(folder: Path, count: int, seed: int) -> list[Path]:
    """Return ``count`` files of ``folder`` (sorted, then a seeded sample), plus one for warm-up."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    if len(files) < count + 1:
        sys.exit(f"speed.py: {folder} has {len(files)} articles, need {count + 1}")
    return random.Random(seed).sample(files, count + 1)


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def time_detectors(pipeline, lock: threading.Lock) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Wrap every detector's ``detect`` so its time adds up in the returned dict."""
    spent: dict[str, float] = {}
    for detector in pipeline.detectors:
        detect = detector.detect

        def timed(doc, detect=detect, name=detector.name):  # type: ignore[no-untyped-def]
            begun = time.perf_counter()
            try:
                return detect(doc)
            finally:
                with lock:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - begun

        detector.detect = timed  # type: ignore[method-assign]
    return spent


def encoder_ceiling(docs, workers: int, repeat: int) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Return (best seconds, tokens) of one bare encoder pass over every sentence of ``docs``."""
    import numpy as np

    from unspin.detectors.analysis.engine import BATCH, AnalysisEngine

    engine = AnalysisEngine()
    feeds: list[dict[str, np.ndarray]] = []
    tokens = 0
    for doc in docs:
        bounds = engine._segments(doc)
        bounds.sort(key=lambda b: b[1] - b[0])
        for first in range(0, len(bounds), BATCH):
            texts = [doc.text[s:e] for s, e in bounds[first : first + BATCH]]
            encoded = engine.model.encode(texts, max_length=engine.max_length)
            rows, length = encoded.ids.shape
            tokens += int(encoded.mask.sum())
            feeds.append(
                {
                    "input_ids": encoded.ids,
                    "attention_mask": encoded.mask,
                    "token_type_ids": encoded.type_ids,
                    "shape_ids": np.zeros((rows, length), dtype=np.int64),
                    "target_mask": np.zeros((rows, 1, length), dtype=np.float32),
                }
            )
    lanes = [feeds[k::workers] for k in range(workers)]
    session = engine.model.session

    def run_lane(lane: list[dict[str, np.ndarray]]) -> None:
        for feed in lane:
            session.run(None, feed)

    best = float("inf")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(repeat):
            started = time.perf_counter()
            list(pool.map(run_lane, lanes))
            best = min(best, time.perf_counter() - started)
    return best, tokens


def run_cli(files: list[Path], args: argparse.Namespace) -> tuple[float, float]:
    """Return (wall seconds, peak RSS MB) of ``unspin analyze FILES --format jsonl`` as a child."""
    with tempfile.TemporaryDirectory() as scratch:
        command = [
            sys.executable,
            "-m",
            "unspin.cli",
            "analyze",
            *map(str, files),
            "--format",
            "jsonl",
            "-o",
            str(Path(scratch) / "out.jsonl"),
            "--quiet",
            "--workers",
            str(args.workers),
            "--detectors",
            args.detectors,
        ]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        wall = time.perf_counter() - started
    return wall, peak_rss_mb(resource.RUSAGE_CHILDREN)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles-dir", type=Path, help="real articles (.txt/.md/.html)")
    parser.add_argument("--articles", type=int, default=20, help="articles to time")
    parser.add_argument("--seed", type=int, default=13, help="which articles of the folder")
    parser.add_argument("--detectors", default="default")
    parser.add_argument("--workers", type=int, default=2, help="documents at once (as analyze)")
    parser.add_argument("--repeat", type=int, default=3, help="ceiling repetitions (best kept)")
    parser.add_argument("--cli", action="store_true", help="also time unspin analyze as a child")
    args = parser.parse_args()

    from unspin.document import Document
    from unspin.models.runtime import default_threads, set_threads
    from unspin.pipeline import Pipeline
    from unspin.sources import read

    files: list[Path] = []
    if args.articles_dir:
        files = article_files(args.articles_dir, args.articles, args.seed)
        docs = [doc for path in files for doc in read(str(path))]
        source = f"{args.articles_dir} (seed {args.seed})"
    else:
        docs = [Document(make_article(seed)) for seed in range(args.articles + 1)]
        source = "generated (~800 words)"
    warm, docs = docs[0], docs[1:]

    set_threads(workers=args.workers)
    started = time.perf_counter()
    pipeline = Pipeline.from_names(args.detectors)
    load_s = time.perf_counter() - started
    pipeline.run(warm)

    lock = threading.Lock()
    spent = time_detectors(pipeline, lock)
    words = sum(len(doc.text.split()) for doc in docs)
    chars = sum(len(doc.text) for doc in docs)
    started = time.perf_counter()
    done = list(pipeline.run_many(iter(docs), workers=args.workers))
    elapsed = time.perf_counter() - started
    rss = peak_rss_mb()
    stance = sum(len(d.layers["stance"].spans) for d in done if "stance" in d.layers)

    n = len(docs)
    rate = n / elapsed
    print(f"cpu                {cpu_name()}")
    print(f"articles           {n} from {source}: {words // n} words, {chars // n} chars each")
    print(f"detectors          {', '.join(d.name for d in pipeline.detectors)}")
    print(f"workers            {args.workers} (ONNX threads each: {default_threads()})")
    print(f"model load         {load_s:.2f} s")
    print(f"pipeline           {rate:.2f} articles/s, {words / elapsed:.0f} words/s")
    print(f"peak RSS           {rss:.0f} MB (this process)")
    print(f"stance spans       {stance / n:.1f} per article")
    ranked = sorted(spent.items(), key=lambda kv: -kv[1])
    steps = ", ".join(f"{name} {seconds / n * 1000:.0f}" for name, seconds in ranked)
    print(f"ms/article by step {steps} (summed over workers)")

    if "sentences" in done[0].layers:
        best, tokens = encoder_ceiling(done, args.workers, args.repeat)
        ceiling = n / best
        print(
            f"encoder ceiling    {ceiling:.2f} articles/s ({tokens / best:.0f} tokens/s: one bare "
            f"pass of the int8 encoder over every sentence, {args.workers} lanes at once)"
        )
        print(f"share of ceiling   {rate / ceiling * 100:.0f}%")
    if args.cli:
        if not files:
            sys.exit("speed.py: --cli needs --articles-dir (files to hand to unspin analyze)")
        wall, child_rss = run_cli(files[1:], args)
        print(
            f"unspin analyze     {n / wall:.2f} articles/s from start to exit ({wall:.1f} s), "
            f"peak RSS {child_rss:.0f} MB"
        )


if __name__ == "__main__":
    main()
