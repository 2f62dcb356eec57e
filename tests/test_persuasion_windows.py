"""Sentence windows and span decoding of the persuasion model (no model run needed)."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from unspin.detectors.persuasion.windows import (
    DecodeConfig,
    TokenizedText,
    WindowConfig,
    build_windows,
    decode_spans,
    place_spans,
    repetition_feature,
    tokenize_text,
)
from unspin.detectors.structure import sentence_bounds
from unspin.models.runtime import MODELS_DIR

TEXT = (
    "The council met on Monday. Critics called the plan a shameless giveaway to cronies. "
    "The minister said the figures would be reviewed in June. "
    "Everyone knows the whole mess was caused by one lazy official. "
    "Stand up for our towns, stand up for our children!"
)
CFG = WindowConfig(block_tokens=16, context_tokens=4)


@pytest.fixture(scope="module")
def tokens() -> TokenizedText:
    tokenizer = Tokenizer.from_file(str(MODELS_DIR / "persuasion" / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenize_text(tokenizer, TEXT)


def test_windows_blocks_cover_every_token_once(tokens: TokenizedText) -> None:
    windows = build_windows(tokens, sentence_bounds(TEXT), CFG)
    covered = [i for w in windows for i in range(w.block_first, w.block_last)]
    assert covered == list(range(len(tokens.ids)))


def test_windows_stay_within_max_length(tokens: TokenizedText) -> None:
    windows = build_windows(tokens, sentence_bounds(TEXT), CFG)
    assert max(len(w.ids) for w in windows) <= CFG.max_length


def test_windows_start_with_cls_and_end_with_sep(tokens: TokenizedText) -> None:
    window = build_windows(tokens, sentence_bounds(TEXT), CFG)[0]
    assert (window.ids[0], window.ids[-1]) == (CFG.cls_id, CFG.sep_id)


def test_place_spans_points_at_the_span_tokens(tokens: TokenizedText) -> None:
    windows = build_windows(tokens, sentence_bounds(TEXT), CFG)
    start = TEXT.index("shameless giveaway")
    (slot,) = place_spans(tokens, windows, [(start, start + len("shameless giveaway"))], CFG)
    assert slot is not None
    window = windows[slot.window]
    first = slot.a - 1 + window.first
    last = slot.b - 1 + window.first
    assert TEXT[tokens.starts[first] : tokens.ends[last - 1]] == "shameless giveaway"


def test_place_spans_adds_a_window_for_a_span_longer_than_a_block(tokens: TokenizedText) -> None:
    windows = build_windows(tokens, sentence_bounds(TEXT), CFG)
    before = len(windows)
    start = TEXT.index("Critics")
    end = TEXT.index("lazy official") + len("lazy official")
    (slot,) = place_spans(tokens, windows, [(start, end)], CFG)
    assert slot is not None and slot.window >= before


def test_decode_spans_joins_tokens_into_word_spans(tokens: TokenizedText) -> None:
    start = TEXT.index("shameless giveaway")
    probs = np.where((tokens.starts >= start) & (tokens.ends <= start + 18), 0.9, 0.1)
    spans = decode_spans(TEXT, tokens, probs, DecodeConfig(threshold=0.5))
    assert [(s, e) for s, e, _p in spans] == [(start, start + 18)]


def test_decode_spans_drops_short_spans(tokens: TokenizedText) -> None:
    start = TEXT.index("plan")
    probs = np.where(tokens.starts == start, 0.9, 0.1)
    assert decode_spans(TEXT, tokens, probs, DecodeConfig(threshold=0.5, min_chars=5)) == []


def test_repetition_feature_counts_recurring_phrases() -> None:
    start = TEXT.index("stand up")
    assert repetition_feature(TEXT, start, start + 8) == pytest.approx(np.log1p(2))


def test_decode_spans_cut_at_a_paragraph_break() -> None:
    tokenizer = Tokenizer.from_file(str(MODELS_DIR / "persuasion" / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    text = "They are a shameless gang of thieves.\n\nNobody wants another war today."
    tokens = tokenize_text(tokenizer, text)
    cut = text.index("\n\n")
    probs = np.where(tokens.starts < cut, 0.9, 0.6)  # every token inside, the second part less
    spans = decode_spans(text, tokens, probs, DecodeConfig(threshold=0.5, merge_gap=20))
    assert [text[s:e] for s, e, _p in spans] == [
        "They are a shameless gang of thieves.",
        "Nobody wants another war today.",
    ]
    assert [round(p, 3) for _s, _e, p in spans] == [0.9, 0.6]
