"""Doubly robust DiD on the NSW-CPS panel (LaLonde 1986; Smith & Todd 2005) against R DRDID.

The published numbers are the examples printed in DRDID's reference pages
(psantanna.com/DRDID/reference/drdid.html, drdid_panel.html, drdid_imp_panel.html; DRDID 1.0.x,
pkgdown 2.0.7): with ``eval_lalonde_cps <- subset(nsw_long, treated == 0 | sample == 2)``,
``set.seed(123); sample(unique(id), 5000)`` and covariates age, educ, black, married, nodegree,
hisp, re74 (base period), outcome ``re`` 1975 -> 1978, "treatment" = experimental sample:

* traditional DR (``estMethod = "trad"``): ATT -507.6113, SE 692.9738;
* improved DR (``estMethod = "imp"``):     ATT -615.2344, SE 683.2211.

DRDID's SE is ``sd(psi)/sqrt(n)`` (``sd`` divides by n - 1); ``att_gt`` follows R ``did``,
``sqrt(mean(psi^2)/n)`` (divides by n).  The two differ by ``sqrt(n/(n-1))``, checked exactly.

Before the damped Newton fit, the traditional estimator refused this sample with a false
"perfect prediction" error (the undamped Newton iteration overshot on the unscaled earnings
covariate and the index check ``max|eta| > 30`` then fired).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.impact import att_gt
from changjing.evaluate.impact._fit import ipt, logit

from ._rrng import RMersenne
from .conftest import DATA

COVS = ["age", "educ", "black", "married", "nodegree", "hisp", "re74"]


@pytest.fixture(scope="module")
def nsw_long() -> pd.DataFrame:
    wide = pd.read_csv(DATA / "nsw_cps.csv.gz")
    long = wide.melt(id_vars=["id", "experimental"] + COVS, value_vars=["re75", "re78"],
                     var_name="year", value_name="re")
    long["year"] = long["year"].map({"re75": 1975, "re78": 1978})
    long["first_treat"] = np.where(long["experimental"] == 1, 1978, 0)
    return long.sort_values(["id", "year"], kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def drdid_example(nsw_long) -> pd.DataFrame:
    ids = np.sort(nsw_long["id"].unique())
    pick = ids[RMersenne(123).sample(len(ids), 5000)]
    return nsw_long[nsw_long["id"].isin(pick)]


@pytest.mark.parametrize("method, att, se", [("dr", -507.6113, 692.9738),
                                              ("dr_imp", -615.2344, 683.2211)])
def test_dr_did_matches_drdid_reference_example(drdid_example, method, att, se):
    res = att_gt(drdid_example, unit="id", time="year", outcome="re",
                 treated_from="first_treat", covariates=COVS, method=method)
    n = drdid_example["id"].nunique()
    assert n == 5000 and drdid_example.groupby("id")["experimental"].first().sum() == 128
    assert res.estimate == pytest.approx(att, abs=5e-5)
    # printed to 4 decimals; R's glm evaluates the Hessian at its last IRLS iterate, which moves
    # the 8th significant digit of the traditional estimator's SE
    assert res.se * np.sqrt(n / (n - 1)) == pytest.approx(se, rel=2e-7)


def test_full_nsw_cps_panel_is_estimable(nsw_long):
    """All 16,417 men: the fit must converge, not refuse; DR estimators agree in sign and
    size with each other (both estimate an evaluation bias, true value 0)."""
    trad = att_gt(nsw_long, unit="id", time="year", outcome="re", treated_from="first_treat",
                  covariates=COVS, method="dr")
    imp = att_gt(nsw_long, unit="id", time="year", outcome="re", treated_from="first_treat",
                 covariates=COVS, method="dr_imp")
    assert np.isfinite(trad.estimate) and np.isfinite(trad.se)
    assert abs(trad.estimate - imp.estimate) < trad.se


def test_logit_matches_statsmodels_glm_on_skewed_design(nsw_long):
    """Second method: the IRLS fit of statsmodels' GLM (binomial) on the full NSW-CPS base
    period (re74 up to 35,000 dollars next to 0/1 dummies), where the undamped Newton
    iteration overshot and the fit was refused."""
    sm = pytest.importorskip("statsmodels.api", reason="statsmodels not installed")
    base = nsw_long[nsw_long["year"] == 1975]
    x = np.column_stack([np.ones(len(base)), base[COVS].to_numpy(float)])
    d = base["experimental"].to_numpy(float)
    beta, p = logit(d, x)
    ref = sm.GLM(d, x, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(beta, ref.params, rtol=1e-6, atol=1e-9)


def test_logit_step_halving_converges_where_plain_newton_overshoots():
    """A single strong covariate with a far outlier: the undamped first Newton step from the
    intercept-only start overshoots; the damped fit must still reach the MLE (the score is
    zero at the returned coefficients)."""
    rng = np.random.default_rng(3)
    z = np.r_[rng.normal(size=400), 60.0]
    d = (rng.uniform(size=401) < 1 / (1 + np.exp(-(0.5 + 1.5 * z)))).astype(float)
    d[-1] = 1.0
    x = np.column_stack([np.ones_like(z), z])
    beta, p = logit(d, x)
    np.testing.assert_allclose(x.T @ (d - p), 0.0, atol=1e-6)


def test_quasi_complete_separation_is_refused():
    """Quasi-complete separation (Albert & Anderson 1984): every unit with z > 0 is treated,
    every unit with z < 0 untreated, mixed at z = 0.  No finite MLE exists."""
    z = np.r_[np.linspace(-3, -0.1, 30), np.zeros(10), np.linspace(0.1, 3, 30)]
    d = np.r_[np.zeros(30), np.tile([0.0, 1.0], 5), np.ones(30)]
    x = np.column_stack([np.ones_like(z), z])
    with pytest.raises(InputError, match="separate"):
        logit(d, x)
    with pytest.raises(InputError, match="no finite solution"):
        ipt(d, x)


def test_overlapping_design_is_not_called_separated():
    rng = np.random.default_rng(0)
    z = rng.normal(size=300)
    d = (rng.uniform(size=300) < 1 / (1 + np.exp(-3 * z))).astype(float)
    x = np.column_stack([np.ones_like(z), z])
    beta, _ = logit(d, x)
    assert 2 < beta[1] < 4.5


def test_error_messages_show_plain_numbers():
    """A missing outcome is reported as an empty cell, never as numpy's ``np.float64(nan)``."""
    from changjing.evaluate.impact import twfe

    frame = pd.DataFrame({"u": [1, 1, 2, 2], "t": [1, 2, 1, 2], "y": [1.0, np.nan, 3.0, 4.0],
                          "g": [2, 2, 0, 0]})
    with pytest.raises(InputError) as err:
        twfe(frame, unit="u", time="t", outcome="y", treated_from="g", source="panel.csv")
    text = str(err.value)
    assert "panel.csv row 3" in text and "empty cell" in text and "np.float64" not in text
