"""The fact-check collection of the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from unspin.corpus.factchecks.records import content_key
from unspin.errors import InvalidInput, NotFound
from unspin.store import open_corpus
from unspin.store.factchecks import FactCheck


def make(n: int, claim: str = "", **fields) -> FactCheck:  # type: ignore[no-untyped-def]
    claim = claim or f"Claim number {n} about the Millbrook bridge."
    values = {"reviewer": "Factdesk", "rating": "False", "url": f"https://f.example/{n}"}
    values.update(fields)
    return FactCheck(
        id=f"fc-{n}",
        claim=claim,
        content_key=content_key(claim, values["reviewer"], values["rating"]),
        **values,
    )


def test_factchecks_add_then_get(corpus):
    list(corpus.factchecks.add([make(1, published="2024-01-02")]))
    got = corpus.factchecks.get("fc-1")
    assert (got.claim, got.published, got.pk > 0) == (make(1).claim, "2024-01-02", True)


def test_factchecks_add_reports_added_then_skipped(corpus):
    first = [o.status for o in corpus.factchecks.add([make(1), make(2)])]
    again = [o.status for o in corpus.factchecks.add([make(1), make(2)])]
    assert (first, again, len(corpus.factchecks)) == (["added", "added"], ["skipped", "skipped"], 2)


def test_factchecks_add_same_id_new_content_updates_under_new_pk(corpus):
    list(corpus.factchecks.add([make(1)]))
    old = corpus.factchecks.get("fc-1").pk
    (outcome,) = corpus.factchecks.add([make(1, rating="True")])
    new = corpus.factchecks.get("fc-1")
    assert (outcome.status, new.rating, new.pk > old) == ("updated", "True", True)


def test_factchecks_add_same_content_other_id_is_duplicate(corpus):
    list(corpus.factchecks.add([make(1)]))
    copy = FactCheck(id="fc-copy", claim=make(1).claim, content_key=make(1).content_key)
    (outcome,) = corpus.factchecks.add([copy])
    assert (outcome.status, outcome.of, len(corpus.factchecks)) == ("duplicate", "fc-1", 1)


def test_factchecks_add_rejects_record_without_content_key(corpus):
    with pytest.raises(InvalidInput, match="content key"):
        list(corpus.factchecks.add([FactCheck(id="x", claim="c")]))


def test_factchecks_add_commits_earlier_batches_when_a_later_one_fails(corpus):
    bad = FactCheck(id="bad", claim="c")
    with pytest.raises(InvalidInput):
        list(corpus.factchecks.add([make(1), make(2), bad], batch=2))
    assert len(corpus.factchecks) == 2


def test_factchecks_delete_removes_row_and_vectors(corpus):
    list(corpus.factchecks.add([make(1)]))
    pk = corpus.factchecks.get("fc-1").pk
    corpus.factchecks.put_vectors("m", {pk: np.ones(4)})
    corpus.factchecks.delete("fc-1")
    assert (len(corpus.factchecks), corpus.factchecks.count_vectors("m")) == (0, 0)


def test_factchecks_delete_unknown_raises_not_found(corpus):
    with pytest.raises(NotFound, match="nope"):
        corpus.factchecks.delete("nope")


def test_factchecks_get_unknown_raises_not_found(corpus):
    with pytest.raises(NotFound):
        corpus.factchecks.get("nope")


def test_factchecks_search_finds_words_in_claim(corpus):
    list(corpus.factchecks.add([make(1), make(2, "Ferries stop in winter.")]))
    found, total = corpus.factchecks.search("ferries winter")
    assert ([c.id for c in found], total) == (["fc-2"], 1)


def test_factchecks_search_finds_claimant(corpus):
    list(corpus.factchecks.add([make(1, claimant="Dana Whitlock"), make(2)]))
    assert [c.id for c in corpus.factchecks.search("whitlock")[0]] == ["fc-1"]


def test_factchecks_search_without_words_raises(corpus):
    with pytest.raises(InvalidInput, match="no words"):
        corpus.factchecks.search("!!!")


def test_factchecks_page_newest_first_with_total(corpus):
    list(
        corpus.factchecks.add(
            [make(1, published="2024-01-01"), make(2, published="2024-05-01"), make(3)]
        )
    )
    page, total = corpus.factchecks.page(limit=2)
    assert ([c.id for c in page], total) == (["fc-2", "fc-1"], 3)


def test_factchecks_list_filters_by_reviewer(corpus):
    list(corpus.factchecks.add([make(1), make(2, reviewer="Verify Desk")]))
    assert [c.id for c in corpus.factchecks.search("", reviewer="Verify Desk")[0]] == ["fc-2"]


def test_factchecks_stats_counts_reviewers_ratings_and_vectors(corpus):
    list(corpus.factchecks.add([make(1), make(2, rating="True", published="2024-02-03")]))
    corpus.factchecks.put_vectors("m", {corpus.factchecks.get("fc-1").pk: np.ones(4)})
    stats = corpus.factchecks.stats()
    assert (stats["factchecks"], stats["reviewers"], stats["ratings"], stats["embeddings"]) == (
        2,
        {"Factdesk": 2},
        {"False": 1, "True": 1},
        {"m": 1},
    )


def test_factchecks_vectors_round_trip_as_float16(corpus):
    list(corpus.factchecks.add([make(1), make(2)]))
    pks = [corpus.factchecks.get(i).pk for i in ("fc-1", "fc-2")]
    corpus.factchecks.put_vectors("m", {pks[0]: [0.5, 0.25], pks[1]: [1.0, -1.0]})
    (got_pks, vectors), *_ = list(corpus.factchecks.iter_vectors("m"))
    assert got_pks.tolist() == pks and vectors.tolist() == [[0.5, 0.25], [1.0, -1.0]]


def test_factchecks_iter_vectors_after_skips_older(corpus):
    list(corpus.factchecks.add([make(1), make(2)]))
    pks = [corpus.factchecks.get(i).pk for i in ("fc-1", "fc-2")]
    corpus.factchecks.put_vectors("m", {pk: [1.0] for pk in pks})
    batches = list(corpus.factchecks.iter_vectors("m", after=pks[0]))
    assert [b[0].tolist() for b in batches] == [[pks[1]]]


def test_factchecks_unembedded_lists_rows_without_vector_of_model(corpus):
    list(corpus.factchecks.add([make(1), make(2)]))
    corpus.factchecks.put_vectors("m", {corpus.factchecks.get("fc-1").pk: [1.0]})
    missing = [c.id for batch in corpus.factchecks.unembedded("m") for c in batch]
    assert missing == ["fc-2"]


def test_factchecks_put_vectors_skips_deleted_rows(corpus):
    list(corpus.factchecks.add([make(1)]))
    pk = corpus.factchecks.get("fc-1").pk
    corpus.factchecks.delete("fc-1")
    corpus.factchecks.put_vectors("m", {pk: [1.0]})
    assert corpus.factchecks.count_vectors("m") == 0


def test_factchecks_concurrent_writers_store_each_record_once(db_url):
    stores = [open_corpus(db_url) for _ in range(2)]
    checks = [make(n) for n in range(40)]
    errors: list[BaseException] = []

    def work(store):  # type: ignore[no-untyped-def]
        try:
            list(store.factchecks.add(checks, batch=5))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(stores[0].factchecks) == 40
    for store in stores:
        store.close()


def test_factchecks_add_same_content_twice_in_one_batch_keeps_the_first(corpus):
    copy = FactCheck(id="fc-copy", claim=make(1).claim, content_key=make(1).content_key)
    statuses = [o.status for o in corpus.factchecks.add([make(1), copy])]
    assert statuses == ["added", "duplicate"] and len(corpus.factchecks) == 1


def test_factchecks_add_same_id_twice_in_one_batch_stores_it_once(corpus):
    statuses = [o.status for o in corpus.factchecks.add([make(1), make(1)])]
    assert statuses == ["added", "skipped"] and len(corpus.factchecks) == 1
