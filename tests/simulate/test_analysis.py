"""Sweep summaries against independent computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.analysis import (
    bands,
    paired_differences,
    target_probabilities,
    wilson_interval,
)
from scipy import stats


def test_wilson_matches_statsmodels_and_the_textbook_example():
    from statsmodels.stats.proportion import proportion_confint

    k = np.array([0, 1, 7, 20, 40])
    n = np.array([40, 40, 40, 40, 40])
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-12)
    # Newcombe (1998) Stat. Med. 17:857, Table I, example 81/263: Wilson 0.2553 to 0.3662
    lo, hi = wilson_interval(np.array([81]), np.array([263]))
    assert (round(lo[0], 4), round(hi[0], 4)) == (0.2553, 0.3662)


def test_wilson_contains_the_share_exactly_at_the_ends():
    # 0 of n and n of n: the bounds are exactly 0 and 1 (a 1e-17 residue once put the lower
    # bound above a probability of 0 in targets.csv)
    n = np.arange(1, 200)
    for k in (np.zeros_like(n), n):
        lo, hi = wilson_interval(k, n)
        p = k / n
        assert ((lo <= p) & (p <= hi)).all()
    assert (wilson_interval(np.zeros_like(n), n)[0] == 0).all()
    assert (wilson_interval(n, n)[1] == 1).all()


def make_final(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for arm_index, arm in enumerate(["base", "more"]):
        for rep in range(30):
            common = rng.normal(100, 20) if arm == "base" else None
            rows.append({"run_id": len(rows), "arm_index": arm_index, "arm": arm, "point": 0,
                         "replication": rep, "x": common})
    frame = pd.DataFrame(rows)
    noise = rng.normal(0, 1, 30)
    base = frame.loc[frame.arm == "base", "x"].to_numpy()
    frame.loc[frame.arm == "more", "x"] = base + 5.0 + noise
    return frame


def test_paired_differences_use_the_pairs():
    final = make_final(np.random.default_rng(0))
    out = paired_differences(final, "base", ["x"]).set_index("arm")
    d = (final[final.arm == "more"]["x"].to_numpy() - final[final.arm == "base"]["x"].to_numpy())
    assert out.loc["more", "mean_difference"] == pytest.approx(d.mean())
    half = stats.t.ppf(0.975, 29) * d.std(ddof=1) / np.sqrt(30)
    assert out.loc["more", "ci_high"] - out.loc["more", "ci_low"] == pytest.approx(2 * half)
    # pairing removes the between-seed spread (sd 20): the interval is narrow around 5
    assert out.loc["more", "ci_low"] < 5 < out.loc["more", "ci_high"]
    assert out.loc["more", "ci_high"] - out.loc["more", "ci_low"] < 1.5
    assert out.loc["base", "mean_difference"] == 0


def test_target_probabilities_and_bands():
    final = pd.DataFrame({"run_id": range(10), "arm_index": 0, "arm": "a", "point": 0,
                          "replication": range(10), "y": np.arange(10.0)})
    out = target_probabilities(final, {"y": 7}).set_index("target")
    assert out.loc["y", "probability"] == pytest.approx(0.3)        # 7, 8, 9
    assert out.loc["all_targets", "reached"] == 3
    ts = pd.DataFrame({"run_id": np.repeat(range(10), 2), "step": [1, 2] * 10,
                       "date": ["2026-01", "2026-02"] * 10, "y": np.arange(20.0)})
    runs = final[["run_id", "arm_index", "arm"]]
    b = bands(ts, runs, ["y"])
    step2 = b[b.step == 2].iloc[0]
    values = np.arange(1.0, 20.0, 2)
    assert step2["mean"] == pytest.approx(values.mean())
    assert step2["p05"] == pytest.approx(np.quantile(values, 0.05))
    assert step2["p95"] == pytest.approx(np.quantile(values, 0.95))
