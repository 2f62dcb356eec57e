"""Matching claims to fact-checks: features, the scorer, the matcher and the vector index,
on fact-checks written for these tests and a topic-word encoder double."""

from __future__ import annotations

import numpy as np
import pytest

from unspin.corpus.factchecks import index as index_module
from unspin.corpus.factchecks.collection import MemoryCollection, StoreCollection, index_path
from unspin.corpus.factchecks.index import TermStats, VectorIndex
from unspin.corpus.factchecks.lexical import BM25Index, tokens
from unspin.corpus.factchecks.matching import (
    FEATURES,
    Matcher,
    MatchOptions,
    Scorer,
    check_text,
    clean_query,
    features,
)
from unspin.corpus.factchecks.records import read_factchecks
from unspin.errors import InvalidInput
from unspin.store.factchecks import FactCheck

SCORER = Scorer({"cosine": 12.0, "bm25": 4.0}, bias=-11.0, match=0.6, related=0.2)


@pytest.fixture
def checks(fixtures):  # type: ignore[no-untyped-def]
    found = [i for i in read_factchecks([fixtures]) if isinstance(i, FactCheck)]
    unique = {c.id: c for c in found}  # feed.json repeats the bridge review under its URL
    return list(unique.values())


@pytest.fixture
def matcher(checks, encoder):  # type: ignore[no-untyped-def]
    return Matcher(
        MemoryCollection(checks, encoder.embed, model=encoder.name), encoder.embed, SCORER
    )


def test_matcher_finds_the_review_of_a_reworded_claim(matcher):
    (found,) = matcher.match(["Officials say the bridge in Millbrook will collapse soon."])
    assert (
        found[0].check.url.endswith("millbrook-bridge-closed/?utm_source=feed")
        or "millbrook" in found[0].check.url
    )
    assert found[0].level == "match"


def test_matcher_returns_nothing_for_an_unrelated_claim(matcher):
    assert matcher.match(["The orchestra played three encores on Friday."]) == [[]]


def test_matcher_rank_scores_candidates_whatever_their_level(matcher):
    (found,) = matcher.rank(["The orchestra played three encores on Friday."], depth=3)
    assert len(found) == 3 and all(m.level == "none" for m in found)


def test_matcher_orders_by_similarity(matcher):
    (found,) = matcher.rank(["Tap water fluoride in Eastvale is ten times the limit."], depth=4)
    similarities = [m.similarity for m in found]
    assert (
        similarities == sorted(similarities, reverse=True)
        and "fluoride" in found[0].check.claim.lower()
    )


def test_matcher_related_only_when_asked(checks, encoder):
    scorer = Scorer({"cosine": 12.0, "bm25": 4.0}, bias=-11.0, match=0.999, related=0.2)
    collection = MemoryCollection(checks, encoder.embed, model=encoder.name)
    loose = Matcher(collection, encoder.embed, scorer)
    strict = Matcher(collection, encoder.embed, scorer, options=MatchOptions(related=False))
    claim = ["Officials say the bridge in Millbrook will collapse soon."]
    assert loose.match(claim)[0][0].level == "related" and strict.match(claim) == [[]]


def test_matcher_limit_caps_results(checks, encoder):
    collection = MemoryCollection(checks, encoder.embed, model=encoder.name)
    matcher = Matcher(collection, encoder.embed, SCORER, options=MatchOptions(limit=1))
    assert len(matcher.rank(["bridge toll ferry"])[0]) == 1


def test_matcher_rejects_a_single_string(matcher):
    with pytest.raises(InvalidInput, match="list of claims"):
        matcher.match("a claim")  # type: ignore[arg-type]


def test_matcher_empty_collection_finds_nothing(encoder):
    matcher = Matcher(
        MemoryCollection([], encoder.embed, model=encoder.name), encoder.embed, SCORER
    )
    assert matcher.match(["The bridge is closing."]) == [[]]


def test_match_to_dict_has_the_attrs_fields(matcher):
    (found,) = matcher.match(["The Corran ferry stops in winter."])
    assert set(found[0].to_dict()) == {
        "id",
        "similarity",
        "level",
        "rating",
        "reviewer",
        "date",
        "url",
        "claim_reviewed",
        "claimant",
    }


def test_scorer_rejects_unknown_feature():
    with pytest.raises(InvalidInput, match="unknown scorer features"):
        Scorer({"page_url": 1.0}, bias=0.0, match=0.5, related=0.2)


def test_scorer_rejects_related_above_match():
    with pytest.raises(InvalidInput, match="thresholds"):
        Scorer({"cosine": 1.0}, bias=0.0, match=0.3, related=0.5)


