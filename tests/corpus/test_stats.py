"""Per-source statistics on hand-built documents."""

from __future__ import annotations

import pytest
from corpus_docs import BRIDGE, BUDGET, HARBOUR, actor, make_doc

from unspin.corpus.stats import source_stats
from unspin.errors import InvalidInput


@pytest.fixture
def stats(corpus):  # type: ignore[no-untyped-def]
    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    corpus.add(
        make_doc(
            "Lena Okafor opened the clinic and thanked the nurses who kept it running.",
            source="https://valley-herald.example/clinic",
            published="2024-03-13",
            actors=[actor("Lena Okafor", "positive")],
        )
    )
    return source_stats(corpus, freq="week")


def test_source_stats_rates_per_source(stats):
    herald = next(s for s in stats.sources if s.source == "valley-herald.example")
    assert herald.techniques["Loaded_Language"].to_dict() == {
        "spans": 1,
        "per_document": 0.5,
        "share_of_documents": 0.5,
    }


def test_source_stats_over_time_by_week(stats):
    rows = [(r.period, r.source, r.documents) for r in stats.over_time]
    assert rows == [
        ("2024-03-04", "tidewater-news.example", 1),
        ("2024-03-04", "valley-herald", 1),
        ("2024-03-11", "valley-herald.example", 2),
    ]


def test_source_stats_most_named_actor_first(stats):
    assert [a.name for a in stats.actors][:1] == ["Lena Okafor"]


def test_source_stats_stance_per_source(stats):
    okafor = stats.actors[0].stance
    herald = okafor["valley-herald.example"]
    assert ((herald.negative, herald.positive, herald.net), okafor["valley-herald"].net) == (
        (1, 1, 0.0),
        0.0,
    )


def test_source_stats_bad_freq_raises_invalid_input(corpus):
    with pytest.raises(InvalidInput):
        source_stats(corpus, freq="month")


def test_stats_report_joins_counts_rates_and_timeline(corpus):
    from unspin.corpus.stats import stats_report
    from unspin.corpus.timeline import document_timeline

    for doc in (HARBOUR, BUDGET, BRIDGE):
        corpus.add(doc)
    report = stats_report(corpus, freq="week")
    assert (report.store["documents"], report.sources, report.timeline) == (
        3,
        source_stats(corpus, freq="week").sources,
        document_timeline(corpus, "week"),
    )
