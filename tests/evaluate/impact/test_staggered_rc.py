"""Repeated cross-sections (R did ``panel = FALSE``) and unbalanced panels
(``allow_unbalanced_panel = TRUE``).

R calls mirrored::

    att_gt(yname = "lemp", gname = "first.treat", tname = "year", xformla = ~lpop,
           data = mpdta, est_method = m, panel = FALSE)
    att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal", tname = "year",
           xformla = ~1, data = mpdta_with_holes, allow_unbalanced_panel = TRUE)

No R output for these calls is published, so the estimators (ports of DRDID's
``reg_did_rc``, ``std_ipw_did_rc``, ``drdid_rc``, ``drdid_imp_rc``) are checked against
independent computations:

* on a balanced panel with a time-invariant covariate, every repeated cross-section
  estimator has exactly the point estimates of its panel counterpart (the per-period
  regressions differ by the regression of the change; the pooled propensity score is the
  panel one; DR's local-efficiency terms vanish because the treated covariate means are the
  same in both periods), so the published panel cells (did vignette) carry over;
* without covariates the ATT is a difference of four means, whose influence-function
  variance is ``sum_k sum_{i in k} (y_i - mean_k)^2 / n_k^2`` - computed here by hand;
* with covariates, the IF-based SE agrees with a delete-one jackknife of the estimator;
* unbalanced panel: the four-means estimate on the observed rows and the influence function
  summed by county, by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.impact import aggte, att_gt
from changjing.evaluate.impact.drdid_rc import rc_two_by_two

KW = {"time": "year", "outcome": "lemp", "treated_from": "first_treat"}
PUBLISHED = {(2004, 2004): -0.0105, (2004, 2005): -0.0704, (2006, 2007): -0.0412,
             (2007, 2007): -0.0261}  # did vignette, est_method = "reg" (panel)


@pytest.mark.parametrize("method", ["reg", "ipw", "dr", "dr_imp"])
def test_cross_section_estimates_equal_panel_estimates_on_a_balanced_panel(mpdta, method):
    pan = att_gt(mpdta, unit="countyreal", **KW, covariates=["lpop"], method=method)
    rc = att_gt(mpdta, **KW, covariates=["lpop"], method=method, panel=False)
    assert not any("ignored" in w for w in rc.warnings)
    np.testing.assert_allclose(rc.table["estimate"], pan.table["estimate"], atol=1e-12)
    assert rc.n == 2500 and "repeated cross-sections" in rc.settings["data_structure"]
    # observations of different years are independent here: SEs are larger than the panel's
    assert (rc.table["se"] > pan.table["se"]).all()
    for kind in ("simple", "dynamic", "group", "calendar"):
        assert aggte(rc, kind).estimate == pytest.approx(aggte(pan, kind).estimate, abs=1e-12)


def test_unconditional_cross_section_matches_published_cells_and_closed_form_se(mpdta):
    rc = att_gt(mpdta, **KW, method="reg", panel=False)
    cells = rc.table.set_index(["group", "time"])
    for key, att in PUBLISHED.items():
        assert round(cells.loc[key, "estimate"], 4) == att
    # closed-form variance of a difference of four independent means, cell (2004, 2005)
    g, t, b = 2004, 2005, 2003
    sub = mpdta[mpdta.year.isin([t, b]) & mpdta.first_treat.isin([0, g])]
    var = 0.0
    for (_, _), grp in sub.groupby([sub.first_treat, sub.year]):
        var += np.sum((grp.lemp - grp.lemp.mean()) ** 2) / len(grp) ** 2
    assert cells.loc[(g, t), "se"] == pytest.approx(np.sqrt(var), rel=1e-10)


@pytest.mark.parametrize("method", ["reg", "ipw", "dr", "dr_imp"])
def test_cross_section_if_variance_matches_jackknife(mpdta, method):
    sub = mpdta[mpdta.year.isin([2003, 2006]) & mpdta.first_treat.isin([0, 2007])]
    y = sub.lemp.to_numpy()
    post = (sub.year == 2006).to_numpy(float)
    d = (sub.first_treat == 2007).to_numpy(float)
    x = np.column_stack([np.ones(len(sub)), sub.lpop.to_numpy()])
    w = 1 + (sub.countyreal.to_numpy() % 2)  # sampling weights too
    _, psi = rc_two_by_two(y, post, d, x, method, 0.995, w)
    n = len(y)
    assert abs(psi.mean()) < 1e-10
    se_if = np.sqrt(np.sum(psi**2)) / n
    keep = np.ones(n, dtype=bool)
    jack = []
    for i in range(n):
        keep[i] = False
        jack.append(rc_two_by_two(y[keep], post[keep], d[keep], x[keep], method, 0.995,
                                  w[keep])[0])
        keep[i] = True
    jack = np.array(jack)
    se_jack = np.sqrt((n - 1) / n * np.sum((jack - jack.mean()) ** 2))
    assert se_if == pytest.approx(se_jack, rel=0.1)


def test_unbalanced_panel_by_hand(mpdta):
    rng = np.random.default_rng(2)
    holes = mpdta.drop(index=rng.choice(mpdta.index, size=300, replace=False))
    r = att_gt(holes, unit="countyreal", **KW, method="reg", allow_unbalanced_panel=True)
    assert "unbalanced" in r.settings["data_structure"]
    assert r.n == holes.countyreal.nunique()
    g, t, b = 2006, 2007, 2005
    sub = holes[holes.year.isin([t, b]) & holes.first_treat.isin([0, g])]
    means = sub.groupby([sub.first_treat, sub.year]).lemp.agg(["mean", "size"])
    att = (means.loc[(g, t), "mean"] - means.loc[(g, b), "mean"]
           - means.loc[(0, t), "mean"] + means.loc[(0, b), "mean"])
    cell = r.table.set_index(["group", "time"]).loc[(g, t)]
    assert cell["estimate"] == pytest.approx(att, abs=1e-12)
    # IF by hand: +-(y - mean_k) * n / n_k per row, summed by county
    n = r.n
    sign = np.where(sub.first_treat == g, 1.0, -1.0) * np.where(sub.year == t, 1.0, -1.0)
    key = list(zip(sub.first_treat, sub.year))
    mk = np.array([means.loc[k, "mean"] for k in key])
    nk = np.array([means.loc[k, "size"] for k in key])
    psi = sign * (sub.lemp.to_numpy() - mk) * n / nk
    s = pd.Series(psi).groupby(sub.countyreal.to_numpy()).sum()
    assert cell["se"] == pytest.approx(np.sqrt(np.sum(s**2)) / n, rel=1e-10)
    # a balanced panel with the flag set uses the panel estimators (as R)
    bal = att_gt(mpdta, unit="countyreal", **KW, method="reg", allow_unbalanced_panel=True)
    ref = att_gt(mpdta, unit="countyreal", **KW, method="reg")
    np.testing.assert_allclose(bal.table["se"], ref.table["se"])
    assert bal.settings["data_structure"] == "panel"
    with pytest.raises(SpecError, match="drop_incomplete"):
        att_gt(holes, unit="countyreal", **KW, drop_incomplete=True, allow_unbalanced_panel=True)
    with pytest.raises(SpecError, match="treated_from"):
        att_gt(mpdta.assign(on=0), time="year", outcome="lemp", treated="on", panel=False)


@pytest.mark.parametrize(("method", "oracle"), [
    ("reg", "reg_did_rc"), ("ipw", "std_ipw_did_rc"), ("dr", "drdid_rc"),
    ("dr_imp", "drdid_imp_local_rc")])
def test_rc_estimators_agree_with_moderndid_drdid_ports(method, oracle):
    """Oracle: moderndid's ports of DRDID's repeated cross-section estimators (reg_did_rc,
    std_ipw_did_rc, drdid_rc, drdid_imp_rc = moderndid's drdid_imp_local_rc), with sampling
    weights and strong covariate imbalance so that the estimators differ."""
    import importlib

    mod = pytest.importorskip(f"moderndid.drdid.estimators.{oracle}")
    rng = np.random.default_rng(4)
    n = 2000
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.8 * x1 - x2)))).astype(float)
    post = (rng.uniform(size=n) < 0.5).astype(float)
    y = (1 + x1 + x2 + post * (0.5 + 0.7 * x1 * x1 + 0.3 * x2) + d * post * (1 + 0.5 * x1)
         + 0.4 * d * x1 + rng.normal(size=n))
    x = np.column_stack([np.ones(n), x1, x2])
    w = rng.uniform(0.5, 2, size=n)
    ref = getattr(importlib.import_module(mod.__name__), oracle)(
        y, post, d, x, i_weights=w, influence_func=True)
    att, inf = rc_two_by_two(y, post, d, x, method, 0.995, w)
    assert att == pytest.approx(ref.att, abs=1e-8)
    np.testing.assert_allclose(inf, ref.att_inf_func, atol=5e-5)


def test_unit_given_with_panel_false_is_named_as_ignored(mpdta):
    """R clusters on an idname that repeats under panel = FALSE; here panel=False always
    means independent rows, so a unit column is ignored - and said to be."""
    with_unit = att_gt(mpdta, unit="countyreal", **KW, panel=False)
    without = att_gt(mpdta, **KW, panel=False)
    np.testing.assert_allclose(with_unit.table["se"], without.table["se"], rtol=1e-12)
    assert any("'countyreal' ignored" in w and "allow_unbalanced_panel" in w
               for w in with_unit.warnings)
