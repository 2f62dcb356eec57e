"""The corpus store on SQLite and PostgreSQL: CRUD, transactions, search, migrations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from corpus_docs import BRIDGE, BUDGET, HARBOUR, make_doc
from sqlalchemy import text

from unspin.document import Document
from unspin.errors import InvalidInput, NotFound, StorageError
from unspin.store import open_corpus
from unspin.store.migrate import current_version, migrations, upgrade
from unspin.store.sql import engine_url


def test_corpus_get_returns_the_stored_document(corpus):
    corpus.add(BRIDGE)
    assert corpus.get(BRIDGE.id).to_dict() == BRIDGE.to_dict()


def test_corpus_get_unknown_id_raises_not_found(corpus):
    with pytest.raises(NotFound, match="nope"):
        corpus.get("nope")


def test_corpus_add_reports_new_then_replaced(corpus):
    assert [corpus.add(HARBOUR), corpus.add(HARBOUR)] == [True, False]


def test_corpus_add_twice_keeps_one_copy(corpus):
    corpus.add(HARBOUR)
    corpus.add(HARBOUR)
    assert len(corpus) == 1


def test_corpus_add_replaces_layers(corpus):
    corpus.add(BRIDGE)
    newer = make_doc(BRIDGE.text, source=BRIDGE.meta["source"], version="2.0.0")
    corpus.add(newer)
    assert corpus.get(BRIDGE.id).layers["persuasion"].producer == "persuasion@2.0.0"


def test_corpus_has_compares_detector_versions(corpus):
    corpus.add(HARBOUR, producers={"persuasion": "1.0.0"})
    assert (
        corpus.has(HARBOUR.id, {"persuasion": "1.0.0"}),
        corpus.has(HARBOUR.id, {"persuasion": "2.0.0"}),
    ) == (True, False)


def test_corpus_has_without_producers_checks_presence(corpus):
    corpus.add(HARBOUR)
    assert (corpus.has(HARBOUR.id), corpus.has("missing")) == (True, False)


def test_corpus_delete_removes_document_and_facets(corpus):
    corpus.add(BRIDGE)
    corpus.delete(BRIDGE.id)
    assert (len(corpus), corpus.search(technique="Loaded_Language")[1]) == (0, 0)


def test_corpus_delete_unknown_id_raises_not_found(corpus):
    with pytest.raises(NotFound):
        corpus.delete("nope")


def test_corpus_iter_documents_yields_all_in_order(corpus):
    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    assert [d.id for d in corpus.iter_documents(batch=2)] == [HARBOUR.id, BUDGET.id, BRIDGE.id]


def test_corpus_add_is_atomic_when_a_write_fails(corpus, monkeypatch):
    import unspin.store.sql as sql

    def broken(layers, text=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sql, "facets_of", broken)
    with pytest.raises(RuntimeError):
        corpus.add(HARBOUR)
    assert (len(corpus), corpus.has(HARBOUR.id)) == (0, False)


def test_corpus_add_sighting_records_a_second_source(corpus):
    corpus.add(HARBOUR)
    copy = Document(HARBOUR.text, meta={"source": "https://mirror.example/strike"})
    corpus.add_sighting(copy)
    sources = [s["source"] for s in corpus.sightings()[HARBOUR.id]]
    assert sorted(sources) == sorted([HARBOUR.meta["source"], "https://mirror.example/strike"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("harbour", ["HARBOUR"]),
        ("Okafor", ["BUDGET", "BRIDGE"]),
        ("crumbling bridge", ["BRIDGE"]),
        ("submarine", []),
    ],
)
def test_corpus_search_full_text(corpus, query, expected):
    named = {"HARBOUR": HARBOUR, "BUDGET": BUDGET, "BRIDGE": BRIDGE}
    for doc in named.values():
        corpus.add(doc)
    docs, total = corpus.search(query)
    assert (sorted(d.id for d in docs), total) == (
        sorted(named[n].id for n in expected),
        len(expected),
    )


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"technique": "loaded_language"}, ["HARBOUR", "BRIDGE"]),
        ({"technique": "Name_Calling,Labeling"}, ["BRIDGE"]),
        ({"actor": "okafor"}, ["BUDGET", "BRIDGE"]),
        ({"actor": "Port Authority"}, ["HARBOUR"]),
        ({"source": "valley-herald.example"}, ["BRIDGE"]),
        ({"source": "/data/valley-herald/"}, ["BUDGET"]),
        ({"since": "2024-03-05"}, ["BUDGET", "BRIDGE"]),
        ({"until": "2024-03-06"}, ["HARBOUR", "BUDGET"]),
        ({"since": "2024-03-05", "until": "2024-03-10"}, ["BUDGET"]),
        ({"actor": "okafor", "technique": "Loaded_Language"}, ["BRIDGE"]),
    ],
)
def test_corpus_search_filters(corpus, filters, expected):
    named = {"HARBOUR": HARBOUR, "BUDGET": BUDGET, "BRIDGE": BRIDGE}
    for doc in named.values():
        corpus.add(doc)
    docs, total = corpus.search(**filters)
    assert (sorted(d.id for d in docs), total) == (
        sorted(named[n].id for n in expected),
        len(expected),
    )


def test_corpus_search_pages_with_limit_and_offset(corpus):
    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    first, total = corpus.search(limit=2)
    rest, _ = corpus.search(limit=2, offset=2)
    assert (len(first), len(rest), total, len({d.id for d in first + rest})) == (2, 1, 3, 3)


def test_corpus_search_bad_date_raises_invalid_input(corpus):
    with pytest.raises(InvalidInput, match="yesterday"):
        corpus.search(since="yesterday")


def test_corpus_stats_counts_techniques(corpus):
    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    stats = corpus.stats()
    assert (stats["documents"], stats["techniques"]) == (
        3,
        {"Loaded_Language": 2, "Name_Calling,Labeling": 1},
    )


def test_document_timeline_groups_by_week(corpus):
    from unspin.corpus.timeline import document_timeline

    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    rows = document_timeline(corpus, "week")
    assert [(r.period, r.documents) for r in rows] == [("2024-03-04", 2), ("2024-03-11", 1)]


@pytest.mark.parametrize(
    "url", ["", "mysql://root@localhost/x", "/no/such/folder/corpus.db", "http://example.com/db"]
)
def test_open_corpus_bad_url_raises_storage_error(url):
    with pytest.raises(StorageError) as info:
        open_corpus(url)
    assert "\n" not in str(info.value)


def test_open_corpus_unreachable_postgres_raises_storage_error():
    with pytest.raises(StorageError, match="cannot open the store"):
        open_corpus("postgresql://postgres@127.0.0.1:1/test")


def test_engine_url_turns_a_path_into_sqlite(tmp_path):
    assert engine_url(str(tmp_path / "c.db")) == f"sqlite:///{tmp_path / 'c.db'}"


def test_engine_url_uses_psycopg_for_postgresql():
    assert engine_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_migrations_are_numbered_in_order():
    versions = [m.version for m in migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_open_corpus_records_every_migration(corpus):
    assert corpus.schema_version == migrations()[-1].version


def _store_at_version_1(url: str) -> None:
    """Write a database as unspin 0001 left it, with one document."""
    from sqlalchemy import create_engine

    from unspin.store.sql import engine_url as to_sa

    engine = create_engine(to_sa(url))
    upgrade(engine, target=1)
    body = {name: layer.to_dict() for name, layer in BRIDGE.layers.items()}
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO documents (id, text_hash, text, meta, source, title, published, "
                "added_at, producers) VALUES (:id, :h, :t, :m, :s, :ti, :p, :a, :pr)"
            ),
            {
                "id": BRIDGE.id,
                "h": BRIDGE.text_hash,
                "t": BRIDGE.text,
                "m": json.dumps(dict(BRIDGE.meta)),
                "s": BRIDGE.meta["source"],
                "ti": BRIDGE.meta["title"],
                "p": "2024-03-12",
                "a": "2024-03-12T00:00:00+00:00",
                "pr": json.dumps({"persuasion": "1.0.0"}),
            },
        )
        for name, layer in body.items():
            conn.execute(
                text("INSERT INTO layers (doc_id, name, producer, body) VALUES (:d, :n, :p, :b)"),
                {"d": BRIDGE.id, "n": name, "p": layer["producer"], "b": json.dumps(layer)},
            )
    assert current_version(engine) == 1
    engine.dispose()


def test_migrations_upgrade_from_0001_keeps_documents(db_url):
    _store_at_version_1(db_url)
    with open_corpus(db_url) as corpus:
        assert corpus.get(BRIDGE.id).to_dict() == BRIDGE.to_dict()


def test_migrations_upgrade_from_0001_backfills_search(db_url):
    _store_at_version_1(db_url)
    with open_corpus(db_url) as corpus:
        found = [
            corpus.search(q, **f)[1]
            for q, f in [
                ("crumbling", {}),
                ("", {"technique": "Loaded_Language"}),
                ("", {"actor": "Okafor"}),
                ("", {"source": "valley-herald.example"}),
            ]
        ]
    assert found == [1, 1, 1, 1]


def test_open_corpus_refuses_a_newer_schema(tmp_path: Path):
    path = str(tmp_path / "c.db")
    open_corpus(path).close()
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_version VALUES (999, 'future', 'x')"))
    engine.dispose()
    with pytest.raises(StorageError, match="999"):
        open_corpus(path)


def test_corpus_add_replacement_updates_full_text(corpus):
    corpus.add(HARBOUR)
    retitled = Document(HARBOUR.text, meta={**HARBOUR.meta, "title": "Dockers down tools"})
    corpus.add(retitled)
    assert (corpus.search("dockers")[1], corpus.search("begins")[1]) == (1, 0)


def test_corpus_add_same_document_from_threads_keeps_one(db_url):
    from concurrent.futures import ThreadPoolExecutor

    with open_corpus(db_url) as store, ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: store.add(BUDGET), range(8)))
        assert (results.count(True), len(store)) == (1, 1)


def test_corpus_search_lists_newest_first_undated_last(corpus):
    undated = make_doc("An undated note about the harbour.", source="note.txt")
    for doc in (undated, HARBOUR, BRIDGE, BUDGET):
        corpus.add(doc)
    docs, _ = corpus.search()
    assert [d.id for d in docs] == [BRIDGE.id, BUDGET.id, HARBOUR.id, undated.id]


def test_open_corpus_on_a_file_that_is_not_a_database_raises_storage_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("just some notes, not a database\n" * 20)
    with pytest.raises(StorageError, match="cannot open the store"):
        open_corpus(str(path))


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, "corpus.db"), ({"UNSPIN_DB": ""}, "corpus.db"), ({"UNSPIN_DB": "x.db"}, "x.db")],
)
def test_default_url_prefers_the_environment(environ, expected):
    from unspin.store import default_url

    assert default_url(environ) == expected
