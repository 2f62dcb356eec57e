"""POST /api/v1/analyze: inputs, the document it returns, and the errors it gives."""

from __future__ import annotations

import json
from importlib.resources import files

import jsonschema
import pytest
from api_support import OPINION
from fastapi.testclient import TestClient

SCHEMA = json.loads(files("unspin").joinpath("schema/document-2.json").read_text("utf-8"))


def analyze(client: TestClient, **body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/analyze", json=body)


def test_analyze_text_returns_a_valid_document(client: TestClient) -> None:
    response = analyze(client, text=OPINION)
    assert response.status_code == 200
    jsonschema.validate(response.json(), SCHEMA)


def test_analyze_text_finds_persuasion_spans(client: TestClient) -> None:
    doc = analyze(client, text=OPINION).json()
    labels = {span["label"] for span in doc["layers"]["persuasion"]["spans"]}
    assert "Name_Calling,Labeling" in labels


def test_analyze_keeps_given_meta(client: TestClient) -> None:
    doc = analyze(client, text=OPINION, meta={"title": "A day", "published": "2024-05-03"}).json()
    assert (doc["meta"]["title"], doc["meta"]["published"]) == ("A day", "2024-05-03")


def test_analyze_offsets_are_code_points(client: TestClient, data_dir) -> None:  # type: ignore[no-untyped-def]
    text = (data_dir / "multiscript.txt").read_text("utf-8")
    doc = analyze(client, text=text).json()
    claims = doc["layers"]["claims"]["spans"]
    numbers = [n for claim in claims for n in claim["attrs"].get("numbers", [])]
    assert numbers and all(text[n["start"] : n["end"]] == n["text"] for n in numbers)


def test_analyze_html_extracts_the_article(client: TestClient, data_dir) -> None:  # type: ignore[no-untyped-def]
    html = (data_dir / "ashen-hand.html").read_text("utf-8")
    doc = analyze(client, html=html).json()
    assert "<" not in doc["text"] and len(doc["text"]) > 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "a", "url": "https://example.org/"},
        {"text": "a", "html": "<p>a</p>"},
    ],
    ids=["none", "text-and-url", "text-and-html"],
)
def test_analyze_needs_exactly_one_input(client: TestClient, body: dict) -> None:
    response = client.post("/api/v1/analyze", json=body)
    assert response.status_code == 422
    assert "exactly one of" in response.json()["error"]["message"]


def test_analyze_malformed_json_is_422_with_a_message(client: TestClient) -> None:
    response = client.post(
        "/api/v1/analyze", content=b'{"text": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "malformed JSON" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 12}, "text"),
        ({"text": "x", "store": "maybe"}, "store"),
        ({"text": "x", "colour": "red"}, "colour"),
        ({"text": "x", "detectors": "<script>"}, "detectors"),
        ({"text": "x", "meta": {"title": ["a"]}}, "meta.title"),
    ],
)
def test_analyze_bad_field_is_422_naming_it(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/v1/analyze", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith(field + ":")


def test_analyze_blank_text_is_422(client: TestClient) -> None:
    response = analyze(client, text="   \n ")
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "InvalidInput"


def test_analyze_unknown_detector_is_422_listing_known(client: TestClient) -> None:
    response = analyze(client, text=OPINION, detectors="nonesuch")
    assert response.status_code == 422
    assert "baseline" in response.json()["error"]["message"]


def test_analyze_html_without_article_is_400(client: TestClient) -> None:
    response = analyze(client, html="<html><body><nav>Home</nav></body></html>")
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "SourceError"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "/etc/passwd", "ftp://example.org/a"])
def test_analyze_url_must_be_http(client: TestClient, url: str) -> None:
    response = analyze(client, url=url)
    assert response.status_code == 422
    assert "http(s)" in response.json()["error"]["message"]


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/a", "http://[::1]/a", "http://10.1.2.3/a"])
def test_analyze_url_to_private_address_is_refused(client: TestClient, url: str) -> None:
    response = analyze(client, url=url)
    assert response.status_code == 400
    assert "refused" in response.json()["error"]["message"]


def test_analyze_store_without_corpus_is_404(client: TestClient) -> None:
    response = analyze(client, text=OPINION, store=True)
    assert response.status_code == 404
    assert "--db" in response.json()["error"]["message"]


@pytest.fixture
def page_server(data_dir):  # type: ignore[no-untyped-def]
    """Serve tests/data on a free loopback port; yield the base URL."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(data_dir))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_analyze_url_fetches_the_article_when_private_is_allowed(page_server: str) -> None:
    from unspin.api import create_app

    client = TestClient(create_app(allow_private=True, detectors="baseline"))
    doc = analyze(client, url=page_server + "/ashen-hand.html").json()
    assert doc["meta"]["source"] == page_server + "/ashen-hand.html"
    assert "cookie" not in doc["text"].lower()
