"""Few treated clusters: warnings, the automatic switch of inference, and its size.

Published facts checked: with one treated unit the cluster-robust t-test of a DiD rejects a
true null far more often than its nominal 5 % (Conley & Taber 2011, REStat 93(1), Table 1;
MacKinnon & Webb 2017, J. Applied Econometrics 32(2), fig. 1); randomization inference that
permutes the treatment across units is exact under exchangeable assignment (Fisher; Imbens &
Rubin 2015, ch. 5), so its size is 5 % up to Monte-Carlo error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import did_2x2, twfe
from changjing.evaluate.impact.inference import choose_inference


def _panel(rng, n_units=40, n_treated=1, periods=4, date=3, effect=0.0):
    units = np.repeat(np.arange(n_units), periods)
    year = np.tile(np.arange(1, periods + 1), n_units)
    g = np.where(units < n_treated, date, 0)
    alpha_i = rng.normal(size=n_units)[units]
    y = alpha_i + 0.3 * year + effect * ((g > 0) & (year >= date)) + rng.normal(size=len(units))
    return pd.DataFrame({"unit": units, "year": year, "g": g, "y": y})


def test_size_with_one_treated_unit_cr1_over_rejects_auto_does_not():
    rng = np.random.default_rng(20260601)
    reps = 150
    rej_cr1 = rej_auto = 0
    for _ in range(reps):
        p = _panel(rng)
        a = twfe(p, unit="unit", time="year", outcome="y", treated_from="g",
                 inference="analytic")
        b = twfe(p, unit="unit", time="year", outcome="y", treated_from="g", n_boot=199,
                 seed=int(rng.integers(1 << 30)))
        rej_cr1 += a.p_value < 0.05
        rej_auto += b.p_value <= 0.05
        assert b.settings["inference"] == "randomization"
    mc = 3 * np.sqrt(0.05 * 0.95 / reps)  # 3 Monte-Carlo standard errors
    assert rej_cr1 / reps > 0.25           # CR1: several times the nominal size
    assert abs(rej_auto / reps - 0.05) < mc


def test_auto_inference_is_recorded_and_warned():
    rng = np.random.default_rng(1)
    p = _panel(rng, n_treated=2, effect=3.0)
    res = twfe(p, unit="unit", time="year", outcome="y", treated_from="g", seed=5)
    assert res.settings["inference"] == "randomization"
    assert "treated of 40 clusters" in res.settings["inference_reason"]
    assert any(w.startswith("inference:") for w in res.warnings)
    assert "randomization" in res.ci_type
    assert res.ci_low < 3.0 < res.ci_high  # test-inversion interval covers the true effect
    many = _panel(rng, n_units=60, n_treated=30, effect=1.0)
    ana = twfe(many, unit="unit", time="year", outcome="y", treated_from="g")
    assert ana.settings["inference"] == "analytic"


def test_did_2x2_randomization_interval_by_inversion_contains_estimate():
    rng = np.random.default_rng(2)
    p = _panel(rng, n_treated=3, effect=2.0)
    res = did_2x2(p, outcome="y", unit="unit", time="year", treated_from="g", seed=3)
    assert res.settings["inference"] == "randomization"
    assert res.ci_low < res.estimate < res.ci_high
    wild = did_2x2(p, outcome="y", unit="unit", time="year", treated_from="g",
                   inference="wild", seed=3)
    assert wild.settings["wild_weights"] == "rademacher" or wild.settings["wild_weights"] == "webb"
    assert wild.estimate == pytest.approx(res.estimate)


@pytest.mark.parametrize("n_tc, n_cl, expect", [(1, 50, "randomization"), (4, 50, "randomization"),
                                                (5, 50, "wild"), (9, 50, "wild"),
                                                (12, 20, "wild"), (10, 30, "analytic")])
def test_choose_inference_thresholds(n_tc, n_cl, expect):
    assert choose_inference(n_tc, n_cl, True)[0] == expect
    if expect == "randomization":
        assert choose_inference(n_tc, n_cl, False)[0] == "wild"
