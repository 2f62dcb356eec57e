"""Read the PTC corpus (SemEval-2020 Task 11) into model-ready windows. numpy + tokenizers only.

The corpus folder holds ``train-articles/article<ID>.txt``, ``train-task-si.labels`` and
``train-task-flc-tc.labels``; offsets are code points into the article text as stored.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

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
from unspin.errors import InvalidInput, SourceError
from unspin.evaluation.ptc import SISpan, TCSpan, read_articles, read_si, read_tc

__all__ = [
    "PtcCorpus",
    "ArticleExample",
    "find_corpus",
    "load_corpus",
    "split_ids",
    "line_sentences",
    "build_example",
]

TECHNIQUE_INDEX = {name: i for i, name in enumerate(TECHNIQUES)}


@dataclass(frozen=True)
class PtcCorpus:
    articles: dict[str, str]
    si: list[SISpan]
    tc: list[TCSpan]


def find_corpus(data: str | Path) -> Path:
    """Return the PTC folder: ``data`` itself or ``data/ptc-semeval2020``.

    Raises:
        SourceError: neither holds ``train-articles/``.
    """
    root = Path(data)
    for candidate in (root / "ptc-semeval2020", root):
        if (candidate / "train-articles").is_dir():
            return candidate
    raise SourceError(
        f"{root} holds no PTC corpus (train-articles/ or ptc-semeval2020/train-articles/)"
    )


def load_corpus(data: str | Path) -> PtcCorpus:
    """Read the training articles with their SI and TC gold spans.

    Raises:
        SourceError: a file is missing.
        InvalidInput: a technique is not one of the 14 PTC classes.
    """
    folder = find_corpus(data)
    articles = read_articles(folder / "train-articles")
    si = read_si(folder / "train-task-si.labels")
    tc = read_tc(folder / "train-task-flc-tc.labels")
    for span in tc:
        if span.technique not in TECHNIQUE_INDEX:
            raise InvalidInput(
                f"unknown technique {span.technique!r}; known: {', '.join(TECHNIQUES)}"
            )
    return PtcCorpus(articles, si, tc)


def split_ids(
    ids: list[str], *, fraction: float = 0.15, seed: int = 13
) -> tuple[list[str], list[str]]:
    """Split article ids into (train, validation), by article, reproducibly."""
    ordered = sorted(ids)
    random.Random(seed).shuffle(ordered)
    n_val = max(1, round(len(ordered) * fraction))
    return sorted(ordered[n_val:]), sorted(ordered[:n_val])


def line_sentences(text: str) -> list[tuple[int, int]]:
    """Sentences of a one-sentence-per-line article: ``[start, end)`` of each non-blank line."""
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            out.append((start, start + len(stripped)))
        pos += len(line) + 1
    return out


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
