"""Fixtures for the fact-check tests: stores on SQLite and PostgreSQL, a keyword encoder double,
and the record files in tests/data/factchecks (written for these tests)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "data" / "factchecks"
PG_DSN = os.environ.get("UNSPIN_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_PG: list[str | None] = []


def _pg_reason() -> str | None:
    if not _PG:
        try:
            import psycopg

            with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _PG.append(None)
        except Exception as exc:  # any failure means: no server to test against
            _PG.append(f"PostgreSQL does not answer at {PG_DSN}: {type(exc).__name__}")
    return _PG[0]


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh store URL on each backend (PostgreSQL: a schema dropped afterwards)."""
    if request.param == "sqlite":
        yield str(tmp_path / "corpus.db")
        return
    reason = _pg_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"unspin_fc_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_DSN}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def corpus(db_url: str):  # type: ignore[no-untyped-def]
    from unspin.store import open_corpus

    store = open_corpus(db_url)
    yield store
    store.close()


TOPICS = (
    "bridge",
    "fluoride",
    "solar",
    "insect",
    "toll",
    "salary",
    "library",
    "ferry",
    "ambulance",
)


class TopicEncoder:
    """Embed a text as counts of topic words (plus a small constant), L2-normalised: texts on one
    topic are near each other, without loading a model."""

    name = "topic-double@1"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            lowered = text.lower()
            rows.append([lowered.count(word) for word in TOPICS] + [0.2])
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(rows), len(TOPICS) + 1)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def encoder() -> TopicEncoder:
    return TopicEncoder()
