"""The interactive report: one self-contained HTML file from a finished sweep, where a slider
moves across the swept arms and the bands, P(target) and paired differences against the
baseline arm follow (``changjing report SWEEP --interactive --out FILE.html``).

The numbers are the what-if page's (:func:`changjing.app.summary.compare`, over the sweep
analysis functions) for every arm against the baseline arm, computed once and embedded as JSON;
the page's own script and style are inlined, the font is embedded (only the glyphs shown), and
nothing is fetched: the file opens by double-click, offline.  Data-derived strings reach the
page only as JSON inside a ``<script type="application/json">`` element (``<`` escaped, so no
name can close it) and are inserted as text.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from changjing.report.errors import ReportError


def interactive_data(folder: str | Path, lang: str = "zh") -> dict[str, Any]:
    """Setup and one comparison per arm (against the baseline arm) of the sweep in ``folder``."""
    from changjing.app import labels
    from changjing.app.summary import CONVENTIONS, compare, indicators_of
    from changjing.simulate.analysis.analyze import open_store
    from changjing.simulate.errors import SimulateError

    try:
        store, manifest = open_store(folder)
    except SimulateError as exc:
        raise ReportError(str(exc)) from None
    try:
        resolved = manifest["experiment_resolved"]
        spec = resolved["spec"]["experiment"]
        arm_names = [str(a["arm"]) for a in resolved["arms"]]
        baseline = spec.get("baseline_arm") or arm_names[0]
        base_cfg = resolved["base_config"]
        targets = {k: float(v) for k, v in base_cfg["targets"].items()}
        runs = store.runs()
        ok = runs[runs["status"] == "ok"]
        if ok.empty:
            raise ReportError(f"{folder}: no finished runs to show")
        inds = indicators_of(store.outputs)
        final, ts = store.final(inds), store.timeseries(inds)
        funnel, budget = store.funnel(), store.budget()
        done = set(ok["arm"])
        arms = [{"name": a, "summary": compare(ok, final, ts, funnel, budget, baseline=baseline,
                                               arm=a, targets=targets, indicators=inds)}
                for a in arm_names if a in done]
    finally:
        store.close()
    from changjing.report.i18n import translate

    rule = str(manifest.get("seed_rule", ""))
    for a in arms:           # a sweep's seeds follow its own rule (design point, replication)
        a["summary"]["conventions"] = a["summary"]["conventions"] | {"seeds": rule}
        a["summary"]["conventions_zh"] = a["summary"]["conventions_zh"] | {
            "seeds": translate(rule, "zh")}
    setup = {
        "lang": lang, "experiment": str(manifest.get("name", "")), "baseline_arm": baseline,
        "targets": targets, "indicators": inds, "labels": labels(lang, inds),
        "conventions": CONVENTIONS | {"seeds": str(manifest.get("seed_rule", ""))},
        "root_seed": spec.get("root_seed"), "months": base_cfg["run"]["months"],
        "firms": base_cfg["firms"]["n"], "runs": int(len(ok)), "planned": int(len(runs)),
        "points": int(final["point"].nunique()),
    }
    return {"setup": setup, "arms": arms}


def interactive_html(folder: str | Path, lang: str = "zh") -> str:
    """The self-contained interactive page of the sweep in ``folder``."""
    from changjing.app import font_css
    from changjing.app.server import static_text

    data = interactive_data(folder, lang)
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False, sort_keys=True)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    css = static_text("whatif.css")
    js = static_text("whatif.js").replace("</", "<\\/")
    title = html.escape(f"{data['setup']['experiment']} · changjing", quote=True)
    return (f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{title}</title>\n<style>\n{font_css(payload)}\n{css}</style>\n</head>\n"
            '<body>\n<div id="app"></div>\n'
            f'<script type="application/json" id="cj-data">{payload}</script>\n'
            f"<script>\n{js}</script>\n</body>\n</html>\n")


def write_interactive(folder: str | Path, out: str | Path, *, lang: str = "zh",
                      overwrite: bool = False) -> Path:
    """Write the interactive page of ``folder`` to ``out`` (refuses to replace a file unless
    ``overwrite``)."""
    import os

    out = Path(out)
    if out.exists() and (out.is_dir() or not overwrite):
        raise ReportError(f"{out}: already exists; pass --overwrite to replace it"
                          if not out.is_dir() else f"{out}: is a folder, expected a file name")
    text = interactive_html(folder, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    return out
