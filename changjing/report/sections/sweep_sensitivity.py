"""The sweep's sensitivity section: Sobol (S1, ST) or Morris (μ*) indices of each target over the
experiment's uncertain parameters, for the baseline arm.

The analysis's own ``sensitivity`` table is used when present; otherwise the indices are computed
here with :mod:`changjing.simulate.analysis.sensitivity` from the store's design points and final
values.  :func:`most_influential` names the parameter with the largest index (used by the
executive summary's recommendation).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Paragraph, Section, Table
from changjing.report.sections import Context
from changjing.report.sections.sweep_data import TARGETS


def section(folder: Path, manifest: dict[str, Any], tables: dict[str, pd.DataFrame],
                 base: str, ctx: Context, prefix: str) -> Section:
    sec = Section(f"{prefix}-sensitivity", ctx.t("sensitivity"))
    frame = tables.get("sensitivity")
    note = ""
    if frame is not None:
        frame, note = _given_sensitivity(frame, base, ctx)
    else:
        frame, note = _compute_sensitivity(folder, manifest, base, ctx)
    if frame is None or frame.empty:
        sec.add(Paragraph(note or ctx.t("sensitivity_none"), "note"))
        return sec
    if note:
        sec.add(Paragraph(note))
    inds = [c for c in TARGETS if c in set(frame["indicator"])] or \
        list(dict.fromkeys(frame["indicator"]))
    value = "ST" if "ST" in frame else "mu_star"
    inds = [c for c in inds if frame.loc[frame["indicator"] == c, value].notna().any()]
    labels = {c: ctx.label(c) for c in inds}
    if not inds:                       # every indicator constant: nothing to rank
        return sec
    if "ST" in frame:
        cols = [("S1", "S1_conf", "S1"), ("ST", "ST_conf", "ST")]
        caption = ctx.t("sensitivity_caption")
        fmts = {"S1": "float3", "S1_conf": "float3", "ST": "float3", "ST_conf": "float3"}
    else:
        cols = [("mu_star", "mu_star_conf", "μ*")]
        caption = ctx.t("morris_caption")
        fmts = {"mu": "float3", "mu_star": "float3", "mu_star_conf": "float3",
                "sigma": "float3"}
    fig = F.index_bars(frame, inds, labels, cols)
    sec.add(F.render(fig, f"{prefix}_sensitivity", ctx.t("sensitivity"), caption))
    show = frame.assign(indicator_label=frame["indicator"].map(lambda c: ctx.label(c)))
    keep = ["indicator_label", "param", *[c for c in fmts if c in show]]
    sec.add(Table("sensitivity", ctx.t("sensitivity"), show[keep],
                  {"indicator_label": ctx.t("indicator"),
                   "param": "parameter" if ctx.lang == "en" else "参数"}, fmts))
    return sec


def _given_sensitivity(frame: pd.DataFrame, base: str, ctx: Context
                       ) -> tuple[pd.DataFrame, str]:
    """The analysis's own table (columns arm, method, output, param, indices, noise_share,
    note): the baseline arm's rows, with ``output`` as ``indicator``."""
    if "output" in frame and "indicator" not in frame:
        frame = frame.rename(columns={"output": "indicator"})
    if "arm" in frame and (frame["arm"] == base).any():
        frame = frame[frame["arm"] == base]
    frame = frame.reset_index(drop=True)
    for note in dict.fromkeys(frame.get("note", pd.Series(dtype=object)).dropna()):
        if str(note).strip():
            ctx.warnings.append(f"sensitivity — {note}")
    share = frame["noise_share"].dropna() if "noise_share" in frame else pd.Series(dtype=float)
    noise = f"{share.astype(float).mean():.0%}" if len(share) else "–"
    return frame, ctx.t("sensitivity_arm", arm=base, noise=noise)


def _compute_sensitivity(folder: Path, manifest: dict[str, Any], base: str, ctx: Context
                         ) -> tuple[pd.DataFrame | None, str]:
    resolved = manifest.get("experiment_resolved", {})
    spec = resolved.get("spec", {})
    design = (spec.get("design") or {})
    kind = design.get("type")
    unc = spec.get("uncertainties") or {}
    if kind not in ("sobol", "morris") or not unc:
        return None, ctx.t("sensitivity_none")
    try:
        from changjing.simulate.analysis import sensitivity as S
    except ImportError:
        return None, ctx.t("sensitivity_none")
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.store import ResultStore

    names = list(unc)
    store = ResultStore(folder)
    try:
        points = store.points().sort_values("point").set_index("point")
        final = store.final()
    finally:
        store.close()
    X = points[names].astype(float).copy()
    bounds = []
    for n in names:
        lo, hi = unc[n]["range"]
        if unc[n].get("scale") == "log":
            X[n] = np.log(X[n])
            lo, hi = np.log(lo), np.log(hi)
        bounds.append((float(lo), float(hi)))
    problem = S.Problem(names, bounds)
    runs = final[final["arm"] == base]
    seed = int(manifest.get("root_seed", 0) or 0)
    rows, noise, problems = [], [], []
    for ind in [c for c in TARGETS if c in final.columns]:
        Y = runs[["point", ind]]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RuntimeWarning)
                if kind == "sobol":
                    res = S.sobol_analyze(problem, X, Y, seed=seed, output=ind,
                                          second_order=bool(design.get("second_order")),
                                          n_boot=500)
                else:
                    res = S.morris_analyze(problem, X, Y, seed=seed, output=ind, n_boot=500)
            for w in caught:
                problems.append(f"{ctx.label(ind)}: {w.message}")
        except (SimulateError, ValueError) as exc:
            problems.append(f"{ctx.label(ind)}: {exc}")
            continue
        res.insert(0, "indicator", ind)
        rows.append(res)
        share = (res.attrs.get("noise") or {}).get("noise_share")
        if share is not None:
            noise.append(share)
    for p in problems:
        ctx.warnings.append(f"sensitivity — {p}")
    if not rows:
        return None, "; ".join(problems) or ctx.t("sensitivity_none")
    frame = pd.concat(rows, ignore_index=True)
    share = f"{np.mean(noise):.0%}" if noise else "–"
    return frame, ctx.t("sensitivity_arm", arm=base, noise=share)

