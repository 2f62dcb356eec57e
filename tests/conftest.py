"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def article_path() -> Path:
    return EXAMPLES / "ashen-hand.txt"
