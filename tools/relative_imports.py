"""Rewrite absolute imports *within* a library as relative imports.

The libraries live at the top of the repository (``simulate/``, ``evaluate/``,
``scenarios_data/``) and are installed as ``changjing.simulate`` etc.  Inside a library, an
import of the same library is written relative (``from .config import Config``,
``from ..errors import SimulateError``) so that it resolves from the file's own location,
whatever name the library is imported under.  Imports that cross libraries or reach the
layers on top (``changjing.cli`` → ``changjing.simulate``) stay absolute.

Usage::

    python tools/relative_imports.py            # rewrite in place, list changed files
    python tools/relative_imports.py --check    # exit 1 (and list files) if a rewrite is due

Deterministic and idempotent: only the dotted module name between ``from`` and ``import`` is
replaced (comments, parentheses, aliases and line breaks are kept), and a second run changes
nothing.  ``import changjing.simulate.x as y`` becomes ``from . import x as y``; a bare
``import changjing.simulate.x`` (which binds the name ``changjing``) cannot be rewritten
without touching its uses, so it is reported and left alone.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: repository folder -> the package it is installed as
LIBRARIES = {
    "simulate": "changjing.simulate",
    "evaluate": "changjing.evaluate",
    "scenarios_data": "changjing.scenarios_data",
}


def package_of(path: Path, base: Path, package: str) -> list[str]:
    """Dotted parts of the package a file under ``base`` (the library folder) belongs to;
    for ``__init__.py`` that is the package itself."""
    rel = path.relative_to(base).with_suffix("")
    parts = package.split(".") + list(rel.parts)
    return parts[:-1]  # drop the module's own name, or "__init__"


def relative_name(target: str, current: list[str]) -> str:
    """``target`` (absolute, dotted) as seen from package ``current``: dots plus the rest."""
    t = target.split(".")
    common = 0
    while common < min(len(t), len(current)) and t[common] == current[common]:
        common += 1
    level = len(current) - common + 1
    return "." * level + ".".join(t[common:])


def _name_span(tokens: list[tokenize.TokenInfo], start: tuple[int, int],
               keyword: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Source span of the dotted name that follows ``keyword`` at statement ``start``."""
    i = next(k for k, tok in enumerate(tokens) if tok.start >= start)
    while not (tokens[i].type == tokenize.NAME and tokens[i].string == keyword):
        i += 1
    i += 1
    first = last = tokens[i]
    while tokens[i + 1].type == tokenize.OP and tokens[i + 1].string == ".":
        i += 2
        last = tokens[i]
    return first.start, last.end


def rewrite_source(text: str, current: list[str], library: str) -> tuple[str, list[str]]:
    """Return the rewritten text and notes about imports that were left alone."""
    tree = ast.parse(text)
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    prefix = library + "."
    edits: list[tuple[tuple[int, int], tuple[int, int], str]] = []
    notes: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and (
                node.module == library or node.module.startswith(prefix)):
            span = _name_span(tokens, (node.lineno, node.col_offset), "from")
            edits.append((*span, relative_name(node.module, current)))
        elif isinstance(node, ast.Import):
            hits = [a for a in node.names if a.name == library or a.name.startswith(prefix)]
            if not hits:
                continue
            if len(node.names) == 1 and hits[0].asname and "." in hits[0].name:
                parent, _, leaf = hits[0].name.rpartition(".")
                start = (node.lineno, node.col_offset)
                end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
                edits.append((start, end, f"from {relative_name(parent, current)} import "
                                          f"{leaf} as {hits[0].asname}"))
            else:
                notes.append(f"line {node.lineno}: `import {hits[0].name}` left absolute "
                             "(bare import binds `changjing`; rewrite its uses by hand)")
    if not edits:
        return text, notes
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def pos(rc: tuple[int, int]) -> int:
        return offsets[rc[0] - 1] + rc[1]

    out = text
    for start, end, new in sorted(edits, key=lambda e: pos(e[0]), reverse=True):
        out = out[:pos(start)] + new + out[pos(end):]
    return out, notes


def run(check: bool = False, root: Path = ROOT) -> list[Path]:
    """Rewrite (or, with ``check``, only find) every file that needs it; return them."""
    changed = []
    for folder, package in LIBRARIES.items():
        for path in sorted((root / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            new, notes = rewrite_source(text, package_of(path, root / folder, package), package)
            for note in notes:
                print(f"{path.relative_to(root)}: {note}", file=sys.stderr)
            if new != text:
                changed.append(path)
                if not check:
                    path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report files that would change; exit 1 if any")
    args = parser.parse_args(argv)
    changed = run(check=args.check)
    for path in changed:
        print(path.relative_to(ROOT))
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
