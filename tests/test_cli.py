from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from unspin import __version__
from unspin.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "ashen-hand.txt"
PAGE = ROOT / "tests" / "data" / "ashen-hand.html"
SCHEMA = json.loads((ROOT / "src/unspin/schema/document-2.json").read_text(encoding="utf-8"))


def _batch(tmp_path: Path) -> Path:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        '{"id": "a", "text": "The corrupt elite lied again, the minister said."}\n'
        '{"id": "b", "text": \n'
        '{"id": "c", "text": "Officials claimed 12,000 lives on 3 March 2024."}\n',
        encoding="utf-8",
    )
    return path


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"unspin {__version__}"


@pytest.mark.parametrize("command", sorted(_commands()))
def test_cli_every_command_has_help_with_example(command: str) -> None:
    text = _commands()[command].format_help()
    assert "example:" in text and f"unspin {command}" in text.split("example:", 1)[1]


def test_cli_top_level_help_has_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "example:" in capsys.readouterr().out


def test_cli_without_command_is_usage_error() -> None:
    assert main([]) == 2


def test_cli_analyze_without_input_is_usage_error() -> None:
    assert main(["analyze"]) == 2


def test_cli_unknown_format_is_usage_error() -> None:
    assert main(["analyze", str(ARTICLE), "--format", "pdf"]) == 2


def test_cli_unknown_detector_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(ARTICLE), "--detectors", "nope"]) == 2
    assert capsys.readouterr().err.strip().startswith("unspin: unknown detector 'nope'")


def test_cli_analyze_json_is_schema_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(ARTICLE), "--format", "json", "-d", "baseline"]) == 0
    jsonschema.validate(json.loads(capsys.readouterr().out), SCHEMA)


def test_cli_analyze_defaults_to_json_off_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(ARTICLE), "-d", "baseline"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "unspin.document/2"


def test_cli_analyze_html_page_gives_article_body(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(PAGE), "--format", "json", "-d", "baseline"]) == 0
    text = json.loads(capsys.readouterr().out)["text"]
    assert "claimed 12,000 lives" in text and "cookies" not in text


def test_cli_analyze_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(ARTICLE.read_bytes()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["analyze", "-", "--format", "json", "-d", "baseline"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == ARTICLE.read_text(encoding="utf-8")


def test_cli_broken_jsonl_line_writes_good_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(_batch(tmp_path)), "--format", "jsonl", "-d", "baseline"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a", "c"]


def test_cli_jsonl_lines_are_schema_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["analyze", str(_batch(tmp_path)), "--format", "jsonl", "-d", "baseline"])
    for line in capsys.readouterr().out.splitlines():
        jsonschema.validate(json.loads(line), SCHEMA)


def test_cli_broken_jsonl_line_reported_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = _batch(tmp_path)
    main(["analyze", str(batch), "--format", "jsonl", "-d", "baseline"])
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"unspin: {batch}:2: not valid JSON")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("missing.txt", None, "no such file or folder"),
        ("blank.txt", b"  \n ", "empty or blank text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "binary input"),
        ("nav.html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
    ],
)
def test_cli_bad_input_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, data: bytes | None, reason: str
) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    assert main(["analyze", str(path), "-d", "baseline"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"unspin: {path}: ") and reason in line


def test_cli_bad_input_has_no_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analyze", str(tmp_path / "missing.txt")])
    assert "Traceback" not in capsys.readouterr().err


def test_cli_debug_shows_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["analyze", str(tmp_path / "missing.txt"), "--debug"])
    assert "Traceback" in capsys.readouterr().err


def test_cli_refused_url_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "http://127.0.0.1:9/a", "-d", "baseline"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "loopback" in line and "--allow-private" in line


def test_cli_several_inputs_continue_after_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["analyze", str(tmp_path / "missing.txt"), str(ARTICLE), "-f", "jsonl", "-d", "baseline"]
    )
    assert code == 1 and len(capsys.readouterr().out.splitlines()) == 1


def test_cli_json_with_several_documents_is_array(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(ARTICLE), str(PAGE), "-f", "json", "-d", "baseline"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_cli_output_file(tmp_path: Path) -> None:
    out = tmp_path / "doc.json"
    assert main(["analyze", str(ARTICLE), "-f", "json", "-o", str(out), "-d", "baseline"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["meta"]["source"] == str(ARTICLE)


def test_cli_output_folder_writes_one_file_per_document(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    main(["analyze", str(_batch(tmp_path)), "-f", "html", "-o", str(folder), "-d", "baseline"])
    assert sorted(p.name for p in folder.iterdir()) == ["a.html", "c.html"]


def test_cli_html_to_one_file_refuses_second_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["analyze", str(ARTICLE), str(PAGE), "-f", "html", "-o", str(tmp_path / "r.html")])
    assert code == 2 and "-o FOLDER" in capsys.readouterr().err


def test_cli_detectors_lists_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detectors"]) == 0
    out = capsys.readouterr().out
    assert all(
        name in out for name in ("baseline-persuasion", "baseline-claims", "baseline-entities")
    )


@pytest.mark.parametrize(("fmt", "marker"), [("text", "Enough Patience"), ("md", "# Enough")])
def test_cli_analyze_report_formats(
    capsys: pytest.CaptureFixture[str], fmt: str, marker: str
) -> None:
    assert main(["analyze", str(ARTICLE), "-f", fmt, "-d", "baseline"]) == 0
    assert marker in capsys.readouterr().out


def test_cli_module_exit_code_and_message(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    result = subprocess.run(
        [sys.executable, "-m", "unspin.cli", "analyze", str(missing)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (1, f"unspin: {missing}: no such file or folder\n")


@pytest.mark.parametrize("value", ["0", "-3", "soon"])
def test_cli_bad_timeout_is_usage_error(value: str) -> None:
    assert main(["analyze", str(ARTICLE), "--timeout", value]) == 2


def test_cli_analyze_workers_keep_order_and_failures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["analyze", str(_batch(tmp_path)), "--format", "jsonl", "-d", "baseline"]
    assert main([*args, "--workers", "2"]) == 1
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == ["a", "c"]


def test_cli_analyze_zero_workers_is_usage_error() -> None:
    assert main(["analyze", str(ARTICLE), "--workers", "0"]) == 2
