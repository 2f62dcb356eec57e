"""The ``persuasion`` detector with the shipped model, and its quality gate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from unspin.detectors import registry
from unspin.detectors.persuasion.windows import ANY_CHANNEL
from unspin.document import Document
from unspin.errors import InvalidInput, ModelError
from unspin.models.runtime import MODELS_DIR
from unspin.pipeline import Pipeline
from unspin.taxonomy import TECHNIQUES

DATA = Path(__file__).parent / "data"
GATE_TEXT = (DATA / "persuasion_gate.txt").read_text(encoding="utf-8")
GATE_LABELS = json.loads((DATA / "persuasion_gate.json").read_text())["sentences"]


@pytest.fixture(scope="module")
def analysed() -> Document:
    return Pipeline.from_names("structure,persuasion").run(Document(GATE_TEXT))


@pytest.fixture(scope="module")
def detector():  # type: ignore[no-untyped-def]
    return registry.create("persuasion")


def test_persuasion_finds_spans_on_loaded_text(analysed: Document) -> None:
    assert len(analysed.layer("persuasion")) > 0


def test_persuasion_labels_are_ptc_techniques(analysed: Document) -> None:
    assert {span.label for span in analysed.layer("persuasion")} <= set(TECHNIQUES)


def test_persuasion_scores_are_probabilities(analysed: Document) -> None:
    assert all(0.0 <= span.score <= 1.0 for span in analysed.layer("persuasion"))


@pytest.mark.parametrize(
    "key", ["group", "group_name", "semeval2023", "explanation", "technique_score"]
)
def test_persuasion_attrs_explain_the_technique(analysed: Document, key: str) -> None:
    assert all(key in span.attrs for span in analysed.layer("persuasion"))


def test_persuasion_producer_names_model_version(analysed: Document) -> None:
    assert re.fullmatch(r"persuasion@\d+\.\d+\.\d+", analysed.layer("persuasion").producer)


def test_persuasion_spans_stay_inside_multiscript_text() -> None:
    text = (DATA / "multiscript.txt").read_text(encoding="utf-8")
    doc = Pipeline.from_names("structure,persuasion").run(Document(text))
    assert all(0 <= s.start < s.end <= len(text) for s in doc.layer("persuasion"))


def test_persuasion_needs_a_sentences_layer(detector) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="sentences"):
        detector.detect(Document("A plain sentence."))


def test_persuasion_classify_spans_gives_one_label_per_span(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    start = GATE_TEXT.index("treacherous puppet")
    spans = [(start, start + len("treacherous puppet")), (0, 7)]
    labels = detector.classify_spans(analysed, spans)
    assert [(label.start, label.end) for label in labels] == spans
    assert all(label.technique in TECHNIQUES for label in labels)


def test_persuasion_classify_spans_probabilities_sum_to_one(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    (label,) = detector.classify_spans(analysed, [(0, 7)])
    assert sum(label.probabilities.values()) == pytest.approx(1.0, abs=1e-4)


def test_persuasion_classify_spans_rejects_span_outside_text(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="not a non-empty range"):
        detector.classify_spans(analysed, [(5, len(GATE_TEXT) + 3)])


def test_persuasion_missing_model_raises_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not installed"):
        registry.create("persuasion", directory=tmp_path)


def test_default_set_uses_the_trained_persuasion_detector() -> None:
    assert "persuasion" in registry.sets()["default"]


def _card_floor() -> float:
    card = (MODELS_DIR / "persuasion" / "card.md").read_text(encoding="utf-8")
    match = re.search(r"Quality-gate floor: ([0-9.]+)", card)
    assert match, "card.md records no 'Quality-gate floor: <score>'"
    return float(match.group(1))


def test_persuasion_quality_gate_keeps_card_score(analysed: Document) -> None:
    from unspin.evaluation.gate import sentence_gate_score

    assert sentence_gate_score(analysed, GATE_LABELS) >= _card_floor()


def _model_copy(tmp_path: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    """The shipped model folder with links to its files and an edited manifest."""
    source = MODELS_DIR / "persuasion"
    for path in source.iterdir():
        if path.name != "manifest.json":
            (tmp_path / path.name).symlink_to(path)
    manifest = json.loads((source / "manifest.json").read_text())
    edit(manifest)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_persuasion_shipped_model_finds_spans_with_its_si_head(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    assert detector.si_head is not None
    sentences = [(s.start, s.end) for s in analysed.layer("sentences")]
    tokens, windows = detector._prepare(analysed.text, sentences)
    logits, states = detector.token_pass(tokens, windows)
    assert states is not None and states.shape == (len(tokens.ids), 3 * 384)
    probs = detector.si_probabilities(logits, detector.si_head_states(analysed, tokens, states))
    # the head's scores are not the "any technique" channel's
    channels = 1 / (1 + np.exp(-logits[:, ANY_CHANNEL] / detector.si_temperature))
    assert probs.shape == channels.shape and not np.allclose(probs, channels, atol=1e-3)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m["config"].pop("si_head"),
        lambda m: m["config"].pop("tc_head"),
        lambda m: m["config"]["si_head"].pop("analysis_states"),
    ],
    ids=["no-si-head", "no-tc-head", "si-head-without-analysis-states"],
)
def test_persuasion_older_folder_is_refused_naming_the_last_reader(tmp_path: Path, edit) -> None:  # type: ignore[no-untyped-def]
    folder = _model_copy(tmp_path, edit)
    with pytest.raises(ModelError, match=r"older than this unspin reads \(1\.3\.0.*909547c"):
        registry.create("persuasion", directory=folder)


def test_persuasion_si_head_outside_the_manifest_is_refused(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path, lambda m: m["files"].pop("si_head.onnx"))
    with pytest.raises(ModelError, match="not in its manifest files"):
        registry.create("persuasion", directory=folder)


def test_persuasion_si_head_on_another_analysis_model_is_refused(tmp_path: Path) -> None:
    def edit(manifest: dict) -> None:  # type: ignore[type-arg]
        manifest["config"]["si_head"].update(analysis_states=True, analysis_model="0" * 64)

    folder = _model_copy(tmp_path, edit)
    with pytest.raises(ModelError, match="installed analysis model"):
        registry.create("persuasion", directory=folder)


def test_tc_features_pool_states_channels_length_and_repetition() -> None:
    from unspin.detectors.persuasion.detector import tc_features
    from unspin.detectors.persuasion.windows import TokenizedText, repetition_feature

    text = "aaa bbb ccc ddd bbb ccc"
    starts = np.arange(0, 24, 4)
    tokens = TokenizedText(np.arange(6), starts, starts + 3)
    rng = np.random.default_rng(0)
    states = rng.normal(size=(6, 4)).astype(np.float32)
    logits = rng.normal(size=(6, 15)).astype(np.float32)
    features = tc_features(text, tokens, logits, states, [(4, 11), (16, 19)])
    assert features.shape == (2, 2 * 4 + 2 * 15 + 3)
    probs = 1 / (1 + np.exp(-logits))
    first = features[0]
    np.testing.assert_allclose(first[:4], states[1:3].mean(0), rtol=1e-6)
    np.testing.assert_allclose(first[4:8], states[1:3].max(0), rtol=1e-6)
    np.testing.assert_allclose(first[8:23], probs[1:3].mean(0), rtol=1e-5)
    np.testing.assert_allclose(first[23:38], probs[1:3].max(0), rtol=1e-5)
    np.testing.assert_allclose(first[38:], [np.log(3), np.log(8), repetition_feature(text, 4, 11)])
    np.testing.assert_allclose(features[1][:4], states[4], rtol=1e-6)  # one token: its state


def test_persuasion_shipped_model_names_spans_with_its_tc_head(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    from unspin.detectors.persuasion.detector import tc_features

    assert detector.tc_head is not None
    text = analysed.text
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    spans = [(words[3][0], words[8][1]), words[20], (words[-4][0], words[-1][1])]
    labels = detector.classify_spans(analysed, spans)
    sentences = [(s.start, s.end) for s in analysed.layer("sentences")]
    tokens, windows = detector._prepare(text, sentences)
    logits, states = detector.token_pass(tokens, windows)
    (raw,) = detector.tc_head.run(
        None, {"features": tc_features(text, tokens, logits, states, spans)}
    )
    z = raw / detector.tc_head_temperature
    expected = np.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    for label, row in zip(labels, expected, strict=True):
        assert label.technique == TECHNIQUES[int(row.argmax())]
        np.testing.assert_allclose([label.probabilities[t] for t in TECHNIQUES], row, rtol=1e-4)


def test_persuasion_detect_names_found_spans_as_classify_spans_does(detector, analysed) -> None:  # type: ignore[no-untyped-def]
    found = list(analysed.layer("persuasion"))
    assert found
    labels = detector.classify_spans(analysed, [(s.start, s.end) for s in found])
    for span, label in zip(found, labels, strict=True):
        assert span.label == label.technique
        assert span.attrs["technique_score"] == pytest.approx(label.probability, abs=1e-4)


def test_persuasion_tc_head_outside_the_manifest_is_refused(tmp_path: Path) -> None:
    folder = _model_copy(tmp_path, lambda m: m["files"].pop("tc_head.onnx"))
    with pytest.raises(ModelError, match="not in its manifest files"):
        registry.create("persuasion", directory=folder)
