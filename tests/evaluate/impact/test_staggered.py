"""Callaway & Sant'Anna ATT(g,t) on the minimum-wage panel ``mpdta``.

Published numbers: the R ``did`` package (Callaway & Sant'Anna), output of
``att_gt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", xformla=~1,
data=mpdta)`` printed in the package's introduction vignette / README ("Group-Time Average
Treatment Effects" table, 4 decimals, and "P-value for pre-test of parallel trends
assumption: 0.16812"), and ``aggte(..., type="simple"|"dynamic"|"group")``: overall ATT
-0.0400 (SE 0.0118, bootstrap), -0.0772, -0.0310.  Point estimates and the Wald pre-test are
deterministic and must agree to the printed digits; the vignette's standard errors are
multiplier-bootstrap numbers (1000 draws), so our analytic influence-function SEs are
compared within 15 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import aggte, att_gt, pretrend_test

KW = dict(unit="countyreal", time="year", outcome="lemp", treated_from="first_treat")

# (group, time): (ATT, bootstrap SE) from the did vignette, est_method="reg", no covariates
PUBLISHED = {
    (2004, 2004): (-0.0105, 0.0237), (2004, 2005): (-0.0704, 0.0330),
    (2004, 2006): (-0.1373, 0.0404), (2004, 2007): (-0.1008, 0.0364),
    (2006, 2004): (0.0065, 0.0243), (2006, 2005): (-0.0028, 0.0205),
    (2006, 2006): (-0.0046, 0.0162), (2006, 2007): (-0.0412, 0.0203),
    (2007, 2004): (0.0305, 0.0142), (2007, 2005): (-0.0027, 0.0162),
    (2007, 2006): (-0.0311, 0.0178), (2007, 2007): (-0.0261, 0.0174),
}


@pytest.fixture(scope="module")
def unconditional(mpdta):
    return att_gt(mpdta, **KW, method="reg")


def test_group_time_effects_match_did_vignette(unconditional):
    table = unconditional.table
    assert len(table) == 12
    for row in table.itertuples():
        att, se_boot = PUBLISHED[(int(row.group), int(row.time))]
        assert round(row.estimate, 4) == pytest.approx(att, abs=1e-12)
        assert row.se == pytest.approx(se_boot, rel=0.15)


def test_pretrend_wald_matches_published_p_value(unconditional):
    pre = unconditional.diagnostics["pretrend"].iloc[0]
    assert pre["df"] == 5 and pre["cells"] == 5
    assert round(pre["p_value"], 5) == 0.16812
    assert pretrend_test(unconditional).iloc[0]["statistic"] == pytest.approx(pre["statistic"])


def test_aggregations_match_published(unconditional):
    simple = aggte(unconditional, "simple")
    assert round(simple.estimate, 4) == -0.0400
    assert simple.se == pytest.approx(0.0118, rel=0.10)
    assert unconditional.estimate == simple.estimate  # headline of att_gt is the simple ATT
    assert round(aggte(unconditional, "dynamic").estimate, 4) == -0.0772
    assert round(aggte(unconditional, "group").estimate, 4) == -0.0310
    dyn = aggte(unconditional, "dynamic").table.set_index("event_time")["estimate"].round(4)
    # event-study coefficients printed by aggte(type = "dynamic") in the vignette
    assert dyn.to_dict() == {-3: 0.0305, -2: -0.0006, -1: -0.0245, 0: -0.0199, 1: -0.0510,
                             2: -0.1373, 3: -0.1008}


def test_methods_coincide_without_covariates(mpdta, unconditional):
    for method in ("dr", "ipw", "dr_imp"):
        other = att_gt(mpdta, **KW, method=method)
        np.testing.assert_allclose(other.table["estimate"], unconditional.table["estimate"],
                                   atol=1e-12)
        np.testing.assert_allclose(other.table["se"], unconditional.table["se"], rtol=1e-10)


def test_simple_aggregation_by_hand(unconditional):
    """Second method: group-size weighted mean of post cells (C&S 2021 eq. 3.10)."""
    t = unconditional.table
    size = {2004: 20, 2006: 40, 2007: 131}
    post = t[t.time >= t.group]
    w = post.group.map(size)
    assert unconditional.estimate == pytest.approx(np.average(post.estimate, weights=w))


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_covariates_agree_with_csdid(mpdta, method):
    """Oracle: csdid (Python port of did) with xformla ~ lpop, analytic SEs."""
    csdid = pytest.importorskip("csdid.att_gt")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = csdid.ATTgt(yname="lemp", gname="first_treat", idname="countyreal", tname="year",
                          xformla="lemp~lpop", data=mpdta).fit(est_method=method, bstrap=False)
    ours = att_gt(mpdta, **KW, method=method, covariates=["lpop"])
    np.testing.assert_allclose(ours.table["estimate"], ref.results["att"], atol=1e-9)
    np.testing.assert_allclose(ours.table["se"], ref.results["se"], rtol=1e-6)


def test_dr_with_covariates_published_cells(mpdta):
    """did README, xformla = ~lpop, est_method = "dr": first cells -0.0145, -0.0764, -0.1404."""
    r = att_gt(mpdta, **KW, method="dr", covariates=["lpop"])
    assert r.table["estimate"].round(4).tolist()[:4] == [-0.0145, -0.0764, -0.1404, -0.1069]
    assert "TRADITIONAL" in r.settings["method_description"]
    imp = att_gt(mpdta, **KW, method="dr_imp", covariates=["lpop"])
    assert "IMPROVED" in imp.settings["method_description"]
    # both DR estimators are consistent for the same ATT; they differ only in nuisance fits
    np.testing.assert_allclose(imp.table["estimate"], r.table["estimate"], atol=2e-3)


def test_dr_imp_influence_function_matches_numerical_jackknife(mpdta):
    """Property: for the improved DR the IF has no estimation-effect terms; its variance
    matches the delete-one jackknife of the estimator on a subsample."""
    from changjing.evaluate.impact.staggered import _two_by_two

    rng = np.random.default_rng(0)
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first_treat"].first()
    lpop = mpdta.groupby("countyreal")["lpop"].first()
    mask = g.isin([0, 2004]).to_numpy()
    ids = rng.choice(np.flatnonzero(mask), size=150, replace=False)
    dy = (wide[2005] - wide[2003]).to_numpy()[ids]
    d = (g.to_numpy()[ids] == 2004).astype(float)
    if d.sum() < 5:
        pytest.skip("too few treated in subsample")
    x = np.column_stack([np.ones(len(ids)), lpop.to_numpy()[ids]])
    att, inf = _two_by_two(dy, d, x, "dr_imp", 0.995)
    se_if = np.sqrt(np.sum(inf**2)) / len(ids)
    jack = np.array([_two_by_two(np.delete(dy, i), np.delete(d, i), np.delete(x, i, 0),
                                 "dr_imp", 0.995)[0] for i in range(len(ids))])
    se_jack = np.sqrt((len(ids) - 1) / len(ids) * np.sum((jack - jack.mean()) ** 2))
    assert se_if == pytest.approx(se_jack, rel=0.1)


def test_not_yet_treated_uses_more_controls(mpdta):
    r = att_gt(mpdta, **KW, control="notyet")
    cell = r.table.set_index(["group", "time"]).loc[(2004, 2004)]
    # controls for ATT(2004,2004): never treated (309) + groups 2006 and 2007 (40 + 131)
    assert cell["n_control"] == 309 + 40 + 131
    last = r.table.set_index(["group", "time"]).loc[(2007, 2007)]
    assert last["n_control"] == 309  # nobody is "not yet treated" in the last period


def test_bootstrap_is_seeded_and_simultaneous(mpdta):
    a = att_gt(mpdta, **KW, bootstrap=499, seed=7)
    b = att_gt(mpdta, **KW, bootstrap=499, seed=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    crit = a.settings["crit_simultaneous"]
    # a sup-t critical value over 12 cells exceeds the pointwise 1.96 and is below Bonferroni
    assert 1.96 < crit < 3.1
    assert (a.table["band_high"] - a.table["band_low"] > a.table["ci_high"] - a.table["ci_low"]
            - 1e-9).mean() > 0.8
    np.testing.assert_allclose(a.table["se_boot"], a.table["se"], rtol=0.2)
    dyn = aggte(a, "dynamic")
    assert dyn.settings["seed"] == 7 and "sup-t" in dyn.ci_type
    assert {"band_low", "band_high", "se_boot"} <= set(dyn.table.columns)


def test_cluster_sums_equal_unit_level_when_clusters_are_units(mpdta):
    d = mpdta.assign(cl=mpdta["countyreal"] * 10)
    a = att_gt(mpdta, **KW)
    b = att_gt(d, **KW, cluster="cl")
    np.testing.assert_allclose(a.table["se"], b.table["se"])


def test_bad_settings_name_the_parameter(mpdta):
    with pytest.raises(SpecError, match="method"):
        att_gt(mpdta, **KW, method="dr2")
    with pytest.raises(SpecError, match="control"):
        att_gt(mpdta, **KW, control="nevertreated")
    with pytest.raises(SpecError, match="seed"):
        att_gt(mpdta, **KW, bootstrap=199)
    with pytest.raises(SpecError, match="type"):
        aggte(att_gt(mpdta, **KW), "event")


def test_no_never_treated_units_is_an_error_for_never_control(mpdta):
    treated_only = mpdta[mpdta.first_treat > 0]
    with pytest.raises(InputError, match="no untreated units"):
        att_gt(treated_only, **KW, control="never")
    r = att_gt(treated_only, **KW, control="notyet")
    assert any("no untreated units" in w for w in r.warnings)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_not_yet_treated_and_aggregations_agree_with_csdid(mpdta, kind):
    """Oracle: csdid, control_group="notyettreated", xformla ~ lpop, DR, analytic SEs,
    including the aggregations' influence functions (with estimated group-share weights)."""
    csdid = pytest.importorskip("csdid.att_gt")
    import contextlib
    import io
    import warnings

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref = csdid.ATTgt(yname="lemp", gname="first_treat", idname="countyreal", tname="year",
                          xformla="lemp~lpop", data=mpdta,
                          control_group="notyettreated").fit(est_method="dr", bstrap=False)
        ref.aggte(typec=kind, bstrap=False)
    ours = att_gt(mpdta, **KW, method="dr", control="notyet", covariates=["lpop"])
    np.testing.assert_allclose(ours.table["estimate"], ref.results["att"], atol=1e-9)
    np.testing.assert_allclose(ours.table["se"], ref.results["se"], rtol=1e-6)
    agg = aggte(ours, kind)
    assert agg.estimate == pytest.approx(float(ref.atte["overall_att"]), abs=1e-9)
    assert agg.se == pytest.approx(float(ref.atte["overall_se"]), rel=1e-4)
    if kind != "simple":
        np.testing.assert_allclose(agg.table["estimate"], ref.atte["att_egt"], atol=1e-9)
        np.testing.assert_allclose(agg.table["se"], ref.atte["se_egt"], rtol=1e-4)


