"""The ``persuasion`` detector with the shipped model, and its quality gate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from unspin.detectors import registry
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
