"""The app as a whole: health, detectors, OpenAPI and docs, pages, headers, CORS, keys."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient

from unspin.api import create_app

STATIC = files("unspin.api").joinpath("static")


def test_healthz_says_ok(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert (body["status"], body["corpus"], body["auth"]) == ("ok", False, False)


def test_detectors_lists_the_baseline_set(client: TestClient) -> None:
    body = client.get("/api/v1/detectors").json()
    assert "baseline-persuasion" in body["sets"]["baseline"]


def test_taxonomy_lists_fourteen_techniques(client: TestClient) -> None:
    body = client.get("/api/v1/taxonomy").json()
    assert len(body["techniques"]) == 14


def test_openapi_lists_every_route(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {
        "/api/v1/analyze",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/stats",
        "/api/v1/dups",
        "/api/v1/narratives",
        "/api/v1/detectors",
        "/healthz",
    } <= paths


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_pages_are_served_as_html(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("name", ["index.html", "docs.html", "style.css", "app.js", "docs.js"])
def test_static_files_load_nothing_from_other_sites(name: str) -> None:
    text = STATIC.joinpath(name).read_text("utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text)
    assert "@import" not in text and "url(http" not in text


@pytest.mark.parametrize("name", ["app.js", "docs.js"])
def test_scripts_never_write_html(name: str) -> None:
    text = STATIC.joinpath(name).read_text("utf-8")
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", text)


@pytest.mark.parametrize("name", ["index.html", "docs.html"])
def test_pages_have_no_inline_script_or_style(name: str) -> None:
    text = STATIC.joinpath(name).read_text("utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    assert "<style" not in text and " style=" not in text and not re.search(r"\son\w+=", text)


@pytest.mark.parametrize("path", ["/", "/api/v1/detectors", "/static/app.js"])
def test_responses_carry_a_strict_content_security_policy(client: TestClient, path: str) -> None:
    policy = client.get(path).headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_cors_is_off_by_default(client: TestClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://other.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_the_given_origin() -> None:
    client = TestClient(create_app(cors_origins=["https://news.example"]))
    response = client.get("/healthz", headers={"Origin": "https://news.example"})
    assert response.headers["access-control-allow-origin"] == "https://news.example"


def test_unknown_route_is_404_in_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and "message" in response.json()["error"]


def test_corpus_routes_without_db_say_how_to_get_one(client: TestClient) -> None:
    response = client.get("/api/v1/documents")
    assert response.status_code == 404
    assert "--db" in response.json()["error"]["message"]


def test_create_app_refuses_zero_workers() -> None:
    with pytest.raises(ValueError, match="workers"):
        create_app(workers=0)
