"""The sweep's executive summary: what was run, the cheapest arm that reaches each target, the
arms × targets probability table and the probability-versus-spending figure.

Probabilities and their 95 % Wilson intervals come from the analysis's ``targets`` table; mean
spending per arm from its ``cost`` table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Bullets, Paragraph, Section, Table, format_value, yuan
from changjing.report.sections import Context, inferred
from changjing.report.sections.sweep_data import PREFIX, TARGETS, SweepData


def section(d: SweepData, ctx: Context, sensitivity: Section | None = None) -> Section:
    tables, arms, runs, name, base, resolved = (d.tables, d.arms, d.runs, d.name, d.base,
                                                d.resolved)
    prefix = PREFIX
    spent = d.spent_by_arm()
    spec = resolved.get("spec", {}).get("experiment", {})
    n_points = len(resolved.get("points", [])) or 1
    failed = int((runs["status"] == "failed").sum())
    summary = Section(f"{prefix}-summary", ctx.t("exec_summary"))
    summary.add(Paragraph(ctx.t("sweep_intro", name=name, arms=len(arms), points=n_points,
                                reps=spec.get("replications", "?"), runs=len(runs),
                                ok=int((runs["status"] == "ok").sum()), failed=failed,
                                base=base)))
    unfinished = progress_warning(d, ctx)
    if unfinished:
        summary.add(Paragraph(unfinished, "warning"))
        ctx.warnings.append(unfinished)
    if failed:
        summary.add(Paragraph(ctx.t("failed_runs", n=failed), "warning"))
    tp = tables["targets"]
    codes = [c for c in TARGETS if c in set(tp["target"])] + ["all_targets"]
    summary.add(*recommend(tp, spent, codes, arms, ctx, drivers_from(sensitivity)))
    summary.add(_targets_display(tp, codes, arms, ctx))
    summary.add(Table("targets", ctx.t("targets_table"), tp.drop(columns=["arm_index"]),
                      show=False))
    summary.add(*assumptions(d, codes, ctx))
    varied = set((resolved.get("uncertainty_keys") or {}).values()) | {
        k for arm in resolved.get("arms", []) for k in (arm.get("settings") or {})}
    summary.add(*inferred.block(resolved.get("base_config"), ctx, varied))
    if len(spent) and len(arms) > 1:
        pts = tp[tp["target"] == "all_targets"].set_index("arm").reindex(arms).reset_index()
        pts["spent"] = pts["arm"].map(spent)
        scale, unit = (1e4, "万元") if ctx.lang == "zh" else (1e6, "M yuan")
        xlabel = f"平均支出（{unit}）" if ctx.lang == "zh" else f"Mean spending ({unit})"
        fig = F.probability_vs_cost(pts, ctx.probability, xlabel,
                                    f"{ctx.t('probability')}: {ctx.t('all_targets')}", scale)
        summary.add(F.render(fig, f"{prefix}_probability_vs_cost",
                             f"{ctx.t('probability')} · {ctx.t('all_targets')}",
                             _threshold_caption(ctx)))
    return summary


def _threshold_caption(ctx: Context) -> str:
    if ctx.lang == "zh":
        return (f"每个点为一个方案：横轴为平均支出，纵轴为四项目标全部达成的概率（误差线为 95% "
                f"Wilson 区间），虚线为要求的概率 {ctx.probability:.0%}。")
    return (f"One point an arm: mean spending against the probability of reaching all four "
            f"targets (bars: 95 % Wilson interval); dashed: the required probability "
            f"{ctx.probability:.0%}.")


def recommend(tp: pd.DataFrame, spent: pd.Series, codes: list[str], arms: list[str],
              ctx: Context, drivers: dict[str, tuple[str, str, float]] | None = None) -> list:
    """Per target, the recommendation: the cheapest arm (lowest mean spending) whose 95 %
    *lower* confidence bound on P(reach) is at least ``ctx.probability`` — an arm whose point
    estimate clears the bar but whose interval does not is not enough evidence, and is named
    separately; when no arm clears it, the best arm.  ``drivers``: target → (parameter, index
    name, value) of the most influential assumption, added when the sweep has sensitivity
    results."""
    rows, sentences = [], []
    p = f"{ctx.probability:.0%}"
    sep = "" if ctx.lang == "zh" else " "
    pct = lambda v: format_value(v, "pct")
    for code in codes:
        g = tp[tp["target"] == code].set_index("arm").reindex(arms).dropna(subset=["probability"])
        g = g.assign(spent=spent.reindex(g.index).to_numpy() if len(spent) else np.nan)
        ok = g[g["ci_low"] >= ctx.probability]
        label = ctx.label(code) if code != "all_targets" else ctx.t("all_targets")
        by_cost = (lambda f: f.sort_values("spent", kind="stable")
                   if f["spent"].notna().any() else f)
        if len(ok):
            pick = by_cost(ok).index[0]
            r = ok.loc[pick]
            sentence = ctx.t("recommend_one", t=label, p=p, arm=pick, prob=pct(r["probability"]),
                             lo=pct(r["ci_low"]), hi=pct(r["ci_high"]),
                             spent=yuan(float(r["spent"]), ctx.lang))
            rows.append({"target": label, "arm": pick, "probability": r["probability"],
                         "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                         "mean_spent_yuan": r["spent"]})
        else:
            best = g["probability"].idxmax() if len(g) else "–"
            r = g.loc[best] if len(g) else pd.Series(dtype=float)
            sentence = ctx.t("recommend_none", t=label, p=p, arm=best,
                             prob=pct(r.get("probability", np.nan)),
                             lo=pct(r.get("ci_low", np.nan)), hi=pct(r.get("ci_high", np.nan)))
            rows.append({"target": label, "arm": None, "probability": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "mean_spent_yuan": np.nan})
        # cheaper arms whose point estimate clears the bar but whose interval does not
        cheaper = g[(g["probability"] >= ctx.probability) & (g["ci_low"] < ctx.probability)]
        if len(ok) and ok["spent"].notna().any():
            cheaper = cheaper[cheaper["spent"] < ok.loc[rows[-1]["arm"], "spent"]]
        if len(cheaper):
            c = by_cost(cheaper).iloc[0]
            sentence += sep + ctx.t("recommend_point", arm=by_cost(cheaper).index[0], p=p,
                              prob=pct(c["probability"]), lo=pct(c["ci_low"]))
        if drivers and code in drivers:
            param, index, value = drivers[code]
            sentence += sep + ctx.t("recommend_driver", t=label, param=param, index=index,
                              value=f"{value:.2f}")
        if code == "all_targets":
            sentences.insert(0, sentence)
        else:
            sentences.append(sentence)
    table = Table("cheapest_arm", f"{ctx.t('cheapest')} (95% {ctx.t('lower_bound')} ≥ {p})",
                  pd.DataFrame(rows),
                  {"target": ctx.t("target"), "arm": ctx.t("arm"),
                   "probability": ctx.t("probability"), "ci_low": "95% low" if ctx.lang == "en"
                   else "95% 下限", "ci_high": "95% high" if ctx.lang == "en" else "95% 上限",
                   "mean_spent_yuan": ctx.t("mean_spent")},
                  {"probability": "pct", "ci_low": "pct", "ci_high": "pct",
                   "mean_spent_yuan": "yuan"})
    return [Paragraph(sentences[0]), Bullets(sentences[1:]), table]


def drivers_from(sens: Section | None) -> dict[str, tuple[str, str, float]]:
    """Target → (parameter, index, value) with the largest total-order index (Sobol ST, else
    Morris μ*) in the sensitivity section's table."""
    if sens is None:
        return {}
    tabs = [t for t in sens.tables() if t.key == "sensitivity"]
    if not tabs:
        return {}
    f = tabs[0].frame
    col, name = ("ST", "ST") if "ST" in f else ("mu_star", "μ*") if "mu_star" in f else (None, "")
    if col is None or "indicator" not in f:
        return {}
    out = {}
    for code, g in f.dropna(subset=[col]).groupby("indicator", sort=False):
        r = g.loc[g[col].astype(float).idxmax()]
        out[str(code)] = (str(r["param"]), name, float(r[col]))
    return out


