"""Analyses running at once on the pool's threads give the same answers as one at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from unspin.document import Document
from unspin.pipeline import Pipeline

TEXTS = [
    f"Dr. Jones went home at {n} pm. It was late, Mr. Smith said! Was it? The corrupt elite "
    f"lied again on {n % 28 + 1} May 2024, the minister claimed."
    for n in range(60)
]


def _sentences(pipeline: Pipeline, text: str) -> list[tuple[int, int]]:
    doc = pipeline.run(Document(text))
    return [(s.start, s.end) for s in doc.layers["sentences"].spans]


def test_concurrent_analyses_match_sequential_ones() -> None:
    pipeline = Pipeline.from_names("baseline")
    expected = [_sentences(pipeline, text) for text in TEXTS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(3):
            got = list(pool.map(lambda t: _sentences(pipeline, t), TEXTS))
            assert got == expected
