"""``unspin serve``: options reach the app; uvicorn is replaced by a stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from unspin import cli


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    import uvicorn

    monkeypatch.chdir(tmp_path)  # the default store, corpus.db, is made in the working folder

    seen: dict[str, Any] = {}

    def run(app: Any, **options: Any) -> None:
        seen["app"] = app
        seen.update(options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv("UNSPIN_API_KEY", raising=False)
    monkeypatch.delenv("UNSPIN_DB", raising=False)
    return seen


def test_serve_passes_options_to_the_app(served: dict[str, Any], tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "c.db")
    argv = ["serve", "--db", db, "--workers", "3", "--api-key", "k", "--cors", "https://a.example"]
    assert cli.main(argv) == 0
    settings = served["app"].state.unspin.settings
    assert (settings.db, settings.workers, settings.api_keys, settings.cors_origins) == (
        db,
        3,
        ("k",),
        ("https://a.example",),
    )


def test_serve_listens_on_loopback_by_default(served: dict[str, Any]) -> None:
    assert cli.main(["serve"]) == 0
    assert (served["host"], served["port"]) == ("127.0.0.1", 8000)


def test_serve_opens_the_default_store_without_db(served: dict[str, Any]) -> None:
    from unspin.store import default_url

    assert cli.main(["serve"]) == 0
    assert served["app"].state.unspin.settings.db == default_url()


def test_serve_reads_the_store_from_the_environment(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "env.db")
    monkeypatch.setenv("UNSPIN_DB", db)
    assert cli.main(["serve"]) == 0
    assert served["app"].state.unspin.settings.db == db


def test_serve_no_db_serves_analysis_only(served: dict[str, Any]) -> None:
    assert cli.main(["serve", "--no-db"]) == 0
    assert served["app"].state.unspin.corpus is None


def test_serve_reads_the_key_from_the_environment(
    served: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSPIN_API_KEY", "from-env")
    assert cli.main(["serve"]) == 0
    assert served["app"].state.unspin.settings.api_keys == ("from-env",)


def test_serve_refuses_zero_workers(served: dict[str, Any]) -> None:
    assert cli.main(["serve", "--workers", "0"]) == 2


def test_serve_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["serve", "--help"]) == 0
    assert "example:\n  unspin serve" in capsys.readouterr().out


def test_serve_says_which_store_it_opened(
    served: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    assert cli.main(["serve"]) == 0
    assert f"Corpus('sqlite:///{tmp_path / 'corpus.db'}')" in capsys.readouterr().err
