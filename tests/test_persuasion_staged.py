"""The staged persuasion recipe's reader (unspin.training.persuasion_staged): the folder layouts
before 1.3.0, which the shipped detector refuses, read on the shipped weights."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from unspin.document import Document
from unspin.errors import ModelError
from unspin.models.runtime import MODELS_DIR
from unspin.pipeline import Pipeline
from unspin.taxonomy import TECHNIQUES

pytest.importorskip("onnx")  # the span head graph is cut out of the model with onnx (train extra)

from unspin.training.persuasion_staged import si_logit, staged_detector  # noqa: E402

DATA = Path(__file__).parent / "data"
GATE_TEXT = (DATA / "persuasion_gate.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def analysed() -> Document:
    return Pipeline.from_names("structure").run(Document(GATE_TEXT))


@pytest.fixture(scope="module")
def span_head(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.training.span_head import extract_span_head

    folder = tmp_path_factory.mktemp("span-head")
    return extract_span_head(MODELS_DIR / "persuasion" / "model.onnx", folder / "span_head.onnx")


def _staged(tmp_path: Path, edit, span_head: Path | None = None):  # type: ignore[no-untyped-def]
    """A staged folder: the shipped files (and a span head), linked, with an edited manifest."""
    source = MODELS_DIR / "persuasion"
    for path in source.iterdir():
        if path.name != "manifest.json":
            (tmp_path / path.name).symlink_to(path)
    manifest = json.loads((source / "manifest.json").read_text())
    if span_head is not None:
        (tmp_path / "span_head.onnx").symlink_to(span_head)
        manifest["files"]["span_head.onnx"] = _sha256(span_head)
        manifest["config"]["span_head"] = "span_head.onnx"
    edit(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return staged_detector(tmp_path)


def _sha256(path: Path) -> str:
    from unspin.models.runtime import sha256_file

    return sha256_file(path)


def _drop(*keys: str):  # type: ignore[no-untyped-def]
    def edit(manifest: dict) -> None:  # type: ignore[type-arg]
        for key in keys:
            manifest["config"].pop(key, None)

    return edit


def test_staged_without_si_head_uses_the_token_channels(tmp_path: Path, analysed) -> None:  # type: ignore[no-untyped-def]
    plain = _staged(tmp_path, _drop("si_head"))
    assert plain.si_head is None
    sentences = [(s.start, s.end) for s in analysed.layer("sentences")]
    tokens, probs = plain.span_probabilities(analysed.text, sentences)
    logits = plain.token_logits(*plain._prepare(analysed.text, sentences))
    expected = 1 / (1 + np.exp(-si_logit(logits, plain.si_combine) / plain.si_temperature))
    np.testing.assert_allclose(probs, expected, rtol=1e-5)


def test_staged_span_head_names_spans_as_the_second_pass_does(
    tmp_path: Path, analysed, span_head: Path
) -> None:  # type: ignore[no-untyped-def]
    # the span head names spans where the manifest has no TC head
    detector = _staged(tmp_path, _drop("tc_head"), span_head)
    assert detector.span_head is not None and detector.tc_head is None
    sentences = [(s.start, s.end) for s in analysed.layer("sentences")]
    text = analysed.text
    tokens, windows = detector._prepare(text, sentences)
    kept = detector._window_pass(tokens, windows, keep=detector.hidden)[2]
    # several spans in one window, one crossing two blocks, one of a single word
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = [(words[3][0], words[8][1]), (words[4][0], words[6][1]), words[20], words[-1]]
    spans.append((words[len(words) // 2 - 3][0], words[len(words) // 2 + 3][1]))
    from_states = detector.label_spans(text, tokens, list(windows), spans, kept=kept)
    second_pass = detector.label_spans(text, tokens, list(windows), spans, crop=None)
    for a, b in zip(from_states, second_pass, strict=True):
        assert a is not None and b is not None
        assert int(a.argmax()) == int(b.argmax())
        assert np.abs(a - b).max() < 0.25  # the graph quantizes the head's activations


def test_staged_without_span_head_runs_a_second_pass(tmp_path: Path, analysed) -> None:  # type: ignore[no-untyped-def]
    plain = _staged(tmp_path, _drop("tc_head"))
    assert plain.span_head is None and plain.tc_head is None
    layer = plain.detect(analysed)
    assert layer.spans and all(span.label in TECHNIQUES for span in layer.spans)


def test_staged_span_head_must_be_a_manifest_file(tmp_path: Path) -> None:
    def edit(manifest: dict) -> None:  # type: ignore[type-arg]
        _drop("si_head", "tc_head")(manifest)
        manifest["config"]["span_head"] = "missing.onnx"

    with pytest.raises(ModelError, match="missing.onnx"):
        _staged(tmp_path, edit)


def test_staged_without_tc_head_mixes_span_head_and_channels(
    tmp_path: Path, analysed, span_head: Path
) -> None:  # type: ignore[no-untyped-def]
    from unspin.detectors.persuasion.detector import _token_bounds

    def edit(manifest: dict) -> None:  # type: ignore[type-arg]
        _drop("tc_head")(manifest)
        manifest["config"]["tc_mix"] = 0.4

    plain = _staged(tmp_path, edit, span_head)
    assert plain.tc_head is None and plain.span_head is not None
    text = analysed.text
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = [(words[3][0], words[8][1]), words[20]]
    labels = plain.classify_spans(analysed, spans)
    tokens, windows = plain._prepare(text, [(s.start, s.end) for s in analysed.layer("sentences")])
    logits, _states, kept = plain._window_pass(tokens, windows, keep=plain.hidden)
    rows = plain.label_spans(text, tokens, list(windows), spans, kept=kept)
    for (start, end), row, label in zip(spans, rows, labels, strict=True):
        probs = plain.technique_distribution(row, logits, *_token_bounds(tokens, start, end))
        np.testing.assert_allclose([label.probabilities[t] for t in TECHNIQUES], probs, rtol=1e-4)


def test_staged_reads_the_shipped_folder_as_the_detector_does(analysed) -> None:  # type: ignore[no-untyped-def]
    from unspin.detectors import registry

    shipped = registry.create("persuasion").detect(analysed)
    staged = staged_detector(MODELS_DIR / "persuasion").detect(analysed)
    assert staged.to_dict()["spans"] == shipped.to_dict()["spans"]
