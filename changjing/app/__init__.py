"""The interactive what-if page (``changjing whatif``) and what it shares with the interactive
report (``changjing report --interactive``).

* :mod:`.controls` — controls from an experiment's levers and the config's parameter metadata;
* :mod:`.session` — validated settings, progressive common-random-number replications on a
  warm worker pool, cancellation, "save as experiment" and "build report";
* :mod:`.summary` — one arm against the baseline arm (bands, P(target), paired differences,
  funnel, budget) from the sweep analysis functions;
* :mod:`.server` — a standard-library HTTP server with JSON endpoints and one static page
  (``static/whatif.html``, ``whatif.js``, ``whatif.css``: vanilla JavaScript drawing SVG, no
  framework, nothing fetched from the network).

See docs/whatif.md.
"""

from __future__ import annotations

import string
from typing import Any

LANGS = ("zh", "en")


def labels(lang: str, codes: list[str] | None = None) -> dict[str, str]:
    """The report's names of the 十百千 targets, stages, instruments and indicators."""
    from changjing.report.i18n import label, programme

    prog = programme()
    names = [*prog.get("targets", {}), "all_targets",
             *(s["code"] for s in prog.get("stages", [])),
             "lab_grants", "pilot_subsidies", "matchmaking", "attraction",
             "budget_spent_yuan", "demonstrations", "scenarios_released", "adopters",
             *(codes or [])]
    return {c: label(c, lang) for c in dict.fromkeys(names)}


def page_setup(session: Any, lang: str) -> dict[str, Any]:
    """Everything the page needs to draw its controls (JSON-ready)."""
    from .summary import CONVENTIONS

    exp = session.exp
    arms = [{"name": str(a), "settings": s} for a, s in
            zip(exp.arms["arm"], exp.arms["settings"], strict=True)]
    return {
        "lang": lang,
        "experiment": exp.name,
        "experiment_file": exp.path,
        "description": exp.spec.experiment.description,
        "baseline_arm": session.baseline_name,
        "baseline_settings": {c["key"]: c["baseline"] for c in session.controls},
        "controls": session.controls,
        "arms": arms,
        "replications": exp.replications,
        "max_replications": 1000,
        "targets": session.targets,
        "indicators": session.indicators,
        "labels": labels(lang, session.indicators),
        "can_write": session.out is not None,
        "out": str(session.out) if session.out is not None else None,
        "conventions": CONVENTIONS,
        "root_seed": session.root_seed,
        "months": session.baseline_config.run.months,
        "firms": session.baseline_config.firms.n,
        "uncertainties_ignored": bool(len(exp.points) > 1 or exp.unc_keys),
    }


def font_css(text: str) -> str:
    """An @font-face rule with the report font's glyphs for ``text`` (plus ASCII), or ``""``."""
    from changjing.report.fonts import find_cjk_font, font_face_css

    try:
        font = find_cjk_font("bundled")
    except Exception:  # noqa: BLE001 - the page falls back to the system's fonts
        return ""
    from .server import static_text

    # the page's own words (in whatif.js) and the data's
    return font_face_css(font, text + static_text("whatif.js") + string.printable)
