"""docs/architecture.md and CONTRIBUTING.md stay true to the tree: every module or folder path
they name exists, and every public name they list is importable from the package named."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "docs" / "architecture.md", ROOT / "CONTRIBUTING.md"]
PATH = re.compile(r"(?<![\w./-])((?:changjing|simulate|evaluate|scenarios_data|tests|tools|"
                  r"benchmarks|experiments|docs)/[\w./<>-]*)")


def named_paths(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    found = {m.group(1).rstrip(".,)") for m in PATH.finditer(text)}
    return sorted(p for p in found if "<" not in p and "*" not in p)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_named_path_exists(page):
    paths = named_paths(page)
    assert len(paths) > 5, "expected the page to name modules"
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert not missing, f"{page.name} names paths that do not exist: {missing}"


def test_public_api_lists_are_importable():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    checked = 0
    for section in re.findall(r"### Public API of [\w.]+\n\n(.*?)(?:\n## |\Z)", text, re.S):
        for item in re.findall(r"^- (.*?)(?=^- |\Z)", section, re.S | re.M):
            modules = re.findall(r"`(changjing\.[\w.]+)`", item.split(":")[0])
            names = [n for n in re.findall(r"`(\w+)`", item.split(":", 1)[1])]
            for name in names:
                assert any(hasattr(importlib.import_module(m), name) for m in modules), (
                    f"{name} is not in {modules}")
                checked += 1
    assert checked > 40
