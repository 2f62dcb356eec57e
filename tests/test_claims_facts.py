"""Numbers, dates and attribution inside claims."""

from __future__ import annotations

import pytest

from unspin.detectors.analysis.claims import attributions, dates, iso_date, numbers


def test_numbers_read_value_unit_and_currency() -> None:
    found = numbers("They lost $4.5 billion and 12,000 jobs.")
    assert [(f["text"], f["value"], f.get("unit"), f.get("currency")) for f in found] == [
        ("$4.5 billion", 4.5e9, None, "$"),
        ("12,000 jobs", 12000.0, "jobs", None),
    ]


def test_numbers_offsets_are_shifted_by_base() -> None:
    (found,) = numbers("up 3%", base=100)
    assert (found["start"], found["end"]) == (103, 105)


def test_numbers_skip_excluded_ranges() -> None:
    assert numbers("On 4 May 2021 it rained.", exclude=[(3, 13)]) == []


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("on March 3, 2021,", "2021-03-03"),
        ("on 4 March 2025.", "2025-03-04"),
        ("since 2019", "2019"),
        ("in May 2020", "2020-05"),
        ("dated 2022-11-30", "2022-11-30"),
    ],
)
def test_dates_are_normalised_to_iso(text: str, iso: str) -> None:
    assert [d.get("iso") for d in dates(text)] == [iso]


def test_dates_resolve_relative_words_against_published() -> None:
    (found,) = dates("It happened yesterday.", published="2024-03-01")
    assert found["iso"] == "2024-02-29"


def test_dates_leave_relative_words_unresolved_without_published() -> None:
    (found,) = dates("It happened yesterday.")
    assert "iso" not in found


def test_iso_date_rejects_impossible_days() -> None:
    assert iso_date(2023, 2, 30) is None


@pytest.mark.parametrize(
    ("text", "source", "verb"),
    [
        ("According to the embassy, the road is closed.", "the embassy", "according to"),
        ("The minister wrote that taxes would fall.", "The minister", "wrote"),
        ('"We will win," said Ada Berg.', "Ada Berg", "said"),
    ],
)
def test_attributions_find_who_says_it(text: str, source: str, verb: str) -> None:
    (found,) = attributions(text)
    assert (found["source"]["text"], found["verb"]) == (source, verb)
    assert text[found["source"]["start"] : found["source"]["end"]] == source


def test_attributions_skip_an_apposition_between_source_and_verb() -> None:
    text = "Dr Mara Vale, the movement's founder, said 12,000 people came."
    (found,) = attributions(text)
    assert (found["source"]["text"], found["verb"]) == ("Dr Mara Vale", "said")
