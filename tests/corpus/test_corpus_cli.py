"""``unspin corpus`` commands end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dup_fixtures import COURIER, OTHER, POST, WIRE, trimmed
from fake_embedder import KeywordEmbedder

from unspin.cli import build_parser, main

ARTICLES = {
    "courier.txt": COURIER,
    "post.txt": POST,
    "wire.txt": WIRE,
    "other.txt": OTHER,
    "copy.txt": trimmed(COURIER),
}
BATCH = [
    {
        "id": "b1",
        "text": "The corrupt elite lied again about the disastrous bridge, the mayor said.",
        "source": "https://valley.example/b1",
        "published": "2024-05-09",
        "title": "<b>Bridge</b>",
    },
    {
        "id": "b2",
        "text": "The library opened on Saturday with a new repair cafe.",
        "source": "https://kelby.example/b2",
        "published": "2024-05-13",
        "title": "<script>alert(1)</script>",
    },
]


@pytest.fixture
def inputs(tmp_path: Path) -> list[str]:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    batch.write_text("".join(json.dumps(r) + "\n" for r in BATCH), encoding="utf-8")
    return [str(folder), str(batch)]


@pytest.fixture
def filled(db_url, inputs, capsys):  # type: ignore[no-untyped-def]
    assert main(["corpus", "--db", db_url, "add", *inputs, "-d", "baseline", "-q"]) == 0
    capsys.readouterr()
    return db_url


def _json(capsys, *argv: str):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def test_cli_corpus_add_reports_counts(db_url, inputs, capsys):
    main(["corpus", "--db", db_url, "add", *inputs, "-d", "baseline", "-q"])
    assert "added 7, skipped 0" in capsys.readouterr().err


def test_cli_corpus_add_twice_skips_stored(filled, inputs, capsys):
    main(["corpus", "--db", filled, "add", *inputs, "-d", "baseline", "-q"])
    assert "added 0, skipped 7" in capsys.readouterr().err


def test_cli_corpus_list_counts_documents(filled, capsys):
    assert _json(capsys, "corpus", "--db", filled, "list", "--format", "json")["total"] == 7


def test_cli_corpus_show_prints_the_document(filled, capsys):
    doc = _json(capsys, "corpus", "--db", filled, "show", "b1")
    assert (doc["id"], doc["meta"]["source"]) == ("b1", "https://valley.example/b1")


def test_cli_corpus_show_unknown_id_fails_in_one_line(filled, capsys):
    assert main(["corpus", "--db", filled, "show", "nope"]) == 1
    assert capsys.readouterr().err.strip().count("\n") == 0


def test_cli_corpus_search_with_filters(filled, capsys):
    found = _json(
        capsys,
        "corpus",
        "--db",
        filled,
        "search",
        "bridge",
        "--technique",
        "Loaded_Language",
        "--since",
        "2024-05-01",
        "--format",
        "json",
    )
    assert [d["id"] for d in found["documents"]] == ["b1"]


def test_cli_corpus_search_by_source(filled, capsys):
    found = _json(
        capsys,
        "corpus",
        "--db",
        filled,
        "search",
        "",
        "--source",
        "kelby.example",
        "--format",
        "json",
    )
    assert [d["id"] for d in found["documents"]] == ["b2"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet", "labelstudio"])
def test_cli_corpus_export_writes_a_file(filled, tmp_path, fmt, capsys):
    out = tmp_path / f"export.{fmt}"
    assert main(["corpus", "--db", filled, "export", "--format", fmt, "-o", str(out)]) == 0
    assert "exported 7 documents" in capsys.readouterr().err


def test_cli_corpus_import_labelstudio(filled, tmp_path, capsys):
    tasks_path = tmp_path / "tasks.json"
    main(["corpus", "--db", filled, "export", "--format", "labelstudio", "-o", str(tasks_path)])
    tasks = json.loads(tasks_path.read_text())
    for task in tasks:
        task["annotations"] = [
            {"id": 1, "result": task.get("predictions", [{}])[0].get("result", [])}
        ]
    tasks_path.write_text(json.dumps(tasks))
    assert main(["corpus", "--db", filled, "import", str(tasks_path)]) == 0
    doc = _json(capsys, "corpus", "--db", filled, "show", "b1")
    assert doc["layers"]["persuasion-gold"]["spans"] == [
        {**s, "score": None, "attrs": {"annotator": None}}
        for s in doc["layers"]["persuasion"]["spans"]
    ]


def test_cli_corpus_delete_removes(filled, capsys):
    assert main(["corpus", "--db", filled, "delete", "b2"]) == 0
    assert _json(capsys, "corpus", "--db", filled, "list", "--format", "json")["total"] == 6


def test_cli_corpus_dups_json_shape(filled, capsys):
    result = _json(capsys, "corpus", "--db", filled, "dups", "--format", "json")
    sources = [sorted(Path(m["source"]).name for m in c["members"]) for c in result["clusters"]]
    assert sources == [["copy.txt", "courier.txt"]]


def test_cli_corpus_dups_members_have_id_source_similarity(filled, capsys):
    result = _json(capsys, "corpus", "--db", filled, "dups", "--format", "json")
    assert all({"id", "source", "similarity"} <= set(m) for m in result["clusters"][0]["members"])


def test_cli_corpus_stats_json_rates_per_source(filled, capsys):
    stats = _json(capsys, "corpus", "--db", filled, "stats", "--format", "json")
    valley = next(s for s in stats["sources"] if s["source"] == "valley.example")
    assert valley["techniques"]["Loaded_Language"]["per_document"] > 0


def test_cli_corpus_stats_table(filled, capsys):
    assert main(["corpus", "--db", filled, "stats"]) == 0
    assert "valley.example" in capsys.readouterr().out


def test_cli_corpus_stats_charts_write_png_and_html(filled, tmp_path, capsys):
    folder = tmp_path / "report"
    assert main(["corpus", "--db", filled, "stats", "--charts", str(folder)]) == 0
    # baseline entities carry no stance, so there is no stance chart
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html",
        "techniques.png",
        "timeline.png",
    ]


def test_cli_corpus_stats_page_escapes_untrusted_text(db_url, tmp_path, capsys):
    from corpus_docs import actor, make_doc

    from unspin.store import open_corpus

    with open_corpus(db_url) as corpus:
        corpus.add(
            make_doc(
                "The <script> reckless plan.",
                source="https://x.example/<img>",
                published="2024-01-01",
                techniques=[("reckless", "Loaded_Language")],
                actors=[actor("<script>alert(1)</script>", "negative")],
            )
        )
    folder = tmp_path / "report"
    main(["corpus", "--db", db_url, "stats", "--charts", str(folder)])
    page = (folder / "index.html").read_text()
    assert (
        (folder / "stance.png").is_file(),
        "<script>" not in page,
        "&lt;script&gt;alert(1)&lt;/script&gt;" in page,
    ) == (True, True, True)


def test_cli_corpus_timeline_json(filled, capsys):
    result = _json(
        capsys, "corpus", "--db", filled, "timeline", "--freq", "week", "--format", "json"
    )
    assert [(r["period"], r["documents"]) for r in result["timeline"]] == [
        ("2024-05-06", 1),
        ("2024-05-13", 1),
    ]


@pytest.fixture
def double_embedder(monkeypatch):  # type: ignore[no-untyped-def]
    import unspin.models.embeddings as embeddings

    real = embeddings.Embedder
    monkeypatch.setattr(embeddings, "Embedder", lambda *a, **k: real(KeywordEmbedder()))


def test_cli_corpus_narratives_json(filled, capsys, double_embedder):
    result = _json(capsys, "corpus", "--db", filled, "narratives", "--format", "json")
    sizes = sorted(n["size"] for n in result["narratives"])
    assert sizes == [2, 4]


def test_cli_corpus_timeline_counts_narratives(filled, capsys, double_embedder):
    result = _json(capsys, "corpus", "--db", filled, "timeline", "--narratives", "--format", "json")
    assert all("narratives" in row for row in result["timeline"])


def test_cli_corpus_bad_db_fails_in_one_line(capsys):
    assert main(["corpus", "--db", "mysql://x/y", "list"]) == 1
    err = capsys.readouterr().err
    assert (err.startswith("unspin: unsupported store URL"), err.count("\n")) == (True, 1)


def _corpus_commands() -> dict[str, object]:
    parser = build_parser()
    top = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    corpus = top.choices["corpus"]  # type: ignore[attr-defined]
    sub = next(a for a in corpus._actions if a.__class__.__name__ == "_SubParsersAction")
    return dict(sub.choices)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(_corpus_commands()))
def test_cli_corpus_command_has_help_and_example(name):
    parser = _corpus_commands()[name]
    assert (bool(parser.description), "example:" in (parser.epilog or "")) == (True, True)  # type: ignore[attr-defined]


def test_cli_corpus_without_db_opens_the_default_store(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("UNSPIN_DB", raising=False)
    assert main(["corpus", "list", "--format", "json"]) == 0
    assert (tmp_path / "corpus.db").is_file()
