"""Sampling weights in att_gt (R did's ``weightsname``).

No R output with sampling weights is published for mpdta, so the weighted estimator is
checked against an independent computation that must agree exactly: integer weights ``k_i``
are frequency weights, so every estimate, analytic SE and bootstrap SE must equal those of
the panel in which county ``i`` appears ``k_i`` times, clustered on the original county
(the R equivalent of the weighted call being
``att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal", tname = "year",
xformla = ~lpop, data = mpdta, weightsname = "k", est_method = m)``).  The estimators follow
DRDID's weighted formulas (``i.weights`` in the fits, the 2x2 means and the influence
functions) and did's weighted group shares ``pg = mean(w * 1{G = g})``.
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.impact import aggte, att_gt

KW = {"time": "year", "outcome": "lemp", "treated_from": "first_treat"}


@pytest.fixture(scope="module")
def weighted_and_duplicated(mpdta):
    k = 1 + (mpdta["countyreal"] % 3)
    w = mpdta.assign(k=k)
    dup = w.loc[w.index.repeat(w["k"])].copy()
    dup["copy"] = dup.groupby(["countyreal", "year"]).cumcount()
    dup["uid"] = dup["countyreal"] * 10 + dup["copy"]
    return w, dup


@pytest.mark.parametrize("method", ["reg", "ipw", "dr", "dr_imp"])
@pytest.mark.parametrize("control", ["never", "notyet"])
def test_integer_weights_equal_duplicated_units(weighted_and_duplicated, method, control):
    w, dup = weighted_and_duplicated
    a = att_gt(w, unit="countyreal", **KW, covariates=["lpop"], method=method, control=control,
               weights="k")
    b = att_gt(dup, unit="uid", **KW, covariates=["lpop"], method=method, control=control,
               cluster="countyreal")
    np.testing.assert_allclose(a.table["estimate"], b.table["estimate"], atol=1e-10)
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-7)
    for kind in ("simple", "dynamic", "group", "calendar"):
        ga, gb = aggte(a, kind), aggte(b, kind)
        assert ga.estimate == pytest.approx(gb.estimate, abs=1e-10)
        assert ga.se == pytest.approx(gb.se, rel=1e-7)
    # and the weights matter: the unweighted estimate differs
    c = att_gt(w, unit="countyreal", **KW, covariates=["lpop"], method=method, control=control)
    assert np.max(np.abs(c.table["estimate"] - a.table["estimate"])) > 1e-4


def test_weighted_bootstrap_equals_duplicated_clustered_bootstrap(weighted_and_duplicated):
    w, dup = weighted_and_duplicated
    a = att_gt(w, unit="countyreal", **KW, weights="k", bootstrap=499, seed=5)
    b = att_gt(dup, unit="uid", **KW, cluster="countyreal", bootstrap=499, seed=5)
    np.testing.assert_allclose(a.table["se_boot"], b.table["se_boot"], rtol=1e-8)
    assert aggte(a, "dynamic").settings["se_boot_overall"] == pytest.approx(
        aggte(b, "dynamic").settings["se_boot_overall"], rel=1e-8)


def test_constant_weights_change_nothing(mpdta):
    a = att_gt(mpdta.assign(k=2.5), unit="countyreal", **KW, covariates=["lpop"], weights="k")
    b = att_gt(mpdta, unit="countyreal", **KW, covariates=["lpop"])
    np.testing.assert_allclose(a.table["estimate"], b.table["estimate"], atol=1e-12)
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-9)
    assert a.settings["weights"] == "k"


def test_bad_weights_are_named(mpdta):
    with pytest.raises(InputError, match="weights column 'kk' not found"):
        att_gt(mpdta.assign(k=1.0), unit="countyreal", **KW, weights="kk")
    neg = mpdta.assign(k=1.0)
    neg.loc[7, "k"] = -1
    with pytest.raises(InputError, match="row index 7, column 'k'.*non-negative"):
        att_gt(neg, unit="countyreal", **KW, weights="k")
    tv = mpdta.assign(k=mpdta["year"] - 2000.0)
    with pytest.raises(InputError, match="changes over time"):
        att_gt(tv, unit="countyreal", **KW, weights="k")
