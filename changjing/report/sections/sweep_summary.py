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
from changjing.report.sections import Context
from changjing.report.sections.sweep_data import PREFIX, TARGETS, SweepData


def section(d: SweepData, ctx: Context) -> Section:
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
    if failed:
        summary.add(Paragraph(ctx.t("failed_runs", n=failed), "warning"))
    tp = tables["targets"]
    codes = [c for c in TARGETS if c in set(tp["target"])] + ["all_targets"]
    summary.add(*_cheapest(tp, spent, codes, arms, ctx))
    summary.add(_targets_display(tp, codes, arms, ctx))
    summary.add(Table("targets", ctx.t("targets_table"), tp.drop(columns=["arm_index"]),
                      show=False))
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


def _cheapest(tp: pd.DataFrame, spent: pd.Series, codes: list[str], arms: list[str],
              ctx: Context) -> list:
    """Per target: the arm with the lowest mean spending whose probability ≥ ctx.probability."""
    rows, sentences = [], []
    p = f"{ctx.probability:.0%}"
    for code in codes:
        g = tp[tp["target"] == code].set_index("arm").reindex(arms).dropna(subset=["probability"])
        g = g.assign(spent=spent.reindex(g.index).to_numpy() if len(spent) else np.nan)
        ok = g[g["probability"] >= ctx.probability]
        label = ctx.label(code) if code != "all_targets" else ctx.t("all_targets")
        if len(ok):
            # cheapest by mean spending; without spending data, the first arm in order
            pick = ok["spent"].idxmin() if ok["spent"].notna().any() else ok.index[0]
            r = ok.loc[pick]
            rows.append({"target": label, "arm": pick, "probability": r["probability"],
                         "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                         "mean_spent_yuan": r["spent"]})
            sentence = ctx.t("cheapest_one", t=label, p=p, arm=pick,
                             prob=format_value(r["probability"], "pct"),
                             lo=format_value(r["ci_low"], "pct"),
                             hi=format_value(r["ci_high"], "pct"),
                             spent=yuan(float(r["spent"]), ctx.lang))
        else:
            best = g["probability"].idxmax() if len(g) else "–"
            rows.append({"target": label, "arm": None, "probability": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "mean_spent_yuan": np.nan})
            sentence = ctx.t("cheapest_none", t=label, p=p, arm=best,
                             best=format_value(g["probability"].max() if len(g) else np.nan,
                                               "pct"))
        if code == "all_targets":
            sentences.insert(0, sentence)
        else:
            sentences.append(sentence)
    table = Table("cheapest_arm", f"{ctx.t('cheapest')} (≥ {p})", pd.DataFrame(rows),
                  {"target": ctx.t("target"), "arm": ctx.t("arm"),
                   "probability": ctx.t("probability"), "ci_low": "95% low" if ctx.lang == "en"
                   else "95% 下限", "ci_high": "95% high" if ctx.lang == "en" else "95% 上限",
                   "mean_spent_yuan": ctx.t("mean_spent")},
                  {"probability": "pct", "ci_low": "pct", "ci_high": "pct",
                   "mean_spent_yuan": "yuan"})
    return [Paragraph(sentences[0]), Bullets(sentences[1:]), table]


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

