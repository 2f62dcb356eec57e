"""The ``stance`` and ``stance-fast`` detectors: stance (negative / neutral / positive) toward
each given target, else toward each actor mention.

``stance`` runs the separate target-marked ``stance`` model, one pass per target (better by 2-7
points of macro-F1 on NewsMTSC, see its model card); ``stance-fast`` reads the stance off the
shared analysis pass with the small stance-head graph, so no sentence is encoded twice.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from unspin.detectors import register
from unspin.detectors.analysis.actors import actor_mentions
from unspin.detectors.analysis.engine import (
    MODEL_FILES,
    VERSION,
    AnalysisEngine,
    _softmax,
    engine,
    given_targets,
)
from unspin.document import Document, Layer, Span
from unspin.errors import InvalidInput
from unspin.models.features import MarkedTarget, mark_target

__all__ = [
    "STANCE_TYPES",
    "StanceDetector",
    "FastStanceDetector",
    "SharedStance",
    "StanceModel",
    "stance_model",
]

#: stance rows per run: an article's rows are short (about 22 tokens), so padding, not the call,
#: is the cost; 16 rows padded 3.7% of the tokens and 32 rows 7.6% (benchmarks/speed.py articles)
STANCE_BATCH = 16


class StanceModel:
    """The target-marked stance model: one encoder pass per (sentence, target) pair.

    The target is marked in its sentence (``[unused1] target [unused2]``) so the whole encoder
    reads the sentence for that actor; measured on NewsMTSC it beats the head on the shared
    analysis pass by 2-7 points of macro-F1 (the ``stance`` model card), at the cost of a pass
    per target. A model trained with ``--mark-others`` (manifest ``mark_others``) also gets the
    other spans scored in the same sentence, marked ``[unused3] ... [unused4]``.

    Args:
        model: an ``OnnxModel`` for ``stance`` (``shared_model("stance")`` by default).

    Raises:
        ModelError: the model is missing or corrupt.
    """

    def __init__(self, model: Any = None) -> None:
        if model is None:
            from unspin.models.runtime import shared_model

            model = shared_model("stance")
        self.model = model
        self.labels: list[str] = list(model.config["stance_labels"])
        self.max_length = int(model.config.get("max_length", 128))
        # trained with the sentence's other targets marked: mark them here too
        self.mark_others = bool(model.config.get("mark_others", False))

    @property
    def producer(self) -> str:
        return str(self.model.producer)

    def score(self, doc: Document, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """Return stance probabilities for each ``(start, end)``, read in its sentence."""
        layer = doc.layers.get("sentences")
        bounds = [(s.start, s.end) for s in layer.spans] if layer and layer.spans else []
        if not bounds:
            bounds = [(0, len(doc.text))]
        starts = [b[0] for b in bounds]
        rows = []
        for start, end in spans:
            first = max(0, bisect_right(starts, start) - 1)
            last = max(first, bisect_right(starts, end - 1) - 1)
            lo, hi = bounds[first][0], max(bounds[last][1], end)
            others = [
                (s - lo, e - lo)
                for s, e in (spans if self.mark_others else ())
                if (s, e) != (start, end) and lo <= s and e <= hi
            ]
            row = mark_target(
                self.model.tokenizer,
                doc.text[lo:hi],
                start - lo,
                end - lo,
                max_length=self.max_length,
                others=others,
            )
            if row is None:
                raise InvalidInput(f"stance target [{start}, {end}) holds no word")
            rows.append(row)
        return self.run_rows(rows)

    def run_rows(self, rows: Sequence[MarkedTarget]) -> list[np.ndarray]:
        """Return stance probabilities for marked rows (``unspin.models.features.mark_target``)."""
        out: list[np.ndarray] = [np.zeros(0)] * len(rows)
        order = sorted(range(len(rows)), key=lambda i: len(rows[i].ids))
        for b in range(0, len(order), STANCE_BATCH):
            members = order[b : b + STANCE_BATCH]
            length = max(len(rows[i].ids) for i in members)
            ids = np.zeros((len(members), length), dtype=np.int64)
            mask = np.zeros((len(members), length), dtype=np.int64)
            target = np.zeros((len(members), length), dtype=np.float32)
            marker = np.zeros(len(members), dtype=np.int64)
            for r, i in enumerate(members):
                ids[r, : len(rows[i].ids)] = rows[i].ids
                mask[r, : len(rows[i].ids)] = 1
                target[r, rows[i].target] = 1.0
                marker[r] = rows[i].start
            (logits,) = self.model.run(
                {"input_ids": ids, "attention_mask": mask, "target_mask": target, "start": marker}
            )
            probs = _softmax(logits)
            for r, i in enumerate(members):
                out[i] = probs[r]
        return out


@lru_cache(maxsize=1)
def stance_model() -> StanceModel:
    """The process-wide stance model."""
    return StanceModel()


def _probabilities(labels: Sequence[str], probs: np.ndarray) -> dict[str, float]:
    return {label: round(float(p), 6) for label, p in zip(labels, probs, strict=True)}


#: entity types whose mentions get a stance when no targets are given
STANCE_TYPES = ("PER", "ORG", "LOC")


class StanceDetector:
    """Stance (negative / neutral / positive) toward each given target, else each mention."""

    name = "stance"
    version = "2.1.0"  # 2.0: the target-marked stance model (a pass per target); 2.1: distilled
    requires: tuple[str, ...] = ("sentences", "entities")
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("stance",)

    def __init__(self, model: StanceModel | SharedStance | None = None) -> None:
        self.model = model or stance_model()

    def detect(self, doc: Document) -> Layer:
        targets = given_targets(doc)
        source = "given"
        if not targets:
            source = "mention"
            targets = actor_mentions(doc, STANCE_TYPES)
        labels = self.model.labels
        spans = []
        for (start, end), probs in zip(targets, self.model.score(doc, targets), strict=True):
            best = int(probs.argmax())
            spans.append(
                Span(
                    start,
                    end,
                    labels[best],
                    round(float(probs[best]), 6),
                    {
                        "target": source,
                        "text": doc.text[start:end],
                        "probabilities": _probabilities(labels, probs),
                    },
                )
            )
        return Layer(
            "stance",
            tuple(spans),
            producer=f"{self.name}@{self.version}",
            config={"model": self.model.producer, "targets": source},
        )


class SharedStance:
    """Stance read off the shared analysis pass (the ``stance_head`` graph): no extra pass."""

    def __init__(self, analysis: AnalysisEngine | None = None) -> None:
        self.analysis = analysis or engine()
        self.labels = self.analysis.stance_labels

    @property
    def producer(self) -> str:
        return self.analysis.producer

    def score(self, doc: Document, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        return self.analysis.stance(doc, spans)


class FastStanceDetector(StanceDetector):
    """The ``stance`` layer from the shared analysis pass: faster, 2-6 points of macro-F1 lower."""

    name = "stance-fast"
    version = VERSION

    def __init__(self, analysis: AnalysisEngine | None = None) -> None:
        super().__init__(SharedStance(analysis))


@register(
    "stance-fast",
    version=FastStanceDetector.version,
    requires=FastStanceDetector.requires,
    provides=FastStanceDetector.provides,
    description="stance from the shared analysis pass: no extra encoder pass, lower quality",
    model_files=MODEL_FILES,
)
def make_stance_fast() -> FastStanceDetector:
    return FastStanceDetector()


@register(
    "stance",
    version=StanceDetector.version,
    requires=StanceDetector.requires,
    provides=StanceDetector.provides,
    description="stance toward each target or mention (target-marked MiniLM, NewsMTSC)",
    model_files=("stance/model.onnx", "stance/tokenizer.json"),
)
def make_stance() -> StanceDetector:
    return StanceDetector()
