"""Speed and memory of the default pipeline on ~800-word articles, beside the encoder ceiling.

Prints: model load time, articles/s of the whole pipeline, peak RSS, and the encoder-only ceiling
(tokens/s of a bare ONNX forward pass at the batch shapes the persuasion detector used), so the
pipeline's own overhead shows, and the time each detector took per article. The articles are
generated from sentences written for this script; about half of them name people and
organisations, as news does, so the stance model's pass per mention is paid (``--plain`` drops
those sentences, as the script's first versions did).

Usage: PYTHONPATH=src python benchmarks/speed.py [--articles 20] [--detectors default] [--plain]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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


def make_article(seed: int, words: int = 800, *, named: bool = True) -> str:
    """Return a generated article of about ``words`` words in paragraphs of 4 sentences."""
    rng = random.Random(seed)
    pool = SENTENCES + NAMED * 2 if named else SENTENCES
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--detectors", default="default")
    parser.add_argument("--repeat", type=int, default=3, help="ceiling repetitions")
    parser.add_argument("--model-dir", help="load the persuasion model from this folder")
    parser.add_argument("--plain", action="store_true", help="articles without named actors")
    parser.add_argument(
        "--workers", type=int, default=1, help="documents at once (with UNSPIN_THREADS=1 for 2)"
    )
    args = parser.parse_args()

    import numpy as np

    from unspin.detectors import registry
    from unspin.document import Document
    from unspin.pipeline import Pipeline

    articles = [make_article(seed, named=not args.plain) for seed in range(args.articles + 1)]
    started = time.perf_counter()
    if args.model_dir:
        names = registry.expand(args.detectors.split(","))
        pipeline = Pipeline(
            [
                registry.create(n, directory=args.model_dir)
                if n == "persuasion"
                else registry.create(n)
                for n in names
            ]
        )
    else:
        pipeline = Pipeline.from_names(args.detectors)
    load_s = time.perf_counter() - started

    shapes: list[tuple[int, int]] = []
    persuasion = next((d for d in pipeline.detectors if d.name == "persuasion"), None)
    if persuasion is not None:
        original = persuasion._run  # type: ignore[attr-defined]

        def recording(ids, mask, span_mask, repetition):  # type: ignore[no-untyped-def]
            shapes.append(ids.shape)
            return original(ids, mask, span_mask, repetition)

        persuasion._run = recording  # type: ignore[attr-defined]

    pipeline.run(Document(articles[0]))  # warm-up
    shapes.clear()
    spent: dict[str, float] = {}
    lock = threading.Lock()
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
    mentions = 0
    words = sum(len(a.split()) for a in articles[1:])
    started = time.perf_counter()
    for doc in pipeline.run_many((Document(t) for t in articles[1:]), workers=args.workers):
        stance = doc.layers.get("stance")
        mentions += len(stance.spans) if stance else 0
    elapsed = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"detectors          {', '.join(d.name for d in pipeline.detectors)}")
    print(f"articles           {args.articles} x ~{words // args.articles} words")
    threads = os.environ.get("UNSPIN_THREADS", "2")
    print(f"workers            {args.workers} (ONNX threads each: {threads})")
    print(f"model load         {load_s:.3f} s (creating the pipeline)")
    per_article_ms = elapsed / args.articles * 1000
    rate = args.articles / elapsed
    print(f"pipeline           {rate:.2f} articles/s ({per_article_ms:.0f} ms/article)")
    print(f"peak RSS           {rss_mb:.0f} MB")
    print(f"stance spans       {mentions / args.articles:.1f} per article")
    by_detector = ", ".join(
        f"{name} {seconds / args.articles * 1000:.0f}"
        for name, seconds in sorted(spent.items(), key=lambda kv: -kv[1])
    )
    print(f"ms/article by step {by_detector} (summed over workers)")
    if persuasion is not None and shapes:
        session = persuasion.model.session  # type: ignore[attr-defined]
        feeds = []
        rng = np.random.default_rng(0)
        for batch, length in shapes:
            feeds.append(
                {
                    "input_ids": rng.integers(1000, 20000, (batch, length), dtype=np.int64),
                    "attention_mask": np.ones((batch, length), dtype=np.int64),
                    "token_type_ids": np.zeros((batch, length), dtype=np.int64),
                    "span_mask": np.zeros((batch, length), dtype=np.float32),
                    "repetition": np.zeros((batch, 1), dtype=np.float32),
                }
            )
        tokens = sum(b * t for b, t in shapes)
        best = float("inf")
        lanes = [feeds[k :: args.workers] for k in range(args.workers)]

        def run_lane(lane: list[dict[str, np.ndarray]]) -> None:
            for feed in lane:
                session.run(None, feed)

        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            for _ in range(args.repeat):
                started = time.perf_counter()
                list(pool.map(run_lane, lanes))
                best = min(best, time.perf_counter() - started)
        print(
            f"model runs         {len(shapes)} batches, {tokens} tokens, {args.articles} articles"
        )
        print(
            f"encoder ceiling    {tokens / best:.0f} tokens/s = {args.articles / best:.2f} "
            f"articles/s (bare ONNX forward of the persuasion encoder alone, same shapes, "
            f"{args.workers} at once)"
        )
        share = best / elapsed * 100
        print(f"persuasion share   {share:.0f}% of pipeline time")


if __name__ == "__main__":
    main()