def progress_warning(d: SweepData, ctx: Context) -> str:
    """'n of N runs' when the sweep stopped before every planned run finished ("" if done)."""
    planned = int(d.manifest.get("n_runs") or 0)
    done = int(d.runs["status"].isin(["ok", "failed"]).sum())
    if not planned or done >= planned:
        return ""
    return ctx.t("unfinished", done=done, planned=planned, share=f"{done / planned:.0%}")


def assumptions(d: SweepData, codes: list[str], ctx: Context) -> list:
    """P(target) at baseline parameters next to P(target) over the assumptions, per arm, when
    the experiment varies uncertain parameters.  "At baseline" counts the runs at the design
    points whose every uncertain value equals the base configuration's; "over the
    assumptions" is the analysis's probability over all runs (Wilson 95 % both)."""
    from changjing.simulate.analysis.summaries import wilson_interval

    unc = d.spec.get("uncertainties")
    keys = d.resolved.get("uncertainty_keys") or {}
    if not isinstance(unc, dict) or not unc or not keys:
        return []
    base_cfg = d.resolved.get("base_config", {})

    def base_value(key: str):
        node: Any = base_cfg
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node

    points = pd.DataFrame(d.resolved.get("points", []))
    names = [n for n in keys if n in points.columns]
    blocks: list = [Paragraph(ctx.t("assumptions_intro", n=len(names), names=", ".join(names)))]
    at_base = pd.Series(True, index=points.index)
    for n in names:
        b = base_value(keys[n])
        if not isinstance(b, (int, float)) or isinstance(b, bool):
            at_base[:] = False
            break
        at_base &= np.isclose(points[n].astype(float), float(b), rtol=1e-9, atol=0)
    base_points = set(points.loc[at_base, "point"]) if "point" in points else set()
    final = _final_values(d)
    tp = d.tables["targets"]
    rows = []
    for arm in d.arms:
        for code in codes:
            g = tp[(tp["arm"] == arm) & (tp["target"] == code)]
            if g.empty:
                continue
            r = g.iloc[0]
            row = {"arm": arm, "target": ctx.label(code) if code != "all_targets" else
                   ctx.t("all_targets"), "over": f"{r['probability']:.0%} "
                   f"({r['ci_low']:.0%}–{r['ci_high']:.0%})", "at_base": "–"}
            if base_points and final is not None:
                runs = final[(final["arm"] == arm) & final["point"].isin(base_points)]
                reached = _reached(runs, code, d.targets)
                if reached is not None and len(reached):
                    k, n = int(reached.sum()), len(reached)
                    lo, hi = (float(x[0]) for x in wilson_interval(np.array([k]),
                                                                     np.array([n])))
                    row["at_base"] = f"{k / n:.0%} ({lo:.0%}–{hi:.0%}, n={n})"
            rows.append(row)
    if not base_points:
        blocks.append(Paragraph(ctx.t("no_baseline_point"), "note"))
    blocks.append(Table("assumptions", ctx.t("assumptions_table"), pd.DataFrame(rows),
                        {"arm": ctx.t("arm"), "target": ctx.t("target"),
                         "at_base": ctx.t("at_baseline"), "over": ctx.t("over_assumptions")},
                        page_columns=["arm", "target", "at_base", "over"]))
    return blocks


