"""Matching and weighting on the NSW / Lalonde data.

Published reference: Dehejia & Wahba (1999, JASA 94(448), Table 3): the experimental NSW
estimate on their subsample (185 treated, 260 experimental controls) is $1,794 (SE 633),
the difference of mean 1978 earnings.  With the 429 PSID-based controls (MatchIt's
``lalonde`` data) the naive difference is -$635; good adjustment should move the estimate
towards the experimental benchmark.  Oracle: statsmodels ``TreatmentEffect.ipw`` (ATT).
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import aipw, ipw, psm
from changjing.evaluate.impact._fit import _expit, logit

COV = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
COV_NSW = ["age", "educ", "black", "hisp", "marr", "nodegree", "re74", "re75"]
BENCHMARK = 1794.34


def test_nsw_experimental_difference_is_published(nsw):
    m = nsw.groupby("treat")["re78"].mean()
    assert round(m[1] - m[0]) == 1794
    s = nsw.groupby("treat")["re78"].agg(["var", "count"])
    se = np.sqrt((s["var"] / s["count"]).sum())
    assert se == pytest.approx(633, abs=40)  # DW 1999 report 633 (pooled-variance OLS)


@pytest.mark.parametrize("estimator", [psm, ipw, aipw])
def test_randomised_nsw_estimators_agree_with_experiment(nsw, estimator):
    kw = {"estimand": "ATT"} if estimator is not psm else {}
    r = estimator(nsw, treatment="treat", outcome="re78", covariates=COV_NSW, **kw)
    assert abs(r.estimate - BENCHMARK) < 2 * r.se
    if estimator is not psm:  # weighting keeps every unit: SE near the experiment's 633
        assert r.se == pytest.approx(633, rel=0.3)


def test_lalonde_naive_and_adjusted(lalonde):
    m = lalonde.groupby("treat")["re78"].mean()
    assert round(m[1] - m[0], 2) == -635.03
    for r in (psm(lalonde, treatment="treat", outcome="re78", covariates=COV),
              ipw(lalonde, treatment="treat", outcome="re78", covariates=COV),
              aipw(lalonde, treatment="treat", outcome="re78", covariates=COV, estimand="ATT")):
        assert r.estimate > 0 and abs(r.estimate - BENCHMARK) < 2 * r.se


def test_psm_balance_improves(lalonde):
    r = psm(lalonde, treatment="treat", outcome="re78", covariates=COV)
    bal = r.diagnostics["balance"].set_index("covariate")
    assert bal.loc["black", "smd_before"] > 1.5
    assert abs(bal.loc["black", "smd_after"]) < 0.1
    assert bal["smd_after"].abs().mean() < bal["smd_before"].abs().mean() / 3


def test_psm_by_brute_force(lalonde):
    """Second method: nearest control on logit(p) by an explicit distance matrix."""
    x = np.column_stack([np.ones(len(lalonde)), lalonde[COV].to_numpy(float)])
    d = lalonde.treat.to_numpy(float)
    y = lalonde.re78.to_numpy(float)
    _, p = logit(d, x)
    lp = np.log(p / (1 - p))
    t, c = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    best = np.min(np.abs(lp[t][:, None] - lp[c][None, :]), axis=1)
    r = psm(lalonde, treatment="treat", outcome="re78", covariates=COV)
    pairs = r.diagnostics["pairs"]
    # every match is a nearest neighbour (exact ties may resolve to another control)
    np.testing.assert_allclose(pairs["distance_logit"], best, atol=1e-9)
    assert r.estimate == pytest.approx(np.mean(y[pairs.treated_row] - y[pairs.control_row]))


def test_caliper_drops_treated(lalonde):
    r = psm(lalonde, treatment="treat", outcome="re78", covariates=COV, caliper=0.01)
    assert r.settings["unmatched_treated"] > 0
    assert any("caliper" in w for w in r.warnings)
    with pytest.raises(SpecError, match="caliper"):
        psm(lalonde, treatment="treat", outcome="re78", covariates=COV, caliper=-1)


def test_ipw_att_matches_statsmodels(lalonde):
    sm = pytest.importorskip("statsmodels.api")
    from statsmodels.treatment.treatment_effects import TreatmentEffect

    x = sm.add_constant(lalonde[COV].astype(float))
    te = TreatmentEffect(sm.OLS(lalonde.re78, x), lalonde.treat.to_numpy(),
                         results_select=sm.Logit(lalonde.treat, x).fit(disp=0))
    ref = te.ipw(return_results=True, effect_group=1)
    r = ipw(lalonde, treatment="treat", outcome="re78", covariates=COV)
    # statsmodels re-solves the stacked moments by Nelder-Mead GMM, so it is close, not exact
    assert r.estimate == pytest.approx(ref.effect[0], rel=1e-3)
    assert r.se == pytest.approx(ref.results_gmm.bse[0], rel=0.03)


def test_ipw_ate_se_equals_numerical_sandwich(lalonde):
    """Second method: M-estimation sandwich with a numerical Jacobian of the stacked moments
    (logit score, treated mean, control mean)."""
    x = np.column_stack([np.ones(len(lalonde)), lalonde[COV].to_numpy(float)])
    d, y = lalonde.treat.to_numpy(float), lalonde.re78.to_numpy(float)
    g, p = logit(d, x)
    mu1 = np.sum(d / p * y) / np.sum(d / p)
    mu0 = np.sum((1 - d) / (1 - p) * y) / np.sum((1 - d) / (1 - p))
    th, k, n = np.r_[g, mu1, mu0], len(g), len(y)

    def mom(th):
        pp = _expit(x @ th[:k])
        return np.column_stack([x * (d - pp)[:, None], d / pp * (y - th[k]),
                                (1 - d) / (1 - pp) * (y - th[k + 1])])

    jac = np.zeros((len(th), len(th)))
    for j in range(len(th)):
        h = 1e-6 * max(1, abs(th[j]))
        e = np.zeros(len(th))
        e[j] = h
        jac[:, j] = (mom(th + e).mean(0) - mom(th - e).mean(0)) / (2 * h)
    m = mom(th)
    ji = np.linalg.inv(jac)
    v = ji @ (m.T @ m / n) @ ji.T / n
    c = np.zeros(len(th))
    c[k], c[k + 1] = 1, -1
    r = ipw(lalonde, treatment="treat", outcome="re78", covariates=COV, estimand="ATE")
    assert r.estimate == pytest.approx(mu1 - mu0, rel=1e-10)
    assert r.se == pytest.approx(np.sqrt(c @ v @ c), rel=1e-4)


def test_aipw_is_doubly_robust_on_simulation():
    """Outcome model right, propensity model wrong (and vice versa): still unbiased."""
    import pandas as pd

    rng = np.random.default_rng(11)
    n = 4000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    p = 1 / (1 + np.exp(-(0.5 * x1 - 0.5 * x2 + 0.3 * x1 * x2)))
    d = rng.uniform(size=n) < p
    y = 1 + 2 * x1 + x2 + 3.0 * d + rng.normal(size=n)
    frame = pd.DataFrame({"d": d * 1, "y": y, "x1": x1, "x2": x2})
    r = aipw(frame, treatment="d", outcome="y", covariates=["x1", "x2"])
    assert abs(r.estimate - 3.0) < 3 * r.se


def test_bad_inputs(lalonde):
    with pytest.raises(InputError, match="treatment must be 0 or 1"):
        ipw(lalonde.assign(treat=lalonde.treat * 2), treatment="treat", outcome="re78",
            covariates=COV)
    with pytest.raises(InputError, match="did you mean 'educ'"):
        psm(lalonde, treatment="treat", outcome="re78", covariates=["educt"])
    with pytest.raises(SpecError, match="estimand"):
        aipw(lalonde, treatment="treat", outcome="re78", covariates=COV, estimand="ATC")
    sep = lalonde.assign(z=lalonde.treat * 1.0)
    with pytest.raises(InputError, match="separate"):
        ipw(sep, treatment="treat", outcome="re78", covariates=["z"])
