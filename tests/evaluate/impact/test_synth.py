"""Synthetic control on California's Proposition 99 (Abadie, Diamond & Hainmueller 2010).

Data: per-capita cigarette sales (packs), 39 states, 1970-2000, as shipped by the causalpy
PyPI package (see data/README.md).  Published references:

* ADH (2010, JASA 105(490), Table 2): synthetic California = Utah 0.334, Nevada 0.234,
  Montana 0.199, Colorado 0.164, Connecticut 0.069 (all other states 0); their predictors
  include cigarette sales in 1975, 1980 and 1988.
* ADH (2010, sec. 4, p. 503): California has the highest post/pre-Proposition 99 RMSPE ratio
  of all 39 states, permutation p-value 1/39 = 0.026.
* Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER, Table 1): synthetic control
  estimate (all pre-1989 outcomes, no covariates) -19.6 packs; DiD -27.3.
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import did_2x2, synthetic_control, twfe
from changjing.evaluate.impact.synth import simplex_weights
from scipy import optimize

KW = dict(unit="state", time="year", outcome="cigsale", treated_from="treated_from")
ADH_DONORS = {"Utah", "Nevada", "Montana", "Colorado", "Connecticut"}


@pytest.fixture(scope="module")
def sc_all(prop99_long):
    return synthetic_control(prop99_long, **KW)


def test_prop99_estimate_matches_synthdid_table(sc_all):
    assert sc_all.estimate == pytest.approx(-19.6, abs=0.3)
    assert np.isnan(sc_all.se) and "permutation" in sc_all.ci_type


def test_prop99_donors_are_the_published_ones(sc_all):
    w = sc_all.diagnostics["weights"].set_index("unit")["weight"]
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    positive = set(w[w > 0.01].index)
    assert ADH_DONORS <= positive and len(positive) <= 6
    top3 = set(w.index[:3])
    assert top3 == {"Utah", "Nevada", "Montana"}


def test_prop99_placebo_p_value_with_adh_outcome_lags(prop99_long):
    r = synthetic_control(prop99_long, **KW, outcome_lags=[1975, 1980, 1988])
    assert r.p_value == pytest.approx(1 / 39)
    placebos = r.diagnostics["placebos"]
    assert len(placebos) == 39
    assert placebos.loc[placebos.treated, "rank"].item() == 1
    w = r.diagnostics["weights"]
    assert set(w.loc[w.weight > 0, "unit"]) & ADH_DONORS  # Utah leads, as in ADH


def test_prop99_did_matches_synthdid_table(prop99_long):
    """DiD column of Arkhangelsky et al. (2021, Table 1): -27.3."""
    r = twfe(prop99_long, **KW)
    assert r.estimate == pytest.approx(-27.3, abs=0.05)
    long = prop99_long.assign(group=(prop99_long.state == "California") * 1,
                              post=(prop99_long.year >= 1989) * 1)
    assert did_2x2(long, outcome="cigsale", group="group", post="post",
                   unit="state").estimate == pytest.approx(r.estimate)
    # one treated state: the p-value and interval come from randomization inference
    assert r.settings["inference"] == "randomization"
    assert r.settings["treated_clusters"] == 1


def test_simplex_weights_agree_with_slsqp():
    """Second method: SLSQP on the same constrained least squares."""
    rng = np.random.default_rng(1)
    x0 = rng.normal(size=(15, 8))
    x1 = x0[:, :3] @ np.array([0.5, 0.3, 0.2]) + rng.normal(scale=0.3, size=15)
    w = simplex_weights(x1, x0)
    res = optimize.minimize(lambda v: np.sum((x1 - x0 @ v) ** 2), np.full(8, 1 / 8),
                            method="SLSQP", bounds=[(0, 1)] * 8,
                            constraints={"type": "eq", "fun": lambda v: v.sum() - 1},
                            options={"ftol": 1e-14, "maxiter": 1000})
    assert np.sum((x1 - x0 @ w) ** 2) <= res.fun + 1e-8
    np.testing.assert_allclose(w, res.x, atol=1e-4)


def test_in_time_placebo_shows_no_effect_before_1989(sc_all):
    tp = sc_all.diagnostics["placebo_time"].iloc[0]
    assert abs(tp["placebo_mean_gap"]) < abs(sc_all.estimate) / 3


def test_recovers_known_effect_on_factor_model():
    """Interactive fixed effects panel: the treated unit is an exact convex combination of
    donors before treatment; the effect (+5 after t=16) must be recovered."""
    import pandas as pd

    rng = np.random.default_rng(5)
    n, t = 20, 24
    f = np.cumsum(rng.normal(size=(t, 2)), axis=0)
    load = rng.uniform(0, 1, size=(n, 2))
    y = f @ load.T + rng.normal(scale=0.05, size=(t, n))
    y[:, 0] = y[:, 1:4] @ np.array([0.5, 0.3, 0.2]) + rng.normal(scale=0.05, size=t)
    y[16:, 0] += 5.0
    long = pd.DataFrame({"unit": np.tile(np.arange(n), t),
                         "time": 2000 + np.repeat(np.arange(t), n),
                         "y": y.ravel()})
    long["tf"] = np.where(long.unit == 0, 2016, 0)
    r = synthetic_control(long, unit="unit", time="time", outcome="y", treated_from="tf")
    assert r.estimate == pytest.approx(5.0, abs=0.15)
    assert r.p_value == pytest.approx(1 / n)


def test_errors(prop99_long):
    with pytest.raises(SpecError, match="v="):
        synthetic_control(prop99_long, **KW, v="optimize")
    two = prop99_long.assign(treated_from=np.where(prop99_long.state == "Utah", 1990,
                                                   prop99_long.treated_from))
    with pytest.raises(InputError, match="one treatment date"):
        synthetic_control(two, **KW)
    with pytest.raises(SpecError, match="outcome_lags"):
        synthetic_control(prop99_long, **KW, outcome_lags=[1969])


def test_several_treated_units_are_averaged(prop99_long):
    both = prop99_long.assign(treated_from=np.where(
        prop99_long.state.isin(["California", "Utah"]), 1989, 0))
    r = synthetic_control(both, **KW)
    assert r.settings["treated_aggregation"] == "mean of treated units"
    assert "Utah" not in set(r.diagnostics["weights"]["unit"])
    assert len(r.diagnostics["placebos"]) == 38  # the averaged series + 37 donors


def test_optimised_v_fits_pre_period_at_least_as_well(prop99_long):
    """ADH nested V: minimising pre-period MSPE over V starting from V = I cannot do worse
    than V = I (property), and V is reported normalised to sum to one."""
    lags = [1970, 1974, 1978, 1982, 1986, 1988]
    ident = synthetic_control(prop99_long, **KW, outcome_lags=lags)
    opt = synthetic_control(prop99_long, **KW, outcome_lags=lags, v="optimize")
    assert opt.diagnostics["fit"]["pre_rmspe"].item() <= \
        ident.diagnostics["fit"]["pre_rmspe"].item() + 1e-9
    v = opt.diagnostics["v"]
    assert len(v) == len(lags) and v["v"].sum() == pytest.approx(1.0)
    assert opt.settings["v"] == "optimize"


def test_covariate_predictors_path():
    """Predictor columns (averaged over the pre-period) with nested V on the zone panel."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "scenarios_data" / "sample" / "make_panels.py"
    spec = importlib.util.spec_from_file_location("mp", path)
    mp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mp)
    zones = mp.make_zone_panel(seed=4, first_year=2008)
    rng = np.random.default_rng(0)
    zones["firms"] = zones.groupby("zone")["innovation_index"].transform("mean") * 3 + \
        rng.normal(scale=1.0, size=len(zones))
    r = synthetic_control(zones, unit="zone", time="year", outcome="innovation_index",
                          treated_from="super_scenario_from", predictors=["firms"],
                          outcome_lags=[2010, 2014, 2018, 2022], v="optimize")
    assert r.diagnostics["v"]["predictor"].tolist() == ["firms", "innovation_index@2010",
                                                        "innovation_index@2014",
                                                        "innovation_index@2018",
                                                        "innovation_index@2022"]
    assert r.diagnostics["weights"]["weight"].sum() == pytest.approx(1.0)
    assert r.estimate == pytest.approx(8.0, abs=1.5)
