"""Static checks: the source tree is navigable by tools that read files, not import hooks.

A type checker resolves every import (``changjing.simulate`` etc. through the symlinks in
changjing/, relative imports inside each library) and passes; ruff passes.  The checker
tests run when mypy / ruff are installed (the ``lint`` extra) and skip otherwise.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = {"simulate": "simulate", "evaluate": "evaluate", "scenarios_data": "scenarios_data"}


@pytest.mark.parametrize("name", sorted(LIBRARIES))
def test_each_library_is_reachable_as_a_subpackage_of_changjing_on_disk(name):
    link = ROOT / "changjing" / name
    assert link.is_symlink(), f"changjing/{name} should be a symlink to ../{name}"
    assert link.resolve() == (ROOT / LIBRARIES[name]).resolve()
    assert (link / "__init__.py").is_file()


def test_the_umbrella_package_does_not_extend_its_path():
    tree = ast.parse((ROOT / "changjing" / "__init__.py").read_text(encoding="utf-8"))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert "__path__" not in names | attrs


def _tool(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        pytest.skip(f"{module} is not installed (pip install -e '.[lint]')")


def test_mypy_resolves_every_import_and_passes():
    _tool("mypy")
    # The configuration ([tool.mypy] in pyproject.toml) names the files and fails on any
    # unresolved first-party import.
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental"], cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_mypy_reports_an_unresolved_first_party_import(tmp_path):
    """The check can fail: a misspelt library module is an error, not a silent Any."""
    _tool("mypy")
    probe = tmp_path / "probe.py"
    probe.write_text("from changjing.simulate.confg import Config\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental",
                          "--config-file", str(ROOT / "pyproject.toml"), str(probe)],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0
    assert "changjing.simulate.confg" in out.stdout


def test_ruff_passes():
    if shutil.which("ruff") is None:
        _tool("ruff")
    exe = shutil.which("ruff") or "ruff"
    out = subprocess.run([exe, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
