"""Summaries of a sweep: bands over time, target probabilities, paired differences, cost.

Each function takes tidy DataFrames read from the store (``ResultStore.timeseries`` /
``ResultStore.final``) and returns a tidy DataFrame; :func:`analyze_store` runs them all.
Conventions (recorded in the CSV headers' names and in docs/experiments.md):

* bands: mean, median and the 5 % and 95 % empirical quantiles over all runs of an arm
  (numpy's default linear interpolation);
* probability of reaching a target: share of runs whose final value is >= the target, with a
  Wilson score interval (Wilson 1927) at 95 %;
* paired differences: per (design point, replication) pair — the same seed in both arms — the
  arm's final value minus the baseline arm's; mean with a t interval at 95 %;
* cost-effectiveness: mean money spent over the mean indicator value (ratio of means).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

TARGET_COLUMNS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")


def wilson_interval(successes: np.ndarray, n: np.ndarray, level: float = 0.95
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (vectorised).

    The interval always contains the observed share: at 0 successes its lower end is exactly 0
    and at n successes its upper end exactly 1 (in floating point ``centre - half`` leaves a
    residue of order 1e-17 there, which a reader comparing columns would see as a bound above
    the estimate)."""
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.clip(np.minimum(centre - half, p), 0, 1)
        hi = np.clip(np.maximum(centre + half, p), 0, 1)
    return lo, hi


def bands(timeseries: pd.DataFrame, runs: pd.DataFrame, indicators: Sequence[str],
          quantiles: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
    """Per arm, step and indicator: n, mean, median and the ``quantiles`` over runs.

    Quantile columns are named ``p`` + the percentage on two digits (0.05 -> ``p05``, 0.25 ->
    ``p25``); the default gives the 90 % band (p05, p95)."""
    frame = timeseries.merge(runs[["run_id", "arm_index", "arm"]], on="run_id")
    names = [f"p{round(q * 100):02d}" for q in quantiles]
    keys = ["arm_index", "arm", "step", "date"]
    out = []
    codes = order = None
    for ind in indicators:
        g = frame.groupby(keys, sort=True)[ind]
        if codes is None:
            codes = g.ngroup().to_numpy()
            counts = np.bincount(codes)
            # every group the same size (every run has every step): one np.quantile call over
            # a (groups, runs) array gives the numbers of the per-group calls, much faster
            order = np.argsort(codes, kind="stable") if counts.size and \
                (counts == counts[0]).all() else None
        summary = g.agg(n="count", mean="mean", median="median").reset_index()
        if order is not None and names:
            arr = frame[ind].to_numpy(dtype=float)[order].reshape(len(counts), counts[0])
            qv = np.quantile(arr, list(quantiles), axis=1)
            for name, row in zip(names, qv, strict=True):
                summary[name] = row
        else:
            for name, q in zip(names, quantiles, strict=True):
                summary[name] = g.agg(lambda s, q=q: np.quantile(s, q)).to_numpy()
        summary.insert(4, "indicator", ind)
        out.append(summary)
    return pd.concat(out, ignore_index=True)


def target_probabilities(final: pd.DataFrame, targets: Mapping[str, float],
                         level: float = 0.95) -> pd.DataFrame:
    """Per arm: probability of reaching each target by the end, and all of them jointly."""
    rows = []
    for (arm_index, arm), g in final.groupby(["arm_index", "arm"], sort=True):
        reached = pd.DataFrame({k: g[k].to_numpy() >= v for k, v in targets.items()})
        reached["all_targets"] = reached.all(axis=1)
        n = len(g)
        for name in reached.columns:
            k = int(reached[name].sum())
            lo, hi = wilson_interval(np.array([k]), np.array([n]), level)
            rows.append({"arm_index": arm_index, "arm": arm, "target": name,
                         "target_value": targets.get(name, np.nan), "runs": n, "reached": k,
                         "probability": k / n, "ci_low": lo[0], "ci_high": hi[0],
                         "interval": f"Wilson {level:.0%}"})
    return pd.DataFrame(rows)


def paired_differences(final: pd.DataFrame, baseline_arm: str, indicators: Sequence[str],
                       level: float = 0.95) -> pd.DataFrame:
    """Each arm minus the baseline arm on final values, paired by (point, replication)."""
    base = final[final["arm"] == baseline_arm].set_index(["point", "replication"])
    rows = []
    for (arm_index, arm), g in final.groupby(["arm_index", "arm"], sort=True):
        g = g.set_index(["point", "replication"])
        common = g.index.intersection(base.index)
        for ind in indicators:
            d = (g.loc[common, ind] - base.loc[common, ind]).to_numpy(dtype=float)
            n = d.size
            mean = d.mean() if n else np.nan
            if n > 1:
                se = d.std(ddof=1) / np.sqrt(n)
                half = stats.t.ppf(0.5 + level / 2, n - 1) * se
            else:
                se = half = np.nan
            rows.append({"arm_index": arm_index, "arm": arm, "baseline": baseline_arm,
                         "indicator": ind, "pairs": n, "mean_difference": mean, "se": se,
                         "ci_low": mean - half, "ci_high": mean + half,
                         "interval": f"paired t {level:.0%}"})
    return pd.DataFrame(rows)


def cost_effectiveness(final: pd.DataFrame, indicators: Sequence[str] = TARGET_COLUMNS,
                       spent: str = "budget_spent_yuan") -> pd.DataFrame:
    """Per arm and indicator: mean spent, mean indicator, yuan per unit (ratio of means)."""
    rows = []
    for (arm_index, arm), g in final.groupby(["arm_index", "arm"], sort=True):
        money = g[spent].mean()
        for ind in indicators:
            value = g[ind].mean()
            rows.append({"arm_index": arm_index, "arm": arm, "indicator": ind,
                         "mean_spent_yuan": money, "mean_value": value,
                         "yuan_per_unit": money / value if value > 0 else np.nan})
    return pd.DataFrame(rows)


def funnel_summary(funnel: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per arm and stage: mean entered, left, failed, waiting at the end, months spent."""
    frame = funnel.merge(runs[["run_id", "arm_index", "arm"]], on="run_id")
    g = frame.groupby(["arm_index", "arm", "stage"], sort=True)
    out = g[["entered", "left", "failed", "waiting_end", "mean_months_spent"]].mean()
    out = out.reset_index()
    out["attrition"] = out["failed"] / (out["left"] + out["failed"]).replace(0, np.nan)
    return out
