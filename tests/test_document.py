from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import jsonschema
import pytest

from unspin.document import SCHEMA, Document, Layer, Span, text_id
from unspin.errors import InvalidInput

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "src/unspin/schema/document-2.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def _rich_doc() -> Document:
    text = "The corrupt elite lied, said Ana Ruiz on 3 March 2024. 🙂 Ещё."
    doc = Document(
        text, meta={"title": "T", "published": "2024-03-03", "targets": [{"start": 0, "end": 3}]}
    )
    persuasion = Layer(
        "persuasion",
        (Span(4, 11, "Loaded_Language", 0.75, {"rule": "x"}), Span(4, 17, "Name_Calling,Labeling")),
        producer="baseline-persuasion@0.2.0",
        config={"threshold": 0.5},
    )
    actors = Layer(
        "actors",
        (Span(28, 36, "PERSON"),),
        producer="test@1",
        data={
            "actors": [
                {
                    "id": "a1",
                    "name": "Ana Ruiz",
                    "type": "PERSON",
                    "aliases": ["Ruiz"],
                    "mentions": [{"start": 28, "end": 36}],
                }
            ]
        },
    )
    return doc.with_layers([persuasion, actors])


def test_document_id_is_text_hash() -> None:
    doc = Document("Some text.")
    assert doc.id == text_id("Some text.")


def test_document_keeps_given_id() -> None:
    assert Document("Some text.", id="row-7").id == "row-7"


def test_document_json_round_trip_is_lossless() -> None:
    doc = _rich_doc()
    again = Document.from_json(doc.to_json())
    assert again.to_dict() == doc.to_dict()


def test_document_round_trip_keeps_equal_value() -> None:
    doc = _rich_doc()
    assert Document.from_dict(doc.to_dict()) == doc


def test_document_is_frozen() -> None:
    doc = Document("Some text.")
    with pytest.raises(FrozenInstanceError):
        doc.text = "other"  # type: ignore[misc]


def test_document_meta_is_read_only() -> None:
    doc = Document("Some text.", meta={"title": "a"})
    with pytest.raises(TypeError):
        doc.meta["title"] = "b"  # type: ignore[index]


def test_document_with_layer_leaves_original_unchanged() -> None:
    doc = Document("Some text.")
    doc.with_layer(Layer("x", (Span(0, 4, "a"),)))
    assert doc.layers == {}


def test_layer_sorts_spans() -> None:
    layer = Layer("x", (Span(5, 6, "b"), Span(0, 2, "a"), Span(0, 1, "c")))
    assert [(s.start, s.end) for s in layer] == [(0, 1), (0, 2), (5, 6)]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_document_rejects_blank_text(text: str) -> None:
    with pytest.raises(InvalidInput):
        Document(text)


def test_document_rejects_span_past_end() -> None:
    with pytest.raises(InvalidInput):
        Document("short", layers={"x": Layer("x", (Span(0, 6, "a"),))})


@pytest.mark.parametrize(("start", "end"), [(-1, 2), (3, 2)])
def test_span_rejects_bad_offsets(start: int, end: int) -> None:
    with pytest.raises(InvalidInput):
        Span(start, end, "a")


def test_span_rejects_score_outside_unit_interval() -> None:
    with pytest.raises(InvalidInput):
        Span(0, 1, "a", 1.5)


def test_span_text_uses_code_points() -> None:
    doc = Document("🙂 Ещё раз")
    assert Span(2, 5, "w").text(doc) == "Ещё"


def test_document_from_dict_rejects_other_schema() -> None:
    with pytest.raises(InvalidInput):
        Document.from_dict({"schema": "unspin.document/9", "text": "x"})


def test_document_from_json_rejects_bad_json() -> None:
    with pytest.raises(InvalidInput):
        Document.from_json("{not json")


def test_document_json_matches_schema(validator: jsonschema.Draft202012Validator) -> None:
    validator.validate(_rich_doc().to_dict())


def test_document_json_writes_the_actors_once_in_their_layer() -> None:
    out = _rich_doc().to_dict()
    assert "actors" not in out
    assert out["layers"]["actors"]["data"]["actors"][0]["name"] == "Ana Ruiz"


def test_document_reads_a_schema_1_document_with_its_actors() -> None:
    old = _rich_doc().to_dict()
    old["schema"] = "unspin.document/1"
    old["actors"] = old["layers"]["actors"]["data"]["actors"]
    assert Document.from_dict(old).to_dict() == _rich_doc().to_dict()


def test_document_reads_schema_1_actors_written_only_at_the_top_level() -> None:
    old = _rich_doc().to_dict()
    old["schema"] = "unspin.document/1"
    old["actors"] = old["layers"]["actors"].pop("data")["actors"]
    assert Document.from_dict(old).actors[0]["name"] == "Ana Ruiz"


def test_document_ignores_a_top_level_actors_key_in_schema_2() -> None:
    data = _rich_doc().to_dict()
    del data["layers"]["actors"]["data"]
    data["actors"] = [{"id": "x", "name": "X", "type": "ORG", "aliases": [], "mentions": []}]
    assert Document.from_dict(data).actors == []


def test_schema_1_file_still_describes_what_schema_1_documents_held() -> None:
    old = json.loads(SCHEMA_FILE.with_name("document-1.json").read_text(encoding="utf-8"))
    data = _rich_doc().to_dict()
    data["schema"] = "unspin.document/1"
    data["actors"] = data["layers"]["actors"]["data"]["actors"]
    jsonschema.Draft202012Validator(old).validate(data)


def test_schema_rejects_missing_text(validator: jsonschema.Draft202012Validator) -> None:
    data = _rich_doc().to_dict()
    del data["text"]
    assert not validator.is_valid(data)


def test_schema_constant_matches_schema_file() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["properties"]["schema"]["const"] == SCHEMA
