"""The ``persuasion`` detector: propaganda technique spans from the shipped MiniLM model.

One ONNX model with two heads (see ``models/persuasion/card.md``):

1. a token pass over windows of sentences with context finds the spans that use some technique
   (SI): the "any technique" channel (or, where the manifest names an ``si_head``, a small
   bidirectional LSTM over the whole article's encoder states and token logits, and where the
   head was trained so, the analysis model's token states too: see ``si_head_states``),
   temperature-calibrated, thresholded, then post-processed (gaps merged, spans extended to whole
   words, short ones dropped);
2. the span head names each span's technique (TC) from the encoder states pooled over the span,
   the window's [CLS] state and how often the phrase recurs in the article. Where the manifest
   names a ``span_head`` graph, the spans are named from the states the token pass kept, many
   spans per window at once; otherwise each span gets a row of its own in a second pass.
   Where the manifest names a ``tc_head``, that small network names the spans instead, from
   features of the token pass alone (:func:`tc_features`: the mean and max over the span of the
   last three layers' states, its token channels, its length and repetition).

Each span's ``label`` is a PTC technique, ``score`` the calibrated probability that the stretch
uses a technique, ``attrs`` the technique probability, its group, the SemEval-2023 names and the
explanation shown to people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspin.detectors import register, registry
from unspin.detectors.persuasion.windows import (
    ANY_CHANNEL,
    TECHNIQUES,
    DecodeConfig,
    TokenizedText,
    Window,
    WindowConfig,
    build_windows,
    decode_spans,
    place_spans,
    repetition_feature,
    tokenize_text,
)
from unspin.document import Document, Layer, Span
from unspin.errors import InvalidInput, ModelError

__all__ = ["PersuasionDetector", "SpanLabel", "MODEL_NAME", "si_logit", "tc_features"]

MODEL_NAME = "persuasion"


@dataclass(frozen=True)
class SpanLabel:
    """The technique the model gives a span, with the probability of every technique."""

    start: int
    end: int
    technique: str
    probability: float
    probabilities: dict[str, float]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def _softmax(x: np.ndarray) -> np.ndarray:
    z = x - x.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=-1, keepdims=True))


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


def _span_label(start: int, end: int, probs: np.ndarray) -> SpanLabel:
    """The most probable technique of a span, with every technique's probability."""
    best = int(probs.argmax())
    return SpanLabel(
        start,
        end,
        TECHNIQUES[best],
        float(probs[best]),
        {t: float(p) for t, p in zip(TECHNIQUES, probs, strict=True)},
    )


def _token_bounds(tokens: TokenizedText, start: int, end: int) -> tuple[int, int]:
    """Flat indices ``[a, b)`` of the tokens of characters ``[start, end)`` (at least one)."""
    a = int(np.searchsorted(tokens.ends, start, side="right"))
    b = int(np.searchsorted(tokens.starts, end, side="left"))
    a = min(a, max(0, len(tokens.ids) - 1))
    return a, max(a + 1, b)


def tc_features(
    text: str,
    tokens: TokenizedText,
    logits: np.ndarray,
    states: np.ndarray,
    spans: Sequence[tuple[int, int]],
) -> np.ndarray:
    """The TC head's input [len(spans), 2 H' + 33] from the token pass of ``text``: for each
    character span, the mean and the max of the encoder states ``states`` [N, H'] over its
    tokens, the mean and the max of its token channels (sigmoids of ``logits`` [N, 15]), the
    log of its token and character lengths and its repetition feature."""
    width = 2 * states.shape[1] + 2 * logits.shape[1] + 3
    out = np.zeros((len(spans), width), dtype=np.float32)
    for k, (start, end) in enumerate(spans):
        a, b = _token_bounds(tokens, start, end)
        x = states[a:b].astype(np.float32)
        p = _sigmoid(logits[a:b].astype(np.float32))
        extra = [np.log1p(b - a), np.log1p(end - start), repetition_feature(text, start, end)]
        out[k] = np.concatenate(
            [x.mean(0), x.max(0), p.mean(0), p.max(0), np.asarray(extra, dtype=np.float32)]
        )
    return out


