"""A test double for the embedding model: one axis per story keyword, so tests know which texts
belong together without loading a model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

AXES = ("warehouse", "library", "strike", "bridge")


class KeywordEmbedder:
    """Embed a text as counts of story keywords plus a small constant (never all zero)."""

    producer = "keyword-double@1"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = []
        for text in texts:
            lowered = text.lower()
            rows.append([lowered.count(word) for word in AXES] + [0.05])
        return np.asarray(rows, dtype=np.float32)
