"""What happens in the sweep's runs, arm by arm: indicator trajectories (mean and 5–95 % band),
the lifecycle funnel, spending by instrument and cost per unit, and paired differences from the
baseline arm (common random numbers).  Every number comes from the analysis's ``bands``,
``funnel``, ``cost`` and ``paired`` tables or the store's budget ledger.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Paragraph, Section, Table, format_value, yuan
from changjing.report.sections import Context
from changjing.report.sections.sweep_data import INSTRUMENTS, PREFIX, STAGES, TARGETS, SweepData


def trajectories(d: SweepData, ctx: Context) -> Section:
    """Indicator paths over time per arm and the final values."""
    prefix, arms, tables = PREFIX, d.arms, d.tables
    targets = d.targets
    bands = tables["bands"]
    inds = [c for c in TARGETS if c in set(bands["indicator"])]
    traj = Section(f"{prefix}-trajectories", ctx.t("trajectories"))
    labels = {c: ctx.label(c) for c in set(bands["indicator"])}
    if inds:
        fig = F.trajectories(bands, inds, labels, targets, arms, ctx.t("target"))
        traj.add(F.render(fig, f"{prefix}_trajectories", ctx.t("trajectories"),
                          ctx.t("trajectories_caption")))
    last = bands[bands["step"] == bands["step"].max()].copy()
    traj.add(_final_values(last, arms, labels, ctx))
    last["indicator_label"] = last["indicator"].map(labels)
    traj.add(Table("final_values", ctx.t("final_values"),
                   last[["arm", "indicator", "indicator_label", "mean", "median", "p05",
                         "p95"]], show=False))
    traj.add(Table("bands", ctx.t("trajectories"), bands.drop(columns=["arm_index"]),
                   show=False))
    return traj


def funnel(d: SweepData, ctx: Context) -> Section:
    """The lifecycle funnel: entered, moved on, failed and waiting per stage."""
    prefix, arms, base, tables = PREFIX, d.arms, d.base, d.tables
    fn = tables["funnel"]
    stages = [s for s in STAGES if s in set(fn["stage"])] + \
        [s for s in dict.fromkeys(fn["stage"]) if s not in STAGES]
    sec = Section(f"{prefix}-funnel", ctx.t("funnel"))
    stage_labels = {s: ctx.label(s) for s in stages}
    sec.add(Paragraph(_funnel_words(fn, base, stage_labels, ctx)))
    fig = F.funnel(fn, stages, stage_labels, arms,
                   {"left": ctx.t("moved_on"), "failed": ctx.t("failed"),
                    "waiting_end": ctx.t("waiting")})
    sec.add(F.render(fig, f"{prefix}_funnel", ctx.t("funnel"), ctx.t("funnel_caption")))
    order = {(a, st): (i, j) for i, a in enumerate(arms) for j, st in enumerate(stages)}
    show = fn.assign(stage_label=fn["stage"].map(stage_labels),
                     _o=[order.get((a, st), (len(arms), 0)) for a, st in
                         zip(fn["arm"], fn["stage"], strict=True)])
    show = show.sort_values("_o", kind="stable").drop(columns="_o")
    sec.add(Table("funnel", ctx.t("funnel"),
                  show[["arm", "stage_label", "entered", "left", "failed", "waiting_end",
                        "mean_months_spent", "attrition"]],
                  {"arm": ctx.t("arm"), "stage_label": ctx.t("stage"),
                   "entered": ctx.t("entered"), "left": ctx.t("moved_on"),
                   "failed": ctx.t("failed"), "waiting_end": ctx.t("waiting"),
                   "mean_months_spent": ctx.t("months"), "attrition": ctx.t("attrition")},
                  {"entered": "float1", "left": "float1", "failed": "float1",
                   "waiting_end": "float1", "mean_months_spent": "float1", "attrition": "pct"},
                  max_rows=len(stages) if len(arms) > 2 else None,
                  note=(f"此处为基准方案 {base}；其他方案见工作簿。" if ctx.lang == "zh" else
                        f"Baseline arm {base} shown; the workbook has every arm.")
                  if len(arms) > 2 else ""))
    if len(arms) > 2:       # the baseline's rows first, so the page shows them
        t = sec.blocks[-1]
        t.frame = pd.concat([t.frame[t.frame["arm"] == base], t.frame[t.frame["arm"] != base]],
                            ignore_index=True)
    return sec


def budget(d: SweepData, ctx: Context) -> Section:
    """Mean spending by instrument and cost per unit of each target."""
    prefix, arms, tables = PREFIX, d.arms, d.tables
    folder, runs = d.folder, d.runs
    cost, spent = tables.get("cost"), d.spent_by_arm()
    sec = Section(f"{prefix}-budget", ctx.t("budget"))
    by_inst = _budget_by_instrument(folder, runs)
    if by_inst is not None and len(by_inst):
        scale, unit = (1e4, "万元") if ctx.lang == "zh" else (1e6, "M yuan")
        insts = [i for i in INSTRUMENTS if i in set(by_inst["category"])] + \
            [i for i in dict.fromkeys(by_inst["category"]) if i not in INSTRUMENTS]
        ylabel = f"已支出（{unit}）" if ctx.lang == "zh" else f"Spent ({unit})"
        fig = F.stacked_bars(by_inst, insts, {i: ctx.label(i) for i in insts}, arms,
                             "spent_yuan", ylabel, scale)
        sec.add(F.render(fig, f"{prefix}_budget", ctx.t("budget"), ctx.t("budget_caption")))
        sec.add(Table("budget", ctx.t("budget_caption"),
                      by_inst.rename(columns={"category": "instrument"}), show=False))
    if cost is not None and len(cost):
        wide = cost.pivot_table(index="arm", columns="indicator", values="yuan_per_unit",
                                sort=False).reindex(arms)
        wide.insert(0, "mean_spent_yuan", spent.reindex(arms).to_numpy())
        wide = wide.reset_index()
        cols = [c for c in TARGETS if c in wide.columns]
        sec.add(Table("cost_per_unit", ctx.t("cost_table"), wide[["arm", "mean_spent_yuan",
                                                                   *cols]],
                      {"arm": ctx.t("arm"), "mean_spent_yuan": ctx.t("mean_spent"),
                       **{c: ctx.label(c) for c in cols}},
                      {"mean_spent_yuan": "yuan", **{c: "yuan" for c in cols}}))
        sec.add(Table("cost", ctx.t("cost_table"), cost.drop(columns=["arm_index"]),
                      show=False))
    return sec


def paired(d: SweepData, ctx: Context) -> Section | None:
    """Paired differences from the baseline arm (None with a single arm)."""
    prefix, arms, base, tables = PREFIX, d.arms, d.base, d.tables
    bands = tables["bands"]
    labels = {c: ctx.label(c) for c in set(bands["indicator"])}
    pd_ = tables.get("paired")
    if pd_ is None or not len(pd_) or len(arms) <= 1:
        return None
    sec = Section(f"{prefix}-paired", f"{ctx.t('paired')} ({base})")
    others = [a for a in arms if a != base]
    pinds = [c for c in TARGETS if c in set(pd_["indicator"])] or \
        list(dict.fromkeys(pd_["indicator"]))
    fig = F.forest(pd_, pinds, labels | {c: ctx.label(c) for c in pinds}, others)
    sec.add(F.render(fig, f"{prefix}_paired", ctx.t("paired"), ctx.t("paired_caption")))
    show = pd_[pd_["arm"] != base].assign(indicator_label=lambda d: d["indicator"].map(
        lambda c: ctx.label(c)))
    rank = {c: i for i, c in enumerate(pinds)}
    show = show.assign(_t=show["indicator"].map(lambda c: c not in rank)) \
        .sort_values("_t", kind="stable").drop(columns="_t").reset_index(drop=True)
    n_page = int(show["indicator"].isin(pinds).sum())
    sec.add(Table("paired", ctx.t("paired"),
                  show[["arm", "indicator_label", "pairs", "mean_difference", "ci_low",
                        "ci_high"]],
                  {"arm": ctx.t("arm"), "indicator_label": ctx.t("indicator"),
                   "pairs": "n", "mean_difference": "Δ" if ctx.lang == "en" else "差值",
                   "ci_low": "95% low" if ctx.lang == "en" else "95% 下限",
                   "ci_high": "95% high" if ctx.lang == "en" else "95% 上限"},
                  {"pairs": "int", "mean_difference": "float1", "ci_low": "float1",
                   "ci_high": "float1"}, max_rows=n_page if n_page < len(show) else None,
                  note=("其他指标见工作簿。" if ctx.lang == "zh" else
                        "Other indicators are in the workbook.")
                  if n_page < len(show) else ""))
    return sec


def _final_values(last: pd.DataFrame, arms: list[str], labels: dict[str, str], ctx: Context
                  ) -> Table:
    """Indicators × arms, each cell 'mean (5 %–95 %)' at the end of the horizon."""
    rows = []
    for ind in dict.fromkeys(last["indicator"]):
        g = last[last["indicator"] == ind].set_index("arm")
        money = ind.endswith("_yuan")
        row: dict[str, Any] = {"indicator": labels.get(ind, ind)}
        for arm in arms:
            if arm not in g.index:
                row[arm] = None
                continue
            r = g.loc[arm]
            if money:
                row[arm] = (f"{yuan(r['mean'], ctx.lang)} ({yuan(r['p05'], ctx.lang)}–"
                            f"{yuan(r['p95'], ctx.lang)})")
            else:
                row[arm] = f"{r['mean']:,.1f} ({r['p05']:,.0f}–{r['p95']:,.0f})"
        rows.append(row)
    note = ("均值（5%–95% 分位）" if ctx.lang == "zh" else "mean (5 %–95 % of runs)")
    return Table("final_values_by_arm", f"{ctx.t('final_values')}: {note}",
                 pd.DataFrame(rows), {"indicator": ctx.t("indicator")}, sheet=False)


def _funnel_words(fn: pd.DataFrame, base: str, labels: dict[str, str], ctx: Context) -> str:
    g = fn[fn["arm"] == base]
    if g.empty:
        g = fn
    lost = g.loc[g["failed"].idxmax()]
    wait = g.loc[g["waiting_end"].idxmax()]
    slow = g.loc[g["mean_months_spent"].fillna(-1).idxmax()]
    if ctx.lang == "zh":
        return (f"基准方案 {base}：流失最多的环节是“{labels[lost['stage']]}”（平均 "
                f"{lost['failed']:.1f} 个场景失败退出，流失率 {format_value(lost['attrition'], 'pct')}）；"
                f"期末积压最多的是“{labels[wait['stage']]}”（平均 {wait['waiting_end']:.1f} 个）；"
                f"停留最久的是“{labels[slow['stage']]}”（平均 {slow['mean_months_spent']:.1f} 个月）。")
    return (f"Baseline arm {base}: most scenarios are lost at “{labels[lost['stage']]}” (on "
            f"average {lost['failed']:.1f} fail there, attrition "
            f"{format_value(lost['attrition'], 'pct')}); most are still waiting at the end in "
            f"“{labels[wait['stage']]}” ({wait['waiting_end']:.1f} on average); the longest stay "
            f"is in “{labels[slow['stage']]}” ({slow['mean_months_spent']:.1f} months on "
            f"average).")


def _budget_by_instrument(folder: Path, runs: pd.DataFrame) -> pd.DataFrame | None:
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        budget = store.budget()
    finally:
        store.close()
    if budget.empty:
        return None
    ok = runs[runs["status"] == "ok"][["run_id", "arm"]]
    frame = budget.merge(ok, on="run_id")
    out = frame.groupby(["arm", "instrument"], sort=False)[
        ["appropriated_yuan", "committed_yuan", "spent_yuan"]].mean().reset_index()
    return out.rename(columns={"instrument": "category"})

