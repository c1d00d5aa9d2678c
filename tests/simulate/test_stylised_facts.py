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


def stage_attrition(seeds=range(4)) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, counts = [], []
    for seed in seeds:
        funnel = run(Config(), seed).funnel
        g = funnel.groupby("stage", sort=False)[["left", "failed"]].sum()
        rows.append(g["failed"] / (g["left"] + g["failed"]))
        counts.append(g["left"] + g["failed"])
    return pd.DataFrame(rows).mean(), pd.DataFrame(counts).sum()


def test_stage_attrition_matches_the_rules():
    """Attrition at each stage against what its rule implies (not bands chosen by eye).

    * selection (遴选): with priority weights 1 a need fails when quality < strictness, quality
      ~ Beta(4, 3): the failing share is the Beta CDF at 0.38 (binomial tolerance);
    * refinement (打磨): at least the withdrawal rate ``refine_dropout`` leave, plus those never
      published within the wait (none should be when lists have room);
    * tracking (跟踪评估) never drops a demonstration.
    """
    from scipy import stats

    cfg = Config()
    attrition, n = stage_attrition()
    p_fail = stats.beta.cdf(cfg.policy.selection_strictness, *cfg.scenarios.quality_beta)
    tol = 4 * np.sqrt(p_fail * (1 - p_fail) / n["solicitation"])
    assert abs(attrition["solicitation"] - p_fail) < tol, (attrition["solicitation"], p_fail)
    d = cfg.lifecycle.refine_dropout
    assert d - 4 * np.sqrt(d * (1 - d) / n["selection"]) < attrition["selection"] < d + 0.05
    assert attrition["evaluation"] == 0.0
    for stage in ("release", "implementation"):   # both stages do lose scenarios
        assert 0.0 < attrition[stage] < 1.0
