"""Architecture rules: simulate/ and evaluate/ are independent libraries; the CLI and the
reports sit on top of both; heavy modules are imported where they are used."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "simulate": ("changjing.evaluate", "changjing.cli", "changjing.report"),
    "evaluate": ("changjing.simulate", "changjing.cli", "changjing.report"),
}
#: the umbrella package itself: a library never reaches up into it (not even for __version__)
UMBRELLA = "changjing"


PACKAGES = {"simulate": "changjing.simulate", "evaluate": "changjing.evaluate"}


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the modules a file imports; relative imports are resolved against
    the package the file is installed in (``from ..report import x`` in changjing.simulate's
    top level is changjing.report)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT).with_suffix("").parts
    package = PACKAGES.get(rel[0], rel[0]).split(".") + list(rel[1:-1])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
                names.add(module)
                names.update(f"{module}.{a.name}" for a in node.names)  # from .. import x
            elif node.module:
                names.add(node.module)
    return names


@pytest.mark.parametrize("library", sorted(FORBIDDEN))
def test_libraries_do_not_import_each_other_or_the_layers_above(library):
    offenders = []
    for path in sorted((ROOT / library).rglob("*.py")):
        for name in imported_modules(path):
            if name.startswith(FORBIDDEN[library]) or name == UMBRELLA:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_importing_a_library_does_not_pull_in_the_other():
    code = ("import sys, changjing.evaluate.scoring, changjing.evaluate.impact; "
            "print(any(m.startswith('changjing.simulate') for m in sys.modules), "
            "'mesa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_relative_imports_are_resolved_against_the_installed_package():
    path = ROOT / "simulate" / "analysis" / "analyze.py"
    names = imported_modules(path)
    # analyze.py imports the sweep store of its parent package; written absolute or relative,
    # the resolved name is the same.
    assert "changjing.simulate.store" in names
