"""Speed of the analysis layers (claims, entities, stance, actors) on ~800-word articles.

Prints model load time, articles/s for the layers, the bare encoder pass's tokens/s (the ceiling)
and peak RSS. The article is built from the fictional fixture in tests/data.

Example:
    PYTHONPATH=src python benchmarks/analysis_speed.py --articles 5
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--words", type=int, default=800)
    args = parser.parse_args()

    from unspin.detectors.analysis.engine import engine
    from unspin.document import Document
    from unspin.pipeline import Pipeline

    fixture = Path(__file__).resolve().parents[1] / "tests" / "data" / "aliased_actors.txt"
    base = fixture.read_text(encoding="utf-8").split()
    words = (base * (args.words // len(base) + 1))[: args.words]
    paragraphs = [" ".join(words[i : i + 80]) for i in range(0, len(words), 80)]
    started = time.perf_counter()
    pipe = Pipeline.from_names("structure,claims,entities,stance,actors")
    load = time.perf_counter() - started
    texts = [f"Article {n}.\n\n" + "\n\n".join(paragraphs) for n in range(args.articles)]
    pipe.run(Document(texts[0] + " warm-up"))
    started = time.perf_counter()
    for text in texts:
        pipe.run(Document(text))
    elapsed = time.perf_counter() - started
    model = engine().model
    enc = model.encode(paragraphs[:1], max_length=128)
    feeds = {
        "input_ids": enc.ids,
        "attention_mask": enc.mask,
        "token_type_ids": enc.type_ids,
        "shape_ids": np.zeros_like(enc.ids),
        "target_mask": np.zeros((1, 1, enc.ids.shape[1]), np.float32),
    }
    batch = {k: np.repeat(v, 16, axis=0) for k, v in feeds.items()}
    model.run(batch)
    runs = 5
    started = time.perf_counter()
    for _ in range(runs):
        model.run(batch)
    tokens_per_s = runs * batch["input_ids"].size / (time.perf_counter() - started)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"pipeline load (model + detectors): {load:.2f} s")
    print(
        f"analysis layers: {args.articles / elapsed:.2f} articles/s "
        f"({args.words}-word articles, {elapsed / args.articles:.3f} s each)"
    )
    print(f"bare encoder pass: {tokens_per_s:,.0f} tokens/s (batch 16 x 128)")
    print(f"peak RSS: {rss:.0f} MB")


if __name__ == "__main__":
    main()
