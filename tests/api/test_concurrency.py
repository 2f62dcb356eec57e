"""Analyses running at once on the pool's threads give the same answers as one at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


FIRST_USE = """
import threading
from unspin.pipeline import Pipeline
errors = []
start = threading.Barrier(8)
def create():
    start.wait()
    try:
        Pipeline.from_names("baseline")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=create) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(errors), errors[:1])
"""


def test_detectors_asked_for_at_once_on_first_use_are_all_found() -> None:
    # a fresh interpreter, so that the registry fills itself while eight threads ask
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    result = subprocess.run(
        [sys.executable, "-c", FIRST_USE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "0 []", result.stdout + result.stderr
