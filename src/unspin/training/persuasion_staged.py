"""Read the staged persuasion recipe's model folders, which the shipped detector no longer reads.

The staged recipe (``persuasion``, then ``persuasion-package``, ``persuasion-tc-head`` and
``persuasion-si-head`` on the folder before) builds folders between its steps, like the
versions before 1.3.0, that the shipped ``persuasion`` detector refuses: SI from the token
channels (``si_combine``), spans named by the main graph's span head (a second encoder pass, or
the ``span_head.onnx`` graph on the token pass's states) mixed with the token channels
(``tc_mix``), or by the channels alone (``labeller: tokens``). :class:`StagedPersuasion` reads
them, so those commands can tune, score and train heads on the folders they build.

Only the staged recipe uses this module; it goes when that recipe goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from unspin.detectors.persuasion.detector import (
    MODEL_NAME,
    PersuasionDetector,
    SpanLabel,
    _analysis_engine,
    _sigmoid,
    _softmax,
    _span_label,
    _token_bounds,
)
from unspin.detectors.persuasion.windows import (
    ANY_CHANNEL,
    TokenizedText,
    Window,
    place_spans,
    repetition_feature,
)
from unspin.document import Document
from unspin.errors import InvalidInput, ModelError

__all__ = ["SI_COMBINE", "StagedPersuasion", "si_logit", "staged_detector"]

SI_COMBINE = ("any", "max", "mean")


def si_logit(logits: np.ndarray, combine: str) -> np.ndarray:
    """The "some technique" logit of each token from the token logits [N, 15]: the any channel
    (``any``), the largest of it and the technique channels (``max``), or the mean of those two
    (``mean``)."""
    any_channel = logits[:, ANY_CHANNEL]
    if combine == "any":
        return np.asarray(any_channel)
    strongest = logits[:, :ANY_CHANNEL].max(axis=1)
    if combine == "max":
        return np.asarray(np.maximum(any_channel, strongest))
    return np.asarray((any_channel + strongest) / 2)


class StagedPersuasion(PersuasionDetector):
    """The persuasion detector on a staged folder: every head optional, the older switches read.

    Args:
        model: an ``OnnxModel`` for a persuasion model folder of the staged recipe.
        batch_size: windows per ONNX run.

    Raises:
        ModelError: the manifest lacks the configuration, or names a head it does not hold.
    """

    def __init__(self, model: Any, *, batch_size: int = 16) -> None:
        self.model = model
        self.version = model.manifest.version
        self.batch_size = batch_size
        self._read_config(model.config)
        config = model.config
        try:
            temperatures = config.get("temperature", {})
            self.tc_temperature = float(temperatures.get("tc", 1.0))
            self.tc_head_temperature = float(temperatures.get("tc_head", 1.0))
            self.labeller = str(config.get("labeller", "span"))
            self.si_combine = str(config.get("si_combine", "any"))
            # weight of the token channels when mixed into the span head's distribution
            self.tc_mix = float(config.get("tc_mix", 0.0))
            # span pass on span-centred rows with this many context tokens (None: whole
            # windows): ``span_crop`` for classify_spans, ``detect_span_crop`` for detect
            crop = config.get("span_crop")
            self.span_crop = None if crop is None else int(crop)
            crop = config.get("detect_span_crop", crop)
            self.detect_span_crop = None if crop is None else int(crop)
            head = config.get("si_head")
            si_file = None if head is None else str(head["file"])
            si_analysis = bool(head.get("analysis_states", False)) if head else False
            span_head = config.get("span_head")
            span_file = None if span_head is None else str(span_head)
            tc_head = config.get("tc_head")
            tc_file = None if tc_head is None else str(tc_head["file"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {MODEL_NAME!r} manifest has no usable config: {exc}") from None
        if self.si_combine not in SI_COMBINE:
            raise ModelError(
                f"model {MODEL_NAME!r} si_combine {self.si_combine!r}: use {', '.join(SI_COMBINE)}"
            )
        if self.labeller not in ("span", "tokens"):
            raise ModelError(f"model {MODEL_NAME!r} labeller {self.labeller!r}: use span or tokens")
        if si_file or span_file or tc_file:
            self._require_states()
        self.si_head: Any = None if si_file is None else model.head(si_file)
        self.analysis: Any = _analysis_engine(head.get("analysis_model")) if si_analysis else None
        self.span_head: Any = None
        self.hidden = 0  # the span head's state size: the last layer's part of token_states
        # a TC head names the spans instead of the span head: then it is not loaded at all
        if span_file is not None and tc_file is None:
            self.span_head = model.head(span_file)
            self.hidden = int(self.span_head.get_inputs()[0].shape[-1])
        self.tc_head: Any = None if tc_file is None else model.head(tc_file)
        self._keep = self.hidden if self.span_head is not None else 0

    # --- SI without a head ----------------------------------------------------------------------

    def token_logits(self, tokens: TokenizedText, windows: Sequence[Window]) -> np.ndarray:
        """Return the token logits [N, 15] of every token of the text, read on the blocks."""
        return self.token_pass(tokens, windows)[0]

    def si_scores(self, logits: np.ndarray, states: np.ndarray | None) -> np.ndarray:
        """The SI head's logits, or without one the token channels combined (``si_combine``)."""
        if self.si_head is None:
            return si_logit(logits, self.si_combine)
        return super().si_scores(logits, states)

    # --- naming spans without a TC head -------------------------------------------------------

    def label_spans(
        self,
        text: str,
        tokens: TokenizedText,
        windows: list[Window],
        spans: Sequence[tuple[int, int]],
        *,
        crop: int | None = None,
        kept: dict[int, np.ndarray] | None = None,
    ) -> list[np.ndarray | None]:
        """Technique logits [14] for each span (None for a span that covers no token).

        With a span head and the token pass's ``kept`` states, spans are named from those
        states (whole windows, ``crop`` ignored); rows added for spans that no window holds
        whole get their own encoder pass first. Otherwise each span gets a row of its own in a
        second pass of the main graph.
        """
        if self.span_head is not None and kept is not None:
            return self._label_from_states(text, tokens, windows, spans, kept)
        slots = place_spans(tokens, windows, spans, self.window_cfg, crop=crop)
        placed = [i for i, slot in enumerate(slots) if slot is not None]
        placed.sort(key=lambda i: len(windows[slots[i].window].ids))  # type: ignore[union-attr]
        result: list[np.ndarray | None] = [None] * len(spans)
        for start in range(0, len(placed), self.batch_size):
            chunk = placed[start : start + self.batch_size]
            rows = [slots[i].window for i in chunk]  # type: ignore[union-attr]
            ids, mask = self._rows(windows, rows)
            span_mask = np.zeros(ids.shape, dtype=np.float32)
            repetition = np.zeros((len(chunk), 1), dtype=np.float32)
            for j, i in enumerate(chunk):
                slot = slots[i]
                assert slot is not None
                span_mask[j, slot.a : slot.b] = 1.0
                repetition[j, 0] = repetition_feature(text, spans[i][0], spans[i][1])
            _, logits, _ = self._run(ids, mask, span_mask, repetition)
            for j, i in enumerate(chunk):
                result[i] = logits[j]
        return result

    def _label_from_states(
        self,
        text: str,
        tokens: TokenizedText,
        windows: list[Window],
        spans: Sequence[tuple[int, int]],
        kept: dict[int, np.ndarray],
    ) -> list[np.ndarray | None]:
        """Technique logits of the spans from kept window states, all spans of a window in one
        row of the span head."""
        slots = place_spans(tokens, windows, spans, self.window_cfg)
        missing = sorted({s.window for s in slots if s is not None and s.window not in kept})
        if missing:
            kept = {**kept, **self._window_pass(tokens, windows, missing, keep=self.hidden)[2]}
        by_row: dict[int, list[int]] = {}
        for i, slot in enumerate(slots):
            if slot is not None:
                by_row.setdefault(slot.window, []).append(i)
        result: list[np.ndarray | None] = [None] * len(spans)
        rows = sorted(by_row, key=lambda r: len(windows[r].ids))
        for start in range(0, len(rows), self.batch_size):
            batch = rows[start : start + self.batch_size]
            length = max(len(windows[r].ids) for r in batch)
            k = max(len(by_row[r]) for r in batch)
            states = np.zeros((len(batch), length, self.hidden), dtype=np.float32)
            span_mask = np.zeros((len(batch), k, length), dtype=np.float32)
            repetition = np.zeros((len(batch), k, 1), dtype=np.float32)
            for j, r in enumerate(batch):
                states[j, : len(kept[r])] = kept[r]
                for t, i in enumerate(by_row[r]):
                    slot = slots[i]
                    assert slot is not None
                    span_mask[j, t, slot.a : slot.b] = 1.0
                    repetition[j, t, 0] = repetition_feature(text, spans[i][0], spans[i][1])
            (logits,) = self.span_head.run(
                None, {"states": states, "span_mask": span_mask, "repetition": repetition}
            )
            for j, r in enumerate(batch):
                for t, i in enumerate(by_row[r]):
                    result[i] = logits[j, t]
        return result

    def technique_distribution(
        self, span_row: np.ndarray | None, token_logits: np.ndarray | None, a: int, b: int
    ) -> np.ndarray:
        """Technique probabilities of one span from the span head's logits and/or the token
        channels of its tokens ``[a, b)`` (mixed with weight ``tc_mix``)."""
        channel = None
        if token_logits is not None and b > a:
            mean = _sigmoid(token_logits[a:b, :ANY_CHANNEL]).mean(axis=0)
            channel = mean / max(1e-9, float(mean.sum()))
        if span_row is None:
            if channel is None:
                raise InvalidInput("a span needs span-head logits or token logits")
            return channel
        head = _softmax(span_row / self.tc_temperature)
        if channel is None or self.tc_mix <= 0.0:
            return head
        return np.asarray((1.0 - self.tc_mix) * head + self.tc_mix * channel)

    def classify_spans(self, doc: Document, spans: Sequence[tuple[int, int]]) -> list[SpanLabel]:
        """Name the technique of each given span of ``doc``: the TC head where the folder has
        one, else the span head (mixed with the token channels by ``tc_mix``)."""
        if self.tc_head is not None:
            return super().classify_spans(doc, spans)
        self._check_spans(doc, spans)
        tokens, windows = self._prepare(doc.text, self._sentences(doc))
        token_logits: np.ndarray | None = None
        kept: dict[int, np.ndarray] | None = None
        if windows and (self.tc_mix > 0 or self.span_head is not None):
            token_logits, _states, kept = self._window_pass(tokens, windows, keep=self._keep)
            if self.tc_mix <= 0:
                token_logits = None
        logits = self.label_spans(doc.text, tokens, windows, spans, crop=self.span_crop, kept=kept)
        labels = []
        for (start, end), row in zip(spans, logits, strict=True):
            if row is None:
                raise InvalidInput(f"span [{start}, {end}) covers no word of the text")
            a, b = _token_bounds(tokens, start, end)
            labels.append(
                _span_label(start, end, self.technique_distribution(row, token_logits, a, b))
            )
        return labels

    def _name_found(
        self,
        doc: Document,
        tokens: TokenizedText,
        windows: list[Window],
        logits: np.ndarray,
        states: np.ndarray | None,
        found: list[tuple[int, int, float]],
    ) -> list[tuple[int, int, float, np.ndarray]]:
        """Technique probabilities for found spans: from the TC head where the folder has one,
        else from the span head (on the token pass's states where the folder has a span-head
        graph, else a second pass) or, with ``labeller = "tokens"``, from the token pass's
        technique channels (no second pass)."""
        if self.tc_head is not None and self.labeller != "tokens":
            return super()._name_found(doc, tokens, windows, logits, states, found)
        out = []
        if self.labeller == "tokens":
            for start, end, score in found:
                a, b = _token_bounds(tokens, start, end)
                out.append((start, end, score, self.technique_distribution(None, logits, a, b)))
            return out
        kept = None
        if self.span_head is not None:
            kept = self._window_pass(tokens, windows, keep=self.hidden)[2]
        rows = self.label_spans(
            doc.text,
            tokens,
            windows,
            [(s, e) for s, e, _p in found],
            crop=self.detect_span_crop,
            kept=kept,
        )
        for (start, end, score), row in zip(found, rows, strict=True):
            if row is not None:
                a, b = _token_bounds(tokens, start, end)
                out.append((start, end, score, self.technique_distribution(row, logits, a, b)))
        return out


def staged_detector(directory: str | Path, *, batch_size: int = 16) -> StagedPersuasion:
    """Read the persuasion model folder in ``directory`` (of any step of the staged recipe).

    Raises:
        ModelError: the model files are missing or corrupt, or the manifest is unusable.
    """
    from unspin.models.runtime import OnnxModel

    return StagedPersuasion(OnnxModel(MODEL_NAME, directory=Path(directory)), batch_size=batch_size)
