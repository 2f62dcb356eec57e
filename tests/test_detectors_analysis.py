"""The trained analysis detectors with the shipped model: targets, layers, errors, quality gate."""

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

GATE = json.loads((Path(__file__).parent / "data" / "analysis_gate.json").read_text("utf-8"))
CARD = MODELS_DIR / "analysis" / "card.md"


def _floors() -> dict[str, float]:
    """Read the gate floors the model card records (``gate floor <name>: <value>``)."""
    found = re.findall(r"gate floor (\w+): ([0-9.]+)", CARD.read_text(encoding="utf-8"))
    return {name: float(value) for name, value in found}


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return Pipeline.from_names("structure,claims,entities,stance,actors")


def test_default_set_runs_the_trained_detectors() -> None:
    members = registry.sets()["default"]
    assert [m for m in members if m in ("claims", "entities", "stance", "actors")] == [
        "claims",
        "entities",
        "stance",
        "actors",
    ]


def test_baseline_set_stays_selectable() -> None:
    assert "baseline-claims" in registry.sets()["baseline"]


def test_stance_keeps_one_span_per_given_target(pipe: Pipeline) -> None:
    text = "Critics attacked Governor Hale, while the mayor praised Senator Ortiz."
    targets = [{"start": 17, "end": 30}, {"start": 56, "end": 69}]
    doc = pipe.run(Document(text, meta={"targets": targets}))
    spans = doc.layers["stance"].spans
    assert [(s.start, s.end) for s in spans] == [(17, 30), (56, 69)]
    assert {s.label for s in spans} <= {"negative", "neutral", "positive"}


def test_stance_layer_survives_a_json_round_trip(pipe: Pipeline) -> None:
    doc = pipe.run(
        Document("Fans cheered Coach Brandt.", meta={"targets": [{"start": 13, "end": 25}]})
    )
    again = Document.from_json(doc.to_json())
    assert again.layers["stance"] == doc.layers["stance"]


def test_stance_without_targets_scores_the_mentions(pipe: Pipeline) -> None:
    doc = pipe.run(Document("Maria Kowalski flew from Lisbon to Oslo on Tuesday."))
    mentions = [
        (s.start, s.end) for s in doc.layers["entities"].spans if s.label in ("PER", "ORG", "LOC")
    ]
    assert mentions
    assert [(s.start, s.end) for s in doc.layers["stance"].spans] == mentions


def test_stance_reads_each_target_in_its_own_sentence(pipe: Pipeline) -> None:
    text = "Critics attacked Governor Hale for lying again. Fans cheered Coach Brandt."
    targets = [{"start": 17, "end": 30}, {"start": 61, "end": 73}]
    spans = pipe.run(Document(text, meta={"targets": targets})).layers["stance"].spans
    assert [s.label for s in spans] == ["negative", "positive"]
    assert spans[0].attrs["text"] == "Governor Hale"
    assert doc_producer(pipe) == "stance@2.1.0"


def doc_producer(pipe: Pipeline) -> str:
    doc = pipe.run(Document("Fans cheered Coach Brandt.", meta={"targets": [[13, 25]]}))
    return doc.layers["stance"].producer


def test_stance_fast_gives_the_same_spans_from_the_shared_pass() -> None:
    fast = Pipeline.from_names("structure,entities,stance-fast")
    text = "Critics attacked Governor Hale, while the mayor praised Senator Ortiz."
    targets = [{"start": 17, "end": 30}, {"start": 56, "end": 69}]
    layer = fast.run(Document(text, meta={"targets": targets})).layers["stance"]
    assert layer.producer == "stance-fast@1.0.0"
    assert layer.config["model"].startswith("analysis@")
    assert [(s.start, s.end) for s in layer.spans] == [(17, 30), (56, 69)]
    assert all(abs(sum(s.attrs["probabilities"].values()) - 1.0) < 1e-3 for s in layer.spans)


def test_stance_rejects_a_target_outside_the_text(pipe: Pipeline) -> None:
    with pytest.raises(InvalidInput):
        pipe.run(Document("Short text.", meta={"targets": [{"start": 3, "end": 99}]}))


def test_actors_list_reaches_the_document_json_once(pipe: Pipeline) -> None:
    doc = pipe.run(Document("Mara Vale met Samuel Otieno in Oslo. Vale spoke first."))
    out = doc.to_dict()
    assert "actors" not in out
    assert any("Vale" in a["aliases"] for a in out["layers"]["actors"]["data"]["actors"])


def test_actors_of_reads_the_typed_actors_back(pipe: Pipeline) -> None:
    from unspin.detectors.analysis.actors import actors_of

    doc = pipe.run(Document("Mara Vale met Samuel Otieno in Oslo. Vale spoke first."))
    actors = actors_of(doc)
    assert actors is not None
    assert [a.to_dict() for a in actors] == doc.to_dict()["layers"]["actors"]["data"]["actors"]


