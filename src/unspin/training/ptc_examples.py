"""The PTC corpus as the persuasion trainer's examples: each article tokenised, cut into
windows of sentences with context, with per-token targets and its TC spans placed in the windows.
numpy + tokenizers only (the corpus is read by :mod:`unspin.datasets.ptc`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unspin.datasets.ptc import PtcCorpus, SISpan, TCSpan, line_sentences
from unspin.detectors.persuasion.windows import (
    ANY_CHANNEL,
    TECHNIQUES,
    TokenizedText,
    Window,
    WindowConfig,
    build_windows,
    place_spans,
    repetition_feature,
    tokenize_text,
)

__all__ = ["TECHNIQUE_INDEX", "ArticleExample", "build_example", "build_examples"]


TECHNIQUE_INDEX = {name: i for i, name in enumerate(TECHNIQUES)}


@dataclass
class ArticleExample:
    """One article as windows with per-token targets and TC span examples."""

    article_id: str
    text: str
    tokens: TokenizedText
    windows: list[Window]
    token_labels: np.ndarray  # float32 [N, 15]
    # one row per placed gold TC span: (window, a, b, technique index, repetition, gold index)
    spans: list[tuple[int, int, int, int, float, int]] = field(default_factory=list)
    tc_gold: list[TCSpan] = field(default_factory=list)
    si_gold: list[SISpan] = field(default_factory=list)


def build_example(
    tokenizer: Any,
    article_id: str,
    text: str,
    si: list[SISpan],
    tc: list[TCSpan],
    cfg: WindowConfig,
) -> ArticleExample:
    """Tokenise an article, cut it into windows and attach its gold labels."""
    tokens = tokenize_text(tokenizer, text)
    windows = build_windows(tokens, line_sentences(text), cfg)
    labels = np.zeros((len(tokens.ids), ANY_CHANNEL + 1), dtype=np.float32)

    def mark(start: int, end: int, channel: int) -> None:
        a = int(np.searchsorted(tokens.ends, start, side="right"))
        b = int(np.searchsorted(tokens.starts, end, side="left"))
        labels[a:b, channel] = 1.0

    for si_span in si:
        mark(si_span.start, si_span.end, ANY_CHANNEL)
    for tc_span in tc:
        mark(tc_span.start, tc_span.end, TECHNIQUE_INDEX[tc_span.technique])
    slots = place_spans(tokens, windows, [(s.start, s.end) for s in tc], cfg)
    rows = []
    for index, (span, slot) in enumerate(zip(tc, slots, strict=True)):
        if slot is None:
            continue
        rows.append(
            (
                slot.window,
                slot.a,
                slot.b,
                TECHNIQUE_INDEX[span.technique],
                repetition_feature(text, span.start, span.end),
                index,
            )
        )
    return ArticleExample(article_id, text, tokens, windows, labels, rows, list(tc), list(si))


def build_examples(
    tokenizer: Any, corpus: PtcCorpus, ids: list[str], cfg: WindowConfig
) -> list[ArticleExample]:
    """Build examples for the given article ids."""
    si_by: dict[str, list[SISpan]] = defaultdict(list)
    tc_by: dict[str, list[TCSpan]] = defaultdict(list)
    for s in corpus.si:
        si_by[s.article_id].append(s)
    for t in corpus.tc:
        tc_by[t.article_id].append(t)
    return [build_example(tokenizer, i, corpus.articles[i], si_by[i], tc_by[i], cfg) for i in ids]
