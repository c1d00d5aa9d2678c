"""The numbers behind the page: ``bands`` quantiles (vectorised path) against per-group
``np.quantile``, and ``compare`` against counts made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _frames(n_runs: int, n_steps: int, ragged: bool, seed: int = 3):
    rng = np.random.default_rng(seed)
    rows = []
    for rid in range(n_runs):
        for st in range(n_steps):
            if ragged and rid % 5 == 0 and st > n_steps // 2:
                continue        # some runs lack the late steps: groups of unequal size
            rows.append((rid, st, f"2026-{st + 1:02d}", rng.normal() * 1e6,
                         float(rng.integers(0, 50))))
    ts = pd.DataFrame(rows, columns=["run_id", "step", "date", "a", "b"])
    runs = pd.DataFrame({"run_id": range(n_runs), "arm_index": [r % 2 for r in range(n_runs)],
                         "arm": [f"arm{r % 2}" for r in range(n_runs)]})
    return ts, runs


@pytest.mark.parametrize("ragged", [False, True])
@pytest.mark.parametrize("quantiles", [(0.05, 0.95), (0.05, 0.25, 0.75, 0.95)])
def test_band_quantiles_equal_numpy_per_group(ragged, quantiles):
    from changjing.simulate.analysis import bands

    ts, runs = _frames(36, 7, ragged)
    got = bands(ts, runs, ["a", "b"], quantiles=quantiles)
    frame = ts.merge(runs, on="run_id")
    for r in got.itertuples():
        vals = frame.loc[(frame["arm"] == r.arm) & (frame["step"] == r.step), r.indicator]
        for q in quantiles:
            assert getattr(r, f"p{round(q * 100):02d}") == np.quantile(vals.to_numpy(), q)
        assert r.n == len(vals) and r.median == np.median(vals.to_numpy())


def test_compare_counts_by_hand():
    from changjing.app.summary import compare
    from changjing.simulate.analysis import wilson_interval

    # 5 seed pairs; final values of "super_scenarios" chosen so that 2 of 5 baseline runs and
    # 4 of 5 setting runs reach the target 10
    base_final, cur_final = [3, 10, 12, 9, 1], [11, 10, 15, 9, 20]
    rows, ts = [], []
    for arm_index, (arm, finals) in enumerate((("base", base_final), ("cur", cur_final))):
        for rep, v in enumerate(finals):
            rid = arm_index * 5 + rep
            rows.append((rid, arm_index, arm, 0, rep, float(v)))
            ts += [(rid, 0, "2026-01", 0.0), (rid, 1, "2026-02", float(v))]
    final = pd.DataFrame(rows, columns=["run_id", "arm_index", "arm", "point", "replication",
                                        "super_scenarios"])
    runs = final[["run_id", "arm_index", "arm", "point", "replication"]]
    timeseries = pd.DataFrame(ts, columns=["run_id", "step", "date", "super_scenarios"])
    empty_f = pd.DataFrame(columns=["run_id", "stage", "entered", "left", "failed",
                                    "waiting_end", "mean_months_spent"])
    empty_b = pd.DataFrame(columns=["run_id", "instrument", "appropriated_yuan",
                                    "committed_yuan", "spent_yuan"])
    s = compare(runs, final, timeseries, empty_f, empty_b, baseline="base", arm="cur",
                targets={"super_scenarios": 10.0}, indicators=["super_scenarios"])
    assert s["n"] == 5
    row = next(r for r in s["targets"] if r["target"] == "super_scenarios")
    assert (row["base"]["reached"], row["cur"]["reached"]) == (2, 4)
    lo, hi = wilson_interval(np.array([4]), np.array([5]))
    assert (row["cur"]["p"], row["cur"]["lo"], row["cur"]["hi"]) == (0.8, lo[0], hi[0])
    d = np.array(cur_final, float) - np.array(base_final, float)
    half = 2.7764451051977987 * d.std(ddof=1) / np.sqrt(5)     # t(0.975, 4)
    pair = s["paired"][0]
    assert pair["mean"] == pytest.approx(d.mean())
    assert (pair["lo"], pair["hi"]) == pytest.approx((d.mean() - half, d.mean() + half))
    band = s["bands"]["super_scenarios"]
    assert band["cur"]["median"] == [0.0, 11.0] and band["dates"] == ["2026-01", "2026-02"]
