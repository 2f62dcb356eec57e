"""Sentence embeddings from the shipped encoder (the ``analysis`` model's ``embedding`` output).

Any object with ``embed(texts) -> np.ndarray`` can stand in for the model (a test double, another
encoder): :class:`Embedder` passes the texts through and normalises the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from unspin.errors import InvalidInput, ModelError

__all__ = ["Embedder", "EmbeddingModel", "OUTPUT"]

OUTPUT = "embedding"


@runtime_checkable
class EmbeddingModel(Protocol):
    """Anything that turns texts into one vector each."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class Embedder:
    """Embed texts as L2-normalised float32 vectors.

    Args:
        model: an object with ``embed(texts)``, an ``OnnxModel`` with an ``embedding`` output, or
            None for the shipped ``analysis`` model (loaded on first use).
        directory: load the ``analysis`` model from this folder instead (a freshly trained or a
            development export).
        max_length: tokens per text (longer texts are cut).
        batch_size: texts per ONNX run.

    Raises:
        ModelError: (on first use) the model is missing or has no ``embedding`` output.

    Example:
        >>> vectors = Embedder().embed(["Floods hit the valley.", "Rain swamps the valley."])
        >>> vectors.shape[0]
        2
    """

    def __init__(
        self,
        model: Any = None,
        *,
        directory: Path | str | None = None,
        max_length: int = 256,
        batch_size: int = 32,
    ) -> None:
        self._model = model
        self._directory = Path(directory) if directory else None
        self.max_length = max_length
        self.batch_size = batch_size

    @property
    def model(self) -> Any:
        if self._model is None:
            from unspin.models.runtime import OnnxModel, shared_model

            self._model = (
                OnnxModel("analysis", directory=self._directory)
                if self._directory
                else shared_model("analysis")
            )
        return self._model

    @property
    def producer(self) -> str:
        """Who made the vectors (``analysis@version`` for the shipped model)."""
        return str(getattr(self.model, "producer", type(self.model).__name__))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised row per text (float32, shape ``[len(texts), dim]``).

        Raises:
            InvalidInput: ``texts`` is a single string rather than a list of them.
            ModelError: the model gave no usable ``embedding`` output.
        """
        if isinstance(texts, str):
            raise InvalidInput("embed() takes a list of texts, not one string")
        texts = list(texts)
        model = self.model
        if hasattr(model, "embed"):
            vectors = np.asarray(model.embed(texts), dtype=np.float32)
        else:
            vectors = self._embed_onnx(model, texts)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ModelError(
                f"embedding model returned shape {vectors.shape} for {len(texts)} texts; "
                "expected [texts, dim]"
            )
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)

    def _embed_onnx(self, model: Any, texts: list[str]) -> np.ndarray:
        outputs = [o.name for o in model.session.get_outputs()]
        if OUTPUT not in outputs:
            raise ModelError(
                f"model {model.producer!r} has no ONNX output named {OUTPUT!r} "
                f"(it has {', '.join(outputs)})"
            )
        if not texts:
            dim = model.session.get_outputs()[outputs.index(OUTPUT)].shape[-1]
            return np.zeros((0, dim if isinstance(dim, int) else 0), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            encoded = model.encode([texts[i] for i in chunk], max_length=self.max_length)
            feeds = {
                "input_ids": encoded.ids,
                "attention_mask": encoded.mask,
                "token_type_ids": encoded.type_ids,
            }
            if "shape_ids" in model.input_names:  # the analysis model's casing input
                from unspin.models.features import shape_ids

                shapes = np.zeros_like(encoded.ids)
                for row, index in enumerate(chunk):
                    found = shape_ids(texts[index], encoded.offsets[row])
                    shapes[row, : len(found)] = found
                feeds["shape_ids"] = shapes
            if "target_mask" in model.input_names:  # no stance targets when only embedding
                batch, length = encoded.ids.shape
                feeds["target_mask"] = np.zeros((batch, 1, length), dtype=np.float32)
            feeds = {k: v for k, v in feeds.items() if k in model.input_names}
            (out,) = model.session.run([OUTPUT], feeds)
            out = np.asarray(out, dtype=np.float32)
            if out.ndim == 3:  # token vectors: mean-pool over the real tokens
                mask = encoded.mask[..., None].astype(np.float32)
                out = (out * mask).sum(1) / np.maximum(mask.sum(1), 1.0)
            for row, index in zip(out, chunk, strict=True):
                rows[index] = row
        return np.stack(rows)