def test_scorer_probability_is_the_logistic_of_the_weighted_sum():
    scorer = Scorer({"cosine": 2.0}, bias=-1.0, match=0.5, related=0.1)
    values = np.zeros((1, len(FEATURES)))
    values[0, 0] = 0.5
    assert scorer.probability(values)[0] == pytest.approx(0.5)


def test_scorer_from_config_reports_missing_keys():
    with pytest.raises(InvalidInput, match="bad scorer configuration"):
        Scorer.from_config({"weights": {"cosine": 1.0}})


def test_features_bm25_is_share_of_query_weight():
    stats = TermStats()
    stats.add([tokens("bridge closed"), tokens("ferry winter"), tokens("toll tunnel")])
    rows = features(
        "bridge closed",
        ["bridge closed", "ferry winter"],
        [0.9, 0.1],
        idf=stats.idf,
        average_length=stats.average_length,
    )
    assert rows[0, FEATURES.index("bm25")] > 0.9 and rows[1, FEATURES.index("bm25")] == 0.0


def test_features_gaps_are_distance_to_best_candidate():
    stats = TermStats()
    stats.add([tokens("a b")])
    rows = features("x", ["y", "z"], [0.8, 0.5], idf=stats.idf, average_length=1.0)
    assert rows[:, FEATURES.index("cosine_gap")].tolist() == pytest.approx([0.0, -0.3])


def test_bm25_index_matches_features_bm25_ranking():
    texts = ["bridge closed for repairs", "ferry stops in winter", "bridge toll rises"]
    index = BM25Index()
    index.add(texts)
    stats = TermStats()
    stats.add(tokens(t) for t in texts)
    rows = features(
        "bridge repairs", texts, [0.0] * 3, idf=stats.idf, average_length=stats.average_length
    )
    full = index.scores("bridge repairs")
    assert np.argsort(-full).tolist() == np.argsort(-rows[:, FEATURES.index("bm25")]).tolist()


def test_clean_query_drops_links_and_keeps_signature_name():
    text = "Bridge shut! https://t.co/abc pic.twitter.com/xyz — Dana W (@danaw) March 2, 2024"
    assert clean_query(text) == "Bridge shut! Dana W"


def test_check_text_adds_title_only_when_new():
    check = FactCheck(
        id="a", claim="The bridge is closing.", title="Bridge closure", content_key="k"
    )
    same = FactCheck(
        id="b", claim="The bridge is closing.", title="the bridge is closing", content_key="k"
    )
    assert (check_text(check), check_text(same)) == (
        "The bridge is closing. . Bridge closure",
        "The bridge is closing.",
    )


