"""The ``persuasion`` detector: propaganda technique spans from the shipped MiniLM model.

The shipped model folder (``models/persuasion``, see its card) holds an encoder graph and two
small heads; the detector runs them in three steps:

1. a token pass over windows of sentences with context (:mod:`.windows`) gives every token its
   technique channels and its encoder states (``token_states``);
2. the SI head (``si_head.onnx``), a bidirectional LSTM over the whole article, reads those
   states beside the analysis model's state of each token (its sentence pass, which claims and
   entities read too, is cached per document, so it runs once) and gives each token the
   probability that it is part of some technique: temperature-calibrated, thresholded, then
   post-processed (gaps merged, short spans dropped) into spans;
3. the TC head (``tc_head.onnx``) names each span's technique from features of the token pass
   (:func:`tc_features`: the mean and max of its states and token channels, its length and how
   often the phrase recurs).

A folder without both heads is older than this unspin reads (see :data:`OLDEST_READ`).

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

from unspin.detectors import register
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

__all__ = [
    "PersuasionDetector",
    "SpanLabel",
    "MODEL_NAME",
    "OLDEST_READ",
    "LAST_READER",
    "STATES_OUTPUT",
    "tc_features",
]

MODEL_NAME = "persuasion"
#: the oldest model folder this detector reads: an SI head on the analysis states, a TC head
OLDEST_READ = "1.3.0"
#: the last unspin that reads older folders (token-channel SI, the span head, ``tc_mix``)
LAST_READER = "unspin 0.1.0 at commit 909547c, before the house refactor"
#: the main graph's output with the encoder states
STATES_OUTPUT = "token_states"


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
        ModelError: the model's manifest lacks the configuration this detector needs, or the
            folder is older than this detector reads (it names the last unspin that reads it).
    """

    name = "persuasion"
    requires: tuple[str, ...] = ("sentences",)
    reads: tuple[str, ...] = ()
    provides: tuple[str, ...] = ("persuasion",)

    def __init__(self, model: Any, *, batch_size: int = 16) -> None:
        self.model = model
        self.version = model.manifest.version
        self.batch_size = batch_size
        self._read_config(model.config)
        config = model.config
        si_head, tc_head = config.get("si_head"), config.get("tc_head")
        if not si_head or not tc_head or not si_head.get("analysis_states"):
            raise ModelError(
                f"model {MODEL_NAME!r} {self.version} in {model.manifest.directory} is older than "
                f"this unspin reads ({OLDEST_READ} and later: an SI head on the analysis model's "
                f"states and a TC head); the last that reads it is {LAST_READER}"
            )
        try:
            self.tc_head_temperature = float(config.get("temperature", {}).get("tc_head", 1.0))
            si_file, tc_file = str(si_head["file"]), str(tc_head["file"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {MODEL_NAME!r} manifest has no usable config: {exc}") from None
        self._require_states()
        self.si_head: Any = model.head(si_file)
        self.analysis: Any = _analysis_engine(si_head.get("analysis_model"))
        self.tc_head: Any = model.head(tc_file)

    def _read_config(self, config: Any) -> None:
        """Read what every persuasion folder has: labels, windows, decoding, SI temperature."""
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
            self.si_temperature = float(config.get("temperature", {}).get("si", 1.0))
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model {MODEL_NAME!r} manifest has no usable config: {exc}") from None
        if labels != TECHNIQUES:
            raise ModelError(
                f"model {MODEL_NAME!r} labels {labels!r} are not the 14 PTC techniques"
            )

    def _require_states(self) -> None:
        session = getattr(self.model, "session", None)
        outputs = [o.name for o in session.get_outputs()] if session is not None else []
        if STATES_OUTPUT not in outputs:
            raise ModelError(
                f"model {MODEL_NAME!r} has a head graph but its graph outputs no {STATES_OUTPUT}"
            )

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

    def token_pass(
        self, tokens: TokenizedText, windows: Sequence[Window], rows: Sequence[int] | None = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Run the encoder over ``windows`` (those with a block, or the given ``rows``).

        Returns:
            The token logits [N, 15] of every token of the text, read on the blocks, and the
            encoder states [N, H'] read the same way (None where the graph does not output
            them).
        """
        logits, states, _kept = self._window_pass(tokens, windows, rows)
        return logits, states

    def _window_pass(
        self,
        tokens: TokenizedText,
        windows: Sequence[Window],
        rows: Sequence[int] | None = None,
        *,
        keep: int = 0,
    ) -> tuple[np.ndarray, np.ndarray | None, dict[int, np.ndarray]]:
        """:meth:`token_pass`, also keeping each row's first ``keep`` state features
        [len(ids), keep] by window index when ``keep`` > 0 (for training's span head)."""
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
                    if keep:
                        kept[r] = states[i, : len(w.ids), :keep]
        return out, states_out, kept

    def si_head_states(
        self, doc: Document, tokens: TokenizedText, states: np.ndarray | None
    ) -> np.ndarray | None:
        """The ``states`` input of the SI head for ``doc``: the token pass's encoder states and,
        beside them, the analysis model's state of each token (its sentence pass, which claims
        and entities need anyway, is cached per document, so it runs once)."""
        if states is None or self.analysis is None:
            return states
        extra = self.analysis.token_states(doc, tokens.starts)
        return np.concatenate([states, extra.astype(states.dtype)], axis=1)

    def si_probabilities(self, logits: np.ndarray, states: np.ndarray | None) -> np.ndarray:
        """Calibrated "some technique" probability of each token."""
        return _sigmoid(self.si_scores(logits, states) / self.si_temperature)

    def si_scores(self, logits: np.ndarray, states: np.ndarray | None) -> np.ndarray:
        """Uncalibrated "some technique" logit of each token, from the SI head."""
        if states is None:
            raise ModelError(
                f"model {MODEL_NAME!r} has an si_head but its graph outputs no {STATES_OUTPUT}"
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
        logits, states = self.token_pass(tokens, windows)
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
        self._check_spans(doc, spans)
        tokens, windows = self._prepare(doc.text, self._sentences(doc))
        placed = place_spans(tokens, windows, spans, self.window_cfg) if windows else []
        for (start, end), slot in zip(spans, placed or [None] * len(spans), strict=True):
            if slot is None:
                raise InvalidInput(f"span [{start}, {end}) covers no word of the text")
        logits, states = self.token_pass(tokens, windows)
        dists = self.tc_head_distributions(doc.text, tokens, logits, states, spans)
        return [
            _span_label(start, end, probs) for (start, end), probs in zip(spans, dists, strict=True)
        ]

    @staticmethod
    def _check_spans(doc: Document, spans: Sequence[tuple[int, int]]) -> None:
        for start, end in spans:
            if not 0 <= start < end <= len(doc.text):
                raise InvalidInput(
                    f"span [{start}, {end}) is not a non-empty range of the "
                    f"{len(doc.text)}-character text"
                )

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
        doc: Document,
        tokens: TokenizedText,
        windows: list[Window],
        logits: np.ndarray,
        states: np.ndarray | None,
        found: list[tuple[int, int, float]],
    ) -> list[tuple[int, int, float, np.ndarray]]:
        """Technique probabilities of the found spans ``(start, end, score)``, from the TC head
        on the token pass's ``logits`` and ``states``."""
        dists = self.tc_head_distributions(
            doc.text, tokens, logits, states, [(s, e) for s, e, _p in found]
        )
        return [(s, e, p, d) for (s, e, p), d in zip(found, dists, strict=True)]

    def detect(self, doc: Document) -> Layer:
        """Return the ``persuasion`` layer of ``doc`` (which needs a ``sentences`` layer)."""
        from unspin.taxonomy import describe

        tokens, windows = self._prepare(doc.text, self._sentences(doc))
        spans: list[Span] = []
        if windows:
            logits, states = self.token_pass(tokens, windows)
            probs = self.si_probabilities(logits, self.si_head_states(doc, tokens, states))
            found = decode_spans(doc.text, tokens, probs, self.decode_cfg)
            for start, end, score, tprobs in self._name_found(
                doc, tokens, windows, logits, states, found
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


def _analysis_engine(expected: str | None) -> Any:
    """The shared analysis engine, checked to be the model the SI head was trained on
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
    reads=PersuasionDetector.reads,
    provides=PersuasionDetector.provides,
    description="propaganda technique spans (14 PTC classes) from the shipped MiniLM model; "
    "its SI head also reads the analysis pass (shared with claims and entities)",
    model_files=(
        "persuasion/model.onnx",
        "persuasion/si_head.onnx",
        "persuasion/tc_head.onnx",
        "persuasion/tokenizer.json",
        "analysis/model.onnx",
        "analysis/tokenizer.json",
    ),
)
def make_persuasion(
    *, directory: str | Path | None = None, batch_size: int = 16
) -> PersuasionDetector:
    """Create the detector, loading the shipped model (or one from ``directory``).

    Raises:
        ModelError: the model files are missing or corrupt, or the folder is older than this
            detector reads.
    """
    from unspin.models.runtime import OnnxModel, shared_model

    if directory is not None:
        model = OnnxModel(MODEL_NAME, directory=Path(directory))
    else:
        model = shared_model(MODEL_NAME)
    return PersuasionDetector(model, batch_size=batch_size)
