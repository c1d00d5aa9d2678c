"""The sweep's scenario-discovery section: PRIM boxes describing the conditions (levers and
uncertain parameters) under which targets are missed.

Rules come from the analysis (``discovery`` table and ``discovery_text``) when it provides them;
otherwise PRIM is run here with :func:`changjing.simulate.analysis.prim.prim` on the store's
final values.  The rule for "at least one target missed" is always computed here, over the same
design matrix the analysis uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from changjing.report.document import Bullets, Paragraph, Section, Table
from changjing.report.sections import Context
from changjing.report.sections.sweep_data import TARGETS


def _design_frame(folder: Path, manifest: dict[str, Any], final: pd.DataFrame) -> pd.DataFrame:
    """One row a run: the levers (numeric where they are numbers) and uncertain parameters."""
    from changjing.simulate.store import ResultStore

    resolved = manifest.get("experiment_resolved", {})
    spec = resolved.get("spec", {})
    lever_names = {v.get("key"): n for n, v in (spec.get("levers") or {}).items()}
    arm_settings = {str(a["arm"]): a.get("settings", {}) for a in resolved.get("arms", [])}
    keys = list(dict.fromkeys(k for s in arm_settings.values() for k in s))
    X = pd.DataFrame(index=final.index)
    scalar = all(isinstance(s.get(k), (int, float)) and not isinstance(s.get(k), bool)
                 for s in arm_settings.values() for k in keys)
    if keys and scalar:
        for k in keys:
            X[lever_names.get(k, k)] = final["arm"].map(
                lambda a, k=k: float(arm_settings.get(str(a), {}).get(k, np.nan)))
    elif len(arm_settings) > 1:
        X["arm"] = final["arm"].astype(str).to_numpy()
    unc = list(spec.get("uncertainties") or {})
    if unc:
        store = ResultStore(folder)
        try:
            points = store.points().set_index("point")
        finally:
            store.close()
        for n in unc:
            X[n] = final["point"].map(points[n]).to_numpy()
    return X.dropna(axis=1)


def section(folder: Path, manifest: dict[str, Any], tables: dict[str, pd.DataFrame],
               targets: dict[str, float], arms: list[str], ctx: Context, prefix: str,
               texts: list[dict[str, str]] | None = None) -> Section:
    sec = Section(f"{prefix}-discovery", ctx.t("discovery"))
    if texts is not None:
        return _given_discovery(sec, folder, manifest, tables.get("discovery"), texts, targets,
                                ctx)
    try:
        from changjing.simulate.analysis.prim import prim
    except ImportError:
        sec.add(Paragraph(ctx.t("sensitivity_none"), "note"))
        return sec
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        final = store.final([c for c in store.outputs if c in TARGETS])
    finally:
        store.close()
    X = _design_frame(folder, manifest, final)
    present = [c for c in TARGETS if c in final.columns and c in targets]
    if X.shape[1] == 0 or not present:
        sec.add(Paragraph(ctx.t("discovery_none", what="—"), "note"))
        return sec
    sec.add(Paragraph(ctx.t("discovery_intro")))
    reached = pd.DataFrame({c: final[c].to_numpy() >= targets[c] for c in present})
    cases = {"all_targets": ~reached.all(axis=1).to_numpy()}
    cases.update({c: ~reached[c].to_numpy() for c in present})
    rows, items = [], []
    for code, y in cases.items():
        what = ctx.t("missed_label") if code == "all_targets" else \
            ctx.t("missed_label_one", t=ctx.label(code))
        if y.all() or not y.any():
            share = "100%" if y.all() else "0%"
            items.append(ctx.t("discovery_none", what=f"{what}: {share}"))
            continue
        try:
            res = prim(X, y, label=what)
        except SimulateError as exc:
            ctx.warnings.append(f"scenario discovery — {code}: {exc}")
            continue
        items.append(res.describe(ctx.lang, label=what))
        lim = res.to_frame()
        for r in lim.itertuples():
            rows.append({"case": what, "param": r.param, "lower": r.lower, "upper": r.upper,
                         "categories": "" if r.categories is None else
                         ", ".join(map(str, r.categories)), "qp_value": r.qp_value,
                         "coverage": r.coverage, "density": r.density, "mass": r.mass})
    if items:
        sec.add(Paragraph(items[0]))
        if len(items) > 1:
            sec.add(Bullets(items[1:]))
    if rows:
        sec.add(Table("discovery", ctx.t("discovery"), pd.DataFrame(rows),
                      {"case": "case" if ctx.lang == "en" else "情形",
                       "param": "parameter" if ctx.lang == "en" else "参数",
                       "lower": "≥", "upper": "≤", "categories": "categories"
                       if ctx.lang == "en" else "类别", "qp_value": ctx.term("quasi-p"),
                       "coverage": "coverage" if ctx.lang == "en" else "覆盖率",
                       "density": "density" if ctx.lang == "en" else "密度",
                       "mass": "mass" if ctx.lang == "en" else "质量"},
                      {"lower": "sci", "upper": "sci", "qp_value": "sci", "coverage": "pct",
                       "density": "pct", "mass": "pct"}))
    return sec


def _relabel(text: str, code: str, ctx: Context) -> str:
    """Put the target's label in place of its code in a sentence from the analysis."""
    return text.replace(f"{code} is missed", ctx.t("missed_label_one", t=ctx.label(code))) \
        .replace(f"{code} 未达标", ctx.t("missed_label_one", t=ctx.label(code))) \
        .replace(f"{code}：", f"“{ctx.label(code)}”：").replace(f"{code}:", f"“{ctx.label(code)}”:")


