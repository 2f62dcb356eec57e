"""The corpus routes over SQLite and PostgreSQL: storing, keys, listing, search, stats, delete."""

from __future__ import annotations

from api_support import KEY, OPINION, WordsEmbedder, store
from fastapi.testclient import TestClient

OTHER = "Rain is expected in the north on Friday, the weather service said."


def test_store_needs_the_api_key(corpus_client: TestClient) -> None:
    response = corpus_client.post("/api/v1/analyze", json={"text": OPINION, "store": True})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_store_refuses_a_wrong_key(corpus_client: TestClient) -> None:
    response = corpus_client.post(
        "/api/v1/analyze", json={"text": OPINION, "store": True}, headers={"X-API-Key": "nope"}
    )
    assert response.status_code == 401


def test_analyze_without_store_needs_no_key(corpus_client: TestClient) -> None:
    assert corpus_client.post("/api/v1/analyze", json={"text": OPINION}).status_code == 200


def test_stored_document_comes_back_by_id(corpus_client: TestClient) -> None:
    doc = store(corpus_client, OPINION, source="https://a.example/1")
    fetched = corpus_client.get(f"/api/v1/documents/{doc['id']}").json()
    assert (fetched["text"], fetched["layers"].keys()) == (doc["text"], doc["layers"].keys())


def test_unknown_id_is_404(corpus_client: TestClient) -> None:
    response = corpus_client.get("/api/v1/documents/0000000000000000")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFound"


def test_documents_counts_every_match_across_pages(corpus_client: TestClient) -> None:
    for n in range(3):
        store(corpus_client, f"{OTHER} Item {n}.")
    body = corpus_client.get("/api/v1/documents", params={"limit": 2}).json()
    assert (len(body["data"]), body["count"]) == (2, 3)


def test_documents_offset_pages_on(corpus_client: TestClient) -> None:
    ids = {store(corpus_client, f"{OTHER} Item {n}.")["id"] for n in range(3)}
    first = corpus_client.get("/api/v1/documents", params={"limit": 2}).json()["data"]
    rest = corpus_client.get("/api/v1/documents", params={"limit": 2, "offset": 2}).json()["data"]
    assert {d["id"] for d in first + rest} == ids


def test_documents_filter_by_words(corpus_client: TestClient) -> None:
    store(corpus_client, OPINION)
    wanted = store(corpus_client, OTHER)
    body = corpus_client.get("/api/v1/documents", params={"q": "weather"}).json()
    assert [d["id"] for d in body["data"]] == [wanted["id"]]


def test_documents_filter_by_technique(corpus_client: TestClient) -> None:
    wanted = store(corpus_client, OPINION)
    store(corpus_client, OTHER)
    body = corpus_client.get(
        "/api/v1/documents", params={"technique": "Name_Calling,Labeling"}
    ).json()
    assert [d["id"] for d in body["data"]] == [wanted["id"]]


def test_documents_filter_by_source_and_dates(corpus_client: TestClient) -> None:
    store(corpus_client, OPINION, source="https://a.example/1", published="2024-05-03")
    wanted = store(corpus_client, OTHER, source="https://b.example/2", published="2024-06-10")
    params = {"source": "https://b.example/2", "since": "2024-06-01", "until": "2024-06-30"}
    body = corpus_client.get("/api/v1/documents", params=params).json()
    assert [d["id"] for d in body["data"]] == [wanted["id"]]


def test_documents_bad_date_is_422(corpus_client: TestClient) -> None:
    response = corpus_client.get("/api/v1/documents", params={"since": "last week"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("query.since:")


def test_documents_summary_counts_techniques(corpus_client: TestClient) -> None:
    doc = store(corpus_client, OPINION)
    spans = doc["layers"]["persuasion"]["spans"]
    item = corpus_client.get("/api/v1/documents").json()["data"][0]
    assert sum(item["techniques"].values()) == len(spans)


def test_stats_mix_per_source(corpus_client: TestClient) -> None:
    store(corpus_client, OPINION, source="https://a.example/1", published="2024-05-03")
    store(corpus_client, OTHER, source="https://b.example/2", published="2024-05-04")
    stats = corpus_client.get("/api/v1/stats").json()
    assert stats["documents"] == 2
    assert {row["source"] for row in stats["sources"]} == {"a.example", "b.example"}


def test_stats_timeline_by_week(corpus_client: TestClient) -> None:
    store(corpus_client, OPINION, published="2024-05-03")
    store(corpus_client, OTHER, published="2024-05-30")
    stats = corpus_client.get("/api/v1/stats").json()
    assert len(stats["timeline"]) == 2


def test_delete_needs_the_key(corpus_client: TestClient) -> None:
    doc = store(corpus_client, OPINION)
    assert corpus_client.delete(f"/api/v1/documents/{doc['id']}").status_code == 401


def test_delete_removes_the_document(corpus_client: TestClient) -> None:
    doc = store(corpus_client, OPINION)
    response = corpus_client.delete(
        f"/api/v1/documents/{doc['id']}", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 204
    assert corpus_client.get(f"/api/v1/documents/{doc['id']}").status_code == 404


def test_healthz_reports_corpus_and_auth(corpus_client: TestClient) -> None:
    body = corpus_client.get("/healthz").json()
    assert (body["corpus"], body["auth"]) == (True, True)


def test_dups_clusters_a_republished_copy(corpus_client: TestClient) -> None:
    text = (
        "The council voted to close 12 libraries on Tuesday, the mayor said, and critics called "
        "the decision a disgraceful farce that betrays every reader in the city."
    )
    first = store(corpus_client, text, source="https://north.example/a")
    second = store(corpus_client, text.replace("city", "town"), source="https://south.example/a")
    store(corpus_client, OTHER, source="https://east.example/c")
    clusters = corpus_client.get("/api/v1/dups").json()["clusters"]
    assert [sorted(m["id"] for m in c["members"]) for c in clusters] == [
        sorted([first["id"], second["id"]])
    ]


def test_narratives_cluster_documents_on_one_story(corpus: object) -> None:
    from unspin.api import create_app

    app = create_app(corpus=corpus, detectors="baseline", embedder=WordsEmbedder())  # type: ignore[arg-type]
    with TestClient(app) as client:
        story = "The harbour bridge will close for repairs in June, the port authority said."
        ids = {
            store(client, story, published="2024-05-01")["id"],
            store(client, story.replace("June", "July"), published="2024-05-09")["id"],
        }
        store(client, "Apple growers expect a record crop after a mild and sunny spring.")
        narratives = client.get("/api/v1/narratives").json()["narratives"]
    assert [{m["id"] for m in n["members"]} for n in narratives] == [ids]
