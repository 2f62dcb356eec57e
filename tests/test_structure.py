from __future__ import annotations

from pathlib import Path

import pytest

from unspin.detectors.structure import paragraph_bounds, sentence_bounds
from unspin.document import Document
from unspin.pipeline import Pipeline

MULTISCRIPT = Path(__file__).resolve().parent / "data" / "multiscript.txt"


@pytest.fixture(scope="module")
def multiscript() -> str:
    return MULTISCRIPT.read_text(encoding="utf-8")


def test_paragraph_bounds_split_at_blank_lines(multiscript: str) -> None:
    assert len(paragraph_bounds(multiscript)) == 3


def test_paragraph_bounds_cover_trimmed_text(multiscript: str) -> None:
    for start, end in paragraph_bounds(multiscript):
        piece = multiscript[start:end]
        assert piece == piece.strip() and piece


def test_paragraph_bounds_fall_back_to_lines() -> None:
    assert paragraph_bounds("one\ntwo\n\u00a0\nthree") == [(0, 3), (4, 7), (10, 15)]


@pytest.mark.parametrize(
    "needle", ["«Слава Україні!»", "👩🏽‍⚕️", "«Αυτό είναι ψέμα»", "🇺🇦", "在北京", "مرحبا"]
)
def test_sentence_bounds_keep_non_latin_and_emoji_inside_sentences(
    multiscript: str, needle: str
) -> None:
    position = multiscript.index(needle)
    pieces = [multiscript[s:e] for s, e in sentence_bounds(multiscript)]
    assert any(needle in piece for piece in pieces), (needle, position)


def test_sentence_bounds_index_the_original_text(multiscript: str) -> None:
    for start, end in sentence_bounds(multiscript):
        assert multiscript[start:end].strip() == multiscript[start:end]


def test_sentence_bounds_respect_window(multiscript: str) -> None:
    start, end = paragraph_bounds(multiscript)[1]
    bounds = sentence_bounds(multiscript, start, end)
    assert bounds[0][0] == start and bounds[-1][1] == end


def test_structure_offsets_are_code_points(multiscript: str) -> None:
    doc = Pipeline.from_names("structure").run(Document(multiscript))
    last = doc.layers["sentences"].spans[-1]
    assert doc.text[last.start : last.end] == "The crowd 🇺🇦 left at 9 pm."


def test_structure_sentences_know_their_paragraph(multiscript: str) -> None:
    doc = Pipeline.from_names("structure").run(Document(multiscript))
    paragraphs = doc.layers["paragraphs"].spans
    for sentence in doc.layers["sentences"]:
        paragraph = paragraphs[sentence.attrs["paragraph"]]
        assert paragraph.start <= sentence.start and sentence.end <= paragraph.end


@pytest.mark.parametrize(
    "text",
    [
        "The plan was backed by Ilsa Vane, R-Ore., who chairs the panel.",
        "Critics included Tomas Reed, D-Wash.; both voted no.",
        "A letter from Dr. Ana Holt reached the council on Monday.",
    ],
)
def test_sentence_bounds_do_not_cut_after_a_title_or_before_a_comma(text: str) -> None:
    assert sentence_bounds(text) == [(0, len(text))]


def test_sentence_bounds_still_split_real_sentences() -> None:
    text = "The mayor spoke. She left early.\nthe next line stays apart. Mr. Vale agreed."
    pieces = [text[s:e] for s, e in sentence_bounds(text)]
    assert pieces == [
        "The mayor spoke.",
        "She left early.",
        "the next line stays apart.",
        "Mr. Vale agreed.",
    ]


def test_pieces_cut_after_a_title_are_joined() -> None:
    from unspin.detectors.structure import _rejoin

    text = "The way the mayor handled Sen. Vane angered many. Others agreed."
    cut = text.index("Sen.") + len("Sen.")
    end = text.index(" Others")
    pieces = [(0, cut), (cut + 1, end), (end + 1, len(text))]
    assert _rejoin(text, pieces) == [(0, end), (end + 1, len(text))]


@pytest.mark.parametrize(
    "text",
    [
        "“Who else would run the harbour board?” Vale asked on Monday.",
        "\"People told me, 'Nobody will stand for the council,'\" Okafor told reporters on Friday.",
    ],
)
def test_a_quotation_stays_with_its_attribution(text: str) -> None:
    assert sentence_bounds(text) == [(0, len(text))]


def test_a_quotation_is_not_joined_to_a_sentence_that_follows_it() -> None:
    long = (
        "“We will win.” Vale said the polls had been wrong about the vote in every ward this year."
    )
    assert [long[s:e] for s, e in sentence_bounds(long)] == [
        "“We will win.”",
        "Vale said the polls had been wrong about the vote in every ward this year.",
    ]
    text = "“We will win.” Vale said. Then she left. “Why?” Then the rain came."
    assert [text[s:e] for s, e in sentence_bounds(text)] == [
        "“We will win.” Vale said.",
        "Then she left.",
        "“Why?”",
        "Then the rain came.",
    ]
