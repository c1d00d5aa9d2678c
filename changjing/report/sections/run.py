"""Report sections for a single run (``changjing run``): the 十百千 indicators against their
targets, trajectories, the lifecycle funnel and the budget.  Numbers come from the run's CSV
files (summary, timeseries, funnel, budget; see docs/outputs.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from changjing.report import figures as F
from changjing.report.document import Paragraph, Section, Table, read_table
from changjing.report.errors import ReportError
from changjing.report.sections import Context, inferred

TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")
STAGES = ("solicitation", "selection", "release", "implementation", "evaluation")


def _read(folder: Path, name: str) -> pd.DataFrame:
    path = folder / name
    if not path.is_file():
        raise ReportError(f"{folder}: {name} is missing; a run folder holds timeseries.csv, "
                          "funnel.csv, budget.csv, summary.csv and manifest.json")
    return read_table(path)


def build(folder: Path, manifest: dict[str, Any], ctx: Context) -> list[Section]:
    ts = _read(folder, "timeseries.csv")
    funnel = _read(folder, "funnel.csv")
    budget = _read(folder, "budget.csv")
    summary = _read(folder, "summary.csv")
    config = manifest.get("config", {})
    name = config.get("meta", {}).get("name", folder.name)
    run = config.get("run", {})
    key = f"run-{_slug(folder.name)}"
    top = Section(key, f"{ctx.t('run')}: {name}", level=1, source=str(folder))
    sections = [top]

    sec = Section(f"{key}-summary", ctx.t("run_summary"))
    sec.add(Paragraph(ctx.t("run_intro", name=name, start=run.get("start", "?"),
                            months=run.get("months", "?"), seed=manifest.get("seed", "?"))))
    sec.add(Paragraph(ctx.t("single_run_caveat"), "warning"))
    sec.add(*inferred.block(config, ctx))
    show = summary.assign(indicator=summary["indicator"].map(ctx.label),
                          reached=summary["reached"].map(
                              lambda r: ctx.t("yes") if _truthy(r) else ctx.t("no")))
    sec.add(Table("run_summary", ctx.t("run_summary"), show,
                  {"indicator": ctx.t("indicator"), "value": ctx.t("value"),
                   "target": ctx.t("target"), "share_of_target": ctx.t("share"),
                   "reached": ctx.t("reached")},
                  {"value": "int", "target": "int", "share_of_target": "pct"}))
    sections.append(sec)

    sec = Section(f"{key}-trajectories", ctx.t("trajectories").split("（")[0].split(" (")[0])
    inds = [c for c in TARGETS if c in ts.columns]
    long = ts.melt(id_vars=["step", "date"], value_vars=inds, var_name="indicator",
                   value_name="mean")
    long["arm"] = name
    targets = dict(zip(summary["indicator"], summary["target"].astype(float), strict=True))
    fig = F.trajectories(long, inds, {c: ctx.label(c) for c in inds}, targets, [name],
                         ctx.t("target"))
    sec.add(F.render(fig, f"{key}_trajectories", sec.title, ctx.t("run_traj_caption")))
    sec.add(Table("run_timeseries", sec.title, ts, show=False))
    sections.append(sec)

    sec = Section(f"{key}-funnel", ctx.t("funnel"))
    tot = funnel.groupby("stage", sort=False).agg(
        entered=("entered", "sum"), left=("left", "sum"), failed=("failed", "sum"),
        waiting_end=("waiting", "last")).reset_index()
    moved = funnel.assign(w=funnel["left"] + funnel["failed"],
                          m=funnel["mean_months_spent"].fillna(0) *
                          (funnel["left"] + funnel["failed"]))
    months = moved.groupby("stage", sort=False)[["m", "w"]].sum()
    tot["mean_months_spent"] = tot["stage"].map(months["m"] / months["w"].replace(0, np.nan))
    tot["attrition"] = tot["failed"] / (tot["left"] + tot["failed"]).replace(0, np.nan)
    order = [s for s in STAGES if s in set(tot["stage"])]
    tot = tot.set_index("stage").loc[order + [s for s in tot["stage"] if s not in order]]
    tot = tot.reset_index()
    labels = {s: ctx.label(s) for s in tot["stage"]}
    fig = F.funnel(tot.assign(arm=name), list(tot["stage"]), labels, [name],
                   {"left": ctx.t("moved_on"), "failed": ctx.t("failed"),
                    "waiting_end": ctx.t("waiting")})
    sec.add(F.render(fig, f"{key}_funnel", ctx.t("funnel"), ctx.t("funnel_caption")))
    sec.add(Table("run_funnel", ctx.t("funnel"), tot.assign(stage=tot["stage"].map(labels)),
                  {"stage": ctx.t("stage"), "entered": ctx.t("entered"),
                   "left": ctx.t("moved_on"), "failed": ctx.t("failed"),
                   "waiting_end": ctx.t("waiting"), "mean_months_spent": ctx.t("months"),
                   "attrition": ctx.t("attrition")},
                  {"entered": "int", "left": "int", "failed": "int", "waiting_end": "int",
                   "mean_months_spent": "float1", "attrition": "pct"}))
    sections.append(sec)

    sec = Section(f"{key}-budget", ctx.t("budget"))
    last = budget[budget["step"] == budget["step"].max()]
    cols = ["instrument", "appropriated_yuan", "committed_yuan", "spent_yuan"]
    end = last[cols].assign(instrument=last["instrument"].map(ctx.label))
    spent = budget.pivot_table(index=["step", "date"], columns="instrument",
                               values="spent_yuan", sort=False).reset_index()
    insts = [c for c in spent.columns if c not in ("step", "date")]
    blong = spent.melt(id_vars=["step", "date"], value_vars=insts, var_name="indicator",
                       value_name="mean")
    blong["arm"] = name
    scale, unit = (1e4, "万元") if ctx.lang == "zh" else (1e6, "M yuan")
    blong["mean"] = blong["mean"] / scale
    fig = F.trajectories(blong, insts, {i: f"{ctx.label(i)} ({unit})" for i in insts}, {},
                         [name], ctx.t("target"))
    sec.add(F.render(fig, f"{key}_budget", ctx.t("budget_over_time"), ctx.t("budget_caption")))
    sec.add(Table("run_budget", ctx.t("budget"), end,
                  {"instrument": ctx.t("instrument"), "appropriated_yuan":
                   ctx.t("appropriated"), "committed_yuan": ctx.t("committed"),
                   "spent_yuan": ctx.t("spent")},
                  {"appropriated_yuan": "yuan", "committed_yuan": "yuan", "spent_yuan": "yuan"}))
    final = ts.iloc[-1]
    cost = pd.DataFrame([{"indicator": ctx.label(c), "value": final[c],
                          "yuan_per_unit": final["budget_spent_yuan"] / final[c]
                          if final[c] > 0 else np.nan} for c in inds])
    sec.add(Table("run_cost", ctx.t("cost_table"), cost,
                  {"indicator": ctx.t("indicator"), "value": ctx.t("value"),
                   "yuan_per_unit": ctx.t("yuan_per_unit")},
                  {"value": "int", "yuan_per_unit": "yuan"}))
    sections.append(sec)
    return sections


def _truthy(v: Any) -> bool:
    return str(v).strip().lower() in ("true", "1", "yes")


def _slug(text: str) -> str:
    from changjing.report.document import safe_name

    return safe_name(text)


def provenance(folder: Path, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    config = manifest.get("config", {})
    run = config.get("run", {})
    return {
        "kind": "changjing.run",
        "name": config.get("meta", {}).get("name"),
        "hashes": {"config_hash": manifest.get("config_hash")},
        "seeds": {"seed": manifest.get("seed"), "seed_use": manifest.get("seed_use")},
        "versions": manifest.get("versions", {}) | {"python": manifest.get("python")},
        "period": f"{run.get('start', '?')} + {run.get('months', '?')} months",
        "config": json.dumps(config, ensure_ascii=False, indent=1, sort_keys=True),
        "reproduce": [
            f"changjing run CONFIG.toml --seed {manifest.get('seed')} --out {folder.name}",
            "# or straight from this folder's manifest (config as resolved):",
            "python -c \"import json; from changjing.simulate.config import parse_config; "
            "from changjing.simulate.runner import run; "
            f"m = json.load(open('{folder.name}/manifest.json', encoding='utf-8')); "
            "r = run(parse_config(m['config'], 'manifest'), m['seed']); "
            "import os; os.makedirs('rerun', exist_ok=True); r.write('rerun')\""],
    }
