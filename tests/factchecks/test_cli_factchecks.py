"""``unspin factchecks`` and ``unspin eval claim-retrieval`` end to end."""

from __future__ import annotations

import argparse
import json

import pytest

from unspin.cli import build_parser, main


def _run(capsys, *argv):  # type: ignore[no-untyped-def]
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _subcommands(name: str) -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    top = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    command = top.choices[name]
    sub = next(a for a in command._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("name", sorted(_subcommands("factchecks")))
def test_cli_factchecks_every_subcommand_has_an_example(name):
    text = _subcommands("factchecks")[name].format_help()
    assert f"unspin factchecks --db corpus.db {name}" in text.split("example:", 1)[1]


def test_cli_eval_claim_retrieval_has_an_example():
    text = _subcommands("eval")["claim-retrieval"].format_help()
    assert "unspin eval claim-retrieval --queries" in text.split("example:", 1)[1]


def test_cli_factchecks_import_reports_bad_records_one_line_each(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    code, _, err = _run(
        capsys, "factchecks", "--db", db, "import", "--no-embed", str(fixtures / "records.jsonl")
    )
    lines = err.strip().splitlines()
    assert code == 1
    assert [line.split(":")[2] for line in lines[:-1]] == ["2", "3", "4", "5"]
    assert lines[-1].startswith("added 2,") and "failed 4" in lines[-1]
    assert "Traceback" not in err


def test_cli_factchecks_import_again_skips_everything(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    files = [str(fixtures / "reviews.json"), str(fixtures / "page.html")]
    _run(capsys, "factchecks", "--db", db, "import", "--no-embed", *files)
    code, _, err = _run(capsys, "factchecks", "--db", db, "import", "--no-embed", *files)
    assert code == 0 and "added 0, updated 0, skipped 4" in err


def test_cli_factchecks_list_json(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", "--no-embed", str(fixtures / "feed.json"))
    code, out, _ = _run(capsys, "factchecks", "--db", db, "list", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["total"] == 2 and data["factchecks"][0]["reviewer"] == "Factdesk"


def test_cli_factchecks_search_and_show(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", "--no-embed", str(fixtures / "checks.csv"))
    _, out, _ = _run(capsys, "factchecks", "--db", db, "search", "ferry", "--format", "jsonl")
    found = json.loads(out.splitlines()[0])
    code, shown, _ = _run(capsys, "factchecks", "--db", db, "show", found["id"])
    assert code == 0 and json.loads(shown)["record"]["claimant"] == "Ferry Users Forum"


def test_cli_factchecks_delete_unknown_is_one_line_error(capsys, tmp_path):
    code, _, err = _run(capsys, "factchecks", "--db", str(tmp_path / "c.db"), "delete", "nope")
    assert code == 1 and err.strip() == "unspin: no stored fact-check has the id 'nope'"


def test_cli_factchecks_stats_table_shows_reviewers(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", "--no-embed", str(fixtures / "reviews.json"))
    code, out, _ = _run(capsys, "factchecks", "--db", db, "stats")
    assert code == 0 and "Example Checkers" in out


def test_cli_factchecks_table_does_not_read_markup(capsys, tmp_path):
    page = tmp_path / "x.json"
    page.write_text(
        json.dumps(
            {
                "@type": "ClaimReview",
                "url": "https://a.example/1",
                "claimReviewed": "[bold]x[/bold] claim",
            }
        ),
        encoding="utf-8",
    )
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", "--no-embed", str(page))
    _, out, _ = _run(capsys, "factchecks", "--db", db, "list")
    assert "[bold]x[/bold]" in out


def test_cli_eval_claim_retrieval_bad_depth_is_one_line_error(capsys, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("q1\tThe bridge is closing.\n", encoding="utf-8")
    vclaims = tmp_path / "v.jsonl"
    vclaims.write_text(
        '{"vclaim_id": "v1", "vclaim": "The bridge is closing."}\n', encoding="utf-8"
    )
    code, _, err = _run(
        capsys,
        "eval",
        "claim-retrieval",
        "--queries",
        str(queries),
        "--vclaims",
        str(vclaims),
        "--out",
        str(tmp_path / "run.tsv"),
        "--depth",
        "5000",
    )
    assert code == 1 and "depth must be 1..1000" in err


def test_cli_analyze_db_without_factchecks_changes_nothing(capsys, tmp_path, article_path):
    db = str(tmp_path / "c.db")
    _, plain, _ = _run(capsys, "analyze", str(article_path), "-d", "baseline", "-f", "json")
    code, with_db, _ = _run(
        capsys, "analyze", str(article_path), "-d", "baseline", "-f", "json", "--db", db
    )
    assert code == 0 and json.loads(plain) == json.loads(with_db)


def test_cli_analyze_db_adds_factchecks_to_claims(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", str(fixtures / "reviews.json"))
    article = tmp_path / "a.txt"
    article.write_text(
        "On 1 March 2024 a councillor said the Millbrook river bridge will collapse in 3 weeks.",
        encoding="utf-8",
    )
    code, out, err = _run(
        capsys, "analyze", str(article), "-d", "baseline", "-f", "json", "--db", db
    )
    spans = json.loads(out)["layers"]["claims"]["spans"]
    assert code == 0, err
    assert spans[0]["attrs"]["factchecks"][0]["url"].endswith("millbrook-bridge-closed/")


def test_cli_factchecks_match_finds_the_review(capsys, tmp_path, fixtures):
    db = str(tmp_path / "c.db")
    _run(capsys, "factchecks", "--db", db, "import", str(fixtures / "feed.json"))
    code, out, _ = _run(
        capsys,
        "factchecks",
        "--db",
        db,
        "match",
        "Harwick schools will put insects in lunches.",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(out)[0]["factchecks"][0]["reviewer"] == "Factdesk"


def test_cli_eval_claim_retrieval_writes_run_and_scores(capsys, tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text(
        "q1\tThe Millbrook bridge will collapse soon.\nq2\tHarwick schools serve insects.\n",
        encoding="utf-8",
    )
    vclaims = tmp_path / "v.jsonl"
    vclaims.write_text(
        '{"vclaim_id": "v1", "vclaim": "The Millbrook river bridge is about to collapse."}\n'
        '{"vclaim_id": "v2", "vclaim": "Insect protein will be in every Harwick school lunch."}\n'
        '{"vclaim_id": "v3", "vclaim": "The Corran ferry stops running in winter."}\n',
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\t0\tv1\t1\nq2\t0\tv2\t1\n", encoding="utf-8")
    run = tmp_path / "run.tsv"
    code, out, _ = _run(
        capsys,
        "eval",
        "claim-retrieval",
        "--queries",
        str(queries),
        "--vclaims",
        str(vclaims),
        "--qrels",
        str(qrels),
        "--out",
        str(run),
        "--format",
        "json",
    )
    lines = run.read_text(encoding="utf-8").splitlines()
    assert code == 0 and json.loads(out)["map@5"] == 1.0
    assert len(lines) == 6 and lines[0].split("\t")[:4] == ["q1", "Q0", "v1", "1"]