class PersuasionDetector:
    """Find and name propaganda techniques.

    Args:
        model: an ``OnnxModel`` for the persuasion model (``shared_model("persuasion")``).
        batch_size: windows per ONNX run.

    Raises:
        ModelError: the model's manifest lacks the configuration this detector needs.
    """

    name = "persuasion"
    requires: tuple[str, ...] = ("sentences",)
    provides: tuple[str, ...] = ("persuasion",)

    def __init__(self, model: Any, *, batch_size: int = 16) -> None:
        self.model = model
        config = model.config
        try:
            labels = tuple(config["labels"])
            windows = config["windows"]
            decode = config["decode"]
            self.window_cfg = WindowConfig(
                block_tokens=int(windows["block_tokens"]),
                context_tokens=int(windows["context_tokens"]),
                cls_id=int(windows.get("cls_id", 101)),
                sep_id=int(windows.get("sep_id", 102)),
            )
            self.decode_cfg = DecodeConfig(
                threshold=float(decode["threshold"]),
                merge_gap=int(decode["merge_gap"]),
                min_chars=int(decode["min_chars"]),
                word_boundaries=bool(decode["word_boundaries"]),
            )
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
            temperatures = config.get("temperature", {})
            self.si_temperature = float(temperatures.get("si", 1.0))
            self.tc_temperature = float(temperatures.get("tc", 1.0))
            head = config.get("si_head")
            self.si_head_file = None if head is None else str(head["file"])
            # the SI head also reads the analysis model's token states (see si_head_states)
            self.si_analysis = bool(head.get("analysis_states", False)) if head else False
            self.si_analysis_model = None if head is None else head.get("analysis_model")
            span_head = config.get("span_head")
            self.span_head_file = None if span_head is None else str(span_head)
            tc_head = config.get("tc_head")
            self.tc_head_file = None if tc_head is None else str(tc_head["file"])
            self.tc_head_temperature = float(temperatures.get("tc_head", 1.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {MODEL_NAME!r} manifest has no usable config: {exc}") from None
        if self.si_combine not in SI_COMBINE:
            raise ModelError(
                f"model {MODEL_NAME!r} si_combine {self.si_combine!r}: use {', '.join(SI_COMBINE)}"
            )
        if self.labeller not in ("span", "tokens"):
            raise ModelError(f"model {MODEL_NAME!r} labeller {self.labeller!r}: use span or tokens")
        if labels != TECHNIQUES:
            raise ModelError(
                f"model {MODEL_NAME!r} labels {labels!r} are not the 14 PTC techniques"
            )
        self.version = model.manifest.version
        self.batch_size = batch_size
        heads = (self.si_head_file, self.span_head_file, self.tc_head_file)
        if any(heads) and STATES_OUTPUT not in _output_names(model):
            raise ModelError(
                f"model {MODEL_NAME!r} has a head graph but its graph outputs no {STATES_OUTPUT}"
            )
        self.si_head: Any = None
        if self.si_head_file is not None:
            self.si_head = _head_session(model, self.si_head_file)
        self.analysis: Any = _analysis_engine(self.si_analysis_model) if self.si_analysis else None
        self.span_head: Any = None
        self.hidden = 0  # the span head's state size: the last layer's part of token_states
        # a TC head names the spans instead of the span head: then it is not loaded at all
        if self.span_head_file is not None and self.tc_head_file is None:
            self.span_head = _head_session(model, self.span_head_file)
            self.hidden = int(self.span_head.get_inputs()[0].shape[-1])
        self.tc_head: Any = None
        if self.tc_head_file is not None:
            self.tc_head = _head_session(model, self.tc_head_file)

    @property
    def producer(self) -> str:
        return f"{self.name}@{self.version}"

    # --- model passes ---------------------------------------------------------------------------

    def _run(
        self, ids: np.ndarray, mask: np.ndarray, span_mask: np.ndarray, repetition: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Token logits, span logits and (where the graph has that output) the encoder states."""
        outputs = self.model.run(
            {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(ids),
                "span_mask": span_mask,
                "repetition": repetition,
            }
        )
        states = outputs[2] if len(outputs) > 2 else None
        return outputs[0], outputs[1], states

    def _rows(
        self, windows: Sequence[Window], rows: Sequence[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        length = max(len(windows[r].ids) for r in rows)
        ids = np.zeros((len(rows), length), dtype=np.int64)
        mask = np.zeros((len(rows), length), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, : len(windows[r].ids)] = windows[r].ids
            mask[i, : len(windows[r].ids)] = 1
        return ids, mask

    def token_logits(self, tokens: TokenizedText, windows: Sequence[Window]) -> np.ndarray:
        """Return the token logits [N, 15] of every token of the text, read on the blocks."""
        return self.token_pass(tokens, windows)[0]

    def token_pass(
        self, tokens: TokenizedText, windows: Sequence[Window], rows: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None, dict[int, np.ndarray]]:
        """Run the encoder over ``windows`` (those with a block, or the given ``rows``).

        Returns:
            The token logits [N, 15] of every token of the text, read on the blocks; the
            encoder states [N, H'] read the same way (None where the graph does not output
            them); and, where the model has a span head, each row's last-layer states
            [len(ids), H] by window index (for naming spans without a second pass).
        """
        out = np.zeros((len(tokens.ids), ANY_CHANNEL + 1), dtype=np.float32)
        states_out: np.ndarray | None = None
        kept: dict[int, np.ndarray] = {}
        chosen = (
            [i for i, w in enumerate(windows) if w.block_last > w.block_first]
            if rows is None
            else list(rows)
        )
        order = sorted(chosen, key=lambda i: len(windows[i].ids))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            ids, mask = self._rows(windows, batch)
            zeros_span = np.zeros(ids.shape, dtype=np.float32)
            zeros_rep = np.zeros((len(batch), 1), dtype=np.float32)
            logits, _, states = self._run(ids, mask, zeros_span, zeros_rep)
            if states is not None and states_out is None:
                states_out = np.zeros((len(tokens.ids), states.shape[-1]), dtype=np.float32)
            for i, r in enumerate(batch):
                w = windows[r]
                a, b = w.position(w.block_first), w.position(w.block_last)
                out[w.block_first : w.block_last] = logits[i, a:b]
                if states is not None and states_out is not None:
                    states_out[w.block_first : w.block_last] = states[i, a:b]
                    if self.span_head is not None:
                        kept[r] = states[i, : len(w.ids), : self.hidden]
        return out, states_out, kept

    def si_head_states(
        self, doc: Document, tokens: TokenizedText, states: np.ndarray | None
    ) -> np.ndarray | None:
        """The ``states`` input of the SI head for ``doc``: the token pass's encoder states, and
        where the head was trained with them (``si_head.analysis_states`` in the manifest), the
        analysis model's state of each token beside them (its sentence pass, which claims and
        entities need anyway, is cached per document, so it runs once)."""
        if states is None or self.analysis is None:
            return states
        extra = self.analysis.token_states(doc, tokens.starts)
        return np.concatenate([states, extra.astype(states.dtype)], axis=1)

    def si_probabilities(self, logits: np.ndarray, states: np.ndarray | None) -> np.ndarray:
        """Calibrated "some technique" probability of each token, from the SI head where the
        model has one, else from the token channels (``si_combine``)."""
        return _sigmoid(self.si_scores(logits, states) / self.si_temperature)

    def si_scores(self, logits: np.ndarray, states: np.ndarray | None) -> np.ndarray:
        """Uncalibrated "some technique" logit of each token (see ``si_probabilities``)."""
        if self.si_head is None:
            return si_logit(logits, self.si_combine)
        if states is None:
            raise ModelError(
                f"model {MODEL_NAME!r} has an si_head but its graph outputs no token_states"
            )
        if len(logits) == 0:
            return np.zeros(0, dtype=np.float32)
        (head,) = self.si_head.run(
            None,
            {
                "states": states[None].astype(np.float32),
                "logits": logits[None].astype(np.float32),
            },
        )
        return np.asarray(head[0, :, 0])

    def _label_spans(
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
        whole get their own encoder pass first.
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
            kept = {**kept, **self.token_pass(tokens, windows, missing)[2]}
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

    def tc_head_distributions(
        self,
        text: str,
        tokens: TokenizedText,
        logits: np.ndarray,
        states: np.ndarray | None,
        spans: Sequence[tuple[int, int]],
    ) -> np.ndarray:
        """Technique probabilities [len(spans), 14] of character spans from the TC head, read on
        the token pass's ``logits`` and ``states`` (see :func:`tc_features`)."""
        if states is None:
            raise ModelError(
                f"model {MODEL_NAME!r} has a tc_head but its graph outputs no {STATES_OUTPUT}"
            )
        if not spans:
            return np.zeros((0, len(TECHNIQUES)), dtype=np.float32)
        features = tc_features(text, tokens, logits, states, spans)
        (out,) = self.tc_head.run(None, {"features": features})
        return _softmax(np.asarray(out) / self.tc_head_temperature)

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

    def _prepare(
        self, text: str, sentences: Sequence[tuple[int, int]]
    ) -> tuple[TokenizedText, list[Window]]:
        tokens = tokenize_text(self.model.tokenizer, text)
        return tokens, build_windows(tokens, sentences, self.window_cfg)

    # --- public ---------------------------------------------------------------------------------

    def span_probabilities(
        self, text: str, sentences: Sequence[tuple[int, int]]
    ) -> tuple[TokenizedText, np.ndarray]:
        """Return the tokens of ``text`` and each one's calibrated "some technique" probability."""
        tokens, windows = self._prepare(text, sentences)
        if not windows:
            return tokens, np.zeros(0, dtype=np.float32)
        logits, states, _kept = self.token_pass(tokens, windows)
        if self.analysis is not None:
            layer = Layer("sentences", tuple(Span(a, b, "sentence") for a, b in sentences))
            states = self.si_head_states(Document(text).with_layers([layer]), tokens, states)
        return tokens, self.si_probabilities(logits, states)

    def classify_spans(self, doc: Document, spans: Sequence[tuple[int, int]]) -> list[SpanLabel]:
        """Name the technique of each given span of ``doc`` (the TC task).

        Args:
            doc: a document with a ``sentences`` layer.
            spans: ``[start, end)`` character ranges of ``doc.text``.

        Returns:
            One label per span, in order.

        Raises:
            InvalidInput: a span is outside the text or covers no word.
        """
        for start, end in spans:
            if not 0 <= start < end <= len(doc.text):
                raise InvalidInput(
                    f"span [{start}, {end}) is not a non-empty range of the "
                    f"{len(doc.text)}-character text"
                )
        tokens, windows = self._prepare(doc.text, self._sentences(doc))
        if self.tc_head is not None:
            return self._classify_with_tc_head(doc.text, tokens, windows, spans)
        token_logits: np.ndarray | None = None
        kept: dict[int, np.ndarray] | None = None
        if windows and (self.tc_mix > 0 or self.span_head is not None):
            token_logits, _states, kept = self.token_pass(tokens, windows)
            if self.tc_mix <= 0:
                token_logits = None
        logits = self._label_spans(doc.text, tokens, windows, spans, crop=self.span_crop, kept=kept)
        labels = []
        for (start, end), row in zip(spans, logits, strict=True):
            if row is None:
                raise InvalidInput(f"span [{start}, {end}) covers no word of the text")
            a, b = _token_bounds(tokens, start, end)
            labels.append(
                _span_label(start, end, self.technique_distribution(row, token_logits, a, b))
            )
        return labels

    def _classify_with_tc_head(
        self,
        text: str,
        tokens: TokenizedText,
        windows: list[Window],
        spans: Sequence[tuple[int, int]],
    ) -> list[SpanLabel]:
        """``classify_spans`` with the TC head (one token pass, no span head)."""
        placed = place_spans(tokens, windows, spans, self.window_cfg) if windows else []
        for (start, end), slot in zip(spans, placed or [None] * len(spans), strict=True):
            if slot is None:
                raise InvalidInput(f"span [{start}, {end}) covers no word of the text")
        logits, states, _kept = self.token_pass(tokens, windows)
        dists = self.tc_head_distributions(text, tokens, logits, states, spans)
        return [
            _span_label(start, end, probs) for (start, end), probs in zip(spans, dists, strict=True)
        ]

    @staticmethod
    def _sentences(doc: Document) -> list[tuple[int, int]]:
        try:
            layer = doc.layer("sentences")
        except KeyError:
            raise InvalidInput(
                "the persuasion detector needs a 'sentences' layer: run the 'structure' detector "
                "first"
            ) from None
        return [(s.start, s.end) for s in layer]

    def _name_found(
        self,
        text: str,
        tokens: TokenizedText,
        windows: list[Window],
        logits: np.ndarray,
        found: list[tuple[int, int, float]],
        kept: dict[int, np.ndarray] | None = None,
        states: np.ndarray | None = None,
    ) -> list[tuple[int, int, float, np.ndarray]]:
        """Technique probabilities for found spans: from the TC head where the model has one
        (on the token pass's ``states``), else from the span head (on the token pass's ``kept``
        states where the model has a span-head graph, else a second pass) or, with
        ``labeller = "tokens"``, from the token pass's technique channels (no second pass)."""
        out = []
        if self.tc_head is not None and self.labeller != "tokens":
            dists = self.tc_head_distributions(
                text, tokens, logits, states, [(s, e) for s, e, _p in found]
            )
            return [(s, e, p, d) for (s, e, p), d in zip(found, dists, strict=True)]
        if self.labeller == "tokens":
            for start, end, score in found:
                a, b = _token_bounds(tokens, start, end)
                out.append((start, end, score, self.technique_distribution(None, logits, a, b)))
            return out
        rows = self._label_spans(
            text,
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

    def detect(self, doc: Document) -> Layer:
        """Return the ``persuasion`` layer of ``doc`` (which needs a ``sentences`` layer)."""
        from unspin.taxonomy import describe

        tokens, windows = self._prepare(doc.text, self._sentences(doc))
        spans: list[Span] = []
        if windows:
            logits, states, kept = self.token_pass(tokens, windows)
            probs = self.si_probabilities(logits, self.si_head_states(doc, tokens, states))
            found = decode_spans(doc.text, tokens, probs, self.decode_cfg)
            for start, end, score, tprobs in self._name_found(
                doc.text,
                tokens,
                windows,
                logits,
                found,
                kept if self.span_head else None,
                states,
            ):
                best = int(tprobs.argmax())
                label = TECHNIQUES[best]
                attrs = dict(describe(label))
                attrs["technique_score"] = round(float(tprobs[best]), 4)
                spans.append(Span(start, end, label, min(1.0, max(0.0, score)), attrs))
        return Layer(
            "persuasion",
            tuple(spans),
            producer=self.producer,
            config={"threshold": self.decode_cfg.threshold, "model": self.model.producer},
        )


#: the main graph's output with the encoder states (its first ``hidden`` features are the last
#: layer's, which the span head reads)
STATES_OUTPUT = "token_states"


def _output_names(model: Any) -> list[str]:
    session = getattr(model, "session", None)
    return [o.name for o in session.get_outputs()] if session is not None else []


def _head_session(model: Any, filename: str) -> Any:
    """An onnxruntime session for a head graph listed in ``model``'s manifest (hash-checked
    with the manifest's other files when the model loaded)."""
    import onnxruntime as ort

    from unspin.models.runtime import default_threads, session_options

    manifest = model.manifest
    if filename not in manifest.files:
        raise ModelError(f"model {MODEL_NAME!r} head {filename!r} is not in its manifest files")
    path = manifest.path(filename)
    if not path.is_file():
        raise ModelError(f"model {MODEL_NAME!r} is missing {path}; reinstall unspin")
    options = session_options(default_threads())
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _analysis_engine(expected: str | None) -> Any:
    """The shared analysis engine, checked to be the model an SI head was trained on
    (``expected``: the sha256 of its ``model.onnx``, from the persuasion manifest)."""
    from unspin.detectors.analysis.engine import engine

    analysis = engine()
    found = analysis.model_sha256
    if expected is not None and found != expected:
        raise ModelError(
            f"model {MODEL_NAME!r}: its SI head reads the analysis model {expected[:12]}..., "
            f"but the installed analysis model is {found[:12]}...; reinstall unspin"
        )
    return analysis


def _shipped_version() -> str:
    """The shipped model's version, read from its manifest without loading the model."""
    import json

    from unspin.models.runtime import MODELS_DIR

    try:
        manifest = json.loads((MODELS_DIR / MODEL_NAME / "manifest.json").read_text())
        return str(manifest["version"])
    except (OSError, ValueError, KeyError):
        return ""


@register(
    "persuasion",
    version=_shipped_version(),
    requires=PersuasionDetector.requires,
    provides=PersuasionDetector.provides,
    description="propaganda technique spans (14 PTC classes) from the shipped MiniLM model",
    model_files=(
        "persuasion/model.onnx",
        "persuasion/si_head.onnx",
        "persuasion/span_head.onnx",
        "persuasion/tc_head.onnx",
        "persuasion/tokenizer.json",
    ),
)
def make_persuasion(
    *, directory: str | Path | None = None, batch_size: int = 16
) -> PersuasionDetector:
    """Create the detector, loading the shipped model (or one from ``directory``).

    Raises:
        ModelError: the model files are missing or corrupt.
    """
    from unspin.models.runtime import OnnxModel, shared_model

    if directory is not None:
        model = OnnxModel(MODEL_NAME, directory=Path(directory))
    else:
        model = shared_model(MODEL_NAME)
    return PersuasionDetector(model, batch_size=batch_size)


# the same set unspin.detectors.analysis registers (whichever module is imported last wins)
registry.add_set("default", ["structure", "persuasion", "claims", "entities", "stance", "actors"])