def test_claims_carry_offsets_for_their_facts(pipe: Pipeline) -> None:
    text = "Exports grew by 12 percent in 2023, the ministry reported."
    doc = pipe.run(Document(text))
    for span in doc.layers["claims"].spans:
        for fact in [*span.attrs["numbers"], *span.attrs["dates"], *span.attrs["attribution"]]:
            assert text[fact["start"] : fact["end"]] == fact["text"]


def test_missing_model_raises_model_error_naming_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from unspin.detectors.analysis import engine as analysis
    from unspin.models import runtime

    monkeypatch.setattr(runtime, "MODELS_DIR", tmp_path)
    runtime.shared_model.cache_clear()
    analysis.engine.cache_clear()
    try:
        with pytest.raises(ModelError, match="python -m unspin.training analysis"):
            registry.create("claims")
    finally:
        runtime.shared_model.cache_clear()
        analysis.engine.cache_clear()


def _claims_accuracy(pipe: Pipeline) -> float:
    right = 0
    for text, gold in GATE["claims"]:
        doc = pipe.run(Document(text))
        right += int(bool(doc.layers["claims"].spans) == bool(gold))
    return right / len(GATE["claims"])


def _entity_f1(pipe: Pipeline) -> float:
    gold, predicted = set(), set()
    for n, (text, entities) in enumerate(GATE["entities"]):
        for name, label in entities:
            start = text.index(name)
            gold.add((n, start, start + len(name), label))
        doc = pipe.run(Document(text))
        predicted.update((n, s.start, s.end, s.label) for s in doc.layers["entities"].spans)
    correct = len(gold & predicted)
    return 2 * correct / (len(gold) + len(predicted)) if correct else 0.0


def _stance_accuracy(pipe: Pipeline) -> float:
    right = 0
    for text, target, gold in GATE["stance"]:
        start = text.index(target)
        doc = pipe.run(
            Document(text, meta={"targets": [{"start": start, "end": start + len(target)}]})
        )
        right += int(doc.layers["stance"].spans[0].label == gold)
    return right / len(GATE["stance"])


@pytest.mark.parametrize(
    ("name", "measure"),
    [
        ("claims_accuracy", _claims_accuracy),
        ("entity_f1", _entity_f1),
        ("stance_accuracy", _stance_accuracy),
    ],
)
def test_analysis_model_meets_the_card_floor(pipe: Pipeline, name: str, measure) -> None:  # type: ignore[no-untyped-def]
    floor = _floors()[name]
    assert measure(pipe) >= floor


def test_entities_add_later_occurrences_of_a_whole_name() -> None:
    from types import SimpleNamespace

    from unspin.detectors.analysis.entities import EntitiesDetector
    from unspin.detectors.structure import Structure

    text = "Talks with the Grey Circle failed. Nobody trusts the Grey Circle in Olvar."
    first, later = text.index("Grey Circle"), text.rindex("Grey Circle")
    olvar = text.index("Olvar")
    # a tagger that found the name whole once, cut it to "Grey" later, and found Olvar
    tagged = [(first, first + 11, "ORG", 0.9), (later, later + 4, "PER", 0.6)]
    tagged.append((olvar, olvar + 5, "LOC", 0.8))
    fake = SimpleNamespace(analyze=lambda doc: [SimpleNamespace(entities=tagged)], producer="x")
    doc = Document(text)
    doc = doc.with_layers(Structure().detect(doc))
    layer = EntitiesDetector(analysis=fake).detect(doc)  # type: ignore[arg-type]
    assert [(s.start, s.end, s.label, s.score) for s in layer.spans] == [
        (first, first + 11, "ORG", 0.9),
        (later, later + 11, "ORG", 0.9),
        (olvar, olvar + 5, "LOC", 0.8),
    ]
    assert layer.spans[1].attrs["source"] == "name-occurrence"
    assert "source" not in layer.spans[0].attrs


def test_analysis_token_states_are_those_of_the_covering_token() -> None:
    import numpy as np

    from unspin.detectors.analysis.engine import engine

    text = "The council met on Monday.\n\nIt voted to close the port."
    doc = Pipeline.from_names("structure").run(Document(text))
    analysis = engine()
    segment = analysis.analyze(doc)[1]
    first = next(i for i, (a, b) in enumerate(segment.offsets) if b > a)
    inside = segment.offsets[first][0] + 1  # a character inside that token, not its start
    starts = np.asarray([segment.offsets[first][0], inside, text.index("\n")])
    states = analysis.token_states(doc, starts)
    assert states.shape == (3, analysis.hidden)
    np.testing.assert_array_equal(states[0], segment.states[first])
    np.testing.assert_array_equal(states[1], segment.states[first])
    assert not states[2].any()  # the line break lies in no sentence's token
