"""TWFE event study (``twfe_event_study``).

1. Against an independent dummy-variable OLS (statsmodels, explicit unit, year and
   relative-time dummies, clustered by county) on the shipped ``mpdta`` panel
   (``first_treat`` = 0 codes never treated): coefficients to 1e-8; CR1 SEs after the documented
   ``K`` factor (statsmodels counts every dummy in ``K``, we count unit effects as nested in the
   clusters: ``K = slopes + (T-1) + 1``), so the SEs differ by exactly
   ``sqrt((N-K_sm)/(N-K))``; HC1 and classical SEs count every dummy and agree directly.
2. Simulated panels: a common date and a constant effect is recovered; staggered dates with
   cohort-specific dynamic effects make the TWFE event study differ from
   ``aggte(att_gt(...), "dynamic")`` and from the truth, which is why the result warns.
3. Bad input gives the module's usual errors.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import aggte, att_gt, twfe_event_study

from changjing.cli import main

DATA = Path(__file__).parent / "data"
KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}


def _dummy_ols(d: pd.DataFrame, rel: pd.Series, periods, extra=(), **fit):
    """statsmodels OLS on explicit dummies: intercept, units (first dropped), years (first
    dropped), one dummy per relative period in ``periods``, then ``extra`` columns."""
    sm = pytest.importorskip("statsmodels.api")
    ev = np.column_stack([(rel == e).to_numpy(float) for e in periods])
    units = pd.get_dummies(d["countyreal"], drop_first=True, dtype=float).to_numpy()
    years = pd.get_dummies(d["year"], drop_first=True, dtype=float).to_numpy()
    x = np.column_stack([ev] + [d[c].to_numpy(float) for c in extra]
                        + [np.ones(len(d)), units, years])
    return sm.OLS(d["lemp"].to_numpy(float), x).fit(**fit), x.shape[1]


@pytest.mark.parametrize("window,bins,extra", [
    (None, True, ()),
    ((-3, 2), True, ()),
    ((-2, 2), False, ()),
    ((-4, 3), True, ("trend_pop",)),
])
def test_matches_statsmodels_dummy_ols_cluster(mpdta, window, bins, extra):
    d = mpdta.assign(trend_pop=mpdta.lpop * (mpdta.year - 2005))  # time-varying covariate
    g = d.first_treat.where(d.first_treat > 0)
    rel = d.year - g  # NaN for never treated (first_treat == 0)
    if window is not None and bins:
        rel = rel.clip(*window)
    if window is not None and not bins:
        d = d[~((rel < window[0]) | (rel > window[1]))]
        rel = rel[d.index]
    periods = sorted(int(e) for e in rel.dropna().unique() if e != -1)
    ref, k_sm = _dummy_ols(d, rel, periods, extra, cov_type="cluster",
                           cov_kwds={"groups": d.countyreal.to_numpy()})
    r = twfe_event_study(d, covariates=list(extra), window=window, bin_endpoints=bins, **KW)
    tab = r.table.set_index("event_time")
    assert list(tab.index) == sorted(periods + [-1])
    assert tab.loc[-1, "estimate"] == 0.0 and tab.loc[-1, "reference"]
    m = len(periods)
    np.testing.assert_allclose(tab.loc[periods, "estimate"], ref.params[:m], rtol=0, atol=1e-8)
    n, k = len(d), m + len(extra) + (5 - 1) + 1
    assert r.settings["k_dof"] == k
    np.testing.assert_allclose(tab.loc[periods, "se"],
                               ref.bse[:m] * np.sqrt((n - k_sm) / (n - k)), rtol=1e-8)
    # headline = mean of post coefficients, its SE from the same covariance
    post = [j for j, e in enumerate(periods) if e >= 0]
    a = np.zeros(len(ref.params))
    a[post] = 1 / len(post)
    cov_sm = ref.cov_params() * (n - k_sm) / (n - k)
    assert r.estimate == pytest.approx(a @ ref.params, abs=1e-8)
    assert r.se == pytest.approx(np.sqrt(a @ cov_sm @ a), rel=1e-8)
    # Wald pre-test of the leads with the same covariance
    lead = [j for j, e in enumerate(periods) if e < 0]
    b, v = ref.params[lead], cov_sm[np.ix_(lead, lead)]
    pre = r.diagnostics["pretrend"].iloc[0]
    assert pre["statistic"] == pytest.approx(b @ np.linalg.solve(v, b), rel=1e-7)
    assert pre["df"] == len(lead)
    assert r.ci_type == "t(499) pointwise"


@pytest.mark.parametrize("vcov,fit", [("HC1", {"cov_type": "HC1"}), ("iid", {})])
def test_hc1_and_iid_match_statsmodels_exactly(mpdta, vcov, fit):
    """HC1 and classical SEs count every unit dummy in K, as statsmodels does."""
    rel = mpdta.year - mpdta.first_treat.where(mpdta.first_treat > 0)
    periods = [-4, -3, -2, 0, 1, 2, 3]
    ref, _ = _dummy_ols(mpdta, rel, periods, **fit)
    r = twfe_event_study(mpdta, vcov=vcov, **KW)
    tab = r.table.set_index("event_time")
    np.testing.assert_allclose(tab.loc[periods, "se"], ref.bse[:7], rtol=1e-8)


def test_mpdta_warns_staggered_and_table_shape(mpdta):
    r = twfe_event_study(mpdta, **KW)
    assert r.design == "twfe_event_study" and "average of the post-treatment" in r.estimand
    assert list(r.table.columns[:7]) == ["event_time", "estimate", "se", "ci_low", "ci_high",
                                         "p_value", "n_obs"]
    assert r.table["n_obs"].sum() == (mpdta.first_treat > 0).sum()
    assert any("Sun & Abraham 2021" in w and "aggte" in w for w in r.warnings)
    assert "pretrend" in r.diagnostics and "WARNING" in r.summary()
    tidy = r.tidy()
    assert len(tidy) == 1 + len(r.table)


def _simulate(seed: int, staggered: bool, n: int = 300, periods: int = 10) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if staggered:
        g = rng.choice([0, 4, 6, 8], n)
    else:
        g = np.where(rng.random(n) < 0.5, 6, 0)
    t = np.arange(1, periods + 1)
    a, lam = rng.normal(0, 1, n), rng.normal(0, 1, periods)
    uu, tt = np.repeat(np.arange(n), periods), np.tile(t, n)
    gg = g[uu]
    e = tt - gg
    if staggered:  # cohort-specific slopes: effect (e+1)*s_g from e = 0
        slope = np.select([gg == 4, gg == 6, gg == 8], [1.0, 0.5, 0.1], 0.0)
        eff = np.where((gg > 0) & (e >= 0), slope * (e + 1), 0.0)
    else:
        eff = np.where((gg > 0) & (e >= 0), 1.0, 0.0)
    y = a[uu] + lam[tt - 1] + eff + rng.normal(0, 0.5, len(uu))
    return pd.DataFrame({"id": uu, "t": tt, "g": gg, "y": y})


def test_common_date_constant_effect_recovered():
    d = _simulate(1, staggered=False)
    r = twfe_event_study(d, unit="id", time="t", outcome="y", treated_from="g")
    assert r.ci_low < 1.0 < r.ci_high
    tab = r.table.set_index("event_time")
    post, lead = tab[tab.index >= 0], tab[(tab.index < 0) & ~tab.reference]
    assert np.all(np.abs(post.estimate - 1.0) < 3 * post.se)
    assert np.all(np.abs(lead.estimate) < 3 * lead.se)
    assert r.diagnostics["pretrend"].loc[0, "p_value"] > 0.05
    assert not any("Sun & Abraham" in w for w in r.warnings)  # one date: no contamination


def test_staggered_heterogeneous_differs_from_att_gt_dynamic():
    """Cohorts 4, 6, 8 with slopes 1, 0.5, 0.1: the TWFE event study shows large spurious
    leads and post coefficients off the truth, while aggte(att_gt, "dynamic") recovers it."""
    d = _simulate(2, staggered=True)
    r = twfe_event_study(d, unit="id", time="t", outcome="y", treated_from="g")
    dyn = aggte(att_gt(d, unit="id", time="t", outcome="y", treated_from="g"), "dynamic")
    size = d[d.t == 1].groupby("g").size()
    truth = {}
    for e in range(-7, 7):
        cohorts = [c for c in (4, 6, 8) if 1 <= c + e <= 10]
        w = size[cohorts] / size[cohorts].sum()
        s = pd.Series({4: 1.0, 6: 0.5, 8: 0.1})[cohorts]
        truth[e] = float((w * s * (e + 1)).sum()) if e >= 0 else 0.0
    cs = dyn.table.set_index("event_time")
    tw = r.table.set_index("event_time")
    common = [e for e in tw.index if e in cs.index and e != -1]
    true = np.array([truth[e] for e in common])
    z_cs = (cs.loc[common, "estimate"] - true) / cs.loc[common, "se"]
    z_tw = (tw.loc[common, "estimate"] - true) / tw.loc[common, "se"]
    assert np.max(np.abs(z_cs)) < 3.5            # C&S dynamic: consistent with the truth
    assert np.max(np.abs(z_tw)) > 8              # TWFE event study: clearly contaminated
    leads = [e for e in common if e < -1]
    assert np.max(np.abs(tw.loc[leads, "estimate"])) > 0.5  # spurious "pre-trends"
    assert r.diagnostics["pretrend"].loc[0, "p_value"] < 1e-6
    assert any("Sun & Abraham 2021" in w for w in r.warnings)


def test_bad_input(mpdta):
    with pytest.raises(InputError, match="no untreated units"):
        twfe_event_study(mpdta[mpdta.first_treat > 0], **KW)
    with pytest.raises(SpecError, match="outside the window"):
        twfe_event_study(mpdta, window=(-3, 2), reference=-4, **KW)
    with pytest.raises(SpecError, match="pre-treatment relative period"):
        twfe_event_study(mpdta, reference=0, **KW)
    with pytest.raises(SpecError, match="min_lead < 0 <= max_lag"):
        twfe_event_study(mpdta, window=(2, -3), **KW)
    with pytest.raises(SpecError, match="window"):
        twfe_event_study(mpdta, window=(-3,), **KW)
    with pytest.raises(InputError, match="no treated rows at the reference"):
        twfe_event_study(mpdta, reference=-6, **KW)
    with pytest.raises(InputError, match="not found"):
        twfe_event_study(mpdta, **{**KW, "outcome": "lemp_x"})
    with pytest.raises(InputError, match="must be a number"):
        twfe_event_study(mpdta.assign(lemp=mpdta.lemp.astype(object).where(
            mpdta.index != 3, "n/a")), **KW)
    with pytest.raises(InputError, match="collinear"):  # time-invariant covariate
        twfe_event_study(mpdta, covariates=["lpop"], **KW)
    with pytest.raises(SpecError, match="vcov"):
        twfe_event_study(mpdta, vcov="HC3", **KW)
    with pytest.raises(InputError, match="duplicated"):
        twfe_event_study(pd.concat([mpdta, mpdta.iloc[:1]], ignore_index=True), **KW)


def test_window_beyond_data_warns(mpdta):
    r = twfe_event_study(mpdta, window=(-6, 3), **KW)
    assert any("no treated rows at relative period(s) -6, -5" in w for w in r.warnings)
    assert r.table.event_time.min() == -4


def test_cli_event_study(tmp_path, capsys):
    out = tmp_path / "es"
    args = ["evaluate", "impact", str(DATA / "mpdta.csv"), "--design", "event_study",
            "--unit", "countyreal", "--time", "year", "--outcome", "lemp",
            "--treated-from", "first_treat", "--window", "-3", "2", "--out", str(out)]
    assert main(args) == 0
    names = {p.name for p in out.iterdir()}
    assert {"estimates.csv", "diagnostics_pretrend.csv", "event_study.png", "event_study.svg",
            "summary.txt", "manifest.json"} <= names
    r = twfe_event_study(pd.read_csv(DATA / "mpdta.csv"), window=(-3, 2), **KW)
    est = pd.read_csv(out / "estimates.csv")
    assert est.loc[0, "estimate"] == pytest.approx(r.estimate, rel=1e-9)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["design"] == "twfe_event_study" and manifest["settings"]["window"] == [-3, 2]
    assert "Sun & Abraham" in capsys.readouterr().out
    assert main(args[:-2] + ["--bootstrap", "9", "--out", str(tmp_path / "x")]) == 2
