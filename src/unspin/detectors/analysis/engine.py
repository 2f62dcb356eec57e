"""The analysis engine: one pass of the shared ``analysis`` model per sentence, for every head.

The first detector that needs the model (``claims``, ``entities``, ``stance-fast``, or the
persuasion SI head, which reads its token states) runs it over all sentences of a document (with
the document's given stance targets, if any) and keeps the outputs, including the token states,
in a small per-document cache; the others read the cache, so no sentence is encoded twice. Entity
tags are decoded per word with BIO-constrained Viterbi.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from unspin.document import Document
from unspin.errors import InvalidInput, ModelError
from unspin.models.features import shape_ids

__all__ = ["AnalysisEngine", "Segment", "MODEL_FILES", "engine", "given_targets"]

MODEL = "analysis"
VERSION = "1.0.0"
BATCH = 16
_CACHE_SIZE = 4


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Segment:
    """One encoded stretch of a document (a sentence, or a piece of a very long one).

    ``offsets`` are document offsets per token ((0, 0) for specials); ``entities`` are
    ``(start, end, type, score)`` in document offsets; ``targets`` maps each given target
    ``(start, end)`` in this segment to its stance probabilities.
    """

    start: int
    end: int
    claim: float
    entities: tuple[tuple[int, int, str, float], ...]
    embedding: np.ndarray
    states: np.ndarray
    offsets: tuple[tuple[int, int], ...]
    targets: Mapping[tuple[int, int], np.ndarray]


def given_targets(doc: Document) -> list[tuple[int, int]]:
    """Return the stance targets given in ``doc.meta["targets"]`` as ``(start, end)`` pairs.

    Raises:
        InvalidInput: a target is malformed or falls outside the text.
    """
    raw = doc.meta.get("targets")
    if not raw:
        return []
    out: list[tuple[int, int]] = []
    for target in raw:
        try:
            if isinstance(target, Mapping):
                start, end = int(target["start"]), int(target["end"])
            else:
                start, end = int(target[0]), int(target[1])
        except (KeyError, TypeError, ValueError, IndexError):
            raise InvalidInput(
                f"bad stance target {target!r}: need {{'start': int, 'end': int}}"
            ) from None
        if not 0 <= start < end <= len(doc.text):
            raise InvalidInput(
                f"stance target [{start}, {end}) is outside the text (0..{len(doc.text)})"
            )
        out.append((start, end))
    return out


def _target_tokens(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[int]:
    return [i for i, (s, e) in enumerate(offsets) if e > s and s < end and e > start]


class AnalysisEngine:
    """Run the analysis model over a document's sentences once and keep the results.

    Args:
        model: an ``OnnxModel`` for ``analysis`` (``shared_model("analysis")`` by default).

    Raises:
        ModelError: the model or its stance-head graph is missing or corrupt.
    """

    def __init__(self, model: Any = None) -> None:
        if model is None:
            from unspin.models.runtime import shared_model

            model = shared_model(MODEL)
        self.model = model
        config = model.config
        self.max_length = int(config.get("max_length", 128))
        self.threshold = float(config.get("claim_threshold", 0.5))
        self.entity_labels: list[str] = list(config["entity_labels"])
        self.stance_labels: list[str] = list(config["stance_labels"])
        self.head = model.head("stance_head.onnx", threads=1)
        self._cache: OrderedDict[tuple[Any, ...], tuple[Segment, ...]] = OrderedDict()
        self._cache_lock = threading.Lock()  # pipelines may run documents on several threads

    @property
    def producer(self) -> str:
        return str(self.model.producer)

    # -- segmentation -------------------------------------------------------------------------
    def _segments(self, doc: Document) -> list[tuple[int, int]]:
        layer = doc.layers.get("sentences")
        if layer is None:
            raise InvalidInput("the analysis detectors need the 'sentences' layer: run 'structure'")
        bounds: list[tuple[int, int]] = []
        limit = self.max_length - 2
        for sentence in layer.spans:
            text = doc.text[sentence.start : sentence.end]
            if not text.strip():
                continue
            enc = self.model.tokenizer.encode(text, add_special_tokens=False)
            if len(enc.ids) <= limit:
                bounds.append((sentence.start, sentence.end))
                continue
            offsets = enc.offsets
            for first in range(0, len(offsets), limit - 8):
                piece = offsets[first : first + limit - 8]
                bounds.append((sentence.start + piece[0][0], sentence.start + piece[-1][1]))
        return bounds

    # -- the one pass ---------------------------------------------------------------------------
    def analyze(self, doc: Document) -> tuple[Segment, ...]:
        """Return every segment's outputs (cached per text, sentences and targets)."""
        bounds = self._segments(doc)
        targets = given_targets(doc)
        key = (doc.text_hash, tuple(bounds), tuple(targets))
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        by_segment: list[list[tuple[int, int]]] = [[] for _ in bounds]
        for target in targets:
            by_segment[_segment_of(bounds, target)].append(target)
        order = sorted(range(len(bounds)), key=lambda i: bounds[i][1] - bounds[i][0])
        segments: list[Segment | None] = [None] * len(bounds)
        for first in range(0, len(order), BATCH):
            chosen = order[first : first + BATCH]
            for index, segment in zip(
                chosen,
                self._run(doc.text, [bounds[i] for i in chosen], [by_segment[i] for i in chosen]),
                strict=True,
            ):
                segments[index] = segment
        result = tuple(s for s in segments if s is not None)
        with self._cache_lock:
            self._cache[key] = result
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return result

    def _run(
        self, text: str, bounds: list[tuple[int, int]], targets: list[list[tuple[int, int]]]
    ) -> list[Segment]:
        texts = [text[s:e] for s, e in bounds]
        encoded = self.model.encode(texts, max_length=self.max_length)
        rows, length = encoded.ids.shape
        shapes = np.zeros((rows, length), dtype=np.int64)
        doc_offsets: list[list[tuple[int, int]]] = []
        for r, (start, _) in enumerate(bounds):
            offsets = [
                (0, 0) if encoded.word_ids[r][i] is None else o
                for i, o in enumerate(encoded.offsets[r])
            ]
            row_shapes = shape_ids(texts[r], offsets)
            shapes[r, : len(row_shapes)] = row_shapes
            doc_offsets.append([(0, 0) if e <= s else (start + s, start + e) for s, e in offsets])
        k = max(1, max(len(t) for t in targets))
        target_mask = np.zeros((rows, k, length), dtype=np.float32)
        for r, row_targets in enumerate(targets):
            for t, (start, end) in enumerate(row_targets):
                target_mask[r, t, _target_tokens(doc_offsets[r], start, end)] = 1.0
        claim, entity, stance, embedding, states = self.model.run(
            {
                "input_ids": encoded.ids,
                "attention_mask": encoded.mask,
                "token_type_ids": encoded.type_ids,
                "shape_ids": shapes,
                "target_mask": target_mask,
            }
        )
        claim_p = _softmax(claim)[:, 1]
        entity_p = _softmax(entity)
        stance_p = _softmax(stance)
        out: list[Segment] = []
        for r, (start, end) in enumerate(bounds):
            n = int(encoded.mask[r].sum())
            out.append(
                Segment(
                    start=start,
                    end=end,
                    claim=float(claim_p[r]),
                    entities=tuple(self._decode(text, doc_offsets[r][:n], entity_p[r, :n])),
                    embedding=embedding[r],
                    states=states[r, :n].copy(),
                    offsets=tuple(doc_offsets[r][:n]),
                    targets={t: stance_p[r, i] for i, t in enumerate(targets[r])},
                )
            )
        return out

    def _decode(
        self, text: str, offsets: list[tuple[int, int]], probs: np.ndarray
    ) -> list[tuple[int, int, str, float]]:
        """BIO-decode per whitespace-delimited word, conlleval style.

        A word takes the label of its first token that is not bare punctuation (so "U.S." and
        '"Paris' are one word each); tokens predicted ``O`` at the end of an entity's last word
        ("'s", a comma) are left out of the span.
        """
        words: list[list[int]] = []
        last_end = -1
        for i, (start, end) in enumerate(offsets):
            if end <= start:
                continue
            if words and start == last_end:
                words[-1].append(i)
            else:
                words.append([i])
            last_end = end
        labels = self.entity_labels
        best = probs.argmax(-1)
        heads = [
            next(
                (i for i in word if any(c.isalnum() for c in text[offsets[i][0] : offsets[i][1]])),
                word[0],
            )
            for word in words
        ]
        path = _viterbi(np.log(probs[heads] + 1e-9), labels) if heads else []
        spans: list[tuple[int, int, str, float]] = []
        current: list[Any] | None = None

        def close() -> None:
            if current is not None:
                spans.append((current[0], current[1], current[2], float(np.mean(current[3]))))

        for word, head, choice in zip(words, heads, path, strict=True):
            label = labels[choice]
            score = float(probs[head, choice])
            kept = [i for i in word if i <= head or labels[int(best[i])] != "O"]
            while len(kept) > 1 and kept[-1] > head and labels[int(best[kept[-1]])] == "O":
                kept.pop()
            start, end = offsets[head][0], offsets[kept[-1]][1]
            if label.startswith("I-") and current is not None and current[2] == label[2:]:
                current[1] = end
                current[3].append(score)
                continue
            close()
            current = None
            if label != "O":
                current = [start, end, label[2:], [score]]
        close()
        return _join_adjacent(text, spans)

    # -- the kept states, read by other models' heads -----------------------------------------
    @property
    def model_sha256(self) -> str:
        """The sha256 of the model's ``model.onnx`` (heads trained on its states record it)."""
        return str(self.model.manifest.files.get("model.onnx"))

    @property
    def hidden(self) -> int:
        """The size of a token state (the encoder's hidden size)."""
        for output in self.model.session.get_outputs():
            if output.name == "states" and isinstance(output.shape[-1], int):
                return int(output.shape[-1])
        raise ModelError(f"model {MODEL!r} outputs no 'states' of a fixed size; reinstall unspin")

    def token_states(self, doc: Document, starts: np.ndarray) -> np.ndarray:
        """Return the cached pass's state [len(starts), hidden] of the token that covers each
        character offset in ``starts`` (zeros where none does, as in text between sentences).

        The persuasion model's SI head reads these beside its own encoder's states, so the
        sentence pass that claims and entities need anyway serves it too.
        """
        out = np.zeros((len(starts), self.hidden), dtype=np.float32)
        token_starts: list[int] = []
        token_ends: list[int] = []
        rows: list[np.ndarray] = []
        for segment in self.analyze(doc):
            for k, (start, end) in enumerate(segment.offsets):
                if end > start:
                    token_starts.append(start)
                    token_ends.append(end)
                    rows.append(segment.states[k])
        if not rows:
            return out
        order = np.argsort(np.asarray(token_starts), kind="stable")
        first = np.asarray(token_starts)[order]
        last = np.asarray(token_ends)[order]
        states = np.stack(rows)[order]
        at = np.searchsorted(first, np.asarray(starts), side="right") - 1
        valid = at >= 0
        valid[valid] &= np.asarray(starts)[valid] < last[at[valid]]
        out[valid] = states[at[valid]]
        return out

    # -- stance on found mentions, from the kept states ----------------------------------------
    def stance(self, doc: Document, spans: Sequence[tuple[int, int]]) -> list[np.ndarray]:
        """Return stance probabilities for each ``(start, end)``, from the cached pass."""
        segments = self.analyze(doc)
        if spans and not segments:
            raise InvalidInput("stance targets given for a document without sentences")
        bounds = [(s.start, s.end) for s in segments]
        results: list[np.ndarray | None] = [None] * len(spans)
        grouped: dict[int, list[int]] = {}
        for i, span in enumerate(spans):
            segment = segments[_segment_of(bounds, span)]
            if span in segment.targets:
                results[i] = segment.targets[span]
            else:
                grouped.setdefault(_segment_of(bounds, span), []).append(i)
        for seg_index, members in grouped.items():
            segment = segments[seg_index]
            mask = np.zeros((1, len(members), len(segment.offsets)), dtype=np.float32)
            for t, i in enumerate(members):
                mask[0, t, _target_tokens(segment.offsets, *spans[i])] = 1.0
            (logits,) = self.head.run(None, {"states": segment.states[None], "target_mask": mask})
            probs = _softmax(logits[0])
            for t, i in enumerate(members):
                results[i] = probs[t]
        return [r for r in results if r is not None]


