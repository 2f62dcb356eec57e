"""The SemEval-2020 Task 11 metrics on hand-made cases."""

from __future__ import annotations

import pytest

from unspin.datasets.ptc import SISpan, TCSpan, read_si, read_tc, write_si, write_tc
from unspin.errors import InvalidInput
from unspin.evaluation.ptc import merge_spans, rank_repeats, score_si, score_tc


def test_score_si_exact_match_is_perfect():
    gold = [SISpan("1", 0, 10), SISpan("1", 20, 30)]
    scores = score_si(list(gold), gold)
    assert (scores.precision, scores.recall, scores.f1) == (1.0, 1.0, 1.0)


def test_score_si_partial_overlap_gives_partial_credit():
    # predicted [0, 10) covers half of gold [5, 15): precision 5/10, recall 5/10
    scores = score_si([SISpan("1", 0, 10)], [SISpan("1", 5, 15)])
    assert scores.precision == pytest.approx(0.5)
    assert scores.recall == pytest.approx(0.5)


def test_score_si_credit_is_relative_to_each_span_length():
    # predicted [0, 4) inside gold [0, 20): precision 4/4, recall 4/20
    scores = score_si([SISpan("1", 0, 4)], [SISpan("1", 0, 20)])
    assert scores.precision == pytest.approx(1.0)
    assert scores.recall == pytest.approx(0.2)
    assert scores.f1 == pytest.approx(2 * 0.2 / 1.2)


def test_score_si_merges_overlapping_predictions_first():
    # [0, 6) and [4, 10) merge into [0, 10): one predicted span, fully correct
    scores = score_si([SISpan("1", 0, 6), SISpan("1", 4, 10)], [SISpan("1", 0, 10)])
    assert scores.predicted == 1
    assert scores.precision == pytest.approx(1.0)


def test_score_si_ignores_overlap_across_articles():
    scores = score_si([SISpan("2", 0, 10)], [SISpan("1", 0, 10)], articles=["1", "2"])
    assert scores.f1 == 0.0


def test_score_si_sums_over_articles():
    # article 1: exact; article 2: a miss with no gold; article 3: gold not found
    predicted = [SISpan("1", 0, 10), SISpan("2", 0, 5)]
    gold = [SISpan("1", 0, 10), SISpan("3", 0, 8)]
    scores = score_si(predicted, gold, articles=["1", "2", "3"])
    assert scores.precision == pytest.approx(1 / 2)
    assert scores.recall == pytest.approx(1 / 2)


def test_score_si_without_predictions_is_zero():
    scores = score_si([], [SISpan("1", 0, 10)])
    assert (scores.precision, scores.recall, scores.f1) == (0.0, 0.0, 0.0)


def test_merge_spans_keeps_touching_spans_apart():
    assert merge_spans([(0, 5), (5, 9), (7, 12)]) == [(0, 5), (5, 12)]


def test_score_tc_counts_correct_labels():
    gold = [TCSpan("1", 0, 5, "Doubt"), TCSpan("1", 10, 15, "Slogans")]
    predicted = [TCSpan("1", 0, 5, "Doubt"), TCSpan("1", 10, 15, "Doubt")]
    scores = score_tc(predicted, gold)
    assert scores.micro_f1 == pytest.approx(0.5)


def test_score_tc_matches_duplicate_spans_best_first():
    gold = [TCSpan("1", 0, 5, "Loaded_Language"), TCSpan("1", 0, 5, "Repetition")]
    predicted = [TCSpan("1", 0, 5, "Repetition"), TCSpan("1", 0, 5, "Loaded_Language")]
    assert score_tc(predicted, gold).micro_f1 == pytest.approx(1.0)


def test_score_tc_duplicate_guess_counts_once():
    gold = [TCSpan("1", 0, 5, "Loaded_Language"), TCSpan("1", 0, 5, "Repetition")]
    predicted = [TCSpan("1", 0, 5, "Repetition"), TCSpan("1", 0, 5, "Repetition")]
    assert score_tc(predicted, gold).micro_f1 == pytest.approx(0.5)


def test_score_tc_per_technique_f1():
    gold = [TCSpan("1", 0, 5, "Doubt"), TCSpan("1", 6, 9, "Doubt"), TCSpan("1", 10, 15, "Slogans")]
    predicted = [
        TCSpan("1", 0, 5, "Doubt"),
        TCSpan("1", 6, 9, "Slogans"),
        TCSpan("1", 10, 15, "Slogans"),
    ]
    per = score_tc(predicted, gold).per_technique
    # Doubt: P 1/1, R 1/2 -> 2/3; Slogans: P 1/2, R 1/1 -> 2/3
    assert per["Doubt"] == pytest.approx(2 / 3)
    assert per["Slogans"] == pytest.approx(2 / 3)


def test_si_file_round_trip(tmp_path):
    spans = [SISpan("7", 3, 9), SISpan("2", 0, 4)]
    write_si(tmp_path / "si.txt", spans)
    assert read_si(tmp_path / "si.txt") == sorted(spans)


def test_tc_file_round_trip(tmp_path):
    spans = [TCSpan("7", 3, 9, "Name_Calling,Labeling"), TCSpan("2", 0, 4, "?")]
    write_tc(tmp_path / "tc.txt", spans)
    assert read_tc(tmp_path / "tc.txt") == spans


def test_read_si_rejects_bad_offsets(tmp_path):
    (tmp_path / "si.txt").write_text("1\t9\t3\n")
    with pytest.raises(InvalidInput, match="bad span"):
        read_si(tmp_path / "si.txt")


def test_rank_repeats_gives_a_repeated_span_its_next_best_techniques():
    dist = {"Doubt": 0.5, "Slogans": 0.3, "Repetition": 0.2}
    other = {"Doubt": 0.1, "Slogans": 0.2, "Repetition": 0.7}
    keys = [(0, 5), (9, 12), (0, 5), (0, 5)]
    names = rank_repeats(keys, [dist, other, dist, dist])
    assert names == ["Doubt", "Repetition", "Slogans", "Repetition"]


def test_rank_repeats_same_repeats_the_best_technique():
    dist = {"Doubt": 0.5, "Slogans": 0.3}
    assert rank_repeats([(0, 5), (0, 5)], [dist, dist], repeats="same") == ["Doubt", "Doubt"]


def test_rank_repeats_cycles_past_the_last_technique():
    dist = {"Doubt": 0.6, "Slogans": 0.4}
    assert rank_repeats([(1, 2)] * 3, [dist] * 3) == ["Doubt", "Slogans", "Doubt"]


def test_rank_repeats_scores_better_on_a_span_with_two_gold_techniques():
    gold = [TCSpan("1", 0, 5, "Doubt"), TCSpan("1", 0, 5, "Slogans")]
    dist = {"Doubt": 0.6, "Slogans": 0.3, "Repetition": 0.1}
    for mode, expected in (("ranked", 1.0), ("same", 0.5)):
        names = rank_repeats([(0, 5), (0, 5)], [dist, dist], repeats=mode)
        predicted = [TCSpan("1", 0, 5, n) for n in names]
        assert score_tc(predicted, gold).micro_f1 == pytest.approx(expected)


def test_rank_repeats_rejects_an_unknown_mode():
    with pytest.raises(InvalidInput, match="ranked, same"):
        rank_repeats([(0, 1)], [{"Doubt": 1.0}], repeats="shuffle")
