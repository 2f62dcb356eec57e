from __future__ import annotations

from pathlib import Path

import pytest

from unspin.document import Document
from unspin.pipeline import Pipeline

ARTICLE = Path(__file__).resolve().parent.parent / "examples" / "ashen-hand.txt"


@pytest.fixture(scope="module")
def article() -> Document:
    return Pipeline.from_names("baseline").run(Document(ARTICLE.read_text(encoding="utf-8")))


def _texts(doc: Document, layer: str) -> set[str]:
    return {doc.text[s.start : s.end] for s in doc.layers[layer]}


def _first(doc: Document, layer: str, surface: str):  # type: ignore[no-untyped-def]
    return next(s for s in doc.layers[layer] if doc.text[s.start : s.end] == surface)


def test_baseline_persuasion_finds_loaded_label(article: Document) -> None:
    assert "terrorist cult" in _texts(article, "persuasion")


def test_baseline_persuasion_labels_name_calling(article: Document) -> None:
    assert _first(article, "persuasion", "terrorist cult").label == "Name_Calling,Labeling"


def test_baseline_claims_find_number(article: Document) -> None:
    numbers = [n["text"] for c in article.layers["claims"] for n in c.attrs["numbers"]]
    assert "12,000" in numbers


@pytest.mark.parametrize(
    ("surface", "iso"),
    [("3 March 2024", "2024-03-03"), ("March 9, 2024", "2024-03-09"), ("since 2019", "2019")],
)
def test_baseline_claims_normalise_dates(article: Document, surface: str, iso: str) -> None:
    dates = {d["text"]: d["iso"] for c in article.layers["claims"] for d in c.attrs["dates"]}
    assert dates[surface] == iso


def test_baseline_claims_do_not_count_date_parts_as_numbers(article: Document) -> None:
    numbers = [n["text"] for c in article.layers["claims"] for n in c.attrs["numbers"]]
    assert "2024" not in numbers


def test_baseline_claims_date_without_year_has_no_iso() -> None:
    doc = Pipeline.from_names("baseline-claims").run(Document("They met on 4 May and left."))
    assert doc.layers["claims"].spans[0].attrs["dates"][0]["iso"] is None


@pytest.mark.parametrize(
    "surface", ["Union of Coastal States", "Institute for Border Studies", "OER"]
)
def test_baseline_entities_find_organisations(article: Document, surface: str) -> None:
    assert _first(article, "entities", surface).label == "ORG"


def test_baseline_entities_type_titled_person(article: Document) -> None:
    assert _first(article, "entities", "President Lena Varga").label == "PERSON"


def test_baseline_entities_split_person_from_affiliation(article: Document) -> None:
    assert "Ana Ruiz" in _texts(article, "entities")


def test_baseline_entities_drop_possessive(article: Document) -> None:
    assert "Varga's" not in _texts(article, "entities")


@pytest.mark.parametrize(
    "text",
    ["Then came the letter from them.", "March was cold in the hills.", "Nobody believes him."],
)
def test_baseline_entities_skip_sentence_initial_words(text: str) -> None:
    doc = Pipeline.from_names("baseline-entities").run(Document(text))
    assert len(doc.layers["entities"]) == 0


def test_baseline_entities_keep_sentence_initial_name_seen_elsewhere() -> None:
    doc = Pipeline.from_names("baseline-entities").run(Document("Varga spoke. We heard Varga."))
    assert len(doc.layers["entities"]) == 2
