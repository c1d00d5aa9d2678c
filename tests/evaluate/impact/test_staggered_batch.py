"""Batched ATT(g,t) fits and the shared bootstrap basis equal the cell-by-cell computations.

Second-method checks: every column of :func:`two_by_two_batch` is the 2x2 estimator of
:mod:`drdid` applied to that column alone (the estimators of DRDID's panel functions, which
are checked against R ``did`` in test_staggered*.py); every aggregate's influence function is
the fixed combination ``basis @ coef`` of the cell influence functions, the group indicators
and the constant; and the bootstrap draws of an aggregate taken from the basis draws are the
draws of a fresh multiplier bootstrap of its influence function with the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.impact import aggte, att_gt
from changjing.evaluate.impact.drdid import _two_by_two
from changjing.evaluate.impact.multiplier import multiplier_bootstrap
from changjing.evaluate.impact.staggered_aggte import basis_matrix
from changjing.evaluate.impact.staggered_batch import two_by_two_batch

KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}


@pytest.mark.parametrize("method", ["reg", "ipw", "dr", "dr_imp"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("covariates", [False, True])
def test_batch_columns_equal_single_fits(mpdta, method, weighted, covariates):
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    grp = mpdta.groupby("countyreal")["first_treat"].first().loc[wide.index]
    lpop = mpdta.groupby("countyreal")["lpop"].first().loc[wide.index].to_numpy()
    sub = grp.isin([0, 2006]).to_numpy()
    d = (grp[sub] == 2006).to_numpy(dtype=float)
    y = wide.to_numpy()[sub]
    dy = y[:, 1:] - y[:, [0]]  # four changes against 2003
    x = np.column_stack([np.ones(sub.sum()), lpop[sub]]) if covariates else None
    w = (1.0 + np.arange(sub.sum()) % 4) if weighted else None
    att, inf = two_by_two_batch(dy, d, x, method, 0.995, w)
    assert inf.shape == dy.shape
    for j in range(dy.shape[1]):
        a1, i1 = _two_by_two(dy[:, j], d, x, method, 0.995, w)
        assert att[j] == pytest.approx(a1, abs=1e-13)
        np.testing.assert_allclose(inf[:, j], i1, atol=1e-11)


def test_batched_att_gt_equals_cell_by_cell(mpdta):
    """Time-invariant covariate (lpop): each group's 4 cells share one design under never
    treated controls; under not-yet-treated ones the control sets differ by cell."""
    for control in ("never", "notyet"):
        res = att_gt(mpdta, **KW, covariates=["lpop"], method="dr", control=control)
        wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
        grp = mpdta.groupby("countyreal")["first_treat"].first().loc[wide.index]
        lpop = mpdta.groupby("countyreal")["lpop"].first().loc[wide.index].to_numpy()
        g_inf = np.where(grp == 0, np.inf, grp)
        for k, row in enumerate(res.table.itertuples()):
            treat = g_inf == row.group
            later = max(row.time, row.base)
            ctrl = np.isinf(g_inf) if control == "never" else (
                (g_inf > later) & (g_inf != row.group))
            sub = treat | ctrl
            dy = (wide[row.time] - wide[row.base]).to_numpy()[sub]
            x = np.column_stack([np.ones(sub.sum()), lpop[sub]])
            a1, i1 = _two_by_two(dy, treat[sub].astype(float), x, "dr", 0.995)
            assert row.estimate == pytest.approx(a1, abs=1e-13)
            np.testing.assert_allclose(res.extra["inf"][sub, k], i1 * len(wide) / sub.sum(),
                                       atol=1e-10)


def test_time_varying_covariate_uses_each_cells_base_period(mpdta):
    """A covariate that changes over time is taken in each cell's own base period (R did's
    ``covariates from the base period``): the design then differs by cell."""
    tv = mpdta.assign(z=mpdta["lpop"] + 0.01 * (mpdta["year"] - 2003) * (mpdta.countyreal % 7))
    res = att_gt(tv, **KW, covariates=["z"], method="reg")
    wide = tv.pivot(index="countyreal", columns="year", values="lemp")
    z = tv.pivot(index="countyreal", columns="year", values="z")
    grp = tv.groupby("countyreal")["first_treat"].first().loc[wide.index]
    row = res.table.set_index(["group", "time"]).loc[(2007, 2005)]
    sub = grp.isin([0, 2007]).to_numpy()
    dy = (wide[2005] - wide[2004]).to_numpy()[sub]
    x = np.column_stack([np.ones(sub.sum()), z[2004].to_numpy()[sub]])
    a1, _ = _two_by_two(dy, (grp[sub] == 2007).to_numpy(dtype=float), x, "reg", 0.995)
    assert row["estimate"] == pytest.approx(a1, abs=1e-13)


def test_design_error_names_a_cell(mpdta):
    bad = mpdta.assign(c=1.0, c2=2.0)
    with pytest.raises(InputError, match=r"ATT\(g=2004, t=2004\).*collinear"):
        att_gt(bad, **KW, covariates=["c", "c2"], method="reg")


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_aggregate_influence_function_is_a_basis_combination(mpdta, kind):
    res = att_gt(mpdta.assign(k=1 + mpdta.countyreal % 3), **KW, weights="k")
    agg = aggte(res, kind)
    basis = basis_matrix(res.extra)
    np.testing.assert_allclose(basis @ agg.extra["coef"], agg.extra["inf"], atol=1e-12)
    for coef, psi in zip(agg.extra["detail_coef"], agg.extra["detail_inf"]):
        np.testing.assert_allclose(basis @ coef, psi, atol=1e-12)


@pytest.mark.parametrize("kind", ["dynamic", "group"])
def test_reused_draws_equal_a_fresh_bootstrap(mpdta, kind):
    """The aggregate's bootstrap SEs from the att_gt draws equal those of a fresh multiplier
    bootstrap of its rows' and overall influence functions with the same seed (as did, whose
    aggte redraws with the same seed), and of an aggte call that redraws (another seed that
    is then set back)."""
    res = att_gt(mpdta, **KW, bootstrap=499, seed=4)
    agg = aggte(res, kind)
    fresh = multiplier_bootstrap(np.column_stack(agg.extra["detail_inf"] + [agg.extra["inf"]]),
                                 499, np.random.default_rng(4), None, 0.05,
                                 band=np.r_[np.ones(len(agg.table), dtype=bool), False])
    np.testing.assert_allclose(agg.table["se_boot"], fresh["se"][:-1], rtol=1e-12)
    assert agg.settings["se_boot_overall"] == pytest.approx(fresh["se"][-1], rel=1e-12)
    assert agg.settings["crit_simultaneous"] == pytest.approx(fresh["crit_simultaneous"],
                                                              rel=1e-12)
    redrawn = aggte(res, kind, bootstrap=499, seed=5)
    assert redrawn.settings["se_boot_overall"] != agg.settings["se_boot_overall"]
    fresh5 = multiplier_bootstrap(agg.extra["inf"], 499, np.random.default_rng(5))
    assert redrawn.settings["se_boot_overall"] == pytest.approx(fresh5["se"][0], rel=1e-12)
