"""Windows of sentences with context, and span decoding, for the persuasion model.

Shared by training (``unspin.training``), the ``persuasion`` detector and the PTC evaluation, so the
model sees at run time exactly the inputs it was trained on. Needs numpy and a ``tokenizers``
tokenizer only.

An article is tokenised once. Consecutive sentences are packed into *blocks* of at most
``block_tokens`` tokens (a longer sentence is cut); each window is ``[CLS] left-context block
right-context [SEP]`` with up to ``context_tokens`` tokens of context on either side. Token
predictions are read only on the block, so every token of the text is predicted exactly once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from unspin import taxonomy

__all__ = [
    "TECHNIQUES",
    "WindowConfig",
    "Window",
    "TokenizedText",
    "tokenize_text",
    "build_windows",
    "SpanSlot",
    "place_spans",
    "repetition_feature",
    "DecodeConfig",
    "decode_spans",
    "batch_arrays",
]

# The model's technique channels, in the taxonomy's order (that of the PTC label-names file).
TECHNIQUES: tuple[str, ...] = taxonomy.TECHNIQUES
ANY_CHANNEL = len(TECHNIQUES)  # token channel 14: "some technique"


@dataclass(frozen=True)
class WindowConfig:
    """How an article is cut into model inputs."""

    block_tokens: int = 128
    context_tokens: int = 32
    cls_id: int = 101
    sep_id: int = 102

    @property
    def max_length(self) -> int:
        return self.block_tokens + 2 * self.context_tokens + 2


@dataclass(frozen=True)
class TokenizedText:
    """Token ids of a whole text with each token's ``[start, end)`` characters."""

    ids: np.ndarray  # int64 [N]
    starts: np.ndarray  # int64 [N]
    ends: np.ndarray  # int64 [N]


@dataclass
class Window:
    """One model input row.

    ``first``/``last`` are the flat token indices the row covers (without [CLS]/[SEP]);
    ``block_first``/``block_last`` the part whose token predictions count (empty for windows built
    only to hold one span).
    """

    ids: np.ndarray  # int64 [T] with [CLS] ... [SEP]
    first: int
    last: int  # exclusive
    block_first: int
    block_last: int  # exclusive
    extra: dict[str, Any] = field(default_factory=dict)

    def position(self, flat_index: int) -> int:
        """Row position of flat token ``flat_index`` (1 for the first token after [CLS])."""
        return flat_index - self.first + 1


def tokenize_text(tokenizer: Any, text: str) -> TokenizedText:
    """Tokenise ``text`` without special tokens, padding or truncation."""
    enc = tokenizer.encode(text, add_special_tokens=False)
    ids = np.asarray(enc.ids, dtype=np.int64)
    offsets = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    # drop tokens that cover no character (they carry no offsets to map back)
    keep = offsets[:, 1] > offsets[:, 0]
    return TokenizedText(ids[keep], offsets[keep, 0], offsets[keep, 1])


def _sentence_starts(tokens: TokenizedText, sentences: Sequence[tuple[int, int]]) -> set[int]:
    """Flat token indices where a sentence begins."""
    starts: set[int] = {0}
    for start, _end in sentences:
        index = int(np.searchsorted(tokens.ends, start, side="right"))
        if index < len(tokens.ids):
            starts.add(index)
    return starts


def _window(
    tokens: TokenizedText,
    cfg: WindowConfig,
    first: int,
    last: int,
    block_first: int,
    block_last: int,
) -> Window:
    ids = np.concatenate([[cfg.cls_id], tokens.ids[first:last], [cfg.sep_id]]).astype(np.int64)
    return Window(ids, first, last, block_first, block_last)


def build_windows(
    tokens: TokenizedText, sentences: Sequence[tuple[int, int]], cfg: WindowConfig
) -> list[Window]:
    """Pack sentences into blocks and wrap each block in context.

    Args:
        tokens: the tokenised text.
        sentences: ``[start, end)`` of each sentence, in order (they decide where blocks may end).
        cfg: block and context sizes.

    Returns:
        Windows whose blocks cover every token once, in order.
    """
    n = len(tokens.ids)
    if n == 0:
        return []
    boundaries = sorted(_sentence_starts(tokens, sentences) | {n})
    blocks: list[tuple[int, int]] = []
    block_start = 0
    for boundary in boundaries[1:]:
        # cut sentences longer than a block
        while boundary - block_start > cfg.block_tokens:
            # close the open block at the last sentence start inside it, else cut it hard
            inside = [b for b in boundaries if block_start < b <= block_start + cfg.block_tokens]
            cut = inside[-1] if inside else block_start + cfg.block_tokens
            blocks.append((block_start, cut))
            block_start = cut
        if boundary == n:
            break
    if block_start < n:
        blocks.append((block_start, n))
    windows = []
    for first, last in blocks:
        left = max(0, first - cfg.context_tokens)
        right = min(n, last + cfg.context_tokens)
        windows.append(_window(tokens, cfg, left, right, first, last))
    return windows


def _token_range(tokens: TokenizedText, start: int, end: int) -> tuple[int, int]:
    """Flat token indices ``[a, b)`` of the tokens overlapping characters ``[start, end)``."""
    a = int(np.searchsorted(tokens.ends, start, side="right"))
    b = int(np.searchsorted(tokens.starts, end, side="left"))
    return a, max(a, b)


@dataclass(frozen=True)
class SpanSlot:
    """Where one character span sits among the windows: row ``window`` and positions [a, b)."""

    window: int
    a: int
    b: int


