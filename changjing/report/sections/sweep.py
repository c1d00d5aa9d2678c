"""Report sections for a sweep folder (``changjing sweep``): executive summary, trajectories,
funnel, budget and cost, paired differences, sensitivity and scenario discovery.

Every number shown comes from :func:`changjing.simulate.analysis.analyze` (tables ``targets``,
``bands``, ``cost``, ``funnel``, ``paired``, and ``sensitivity`` / ``discovery`` when the
analysis provides them) or from the store's run table; sensitivity indices and PRIM rules are
computed here with ``changjing.simulate.analysis.sensitivity`` / ``prim`` when the analysis does
not provide them.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Bullets, Paragraph, Section, Table, format_value, yuan
from changjing.report.sections import Context

TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")
STAGES = ("solicitation", "selection", "release", "implementation", "evaluation")
INSTRUMENTS = ("lab_grants", "pilot_subsidies", "matchmaking", "attraction")


def build(folder: Path, manifest: dict[str, Any], ctx: Context) -> list[Section]:
    from changjing.simulate.analysis import analyze

    analysis = analyze(folder)
    tables = analysis.tables
    resolved = manifest.get("experiment_resolved", {})
    arms = [str(a["arm"]) for a in resolved.get("arms", [])] or \
        list(dict.fromkeys(tables["targets"]["arm"]))
    base = analysis.baseline_arm
    targets = analysis.targets
    name = analysis.name or str(manifest.get("name", folder.name))
    runs = tables["runs"]
    prefix = "sweep"
    out = Section(f"{prefix}", f"{ctx.t('sweep')}: {name}", level=1, source=str(folder))
    sections = [out]

    # ------------------------------------------------------------ executive summary
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
    cost = tables.get("cost")
    spent = (cost.groupby("arm", sort=False)["mean_spent_yuan"].first()
             if cost is not None and len(cost) else pd.Series(dtype=float))
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
    sections.append(summary)

    # ------------------------------------------------------------ trajectories
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
    sections.append(traj)

    # ------------------------------------------------------------ funnel
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
    sections.append(sec)

    # ------------------------------------------------------------ budget and cost
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
    sections.append(sec)

    # ------------------------------------------------------------ paired differences
    pd_ = tables.get("paired")
    if pd_ is not None and len(pd_) and len(arms) > 1:
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
        sections.append(sec)

    # ------------------------------------------------------------ sensitivity
    sections.append(_sensitivity(folder, manifest, tables, base, ctx, prefix))

    # ------------------------------------------------------------ scenario discovery
    sections.append(_discovery(folder, manifest, tables, targets, arms, ctx, prefix,
                               getattr(analysis, "discovery_text", None)))
    return sections


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


# ---------------------------------------------------------------- executive summary helpers

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


# ---------------------------------------------------------------- sensitivity

def _sensitivity(folder: Path, manifest: dict[str, Any], tables: dict[str, pd.DataFrame],
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


# ---------------------------------------------------------------- scenario discovery

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


def _discovery(folder: Path, manifest: dict[str, Any], tables: dict[str, pd.DataFrame],
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
                       if ctx.lang == "en" else "类别", "qp_value": "quasi-p",
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
            "categories": "categories" if en else "类别", "qp_value": "quasi-p",
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


def provenance(folder: Path, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    resolved = manifest.get("experiment_resolved", {})
    base = resolved.get("base_config", {})
    run = base.get("run", {})
    exp_file = manifest.get("experiment_file") or "EXPERIMENT.toml"
    return {
        "kind": "changjing.sweep",
        "name": manifest.get("name"),
        "hashes": {"experiment_hash": manifest.get("experiment_hash")},
        "seeds": {"root_seed": manifest.get("root_seed"), "seed_rule": manifest.get("seed_rule")},
        "versions": manifest.get("versions", {}),
        "git_commit": manifest.get("git_commit"),
        "period": f"{run.get('start', '?')} + {spec_months(resolved, run)} months",
        "config": manifest.get("experiment_as_given", ""),
        "reproduce": [f"changjing sweep {Path(str(exp_file)).name} --out {folder.name}",
                      f"changjing reproduce {folder.name}"],
    }


def spec_months(resolved: dict[str, Any], run: dict[str, Any]) -> Any:
    exp = resolved.get("spec", {}).get("experiment", {})
    return exp.get("horizon_months") or run.get("months", "?")

