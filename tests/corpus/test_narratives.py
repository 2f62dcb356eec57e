"""Narratives with a test double embedder; the Embedder wrapper; key phrases."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from corpus_docs import make_doc
from dup_fixtures import COURIER, OTHER, POST, WIRE
from fake_embedder import KeywordEmbedder

from unspin.corpus.keyphrases import key_phrases
from unspin.corpus.narratives import (
    NarrativeOptions,
    Unit,
    cluster_vectors,
    corpus_narratives,
    find_narratives,
    narrative_timeline,
)
from unspin.errors import InvalidInput, ModelError
from unspin.models.embeddings import Embedder

UNITS = [
    Unit(
        "courier",
        COURIER,
        "https://kelby-courier.example/fire",
        "kelby-courier.example",
        "Fire destroys Kelby paper warehouse",
        "2024-05-07",
    ),
    Unit(
        "post",
        POST,
        "https://northern-post.example/kelby",
        "northern-post.example",
        "Kelby blaze",
        "2024-05-08",
    ),
    Unit("wire", WIRE, "/feeds/regional-wire/kelby.txt", "regional-wire", "Smoke", "2024-05-15"),
    Unit(
        "other",
        OTHER,
        "https://kelby-courier.example/library",
        "kelby-courier.example",
        "Library reopens",
        "2024-05-09",
    ),
]


def _narratives(**options):  # type: ignore[no-untyped-def]
    return find_narratives(UNITS, KeywordEmbedder(), NarrativeOptions(**options))


def test_find_narratives_groups_the_same_story():
    result = _narratives()
    assert [sorted(m.id for m in n.members) for n in result.narratives] == [
        ["courier", "post", "wire"]
    ]


def test_find_narratives_counts_unassigned_texts():
    assert _narratives().unassigned == 1


def test_find_narratives_min_size_one_keeps_singletons():
    assert len(_narratives(min_size=1).narratives) == 2


def test_find_narratives_names_cluster_by_key_phrases():
    phrases = _narratives().narratives[0].key_phrases
    assert any("warehouse" in phrase or "brandt" in phrase for phrase in phrases)


def test_find_narratives_lists_sources():
    sources = {s.source for s in _narratives().narratives[0].sources}
    assert sources == {"kelby-courier.example", "northern-post.example", "regional-wire"}


def test_find_narratives_timeline_by_week():
    narrative = _narratives(freq="week").narratives[0]
    assert [p.to_dict() for p in narrative.timeline] == [
        {"period": "2024-05-06", "count": 2},
        {"period": "2024-05-13", "count": 1},
    ]


def test_narrative_timeline_maps_periods_to_narratives():
    assert narrative_timeline(_narratives()) == {
        "2024-05-07": {"n1": 1},
        "2024-05-08": {"n1": 1},
        "2024-05-15": {"n1": 1},
    }


def test_find_narratives_empty_input_finds_nothing():
    assert find_narratives([], KeywordEmbedder()).narratives == ()


def test_narrative_options_bad_freq_raises_invalid_input():
    with pytest.raises(InvalidInput, match="month"):
        NarrativeOptions(freq="month")


def test_cluster_vectors_is_deterministic():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(40, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cluster_vectors(vectors, 0.3) == cluster_vectors(vectors.copy(), 0.3)


def test_cluster_vectors_separates_orthogonal_groups():
    vectors = np.array([[1, 0], [0.99, 0.1], [0, 1], [0.1, 0.99]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cluster_vectors(vectors, 0.8) == [0, 0, 1, 1]


def test_key_phrases_prefers_distinctive_words():
    phrases = key_phrases(
        [["the harbour strike harbour strike went on"], ["the budget vote passed the budget"]],
        top=2,
    )
    assert ("harbour strike" in phrases[0], "budget" in " ".join(phrases[1])) == (True, True)


def test_corpus_narratives_over_stored_documents(corpus):
    for unit in UNITS:
        corpus.add(
            make_doc(unit.text, source=unit.source, published=unit.published, title=unit.title)
        )
    result = corpus_narratives(corpus, embedder=KeywordEmbedder())
    assert [n.size for n in result.narratives] == [3]


def test_corpus_narratives_of_claims(corpus):
    from unspin.document import Layer, Span

    sentences = [
        "The warehouse burned.",
        "The library opened.",
        "A warehouse fire again.",
        "Library hours grew.",
    ]
    text = " ".join(sentences)
    starts = [text.index(s) for s in sentences]
    claims = Layer(
        "claims",
        tuple(Span(a, a + len(s), "claim") for a, s in zip(starts, sentences, strict=True)),
        producer="c@1",
    )
    corpus.add(make_doc(text, published="2024-05-01").with_layer(claims))
    result = corpus_narratives(corpus, embedder=KeywordEmbedder(), unit="claim")
    assert sorted(tuple(m.claim for m in n.members) for n in result.narratives) == [
        ("The library opened.", "Library hours grew."),
        ("The warehouse burned.", "A warehouse fire again."),
    ]


def test_embedder_normalises_a_test_double():
    vectors = Embedder(KeywordEmbedder()).embed(["warehouse warehouse", "library"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_embedder_refuses_a_single_string():
    with pytest.raises(InvalidInput):
        Embedder(KeywordEmbedder()).embed("warehouse")


def test_embedder_missing_model_raises_model_error(tmp_path: Path):
    with pytest.raises(ModelError, match="not installed"):
        Embedder(directory=tmp_path).embed(["text"])


def _model_dir() -> Path | None:
    folder = os.environ.get("UNSPIN_EMBEDDER_DIR")
    shipped = Path(__file__).resolve().parents[2] / "src/unspin/models/analysis/manifest.json"
    if folder and (Path(folder) / "manifest.json").is_file():
        return Path(folder)
    return shipped.parent if shipped.is_file() else None


@pytest.mark.skipif(
    _model_dir() is None, reason="no analysis model shipped yet and UNSPIN_EMBEDDER_DIR not set"
)
def test_embedder_onnx_model_puts_same_story_closer():
    vectors = Embedder(directory=_model_dir()).embed([COURIER, POST, OTHER])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_corpus_narratives_embed_each_document_once(corpus):
    for unit in UNITS:
        corpus.add(make_doc(unit.text, source=unit.source, published=unit.published))
    embedder = KeywordEmbedder()
    first = corpus_narratives(corpus, embedder=embedder)
    second = corpus_narratives(corpus, embedder=embedder)
    assert (sum(len(c) for c in embedder.calls), first.narratives) == (4, second.narratives)


def test_corpus_narratives_cache_follows_the_model(corpus):
    corpus.add(make_doc(COURIER, published="2024-05-07"))
    corpus_narratives(corpus, embedder=KeywordEmbedder())
    other = KeywordEmbedder()
    other.producer = "keyword-double@2"  # type: ignore[misc]
    corpus_narratives(corpus, embedder=other)
    assert len(other.calls) == 1