def place_spans(
    tokens: TokenizedText,
    windows: list[Window],
    spans: Sequence[tuple[int, int]],
    cfg: WindowConfig,
    *,
    crop: int | None = None,
) -> list[SpanSlot | None]:
    """Find a window for each span, adding span-centred windows where none holds it whole.

    The window whose block holds the span's first token is used when the span also ends inside
    it; otherwise a new window is appended (its block is empty: it is for the span only).
    With ``crop``, every span gets its own window of the span and at most ``crop`` tokens on
    either side (shorter rows: a faster span pass).
    A span with no token inside uses the nearest token; None only when the text has no tokens.
    """
    slots: list[SpanSlot | None] = []
    block_firsts = np.asarray([w.block_first for w in windows if w.block_last > w.block_first])
    block_rows = [i for i, w in enumerate(windows) if w.block_last > w.block_first]
    n = len(tokens.ids)
    limit = cfg.max_length - 2
    for start, end in spans:
        a, b = _token_range(tokens, start, end)
        if b <= a and n:  # no token inside (whitespace, punctuation): use the nearest one
            a = min(a, n - 1)
            b = a + 1
        if b <= a:
            slots.append(None)
            continue
        if crop is not None:
            b = min(b, a + limit)
            left, right = max(0, a - crop), min(n, b + crop)
            windows.append(_window(tokens, cfg, left, right, a, a))
            row = len(windows) - 1
            slots.append(SpanSlot(row, windows[row].position(a), windows[row].position(b)))
            continue
        row = block_rows[int(np.searchsorted(block_firsts, a, side="right")) - 1]
        window = windows[row]
        if not (window.first <= a and b <= window.last):
            b = min(b, a + limit)
            spare = limit - (b - a)
            left = max(0, a - spare // 2)
            right = min(n, b + (spare - (a - left)))
            left = max(0, min(left, right - limit))
            windows.append(_window(tokens, cfg, left, right, a, a))
            row = len(windows) - 1
            window = windows[row]
        slots.append(SpanSlot(row, window.position(a), window.position(b)))
    return slots


def repetition_feature(text: str, start: int, end: int) -> float:
    """Return log(1 + occurrences of the span's lowercased text in the lowercased text)."""
    phrase = text[start:end].strip().lower()
    if not phrase:
        return 0.0
    return math.log1p(text.lower().count(phrase))


def batch_arrays(
    windows: Sequence[Window], rows: Sequence[int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Pad the given windows' ids to the longest: returns ``(input_ids, attention_mask)``."""
    chosen = [windows[i] for i in rows] if rows is not None else list(windows)
    length = max(len(w.ids) for w in chosen)
    ids = np.zeros((len(chosen), length), dtype=np.int64)
    mask = np.zeros((len(chosen), length), dtype=np.int64)
    for i, window in enumerate(chosen):
        ids[i, : len(window.ids)] = window.ids
        mask[i, : len(window.ids)] = 1
    return ids, mask


@dataclass(frozen=True)
class DecodeConfig:
    """How token probabilities become character spans.

    Args:
        threshold: a token is inside a span when its probability is at least this.
        merge_gap: join spans separated by at most this many characters.
        min_chars: drop spans shorter than this.
        word_boundaries: extend spans to whole words.
    """

    threshold: float = 0.5
    merge_gap: int = 1
    min_chars: int = 2
    word_boundaries: bool = True


def _extend_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'’-"):
        start -= 1
    while end < len(text) and (text[end].isalnum() or text[end] in "'’-"):
        end += 1
    return start, end


def decode_spans(
    text: str, tokens: TokenizedText, probs: np.ndarray, cfg: DecodeConfig
) -> list[tuple[int, int, float]]:
    """Turn per-token probabilities (flat, one per token) into ``(start, end, mean_prob)`` spans."""
    on = probs >= cfg.threshold
    runs: list[list[int]] = []  # [first_token, last_token_exclusive]
    i = 0
    n = len(on)
    while i < n:
        if on[i]:
            j = i
            while j < n and on[j]:
                j += 1
            runs.append([i, j])
            i = j
        else:
            i += 1
    spans: list[list[float]] = []
    for a, b in runs:
        start, end = int(tokens.starts[a]), int(tokens.ends[b - 1])
        if cfg.word_boundaries:
            start, end = _extend_to_words(text, start, end)
        score = float(probs[a:b].mean())
        if spans and start - spans[-1][1] <= cfg.merge_gap:
            prev = spans[-1]
            width_prev, width = prev[1] - prev[0], end - start
            prev[2] = (prev[2] * width_prev + score * width) / max(1, width_prev + width)
            prev[1] = max(prev[1], end)
        else:
            spans.append([start, end, score])
    out: list[tuple[int, int, float]] = []
    starts = np.asarray(tokens.starts)
    for s, e, p in spans:
        pieces = _paragraph_pieces(text, int(s), int(e))
        for a, b in pieces:
            if len(pieces) > 1:  # a piece's score is the mean of its own tokens
                inside = (starts >= a) & (starts < b)
                p = float(probs[inside].mean()) if inside.any() else p
            if b - a >= cfg.min_chars:
                out.append((a, b, float(p)))
    return out


_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")


def _paragraph_pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut at paragraph breaks (a blank line): a span never crosses one."""
    pieces = []
    pos = start
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        pieces.append((pos, len(text[pos : match.start()].rstrip()) + pos))
        pos = match.end()
    pieces.append((pos, end))
    return [(a, b) for a, b in pieces if b > a]
