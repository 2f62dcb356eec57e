"""Near-duplicate clusters on articles written for the tests."""

from __future__ import annotations

import numpy as np
import pytest
from dup_fixtures import COURIER, OTHER, POST, WIRE, reheaded, reworded, trimmed

from unspin.corpus.dups import DupOptions, Item, Signer, corpus_duplicates, find_duplicates
from unspin.errors import InvalidInput

STATEMENT = (
    "In a statement the company said it was cooperating fully with the fire service and would "
    "share every record of its safety inspections with the investigators as soon as it could."
)


def _clusters(items: list[Item]) -> list[set[str]]:
    result = find_duplicates(items)
    return [{m.id for m in cluster.members} for cluster in result.clusters]


def _cluster_of(items: list[Item], doc_id: str) -> set[str]:
    return next((c for c in _clusters(items) if doc_id in c), {doc_id})


BASE = [
    Item("courier", COURIER, "https://kelby-courier.example/fire", "2024-05-07"),
    Item("post", POST, "https://northern-post.example/kelby", "2024-05-08"),
    Item("wire", WIRE, "/feeds/regional-wire/kelby.txt", "2024-05-08"),
    Item("other", OTHER, "https://kelby-courier.example/library", "2024-05-09"),
]

COPIES = {
    "re-headed": reheaded(COURIER, "Sixty jobs in doubt after Kelby warehouse fire"),
    "trimmed": trimmed(COURIER, 0.15),
    "reworded": reworded(COURIER, every=2),
    "re-headed, trimmed and reworded": trimmed(
        reworded(reheaded(COURIER, "Blaze guts Kelby warehouse"), every=2), 0.15
    ),
}


@pytest.mark.parametrize("edit", sorted(COPIES))
def test_find_duplicates_catches_edited_copy(edit):
    items = [*BASE, Item("copy", COPIES[edit], "https://aggregator.example/1", "2024-05-08")]
    assert _cluster_of(items, "copy") == {"courier", "copy"}


def test_find_duplicates_keeps_same_subject_articles_apart():
    assert _clusters(BASE) == []


def test_find_duplicates_keeps_articles_sharing_a_quote_apart():
    items = [Item("post", POST + " " + STATEMENT), Item("wire", WIRE + " " + STATEMENT)]
    assert _clusters(items) == []


def test_find_duplicates_groups_all_copies_in_one_cluster():
    items = [*BASE] + [Item(name, text) for name, text in COPIES.items()]
    assert _cluster_of(items, "courier") == {"courier", *COPIES}


def test_find_duplicates_first_member_is_the_earliest():
    items = [
        Item("copy", COPIES["trimmed"], "b", "2024-05-09"),
        Item("courier", COURIER, "a", "2024-05-07"),
    ]
    members = find_duplicates(items).clusters[0].members
    assert [m.id for m in members] == ["courier", "copy"]


def test_find_duplicates_reports_source_and_similarity():
    items = [
        Item("courier", COURIER, "https://kelby-courier.example/fire", "2024-05-07"),
        Item("copy", COPIES["trimmed"], "/tmp/copy.html", "2024-05-08"),
    ]
    members = find_duplicates(items).clusters[0].members
    assert [(m.source, m.similarity > 0.8) for m in members] == [
        ("https://kelby-courier.example/fire", True),
        ("/tmp/copy.html", True),
    ]


def test_find_duplicates_skips_texts_without_words():
    assert find_duplicates([Item("a", "... !!!"), Item("b", "--")]).documents == 0


def test_signer_matches_datasketch_minhash():
    from datasketch import MinHash

    signer = Signer(num_perm=64)
    shingles = signer.shingles(COURIER)
    reference = MinHash(num_perm=64, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(shingles.tolist())
    assert np.array_equal(signer.signature(shingles), reference.hashvalues)


def test_signer_hashes_are_stable_across_instances():
    assert np.array_equal(Signer().shingles(WIRE), Signer().shingles(WIRE))


def test_dup_options_bad_threshold_raises_invalid_input():
    with pytest.raises(InvalidInput, match="overlap"):
        DupOptions(overlap=1.5)


def test_corpus_duplicates_lists_exact_copies_at_each_source(corpus):
    from corpus_docs import BUDGET, HARBOUR

    from unspin.document import Document

    corpus.add(HARBOUR)
    corpus.add(BUDGET)
    corpus.add_sighting(Document(HARBOUR.text, meta={"source": "https://mirror.example/strike"}))
    clusters = corpus_duplicates(corpus).clusters
    assert [sorted(m.source for m in c.members) for c in clusters] == [
        sorted([HARBOUR.meta["source"], "https://mirror.example/strike"])
    ]


def test_corpus_duplicates_finds_edited_copies_in_the_store(corpus):
    from corpus_docs import make_doc

    corpus.add(make_doc(COURIER, source="https://kelby-courier.example/fire"))
    corpus.add(make_doc(POST, source="https://northern-post.example/kelby"))
    corpus.add(make_doc(COPIES["trimmed"], source="https://aggregator.example/1"))
    clusters = corpus_duplicates(corpus).clusters
    assert [sorted(m.source for m in c.members) for c in clusters] == [
        ["https://aggregator.example/1", "https://kelby-courier.example/fire"]
    ]


@pytest.mark.parametrize(
    ("options", "threshold"),
    [
        (DupOptions(jaccard=0.4), 0.4),
        (DupOptions(jaccard=1.0), 0.9),
        (DupOptions(candidate=0.3), 0.3),
    ],
)
def test_dup_options_lsh_threshold_follows_jaccard_unless_given(options, threshold):
    assert options.lsh_threshold == threshold
