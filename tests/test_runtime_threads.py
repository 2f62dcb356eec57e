from __future__ import annotations

import os

import pytest

from unspin.models import runtime


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("UNSPIN_THREADS", raising=False)
    monkeypatch.setattr(runtime, "_threads", None)
    yield


def test_runtime_threads_default_to_two() -> None:
    assert runtime.default_threads() == 2


def test_runtime_set_threads_shares_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    runtime.set_threads(workers=2)
    assert runtime.default_threads() == 1


def test_runtime_set_threads_keeps_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    runtime.set_threads(workers=8)
    assert runtime.default_threads() == 1


def test_runtime_environment_wins_over_set_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNSPIN_THREADS", "3")
    runtime.set_threads(workers=2)
    assert runtime.default_threads() == 3


def test_runtime_sessions_use_the_exact_int8_kernel() -> None:
    options = runtime.session_options(2)
    assert options.intra_op_num_threads == 2 and options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.x64quantprecision") == "1"
    model = runtime.OnnxModel("persuasion", threads=1)
    used = model.session.get_session_options()
    assert used.intra_op_num_threads == 1
    assert used.get_session_config_entry("session.x64quantprecision") == "1"
