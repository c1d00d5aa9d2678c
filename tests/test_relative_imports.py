"""Inside each library, imports of the same library are relative; the rewrite tool is exact.

``python tools/relative_imports.py`` fixes a failure of the first test (after a merge, say)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool():
    spec = importlib.util.spec_from_file_location("relative_imports",
                                                  ROOT / "tools" / "relative_imports.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["relative_imports"] = module
    spec.loader.exec_module(module)
    return module


def test_no_absolute_import_of_the_same_library_is_left():
    changed = _tool().run(check=True)
    assert not changed, ("absolute same-library imports in "
                         f"{[str(p.relative_to(ROOT)) for p in changed]}; "
                         "run `python tools/relative_imports.py`")


def test_rewrite_is_exact_and_idempotent():
    tool = _tool()
    src = ("from __future__ import annotations\n"
           "import changjing.simulate.store as st\n"
           "from changjing.simulate.errors import SimulateError  # why\n"
           "from changjing.simulate.analysis.prim import (\n    prim,\n)\n"
           "from changjing.simulate import config\n"
           "from changjing.evaluate.tables import read_table\n"
           "def f():\n    from changjing.simulate.analysis import summaries\n")
    pkg = ["changjing", "simulate", "analysis"]          # a module of changjing.simulate.analysis
    out, notes = tool.rewrite_source(src, pkg, "changjing.simulate")
    assert out == ("from __future__ import annotations\n"
                   "from .. import store as st\n"
                   "from ..errors import SimulateError  # why\n"
                   "from .prim import (\n    prim,\n)\n"
                   "from .. import config\n"
                   "from changjing.evaluate.tables import read_table\n"
                   "def f():\n    from . import summaries\n")
    assert notes == []
    assert tool.rewrite_source(out, pkg, "changjing.simulate") == (out, [])
    bare, notes = tool.rewrite_source("import changjing.simulate.store\n", pkg,
                                      "changjing.simulate")
    assert bare == "import changjing.simulate.store\n" and len(notes) == 1


def test_package_of_a_module_and_of_an_init(tmp_path):
    tool = _tool()
    base = ROOT / "simulate"
    assert tool.package_of(base / "analysis" / "prim.py", base, "changjing.simulate") == [
        "changjing", "simulate", "analysis"]
    assert tool.package_of(base / "analysis" / "__init__.py", base, "changjing.simulate") == [
        "changjing", "simulate", "analysis"]
    assert tool.package_of(base / "config.py", base, "changjing.simulate") == [
        "changjing", "simulate"]
