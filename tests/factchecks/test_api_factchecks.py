"""The API with a store that holds fact-checks: analysis adds them to claims; search and match
routes. The encoder is the topic-word double (no model loaded)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from unspin.api import create_app
from unspin.corpus.factchecks import import_factchecks
from unspin.corpus.factchecks.checker import ClaimChecker
from unspin.corpus.factchecks.collection import StoreCollection
from unspin.corpus.factchecks.matching import Matcher, Scorer
from unspin.store import open_corpus

SCORER = Scorer({"cosine": 12.0, "bm25": 4.0}, bias=-11.0, match=0.6, related=0.2)


@pytest.fixture
def client(tmp_path, fixtures, encoder):  # type: ignore[no-untyped-def]
    corpus = open_corpus(str(tmp_path / "c.db"))
    import_factchecks(corpus, [fixtures / "reviews.json", fixtures / "page.html"])
    app = create_app(corpus=corpus, detectors="baseline")
    state = app.state.unspin
    collection = StoreCollection(corpus, encoder.embed, model=encoder.name, path=tmp_path / "i")
    state.checker = ClaimChecker(corpus, matcher=Matcher(collection, encoder.embed, SCORER))
    with TestClient(app) as test_client:
        yield test_client
    corpus.close()


def test_api_analyze_adds_factchecks_to_claims(client):
    text = "Officials said on 3 March that the Millbrook bridge will collapse within 2 weeks."
    doc = client.post("/api/v1/analyze", json={"text": text, "detectors": "baseline"}).json()
    spans = doc["layers"]["claims"]["spans"]
    assert spans and "millbrook" in spans[0]["attrs"]["factchecks"][0]["claim_reviewed"].lower()


def test_api_factchecks_search(client):
    body = client.get("/api/v1/factchecks", params={"q": "fluoride"}).json()
    assert body["total"] == 1 and "fluoride" in body["factchecks"][0]["claim"]


def test_api_factchecks_match(client):
    body = client.post(
        "/api/v1/factchecks/match", json={"claims": ["A toll for the tunnel?"]}
    ).json()
    assert body["results"][0]["factchecks"][0]["rating"] == "Unproven"


def test_api_factchecks_match_rejects_empty_list(client):
    assert client.post("/api/v1/factchecks/match", json={"claims": []}).status_code == 422


def test_api_without_factchecks_has_no_checker(tmp_path):
    corpus = open_corpus(str(tmp_path / "empty.db"))
    app = create_app(corpus=corpus, detectors="baseline")
    assert app.state.unspin.checker is None
    corpus.close()
