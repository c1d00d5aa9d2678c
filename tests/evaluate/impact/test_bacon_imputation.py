"""Goodman-Bacon decomposition and the Borusyak-Jaravel-Spiess imputation estimator.

Properties from the papers: Goodman-Bacon (2021, J. Econometrics 225(2), Theorem 1): the
2x2 weights are non-negative, sum to one and their weighted sum *is* the TWFE coefficient;
with a constant effect every 2x2 equals it; with effects that grow over time the
"later vs earlier" comparisons are biased downwards.  Borusyak, Jaravel & Spiess (2024,
REStud, Theorem 1 and sec. 4.1): with a common adoption date the imputation estimate equals
the 2x2 DiD; in general it is the average of ``y - (a_i + l_t)`` with the fixed effects fitted
on untreated observations (checked against statsmodels OLS with explicit dummies), and it is
unbiased under heterogeneous dynamic effects where TWFE is not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import bacon_decomposition, did_2x2, imputation_did, twfe

KW = dict(unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")


def _staggered(rng, n=300, periods=8, dynamic=0.0, effect=1.0):
    g = rng.choice([0, 4, 6, 7], size=n)
    units = np.repeat(np.arange(n), periods)
    year = np.tile(np.arange(1, periods + 1), n)
    gg = np.repeat(g, periods)
    on = (gg > 0) & (year >= gg)
    tau = np.where(on, effect + dynamic * (year - gg), 0.0)
    y = rng.normal(size=n)[units] + 0.2 * year + tau + rng.normal(scale=0.5, size=len(units))
    return pd.DataFrame({"unit": units, "year": year, "g": gg, "y": y, "tau": tau})


def test_bacon_weights_reproduce_twfe_exactly(mpdta):
    r = bacon_decomposition(mpdta, **KW)
    t = twfe(mpdta, **KW)
    assert r.estimate == pytest.approx(t.estimate, abs=1e-12)
    assert r.settings["reproduction_error"] < 1e-12
    assert r.table["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (r.table["weight"] >= 0).all()
    assert len(r.table) == 3 + 2 * 3  # 3 cohorts vs never + 2 per cohort pair


def test_bacon_constant_effect_and_forbidden_comparisons():
    rng = np.random.default_rng(1)
    p = _staggered(rng)
    p["y0"] = p["y"] - p["tau"]
    const = p.assign(y=p["y0"] + 1.0 * (p["tau"] != 0))
    r = bacon_decomposition(const.assign(y=const["y"] - const["y0"]), unit="unit",
                            time="year", outcome="y", treated_from="g")
    np.testing.assert_allclose(r.table["estimate"], 1.0, atol=1e-12)  # noise-free effect
    grow = bacon_decomposition(p.assign(y=p["y0"] + np.where(p["tau"] != 0, 1.0 + 0.5 * (
        p["year"] - p["g"]), 0.0)), unit="unit", time="year", outcome="y", treated_from="g")
    by = grow.diagnostics["by_type"].set_index("type")
    assert by.loc["later vs earlier (earlier as control)", "average_estimate"] < \
        by.loc["treated vs never treated", "average_estimate"]


def test_imputation_equals_did_with_common_timing():
    rng = np.random.default_rng(2)
    p = _staggered(rng)
    p = p[p["g"].isin([0, 6])].copy()
    r = imputation_did(p, unit="unit", time="year", outcome="y", treated_from="g")
    d = did_2x2(p, outcome="y", unit="unit", time="year", treated_from="g",
                inference="analytic")
    assert r.estimate == pytest.approx(d.estimate, abs=1e-10)


def test_imputation_matches_explicit_dummy_regression(mpdta):
    sm = pytest.importorskip("statsmodels.formula.api", reason="statsmodels not installed")
    r = imputation_did(mpdta, **KW)
    d = mpdta.assign(treated=(mpdta.first_treat > 0) & (mpdta.year >= mpdta.first_treat))
    fit = sm.ols("lemp ~ C(countyreal) + C(year)", data=d[~d.treated]).fit()
    tau = d.loc[d.treated, "lemp"] - fit.predict(d[d.treated])
    assert r.estimate == pytest.approx(tau.mean(), abs=1e-10)
    tab = r.table.set_index("event_time")
    e = (d.loc[d.treated, "year"] - d.loc[d.treated, "first_treat"])
    for h, val in tau.groupby(e.to_numpy()).mean().items():
        assert tab.loc[h, "estimate"] == pytest.approx(val, abs=1e-10)


def test_imputation_unbiased_where_twfe_is_not():
    rng = np.random.default_rng(3)
    errs_imp, errs_twfe, cover = [], [], 0
    for _ in range(20):
        p = _staggered(rng, dynamic=0.5)
        truth = p.loc[p["tau"] != 0, "tau"].mean()
        r = imputation_did(p, unit="unit", time="year", outcome="y", treated_from="g")
        t = twfe(p, unit="unit", time="year", outcome="y", treated_from="g",
                 inference="analytic")
        errs_imp.append(r.estimate - truth)
        errs_twfe.append(t.estimate - truth)
        cover += r.ci_low <= truth <= r.ci_high
    assert abs(np.mean(errs_imp)) < 0.03
    assert np.mean(errs_twfe) < -0.2
    assert cover >= 17  # conservative variance: at least nominal up to MC error
