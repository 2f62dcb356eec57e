"""Decoding helpers of the analysis detectors (no model needed)."""

from __future__ import annotations

import numpy as np

from unspin.detectors.analysis.engine import _segment_of, _viterbi

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG"]


def test_viterbi_never_starts_an_entity_with_inside() -> None:
    # argmax alone would give O, I-PER
    scores = np.log(np.array([[0.9, 0.05, 0.01, 0.02, 0.02], [0.3, 0.2, 0.45, 0.03, 0.02]]))
    path = [LABELS[i] for i in _viterbi(scores, LABELS)]
    assert path[1] != "I-PER" or path[0] in ("B-PER", "I-PER")


def test_viterbi_keeps_a_valid_argmax_path() -> None:
    scores = np.log(np.array([[0.1, 0.8, 0.05, 0.03, 0.02], [0.1, 0.05, 0.8, 0.03, 0.02]]))
    assert [LABELS[i] for i in _viterbi(scores, LABELS)] == ["B-PER", "I-PER"]


def test_segment_of_picks_the_largest_overlap_or_the_nearest() -> None:
    bounds = [(0, 10), (12, 20), (25, 30)]
    assert [_segment_of(bounds, span) for span in [(5, 15), (18, 26), (31, 33)]] == [0, 1, 2]


def test_join_adjacent_mentions_of_one_type_across_a_space() -> None:
    from unspin.detectors.analysis.engine import _join_adjacent

    text = "in Port Amsel, Dutch Reform"
    spans = [(3, 7, "LOC", 0.6), (8, 13, "LOC", 0.8), (15, 20, "MISC", 0.9), (21, 27, "MISC", 0.9)]
    assert [(s, e, label) for s, e, label, _ in _join_adjacent(text, spans)] == [
        (3, 13, "LOC"),
        (15, 20, "MISC"),
        (21, 27, "MISC"),
    ]