#: types whose mentions the tagger sometimes cuts in two ("Port" + "Amsel"); MISC stays apart
_JOINABLE = ("PER", "ORG", "LOC")


def _join_adjacent(
    text: str, spans: list[tuple[int, int, str, float]]
) -> list[tuple[int, int, str, float]]:
    """Join two mentions of the same type separated by one space (chosen on the carved CoNLL
    validation documents: +0.3 F1)."""
    joined: list[tuple[int, int, str, float]] = []
    for start, end, label, score in spans:
        if joined:
            p_start, p_end, p_label, p_score = joined[-1]
            if p_label == label and label in _JOINABLE and text[p_end:start] == " ":
                joined[-1] = (p_start, end, label, (p_score + score) / 2)
                continue
        joined.append((start, end, label, score))
    return joined


@lru_cache(maxsize=8)
def _transitions(labels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """BIO transition and start penalties: -1e4 where a label may not follow (O -> I-X)."""
    k = len(labels)
    allowed = np.zeros((k, k))
    for a, prev in enumerate(labels):
        for b, nxt in enumerate(labels):
            if nxt.startswith("I-") and not (prev != "O" and prev[2:] == nxt[2:]):
                allowed[a, b] = -1e4
    start = np.array([-1e4 if label.startswith("I-") else 0.0 for label in labels])
    allowed.flags.writeable = False
    start.flags.writeable = False
    return allowed, start


def _viterbi(scores: np.ndarray, labels: Sequence[str]) -> list[int]:
    """Return the best label path over words with BIO transitions enforced (no O -> I-X)."""
    n, k = scores.shape
    allowed, start = _transitions(tuple(labels))
    total = scores[0] + start
    back = np.zeros((n, k), dtype=np.int64)
    for t in range(1, n):
        candidates = total[:, None] + allowed
        back[t] = candidates.argmax(0)
        total = candidates.max(0) + scores[t]
    path = [int(total.argmax())]
    for t in range(n - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1]


def _segment_of(bounds: Sequence[tuple[int, int]], span: tuple[int, int]) -> int:
    """Index of the segment holding most of ``span`` (the nearest one if none overlaps).

    ``bounds`` are sorted and do not overlap, so only the neighbours of the bisection point can
    hold the span.
    """
    if not bounds:
        return 0
    at = bisect_right(bounds, (span[0], float("inf"))) - 1
    best, best_overlap, best_gap = max(at, 0), 0, None
    for i in range(max(at - 1, 0), len(bounds)):
        s, e = bounds[i]
        if s >= span[1] and best_overlap > 0:
            break
        overlap = min(e, span[1]) - max(s, span[0])
        if overlap > best_overlap:
            best, best_overlap = i, overlap
        gap = 0 if overlap > 0 else min(abs(span[0] - e), abs(s - span[1]))
        if best_overlap == 0 and (best_gap is None or gap < best_gap):
            best, best_gap = i, gap
        if s >= span[1]:
            break
    return best


@lru_cache(maxsize=1)
def engine() -> AnalysisEngine:
    """The process-wide engine (loads the model on first use)."""
    return AnalysisEngine()


MODEL_FILES = ("analysis/model.onnx", "analysis/stance_head.onnx", "analysis/tokenizer.json")