def test_balance_e_and_event_window(unconditional):
    """balance_e=1 keeps only groups observed at least 1 period after treatment (2004, 2006)
    and event times -? .. 1; the e=0,1 effects are then the 2004/2006 averages."""
    bal = aggte(unconditional, "dynamic", balance_e=1)
    assert bal.table["event_time"].max() == 1
    cells = unconditional.table
    size = {2004: 20, 2006: 40}
    for e in (0, 1):
        sub = cells[(cells.time - cells.group == e) & cells.group.isin([2004, 2006])]
        expect = np.average(sub.estimate, weights=sub.group.map(size))
        got = bal.table.set_index("event_time").loc[e, "estimate"]
        assert got == pytest.approx(expect)
    window = aggte(unconditional, "dynamic", min_e=-1, max_e=2)
    assert window.table["event_time"].tolist() == [-1, 0, 1, 2]


def test_universal_base_period_reference_cell_is_zero(mpdta):
    r = att_gt(mpdta, **KW, base_period="universal")
    ref = r.table[(r.table.time == r.table.group - 1)]
    assert (ref["estimate"] == 0).all() and ref["se"].isna().all()
    # post-treatment cells do not depend on the base-period convention
    v = att_gt(mpdta, **KW)
    post_u = r.table[r.table.time >= r.table.group].estimate.to_numpy()
    post_v = v.table[v.table.time >= v.table.group].estimate.to_numpy()
    np.testing.assert_allclose(post_u, post_v)


