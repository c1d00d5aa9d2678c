"""One module per kind of input folder; each exposes ``build(folder, manifest, ctx)``
returning a list of :class:`~changjing.report.document.Section`.

The kind comes from ``manifest.json``: its ``"kind"`` field when present (``changjing.run``,
``changjing.sweep``), otherwise recognised from the writing command's own field (the scoring and
impact outputs say ``"tool": "changjing evaluate score"`` / ``"command": "changjing evaluate
impact"``).  To add a kind: write ``sections/<kind>.py`` with ``build`` and ``provenance`` and add
it to ``MODULES``.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changjing.report.errors import ReportError

MODULES = {
    "changjing.run": "changjing.report.sections.run",
    "changjing.sweep": "changjing.report.sections.sweep",
    "changjing.score": "changjing.report.sections.scoring",
    "changjing.impact": "changjing.report.sections.impact",
}
_ALIASES = {"changjing.scoring": "changjing.score", "changjing.evaluate.score": "changjing.score",
            "changjing.evaluate.scoring": "changjing.score",
            "changjing.evaluate.impact": "changjing.impact"}


@dataclass
class Context:
    """What every section builder needs: language, options, a place to collect warnings."""

    lang: str = "en"
    probability: float = 0.8             # the probability the executive summary asks for
    top: int = 20                        # rows of long rankings shown on the page
    warnings: list[str] = field(default_factory=list)
    font: Any = None                     # fonts.CJKFont or None

    def t(self, key: str, **fmt: object) -> str:
        from changjing.report.i18n import text

        return text(key, self.lang, **fmt)

    def tr(self, text: object) -> str:
        """A sentence or code from the analyses in the report's language."""
        from changjing.report.i18n import translate

        return translate(text, self.lang)

    def term(self, code: object) -> str:
        from changjing.report.i18n import term

        return term(code, self.lang)

    def label(self, code: str) -> str:
        from changjing.report.i18n import label

        return label(code, self.lang)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; give a folder written by changjing run, "
                          "sweep, evaluate score or evaluate impact")
    if not path.is_file():
        raise ReportError(f"{folder}: no manifest.json; give a folder written by changjing run, "
                          "sweep, evaluate score or evaluate impact")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReportError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return data


def detect_kind(folder: Path, manifest: dict[str, Any]) -> str:
    kind = manifest.get("kind")
    if isinstance(kind, str):
        kind = _ALIASES.get(kind, kind)
        if kind in MODULES:
            return kind
        import difflib

        close = difflib.get_close_matches(kind, MODULES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ReportError(f"{folder / 'manifest.json'}: kind {kind!r} is not one the report "
                          f"knows{hint}; expected one of {', '.join(MODULES)}")
    tool = str(manifest.get("tool", "")) + " " + str(manifest.get("command", ""))
    if "evaluate score" in tool:
        return "changjing.score"
    if "evaluate impact" in tool:
        return "changjing.impact"
    raise ReportError(f"{folder / 'manifest.json'}: cannot tell what wrote this folder (no "
                      "'kind', 'tool' or 'command' field); expected a folder written by changjing "
                      "run, sweep, evaluate score or evaluate impact")


def module_for(kind: str):
    return importlib.import_module(MODULES[kind])
