from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import unspin

SRC = Path(__file__).resolve().parent.parent / "src"
HEAVY = ("torch", "onnxruntime", "trafilatura", "fastapi", "sqlalchemy", "transformers", "rich")


@pytest.mark.parametrize("name", unspin.__all__)
def test_public_api_all_names_exist(name: str) -> None:
    assert getattr(unspin, name) is not None


def test_public_api_all_has_no_duplicates() -> None:
    assert len(unspin.__all__) == len(set(unspin.__all__))


def test_public_api_public_names_are_listed() -> None:
    public = {
        n
        for n in vars(unspin)
        if not n.startswith("_") and n not in {"annotations", "TYPE_CHECKING", "Any"}
    }
    submodules = {n for n in public if type(getattr(unspin, n)).__name__ == "module"}
    assert public - submodules <= set(unspin.__all__)


def _modules_after_import() -> set[str]:
    code = "import json, sys, unspin; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(json.loads(out))


@pytest.fixture(scope="module")
def imported() -> set[str]:
    return _modules_after_import()


@pytest.mark.parametrize("module", HEAVY)
def test_public_api_import_is_light(imported: set[str], module: str) -> None:
    assert module not in imported


def test_public_api_analyze_returns_document() -> None:
    doc = unspin.analyze("The corrupt elite lied again, the minister said.", detectors="baseline")
    assert isinstance(doc, unspin.Document) and "persuasion" in doc.layers


def test_public_api_analyze_rejects_blank_text() -> None:
    with pytest.raises(unspin.InvalidInput):
        unspin.analyze("   ", detectors="baseline")
