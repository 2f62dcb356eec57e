"""Readers of fact-check records: ClaimReview JSON-LD, data feeds, HTML, JSONL, CSV."""

from __future__ import annotations

import pytest

from unspin.corpus.factchecks.records import (
    canonical_url,
    content_key,
    from_json,
    iso_date,
    read_factchecks,
)
from unspin.errors import Failure, InvalidInput
from unspin.store.factchecks import FactCheck


def _read(path):  # type: ignore[no-untyped-def]
    items = list(read_factchecks([path]))
    return [i for i in items if isinstance(i, FactCheck)], [
        i for i in items if isinstance(i, Failure)
    ]


def test_read_claimreview_list_reads_every_review(fixtures):
    checks, failures = _read(fixtures / "reviews.json")
    assert (len(checks), failures) == (3, [])


def test_read_claimreview_keeps_fields(fixtures):
    check = _read(fixtures / "reviews.json")[0][0]
    assert (check.rating, check.reviewer, check.published, check.claimant, check.claim_date) == (
        "False",
        "Example Checkers",
        "2024-03-05",
        "Dana Whitlock",
        "2024-03-01",
    )


def test_read_claimreview_keeps_title_and_source_record(fixtures):
    check = _read(fixtures / "reviews.json")[0][0]
    assert check.title.startswith("No, the Millbrook bridge")
    assert check.record["reviewRating"]["ratingValue"] == "1"


def test_read_claimreview_with_type_list_and_author_list(fixtures):
    check = _read(fixtures / "reviews.json")[0][1]
    assert (check.reviewer, check.language, check.published) == (
        "The Verify Desk",
        "en",
        "2023-11-20",
    )


def test_read_claimreview_rating_value_without_name_becomes_fraction(fixtures):
    assert _read(fixtures / "reviews.json")[0][1].rating == "2/5"


def test_read_claimreview_claimant_from_appearance(fixtures):
    check = _read(fixtures / "reviews.json")[0][2]
    assert (check.claimant, check.claim_date, check.published) == (
        "Corran Watch",
        "2024-05-02",
        None,
    )


def test_read_datafeed_gives_its_items(fixtures):
    checks, failures = _read(fixtures / "feed.json")
    assert [c.reviewer for c in checks] == ["Example Checkers", "Factdesk"] and failures == []


def test_read_datafeed_same_url_as_json_ld_gets_same_id(fixtures):
    first = _read(fixtures / "reviews.json")[0][0]
    again = _read(fixtures / "feed.json")[0][0]
    assert first.id == again.id


def test_read_html_finds_claimreview_in_graph(fixtures):
    checks, failures = _read(fixtures / "page.html")
    assert [(c.rating, c.published) for c in checks] == [("Unproven", "2024-07-03")]
    assert failures == []


def test_read_html_without_claimreview_is_one_failure(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>No markup here.</p></body></html>", encoding="utf-8")
    checks, failures = _read(page)
    assert checks == [] and "no ClaimReview" in failures[0].reason


def test_read_jsonl_reports_each_bad_line(fixtures):
    checks, failures = _read(fixtures / "records.jsonl")
    assert [f.input.rsplit(":", 1)[1] for f in failures] == ["2", "3", "4", "5"]
    assert len(checks) == 2


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2", "not valid JSON"),
        ("3", "no claim text"),
        ("4", "not an http(s) address"),
        ("5", "a Recipe"),
    ],
)
def test_read_jsonl_failure_reasons(fixtures, line, reason):
    failures = _read(fixtures / "records.jsonl")[1]
    assert reason in {f.input.rsplit(":", 1)[1]: f.reason for f in failures}[line]


def test_read_jsonl_checkthat_vclaim_keeps_its_id(fixtures):
    check = _read(fixtures / "records.jsonl")[0][1]
    assert (check.id, check.rating, check.claimant) == (
        "vclaim-demo-001",
        "half-true",
        "Harwick Council",
    )


def test_read_csv_maps_columns(fixtures):
    checks, failures = _read(fixtures / "checks.csv")
    assert [(c.reviewer, c.published, c.claimant) for c in checks] == [
        ("Factdesk", "2024-08-01", "Ferry Users Forum"),
        ("Verify Desk", "2024-08-15", ""),
    ]
    assert [f.input.rsplit(":", 1)[1] for f in failures] == ["3"]


def test_read_csv_without_claim_column_fails(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("rating,url\nFalse,https://a.example/x\n", encoding="utf-8")
    assert "no claim column" in _read(path)[1][0].reason


def test_read_broken_json_file_is_one_failure(fixtures):
    checks, failures = _read(fixtures / "bad.json")
    assert checks == [] and len(failures) == 1 and "not valid JSON" in failures[0].reason


def test_read_unknown_suffix_fails(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("hello", encoding="utf-8")
    assert "unknown fact-check file type" in _read(path)[1][0].reason


def test_read_missing_file_fails(tmp_path):
    assert _read(tmp_path / "none.json")[1][0].reason == "no such file"


def test_read_folder_reads_known_files_in_order(fixtures):
    items = list(read_factchecks([fixtures]))
    files = [
        i.origin.rsplit("/", 1)[1].split(":")[0].split("#")[0]
        for i in items
        if isinstance(i, FactCheck)
    ]
    assert files == sorted(files) and len(files) == 10


def test_from_json_google_api_claims_shape():
    value = {
        "claims": [
            {
                "text": "Rivers in Eastvale ran red last spring.",
                "claimant": "A blog",
                "claimDate": "2024-04-01T00:00:00Z",
                "claimReview": [
                    {
                        "publisher": {"name": "Factdesk", "site": "factdesk.example.com"},
                        "url": "https://factdesk.example.com/rivers",
                        "textualRating": "False",
                        "reviewDate": "2024-04-03T00:00:00Z",
                        "languageCode": "en",
                    }
                ],
            }
        ]
    }
    (check,) = list(from_json(value, "api.json"))
    assert (check.claim, check.claimant, check.rating, check.reviewer, check.published) == (
        "Rivers in Eastvale ran red last spring.",
        "A blog",
        "False",
        "Factdesk",
        "2024-04-03",
    )


def test_from_json_escapes_nothing_and_keeps_markup_as_text():
    value = {
        "@type": "ClaimReview",
        "url": "https://a.example/x",
        "claimReviewed": "<b>bold</b> claim",
    }
    (check,) = list(from_json(value, "x.json"))
    assert check.claim == "<b>bold</b> claim"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://WWW.Example.org/a/b/", "https://example.org/a/b"),
        ("https://example.org/a?utm_source=x&id=3#frag", "https://example.org/a?id=3"),
        ("ftp://example.org/a", ""),
        ("not a url", ""),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_content_key_ignores_quotes_case_and_reviewer_spelling():
    assert content_key("“Floods closed the road.”", "The Factdesk", "False") == content_key(
        "floods closed the road", "Factdesk", "false"
    )


def test_content_key_differs_by_rating():
    assert content_key("A claim.", "X", "False") != content_key("A claim.", "X", "True")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05T10:00:00Z", "2024-03-05"),
        ("30 January 2019", "2019-01-30"),
        ("October 22, 2019", "2019-10-22"),
        ("", None),
        (None, None),
    ],
)
def test_iso_date_reads_common_forms(value, iso):
    assert iso_date(value) == iso


def test_iso_date_strict_rejects_other_text():
    with pytest.raises(InvalidInput, match="not ISO"):
        iso_date("stated on a Tuesday")
