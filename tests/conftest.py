"""Shared fixtures. Until helper "report"'s ``unspin.formats`` lands, a minimal stand-in is used."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"


def _install_formats_stand_in() -> None:
    """Provide render/write_jsonl/FORMATS with the real module's signatures (JSON only real)."""
    if importlib.util.find_spec("unspin.formats") is not None:
        return
    module = types.ModuleType("unspin.formats")
    module.FORMATS = ("text", "json", "jsonl", "md", "html")  # type: ignore[attr-defined]

    def render(doc, fmt, *, indent=2, width=100, colour=False):  # type: ignore[no-untyped-def]
        if fmt == "json":
            return json.dumps(doc.to_dict(), ensure_ascii=False, indent=indent) + "\n"
        if fmt == "html":
            return f"<!doctype html><title>{doc.id}</title>\n"
        return f"{doc.id}\n{doc.text}\n"

    def write_jsonl(docs: Iterable, out: TextIO) -> int:  # type: ignore[type-arg]
        count = 0
        for doc in docs:
            out.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count

    module.render = render  # type: ignore[attr-defined]
    module.write_jsonl = write_jsonl  # type: ignore[attr-defined]
    sys.modules["unspin.formats"] = module


_install_formats_stand_in()


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def article_path() -> Path:
    return EXAMPLES / "ashen-hand.txt"