def _final_values(d: SweepData) -> pd.DataFrame | None:
    from changjing.simulate.store import ResultStore

    store = ResultStore(d.folder)
    try:
        return store.final([c for c in store.outputs if c in TARGETS])
    finally:
        store.close()


def _reached(runs: pd.DataFrame, code: str, targets: dict[str, float]) -> pd.Series | None:
    codes = [c for c in TARGETS if c in runs.columns and c in targets]
    if code == "all_targets":
        if not codes:
            return None
        return pd.concat([runs[c] >= targets[c] for c in codes], axis=1).all(axis=1)
    if code not in runs.columns or code not in targets:
        return None
    return runs[code] >= targets[code]


def _targets_display(tp: pd.DataFrame, codes: list[str], arms: list[str], ctx: Context) -> Table:
    """Arms × targets, each cell 'p (low–high)'."""
    rows = []
    for arm in arms:
        g = tp[tp["arm"] == arm].set_index("target")
        row: dict[str, Any] = {"arm": arm}
        for code in codes:
            if code in g.index:
                r = g.loc[code]
                row[code] = (f"{r['probability'] * 100:.0f}% "
                             f"({r['ci_low'] * 100:.0f}–{r['ci_high'] * 100:.0f})")
            else:
                row[code] = None
        rows.append(row)
    headers = {"arm": ctx.t("arm"), **{c: ctx.label(c) for c in codes}}
    headers["all_targets"] = ctx.t("all_targets")
    return Table("targets_by_arm", ctx.t("targets_table"), pd.DataFrame(rows), headers,
                 sheet=False)

