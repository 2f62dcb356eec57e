"""Body size limits and the bounded analysis pool."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from unspin.api import create_app
from unspin.api import routes as api_routes
from unspin.api.pool import AnalysisPool, Busy


def test_body_over_limit_by_content_length_is_413() -> None:
    client = TestClient(create_app(max_body=1000))
    response = client.post(
        "/api/v1/analyze",
        content=b"{" + b" " * 2000 + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "TooLarge"


def test_streamed_body_over_limit_is_413() -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"text": "'
        for _ in range(50):
            yield b"a" * 100
        yield b'"}'

    client = TestClient(create_app(max_body=1000))
    response = client.post(
        "/api/v1/analyze", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_body_under_limit_is_analysed() -> None:
    client = TestClient(create_app(max_body=1000, detectors="baseline"))
    response = client.post("/api/v1/analyze", json={"text": "The corrupt elite lied."})
    assert response.status_code == 200


def test_default_body_limit_is_ten_megabytes() -> None:
    client = TestClient(create_app())
    body = b'{"text": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/analyze", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_pool_refuses_when_queue_is_full() -> None:
    pool = AnalysisPool(workers=1, max_waiting=0, wait_timeout=5)
    gate = threading.Event()

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(gate.wait))
        await asyncio.sleep(0.05)
        try:
            with pytest.raises(Busy):
                await pool.run(lambda: None)
        finally:
            gate.set()
            await first

    asyncio.run(scenario())
    pool.close()


def test_pool_refuses_after_the_wait_times_out() -> None:
    pool = AnalysisPool(workers=1, max_waiting=4, wait_timeout=0.05)
    gate = threading.Event()

    async def scenario() -> None:
        first = asyncio.ensure_future(pool.run(gate.wait))
        await asyncio.sleep(0.02)
        try:
            with pytest.raises(Busy, match="within"):
                await pool.run(lambda: None)
        finally:
            gate.set()
            await first

    asyncio.run(scenario())
    pool.close()


def test_pool_runs_waiting_work_once_a_slot_frees() -> None:
    pool = AnalysisPool(workers=1, max_waiting=4, wait_timeout=5)

    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(pool.run(lambda n=n: n) for n in range(5))))

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]
    pool.close()


def test_busy_server_answers_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = threading.Event()
    started = threading.Event()
    real = api_routes._analyze

    def slow(*args: object):  # type: ignore[no-untyped-def]
        started.set()
        gate.wait(10)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(api_routes, "_analyze", slow)
    app = create_app(workers=1, max_waiting=0, wait_timeout=0.1, detectors="baseline")
    with TestClient(app) as client:
        results: list[int] = []
        first = threading.Thread(
            target=lambda: results.append(
                client.post("/api/v1/analyze", json={"text": "One."}).status_code
            )
        )
        first.start()
        started.wait(10)
        try:
            response = client.post("/api/v1/analyze", json={"text": "Two."})
        finally:
            gate.set()
            first.join(10)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert results == [200]
