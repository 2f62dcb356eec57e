"""The example corpus the README walks through behaves as the README says."""

from __future__ import annotations

from pathlib import Path

from unspin.corpus.dups import corpus_duplicates
from unspin.corpus.ingest import add_inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "corpus.jsonl"


def test_example_corpus_dups_finds_the_republished_copy(corpus):
    add_inputs(corpus, [str(EXAMPLE)], detectors="baseline")
    clusters = corpus_duplicates(corpus).clusters
    assert [[m.id for m in c.members] for c in clusters] == [["courier-0412", "harbour-0413"]]
