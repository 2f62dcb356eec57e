"""CheckThat! Task 2 metrics and formats on hand-made cases."""

from __future__ import annotations

import io

import pytest

from unspin.datasets.claim_retrieval import Query, read_qrels, read_queries, read_vclaims
from unspin.errors import InvalidInput
from unspin.evaluation.claim_retrieval import (
    average_precision,
    ordered,
    read_run,
    score_run,
    write_run,
)


def test_average_precision_single_relevant_at_rank_two():
    assert average_precision(["a", "b", "c"], {"b"}, 5) == pytest.approx(0.5)


def test_average_precision_two_relevant_divides_by_r():
    # ranks 1 and 3: (1/1 + 2/3) / 2
    assert average_precision(["a", "x", "b"], {"a", "b"}, 5) == pytest.approx((1 + 2 / 3) / 2)


def test_average_precision_relevant_below_depth_counts_zero():
    assert average_precision(["x", "y", "a"], {"a"}, 2) == 0.0


def test_average_precision_missing_relevant_still_divides_by_r():
    assert average_precision(["a"], {"a", "b"}, 5) == pytest.approx(0.5)


def test_average_precision_rejects_depth_zero():
    with pytest.raises(InvalidInput):
        average_precision(["a"], {"a"}, 0)


def test_ordered_breaks_ties_by_id_descending():
    assert [d for d, _ in ordered([("a", 1.0), ("c", 1.0), ("b", 2.0)])] == ["b", "c", "a"]


def test_score_run_map_at_k_and_mrr():
    run = {"q1": [("a", 0.9), ("b", 0.8)], "q2": [("c", 0.9), ("d", 0.5), ("e", 0.4)]}
    qrels = {"q1": {"a"}, "q2": {"e"}}
    scores = score_run(run, qrels)
    assert scores.map_at[1] == pytest.approx(0.5)
    assert scores.map_at[5] == pytest.approx((1 + 1 / 3) / 2)
    assert scores.mrr == pytest.approx((1 + 1 / 3) / 2)


def test_score_run_query_without_predictions_counts_zero():
    scores = score_run({"q1": [("a", 1.0)]}, {"q1": {"a"}, "q2": {"b"}})
    assert (scores.queries, scores.map_at[5]) == (2, pytest.approx(0.5))


def test_score_run_precision_at_k():
    scores = score_run({"q": [("a", 3), ("b", 2), ("c", 1)]}, {"q": {"a", "c"}}, depths=(1, 3))
    assert (scores.precision_at[1], scores.precision_at[3]) == (1.0, pytest.approx(2 / 3))


def test_score_run_ignores_queries_not_in_qrels():
    scores = score_run({"q1": [("a", 1.0)], "extra": [("z", 1.0)]}, {"q1": {"a"}})
    assert (scores.queries, scores.map_at[5]) == (1, 1.0)


def test_write_run_official_format_and_depth():
    out = io.StringIO()
    lines = write_run({"q1": [("b", 0.2), ("a", 0.7), ("c", 0.1)]}, out, tag="t1", depth=2)
    assert lines == 2
    assert out.getvalue() == "q1\tQ0\ta\t1\t0.700000\tt1\nq1\tQ0\tb\t2\t0.200000\tt1\n"


def test_write_run_rejects_tag_with_space():
    with pytest.raises(InvalidInput, match="one word"):
        write_run({}, io.StringIO(), tag="my run")


def test_read_run_round_trips(tmp_path):
    path = tmp_path / "run.tsv"
    with path.open("w", encoding="utf-8") as handle:
        write_run({"q": [("a", 0.5), ("b", 0.25)]}, handle)
    assert read_run(path) == {"q": [("a", 0.5), ("b", 0.25)]}


def test_read_queries_keeps_quotes_and_dedupes_ids(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text('q1\t"Quoted ""text"" here\nq1\tsame id again\nq2\tplain\n', encoding="utf-8")
    assert read_queries(path) == [Query("q1", '"Quoted ""text"" here'), Query("q2", "plain")]


def test_read_queries_rejects_line_without_tab(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("no tab here\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="id<TAB>text"):
        read_queries(path)


def test_query_group_is_debate_of_a_numbered_sentence():
    assert (Query("20121023_debate_0959", "x").group, Query("tweet-1", "x").group) == (
        "20121023_debate",
        "tweet-1",
    )


def test_read_qrels_counts_a_repeated_line_once(tmp_path):
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\t0\tv1\t1\nq1\t0\tv1\t1\nq1\t0\tv2\t0\n", encoding="utf-8")
    assert read_qrels(path) == {"q1": {"v1"}}


def test_read_vclaims_keeps_other_fields(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text('{"vclaim_id": "v1", "vclaim": "A claim.", "title": "T"}\n', encoding="utf-8")
    (vclaim,) = read_vclaims(path)
    assert (vclaim.id, vclaim.text(), vclaim.text(("vclaim",))) == (
        "v1",
        "A claim. . T",
        "A claim.",
    )


def test_read_vclaims_rejects_record_without_id(tmp_path):
    path = tmp_path / "v.jsonl"
    path.write_text('{"vclaim": "A claim."}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="vclaim_id"):
        read_vclaims(path)
