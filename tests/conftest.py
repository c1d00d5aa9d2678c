"""Shared fixtures: paths to the shipped experiments."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def experiments_dir() -> Path:
    return ROOT / "experiments"
