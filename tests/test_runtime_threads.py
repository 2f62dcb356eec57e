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


def test_runtime_sessions_use_the_exact_int8_kernel_where_it_needs_the_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime.exact_int8_needs_option.cache_clear()
    monkeypatch.setenv("UNSPIN_EXACT_INT8", "1")
    options = runtime.session_options(2)
    assert options.intra_op_num_threads == 2 and options.inter_op_num_threads == 1
    assert options.get_session_config_entry("session.x64quantprecision") == "1"
    assert not options.enable_mem_pattern
    model = runtime.OnnxModel("persuasion", threads=1)
    used = model.session.get_session_options()
    assert used.intra_op_num_threads == 1
    assert used.get_session_config_entry("session.x64quantprecision") == "1"
    monkeypatch.setenv("UNSPIN_EXACT_INT8", "0")
    runtime.exact_int8_needs_option.cache_clear()
    options = runtime.session_options(1)
    with pytest.raises(RuntimeError):  # unset: onnxruntime raises on a missing entry
        options.get_session_config_entry("session.x64quantprecision")
    runtime.exact_int8_needs_option.cache_clear()


def test_runtime_exact_int8_option_follows_the_cpu_flags(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import platform

    monkeypatch.delenv("UNSPIN_EXACT_INT8", raising=False)
    vnni = tmp_path / "vnni"
    vnni.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    avx2 = tmp_path / "avx2"
    avx2.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n")
    assert runtime._cpu_has_vnni(vnni) and not runtime._cpu_has_vnni(avx2)
    assert not runtime._cpu_has_vnni(tmp_path / "missing")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    for has, expected in ((True, False), (False, True)):
        monkeypatch.setattr(runtime, "_cpu_has_vnni", lambda has=has: has)
        runtime.exact_int8_needs_option.cache_clear()
        assert runtime.exact_int8_needs_option() is expected
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    runtime.exact_int8_needs_option.cache_clear()
    assert runtime.exact_int8_needs_option() is False
    runtime.exact_int8_needs_option.cache_clear()