# -- the vector index -----------------------------------------------------------------------
def _unit(rows: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_vector_index_exact_search_returns_nearest():
    vectors = _unit(20)
    index = VectorIndex(8, model="m")
    index.add(np.arange(1, 21), vectors)
    keys, sims = index.search(vectors[[4]], 1)
    assert (int(keys[0, 0]), float(sims[0, 0])) == (5, pytest.approx(1.0, abs=1e-3))


def test_vector_index_pads_when_fewer_than_k():
    index = VectorIndex(8, model="m")
    index.add(np.array([1]), _unit(1))
    keys, sims = index.search(_unit(1, seed=3), 3)
    assert keys[0].tolist() == [1, -1, -1] and np.isinf(sims[0, 1])


def test_vector_index_remove_hides_a_key():
    vectors = _unit(5)
    index = VectorIndex(8, model="m")
    index.add(np.arange(1, 6), vectors)
    index.remove([3])
    keys, _ = index.search(vectors[[2]], 5)
    assert 3 not in keys[0].tolist() and len(index) == 4


def test_vector_index_switches_to_hnsw_past_the_limit(monkeypatch):
    monkeypatch.setattr(index_module, "EXACT_LIMIT", 50)
    vectors = _unit(80, dim=16)
    index = VectorIndex(16, model="m")
    index.add(np.arange(1, 41), vectors[:40])
    assert index.kind == "exact"
    index.add(np.arange(41, 81), vectors[40:])
    keys, _ = index.search(vectors[[60]], 1)
    assert (index.kind, len(index), int(keys[0, 0])) == ("hnsw", 80, 61)


@pytest.mark.parametrize("size", [10, 80])
def test_vector_index_save_load_round_trip(monkeypatch, tmp_path, size):
    monkeypatch.setattr(index_module, "EXACT_LIMIT", 50)
    vectors = _unit(size, dim=16)
    index = VectorIndex(16, model="m")
    index.add(np.arange(1, size + 1), vectors)
    index.terms.add([["bridge"], ["ferry", "bridge"]])
    index.save(tmp_path / "i.usearch")
    again = VectorIndex.load(tmp_path / "i.usearch")
    keys, _ = again.search(vectors[[7]], 1)
    assert (again.last_key, int(keys[0, 0]), again.terms.df["bridge"]) == (size, 8, 2)


# -- a store's collection ----------------------------------------------------------------------
def _store(corpus, fixtures):  # type: ignore[no-untyped-def]
    from unspin.corpus.factchecks import import_factchecks

    import_factchecks(corpus, [fixtures / "reviews.json", fixtures / "page.html"])


def test_store_collection_embeds_indexes_and_saves(corpus, fixtures, encoder, tmp_path):
    _store(corpus, fixtures)
    path = tmp_path / "idx.usearch"
    collection = StoreCollection(corpus, encoder.embed, model=encoder.name, path=path)
    assert (len(collection), corpus.factchecks.count_vectors(encoder.name), path.exists()) == (
        4,
        4,
        True,
    )


def test_store_collection_catches_up_with_new_rows(corpus, fixtures, encoder, tmp_path):
    _store(corpus, fixtures)
    path = tmp_path / "idx.usearch"
    StoreCollection(corpus, encoder.embed, model=encoder.name, path=path)
    from unspin.corpus.factchecks import import_factchecks

    import_factchecks(corpus, [fixtures / "checks.csv"])
    again = StoreCollection(corpus, encoder.embed, model=encoder.name, path=path)
    assert len(again) == 6 and VectorIndex.load(path).last_key == corpus.factchecks.last_pk()


def test_store_collection_leaves_out_deleted_rows(corpus, fixtures, encoder, tmp_path):
    _store(corpus, fixtures)
    collection = StoreCollection(corpus, encoder.embed, model=encoder.name, path=tmp_path / "i")
    toll = corpus.factchecks.search("toll")[0][0]
    corpus.factchecks.delete(toll.id)
    matcher = Matcher(collection, encoder.embed, SCORER)
    found = matcher.rank(["a toll for the tunnel"], depth=5)[0]
    assert toll.id not in [m.check.id for m in found]


def test_store_collection_rebuilds_index_of_another_model(corpus, fixtures, encoder, tmp_path):
    _store(corpus, fixtures)
    path = tmp_path / "i.usearch"
    StoreCollection(corpus, encoder.embed, model="other@1", path=path)
    collection = StoreCollection(corpus, encoder.embed, model=encoder.name, path=path)
    assert collection.index.model == encoder.name and len(collection) == 4


def test_index_path_sits_beside_a_sqlite_store(tmp_path):
    from unspin.store import open_corpus

    with open_corpus(str(tmp_path / "c.db")) as corpus:
        assert index_path(corpus, "m").parent == tmp_path.resolve()


# -- claims spans gain attrs.factchecks ----------------------------------------------------------
def _claims_doc():  # type: ignore[no-untyped-def]
    from unspin.document import Document, Layer, Span

    text = "Officials say the Millbrook bridge will collapse. The choir sang on Friday. 🎶"
    bridge = (0, text.index(".") + 1)
    choir = (bridge[1] + 1, text.index("Friday.") + 7)
    layer = Layer(
        "claims",
        (Span(*bridge, "claim", 0.9, {"numbers": []}), Span(*choir, "claim", 0.8)),
        "claims@1",
    )
    return Document(text, layers={"claims": layer})


def test_annotate_adds_factchecks_to_each_claim(matcher):
    from unspin.corpus.factchecks.annotate import annotate

    doc = annotate(_claims_doc(), matcher, model="topic")
    bridge, choir = doc.layers["claims"].spans
    assert "millbrook" in bridge.attrs["factchecks"][0]["claim_reviewed"].lower()
    assert choir.attrs["factchecks"] == [] and bridge.attrs["numbers"] == []


def test_annotate_records_the_matcher_in_the_layer_config(matcher):
    from unspin.corpus.factchecks.annotate import annotate

    config = annotate(_claims_doc(), matcher, model="topic").layers["claims"].config
    assert config["factchecks"]["model"] == "topic" and config["factchecks"]["collection"] == 9


def test_annotate_leaves_a_document_without_claims_alone(matcher):
    from unspin.corpus.factchecks.annotate import annotate
    from unspin.document import Document

    doc = Document("No claims layer here.")
    assert annotate(doc, matcher) is doc