def test_drop_incomplete_units(mpdta):
    holes = mpdta.drop(index=mpdta.index[(mpdta.countyreal == 8001) & (mpdta.year == 2005)])
    with pytest.raises(InputError, match="unbalanced"):
        att_gt(holes, **KW)
    r = att_gt(holes, **KW, drop_incomplete=True)
    assert r.n == 499 and any("dropped" in w for w in r.warnings)
    full = att_gt(mpdta[mpdta.countyreal != 8001], **KW)
    np.testing.assert_allclose(r.table["estimate"], full.table["estimate"])


def test_indicator_coding_equals_first_period_coding(mpdta):
    d = mpdta.assign(on=((mpdta.first_treat > 0) & (mpdta.year >= mpdta.first_treat)) * 1)
    a = att_gt(d, unit="countyreal", time="year", outcome="lemp", treated="on")
    b = att_gt(mpdta, **KW)
    np.testing.assert_allclose(a.table["estimate"], b.table["estimate"])


@pytest.mark.parametrize("method", ["dr_imp", "dr", "ipw", "reg"])
def test_two_by_two_estimators_agree_with_moderndid_drdid(method):
    """Oracle: moderndid's ports of DRDID (drdid_imp_panel = improved DR, drdid_panel =
    traditional DR, std_ipw_did_panel, reg_did_panel) on a panel with strong covariate
    imbalance so the estimators differ from one another."""
    pytest.importorskip("moderndid.drdid.estimators")
    from changjing.evaluate.impact.staggered import _two_by_two
    from moderndid.drdid.estimators.drdid_imp_panel import drdid_imp_panel
    from moderndid.drdid.estimators.drdid_panel import drdid_panel
    from moderndid.drdid.estimators.reg_did_panel import reg_did_panel
    from moderndid.drdid.estimators.std_ipw_did_panel import std_ipw_did_panel

    rng = np.random.default_rng(4)
    n = 1500
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(0.8 * x1 - x2)))).astype(float)
    y0 = 1 + x1 + x2 + rng.normal(size=n)
    y1 = y0 + 0.5 + 0.7 * x1 * x1 + 0.3 * x2 + d * (1 + 0.5 * x1) + rng.normal(size=n)
    x = np.column_stack([np.ones(n), x1, x2])
    ref = {"dr_imp": drdid_imp_panel, "dr": drdid_panel, "ipw": std_ipw_did_panel,
           "reg": reg_did_panel}[method](y1, y0, d, x, influence_func=True)
    att, inf = _two_by_two(y1 - y0, d, x, method, 0.995)
    assert att == pytest.approx(ref.att, abs=1e-8)
    np.testing.assert_allclose(inf, ref.att_inf_func, atol=1e-6)


