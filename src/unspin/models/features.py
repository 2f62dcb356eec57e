"""Model inputs built from text, shared by the detectors and the trainers (stdlib only).

The base encoder is uncased, so the analysis model's entity tagger gets each token's *shape*
(from the original characters the token covers) as an extra input, ``shape_ids``; the stance
model reads a sentence with its target marked (``mark_target``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SHAPES",
    "START_MARK",
    "END_MARK",
    "OTHER_START_MARK",
    "OTHER_END_MARK",
    "MarkedTarget",
    "mark_target",
    "token_shape",
    "shape_ids",
]

#: shape id -> name; id 0 is for special and padding tokens.
SHAPES = ("special", "lower", "capitalised", "allcaps", "mixed", "digit", "punct", "other")


def token_shape(piece: str) -> int:
    """Return the shape id of the original characters ``piece`` of one token."""
    if not piece:
        return 0
    if piece.isdigit() or any(c.isdigit() for c in piece) and not any(c.isalpha() for c in piece):
        return 5
    if not any(c.isalnum() for c in piece):
        return 6
    letters = [c for c in piece if c.isalpha()]
    if not letters:
        return 7
    if all(c.islower() for c in letters):
        return 1
    if all(c.isupper() for c in letters):
        return 3 if len(letters) > 1 else 2
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return 2
    return 4


def shape_ids(text: str, offsets: Sequence[tuple[int, int]]) -> list[int]:
    """Return one shape id per token, from each token's ``(start, end)`` characters in ``text``."""
    return [token_shape(text[start:end]) if end > start else 0 for start, end in offsets]


#: the stance model's target markers (unused word pieces of the base vocabulary)
START_MARK = "[unused1]"
END_MARK = "[unused2]"
#: markers around the sentence's *other* targets (stance models trained with ``mark_others``)
OTHER_START_MARK = "[unused3]"
OTHER_END_MARK = "[unused4]"


@dataclass
class MarkedTarget:
    """One (sentence, target) row for the stance model: ids with markers, where they sit, label."""

    ids: list[int]
    start: int  # index of the start marker
    target: list[int]  # indices of the target's tokens (between the markers)
    label: int = -1


def _covered(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    return [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]


def _mark_others(
    tok: Any,
    offsets: Sequence[tuple[int, int]],
    ids: list[int],
    first: int,
    last: int,
    others: Sequence[tuple[int, int]],
) -> tuple[list[int], int, int]:
    """Insert the other-target markers into ``ids``; return them and the target's new bounds.

    An other target that covers no token, or shares a token with the target or with an other
    target kept before it, is left unmarked.
    """
    open_id, close_id = tok.token_to_id(OTHER_START_MARK), tok.token_to_id(OTHER_END_MARK)
    if open_id is None or close_id is None:
        raise ValueError(f"the tokenizer has no {OTHER_START_MARK} / {OTHER_END_MARK} pieces")
    taken = set(range(first, last + 1))
    before: dict[int, int] = {}
    after: dict[int, int] = {}
    for start, end in sorted(others):
        inside = _covered(offsets, start, end)
        if not inside or taken & set(range(inside[0], inside[-1] + 1)):
            continue
        taken |= set(range(inside[0], inside[-1] + 1))
        before[inside[0]] = open_id
        after[inside[-1]] = close_id
    out: list[int] = []
    new_first = new_last = 0
    for i, piece in enumerate(ids):
        if i in before:
            out.append(before[i])
        if i == first:
            new_first = len(out)
        out.append(piece)
        if i == last:
            new_last = len(out) - 1
        if i in after:
            out.append(after[i])
    return out, new_first, new_last


def mark_target(
    tok: Any,
    text: str,
    start: int,
    end: int,
    label: int = -1,
    *,
    max_length: int = 128,
    others: Sequence[tuple[int, int]] = (),
) -> MarkedTarget | None:
    """Token ids of ``text`` with markers around ``[start, end)``, cut to ``max_length`` around it.

    ``tok`` is a ``tokenizers.Tokenizer``; offsets are in ``text``. ``others`` are the ``(start,
    end)`` of the text's other targets: each is wrapped in the other-target markers
    (``OTHER_START_MARK`` ... ``OTHER_END_MARK``), so the model sees whom else the sentence names.
    None when the target covers no token.
    """
    enc = tok.encode(text, add_special_tokens=False)
    inside = _covered(enc.offsets, start, end)
    if not inside:
        return None
    first, last = inside[0], inside[-1]
    ids = list(enc.ids)
    if others:
        ids, first, last = _mark_others(tok, enc.offsets, ids, first, last, others)
    room = max_length - 4 - (last - first + 1)
    left = max(0, first - max(room // 2, room - (len(ids) - last - 1)))
    right = min(len(ids), last + 1 + max(0, room - (first - left)))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    s_mark, e_mark = tok.token_to_id(START_MARK), tok.token_to_id(END_MARK)
    body = ids[left:first] + [s_mark] + ids[first : last + 1] + [e_mark] + ids[last + 1 : right]
    out = [cls] + body[: max_length - 2] + [sep]
    s_index = 1 + (first - left)
    target = list(range(s_index + 1, s_index + 1 + last - first + 1))
    target = [t for t in target if t < len(out) - 1] or [s_index]
    return MarkedTarget(out, s_index, target, label)
