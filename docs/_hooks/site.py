"""MkDocs hooks: the API sources in their installed layout, and the Chinese home page.

**API sources.**
The repository keeps ``simulate/``, ``evaluate/``, ``scenarios_data/`` and ``experiments/``
beside ``changjing/``; installed, they are ``changjing.simulate`` and so on (pyproject's
package-dir).  Static analysis (griffe) reads folders, so before the build this hook copies
the Python files into ``build/api_src/changjing/`` in the installed layout; mkdocs.yml points
mkdocstrings there.  Nothing is imported, so building the docs runs no package code.

**Chinese home page.** ``docs/zh/index.md`` is README.zh.md, read at build time (one source,
so the site and the repository page never disagree); its links are rewritten for the site.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "build" / "api_src"
LAYOUT = {"changjing": "changjing", "simulate": "changjing/simulate",
          "evaluate": "changjing/evaluate", "scenarios_data": "changjing/scenarios_data"}


def on_startup(**kwargs) -> None:
    if TARGET.exists():
        shutil.rmtree(TARGET)
    for src, dst in LAYOUT.items():
        for path in sorted((ROOT / src).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            out = TARGET / dst / path.relative_to(ROOT / src)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)


ZH_PAGE = "zh/index.md"


def zh_home(readme: str) -> str:
    """README.zh.md with links for the site: docs/X -> ../X, README.md -> the English home;
    links to other repository files (outside the site) become plain text."""
    def link(m: re.Match) -> str:
        text, target = m.group(1), m.group(2)
        if re.match(r"^[a-z]+://", target):
            return m.group(0)
        if target.startswith("docs/"):
            return f"[{text}](../{target.removeprefix('docs/')})"
        if target == "README.md":
            return f"[{text}](../index.md)"
        return text
    return re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", link, readme)


def on_page_read_source(page, config, **kwargs) -> str | None:
    if page.file.src_uri == ZH_PAGE:
        return zh_home((ROOT / "README.zh.md").read_text(encoding="utf-8"))
    return None
