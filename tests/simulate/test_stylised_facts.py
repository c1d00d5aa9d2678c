"""Stylised facts the model must show (checks that fail if a change breaks them).

* Firm sizes are heavy-tailed: tests/simulate/test_population.py (Hill estimator).
* Adoption of demonstrated technologies is S-shaped with a take-off: yearly adoptions rise from
  a low start to an interior peak and then fall (Bass 1969; Rogers, Diffusion of Innovations).
* Stage attrition stays in plausible bands (docs/calibration.md states the bands).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from changjing.simulate import Config, run


def test_adoption_is_s_shaped_with_a_take_off():
    yearly = []
    for seed in range(3):
        ts = run(Config().with_overrides({"run.months": 240, "firms.n": 4000}), seed).timeseries
        new = np.diff(np.concatenate([[0], ts["adopters"].to_numpy()]))
        yearly.append(new.reshape(20, 12).sum(axis=1))
    yearly = np.mean(yearly, axis=0)
    smooth = np.convolve(yearly, np.ones(3) / 3, mode="valid")   # 3-year moving mean
    peak = int(np.argmax(smooth))
    assert 2 <= peak <= 14, smooth                  # an interior peak, not at either end
    assert yearly[0] < 0.7 * smooth[peak]           # a slow start, then take-off
    assert smooth[-1] < 0.8 * smooth[peak]          # saturation: adoption slows down
    cumulative = np.cumsum(yearly)
    assert np.all(np.diff(cumulative) >= 0)


def stage_attrition(seeds=range(4)) -> pd.DataFrame:
    rows = []
    for seed in seeds:
        funnel = run(Config(), seed).funnel
        g = funnel.groupby("stage", sort=False)[["left", "failed"]].sum()
        rows.append(g["failed"] / (g["left"] + g["failed"]))
    return pd.DataFrame(rows).mean()


def test_stage_attrition_in_plausible_bands():
    attrition = stage_attrition()
    bands = {                               # (low, high) share of leavers who drop out
        "solicitation": (0.15, 0.45),       # needs that fail selection
        "selection": (0.03, 0.25),          # withdrawn in refinement / never published
        "release": (0.10, 0.65),            # no supplier, or the pilot cannot be financed
        "implementation": (0.10, 0.45),     # pilots that fail
        "evaluation": (0.0, 0.0),           # tracking never drops a demonstration
    }
    for stage, (lo, hi) in bands.items():
        assert lo <= attrition[stage] <= hi, (stage, attrition[stage])
