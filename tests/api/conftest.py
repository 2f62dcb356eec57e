"""Fixtures for the API tests: an app over SQLite, and over PostgreSQL in a schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from api_support import KEY
from fastapi.testclient import TestClient

from unspin.api import create_app

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """Create a throw-away schema, or skip when the server does not answer."""
    try:
        import psycopg
    except ImportError:
        pytest.skip("psycopg is not installed: pip install 'unspin[postgres]'")
    try:
        conn = psycopg.connect(
            "host=127.0.0.1 port=5432 dbname=test user=postgres", connect_timeout=3, autocommit=True
        )
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 does not answer: {exc}".splitlines()[0])
    schema = f"api_test_{uuid.uuid4().hex[:10]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def corpus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """An empty corpus on each backend."""
    from unspin.store import open_corpus

    if request.param == "sqlite":
        store = open_corpus(str(tmp_path / "corpus.db"))
        yield store
        store.close()
        return
    with _postgres_schema() as schema:
        store = open_corpus(PG_URL, schema=schema)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A server with no corpus and no key."""
    with TestClient(create_app(detectors="baseline")) as test_client:
        yield test_client


@pytest.fixture
def corpus_client(corpus: object) -> Iterator[TestClient]:
    """A server over an empty corpus that needs the key ``KEY`` to store or delete."""
    app = create_app(corpus=corpus, api_key=KEY, detectors="baseline")  # type: ignore[arg-type]
    with TestClient(app) as test_client:
        yield test_client
