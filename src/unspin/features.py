"""Token features the shipped analysis model reads beside the word pieces (numpy-free, stdlib only).

The base encoder is uncased, so the entity tagger gets each token's *shape* (from the original
characters the token covers) as an extra input, ``shape_ids``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["SHAPES", "token_shape", "shape_ids"]

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
