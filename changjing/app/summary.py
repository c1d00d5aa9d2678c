"""One arm against the baseline arm, as plain JSON-ready data for the what-if page and the
interactive report.

Every number comes from the sweep analysis functions (:mod:`changjing.simulate.analysis`):
:func:`~changjing.simulate.analysis.bands` (median, 50 % and 90 % bands, numpy's linear
quantiles), :func:`~changjing.simulate.analysis.target_probabilities` (share of runs at or above
the target, Wilson 95 % interval), :func:`~changjing.simulate.analysis.paired_differences` (arm
minus baseline per seed pair, paired-t 95 % interval) and
:func:`~changjing.simulate.analysis.funnel_summary`; this module only reshapes their frames.
The inputs are the frames a :class:`~changjing.simulate.store.ResultStore` returns (``runs``,
``final``, ``timeseries``, ``funnel``, ``budget``), so a live session and a finished sweep are
summarised by the same code.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from changjing.simulate.config import INSTRUMENTS
from changjing.simulate.analysis import (
    bands,
    funnel_summary,
    paired_differences,
    target_probabilities,
)

#: the 十百千 targets, then the other indicators the page draws over time
TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")
EXTRA = ("budget_spent_yuan", "demonstrations", "scenarios_released", "adopters")
QUANTILES = (0.05, 0.25, 0.75, 0.95)
CONVENTIONS = {
    "bands": "median and the 25-75 % (50 %) and 5-95 % (90 %) quantiles over runs at each "
             "step (numpy linear interpolation)",
    "targets": "share of runs whose final value is >= the target; Wilson 95 % interval",
    "paired": "mean over seed pairs (common random numbers) of arm minus baseline at the end; "
              "paired-t 95 % interval",
    "seeds": "run seed = SeedSequence(root_seed, spawn_key=(0, replication)), the same for "
             "both arms",
}

CONVENTIONS_ZH = {
    "bands": "各月中位数及 25%–75%（50% 区间）与 5%–95%（90% 区间）分位数（numpy 线性插值）",
    "targets": "期末值不低于目标值的运行所占比例；Wilson 95% 区间",
    "paired": "同一随机种子下（共同随机数）方案期末值减基准方案期末值的均值；配对 t 95% 区间",
    "seeds": "运行种子 = SeedSequence(root_seed, spawn_key=(0, 重复序号))，两方案相同",
}


def _ordered(codes: pd.Series, known: Sequence[str]) -> list[str]:
    """Distinct ``codes`` in the programme's order (lifecycle stages, instruments), then any
    others in order of appearance."""
    seen = [str(c) for c in dict.fromkeys(codes)]
    return [c for c in known if c in seen] + [c for c in seen if c not in known]


def indicators_of(outputs: Sequence[str]) -> list[str]:
    """The indicators a comparison shows, among the kept ``outputs``."""
    return [c for c in (*TARGETS, *EXTRA) if c in outputs]


def _num(x: Any) -> float | None:
    """A float for JSON (NaN and infinities become null)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def compare(runs: pd.DataFrame, final: pd.DataFrame, timeseries: pd.DataFrame,
            funnel: pd.DataFrame, budget: pd.DataFrame, *, baseline: str, arm: str,
            targets: dict[str, float], indicators: Sequence[str]) -> dict[str, Any]:
    """``arm`` against ``baseline`` on the finished runs given (both arms, paired seeds).

    ``runs`` needs run_id, arm_index, arm; ``final`` one row a run (run_id, arm_index, arm,
    point, replication and the indicators); ``timeseries`` run_id, step, date and the
    indicators; ``funnel`` and ``budget`` the store's per-run totals.  Returns a dict of lists
    (JSON-ready): ``n`` seed pairs, ``bands``, ``targets``, ``paired``, ``funnel``, ``budget``.
    """
    keep = runs[runs["arm"].isin([baseline, arm])]
    ids = set(keep["run_id"])
    fin = final[final["run_id"].isin(ids)]
    which = {baseline: "base", arm: "cur"}
    out: dict[str, Any] = {"baseline": baseline, "arm": arm, "conventions": CONVENTIONS,
                           "conventions_zh": CONVENTIONS_ZH}
    base_pairs = set(map(tuple, fin.loc[fin["arm"] == baseline, ["point", "replication"]]
                         .to_numpy().tolist()))
    cur_pairs = set(map(tuple, fin.loc[fin["arm"] == arm, ["point", "replication"]]
                        .to_numpy().tolist()))
    out["n"] = len(base_pairs & cur_pairs)
    if fin.empty:
        return out | {"bands": {}, "targets": [], "paired": [], "funnel": [], "budget": []}

    ts = timeseries[timeseries["run_id"].isin(ids)]
    b = bands(ts, keep, indicators, quantiles=QUANTILES)
    series: dict[str, Any] = {}
    for ind, g in b.groupby("indicator", sort=False):
        entry: dict[str, Any] = {"dates": None}
        for name, h in g.groupby("arm", sort=False):
            h = h.sort_values("step")
            if entry["dates"] is None:
                entry["dates"] = h["date"].tolist()
            entry[which[str(name)]] = {c: [_num(v) for v in h[c]] for c in
                                       ("median", "p05", "p25", "p75", "p95", "n")}
        series[str(ind)] = entry
    out["bands"] = series

    tp = target_probabilities(fin, {k: v for k, v in targets.items() if k in fin.columns})
    rows: dict[str, dict[str, Any]] = {}
    for r in tp.itertuples():
        row = rows.setdefault(str(r.target), {"target": str(r.target),
                                               "target_value": _num(r.target_value)})
        row[which[str(r.arm)]] = {"p": _num(r.probability), "lo": _num(r.ci_low),
                                  "hi": _num(r.ci_high), "reached": int(r.reached),
                                  "runs": int(r.runs)}
    rank = {k: i for i, k in enumerate((*TARGETS, "all_targets"))}
    out["targets"] = sorted(rows.values(), key=lambda r: rank.get(r["target"], len(rank)))

    pdiff = paired_differences(fin, baseline, indicators)
    pdiff = pdiff[pdiff["arm"] == arm]
    means = fin.groupby("arm")[list(indicators)].mean()
    out["paired"] = [{"indicator": str(r.indicator), "mean": _num(r.mean_difference),
                      "lo": _num(r.ci_low), "hi": _num(r.ci_high), "pairs": int(r.pairs),
                      "base_mean": _num(means.loc[baseline, r.indicator])
                      if baseline in means.index else None,
                      "cur_mean": _num(means.loc[arm, r.indicator])
                      if arm in means.index else None}
                     for r in pdiff.itertuples()]

    fun = funnel[funnel["run_id"].isin(ids)]
    frows: dict[str, dict[str, Any]] = {}
    if not fun.empty:
        from changjing.report.i18n import programme   # the five stages, in order

        order = _ordered(fun["stage"], [st["code"] for st in programme().get("stages", [])])
        fs = funnel_summary(fun, keep)
        for r in fs.itertuples():
            row = frows.setdefault(str(r.stage), {"stage": str(r.stage)})
            row[which[str(r.arm)]] = {"entered": _num(r.entered), "left": _num(r.left),
                                      "failed": _num(r.failed),
                                      "waiting_end": _num(r.waiting_end)}
        out["funnel"] = [frows[s] for s in order if s in frows]
    else:
        out["funnel"] = []

    bud = budget[budget["run_id"].isin(ids)].merge(keep[["run_id", "arm"]], on="run_id")
    brows: dict[str, dict[str, Any]] = {}
    if not bud.empty:
        order = _ordered(bud["instrument"], INSTRUMENTS)
        # mean over the runs of each arm, as the report's budget figure
        mean = bud.groupby(["arm", "instrument"], sort=False)[
            ["appropriated_yuan", "committed_yuan", "spent_yuan"]].mean()
        for (name, inst), r in mean.iterrows():
            row = brows.setdefault(str(inst), {"instrument": str(inst)})
            row[which[str(name)]] = {"appropriated": _num(r["appropriated_yuan"]),
                                     "spent": _num(r["spent_yuan"])}
        out["budget"] = [brows[i] for i in order]
    else:
        out["budget"] = []
    return out