def test_cell_se_divides_by_n_as_recorded(mpdta, unconditional):
    """The SE convention the result records (sqrt(sum psi^2) / n, as R did) by hand on one
    cell: without covariates ATT(2004, 2005) is a difference of mean changes since 2003, whose
    influence-function SE is sqrt(ss_T / n_T^2 + ss_C / n_C^2) with sums of squares about the
    group means (ddof 0), not the n - 1 (ddof 1) of a two-sample t-test."""
    assert "divides by n" in unconditional.se_type
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    g = mpdta.groupby("countyreal")["first_treat"].first()
    dy = wide[2005] - wide[2003]
    treated, control = dy[g == 2004], dy[g == 0]
    ss = lambda x: float(((x - x.mean()) ** 2).sum())
    by_hand = np.sqrt(ss(treated) / len(treated) ** 2 + ss(control) / len(control) ** 2)
    cell = unconditional.table.set_index(["group", "time"]).loc[(2004, 2005)]
    assert cell["estimate"] == pytest.approx(treated.mean() - control.mean(), abs=1e-12)
    assert cell["se"] == pytest.approx(by_hand, rel=1e-10)
    ddof1 = np.sqrt(treated.var(ddof=1) / len(treated) + control.var(ddof=1) / len(control))
    assert abs(cell["se"] - ddof1) > 1e-6          # the two conventions are distinguishable