def _given_discovery(sec: Section, folder: Path, manifest: dict[str, Any],
                     table: pd.DataFrame | None, texts: list[dict[str, str]],
                     targets: dict[str, float], ctx: Context) -> Section:
    """Rules from the analysis (one per target), plus the rule for missing any target."""
    sec.add(Paragraph(ctx.t("discovery_intro")))
    items = [_relabel(t.get(ctx.lang) or t.get("en", ""), t.get("target", ""), ctx)
             for t in texts]
    first = _all_targets_rule(folder, manifest, targets, ctx)
    if first:
        sec.add(Paragraph(first))
    if items:
        sec.add(Bullets(items))
    if table is not None and len(table):
        show = table.copy()
        if "target" in show:
            show["target"] = show["target"].map(ctx.label)
        if "categories" in show:
            show["categories"] = show["categories"].map(
                lambda c: "" if c is None or (isinstance(c, float) and np.isnan(c)) else
                ", ".join(map(str, c)) if isinstance(c, (list, tuple)) else str(c))
        keep = [c for c in ("target", "param", "lower", "upper", "categories", "qp_value",
                            "coverage", "density", "mass", "miss_rate") if c in show]
        sec.add(Table("discovery", ctx.t("discovery"), show, _DISCOVERY_HEADERS(ctx),
                      {"lower": "sig4", "upper": "sig4", "qp_value": "sci", "coverage": "pct",
                       "density": "pct", "mass": "pct", "miss_rate": "pct"},
                      page_columns=keep))
    return sec


def _DISCOVERY_HEADERS(ctx: Context) -> dict[str, str]:
    en = ctx.lang == "en"
    return {"target": ctx.t("target"), "case": "case" if en else "情形",
            "param": "parameter" if en else "参数", "lower": "≥", "upper": "≤",
            "categories": "categories" if en else "类别", "qp_value": ctx.term("quasi-p"),
            "coverage": "coverage" if en else "覆盖率", "density": "density" if en else "密度",
            "mass": "mass" if en else "质量", "miss_rate": "miss rate" if en else "未达标比例"}


def _all_targets_rule(folder: Path, manifest: dict[str, Any], targets: dict[str, float],
                      ctx: Context) -> str:
    """PRIM on 'at least one target missed', over the same design matrix as the analysis."""
    from changjing.simulate.analysis.prim import prim
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        final = store.final([c for c in store.outputs if c in TARGETS])
        points = store.points()
    finally:
        store.close()
    present = [c for c in TARGETS if c in final.columns and c in targets]
    try:
        from changjing.simulate.analysis.discovery import design_matrix

        X = design_matrix(manifest["experiment_resolved"], points, final)
    except (ImportError, KeyError):
        X = _design_frame(folder, manifest, final)
    what = ctx.t("missed_label")
    if not present or X.shape[1] == 0:
        return ""
    y = ~pd.DataFrame({c: final[c].to_numpy() >= targets[c] for c in present}).all(axis=1)
    y = y.to_numpy()
    if y.all() or not y.any():
        return ctx.t("discovery_none", what=f"{what}: {'100%' if y.all() else '0%'}")
    try:
        return prim(X.reset_index(drop=True), y, label=what).describe(ctx.lang, label=what)
    except SimulateError as exc:
        ctx.warnings.append(f"scenario discovery — all targets: {exc}")
        return ""