def frames_from_outcomes(outcomes: Sequence[tuple[int, str, int, int, Any]],
                         outputs: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The store's frames (runs, final, timeseries, funnel, budget) built in memory from
    ``(run_id, arm, arm_index, replication, RunOutcome)`` of finished runs, exactly as
    :meth:`ResultStore.write` would store them (float64 values, point 0)."""
    runs: list[tuple[Any, ...]] = []
    final: list[tuple[Any, ...]] = []
    ts: list[pd.DataFrame] = []
    fun: list[tuple[Any, ...]] = []
    bud: list[tuple[Any, ...]] = []
    cols = list(outputs)
    for rid, arm, arm_index, rep, o in outcomes:
        runs.append((rid, arm_index, arm, 0, rep))
        values = np.asarray(o.values, dtype=np.float64)
        final.append((rid, arm_index, arm, 0, rep, *values[-1]))
        frame = pd.DataFrame(values, columns=cols)
        frame.insert(0, "date", list(o.dates))
        frame.insert(0, "step", np.asarray(o.steps, dtype=np.int64))
        frame.insert(0, "run_id", rid)
        ts.append(frame)
        fun.extend((rid, *r) for r in o.funnel)
        bud.extend((rid, *r) for r in o.budget)
    head = ["run_id", "arm_index", "arm", "point", "replication"]
    return {
        "runs": pd.DataFrame(runs, columns=head),
        "final": pd.DataFrame(final, columns=head + cols),
        "timeseries": (pd.concat(ts, ignore_index=True) if ts else
                       pd.DataFrame(columns=["run_id", "step", "date", *cols])),
        "funnel": pd.DataFrame(fun, columns=["run_id", "stage", "entered", "left", "failed",
                                             "waiting_end", "mean_months_spent"]),
        "budget": pd.DataFrame(bud, columns=["run_id", "instrument", "appropriated_yuan",
                                             "committed_yuan", "spent_yuan"]),
    }
