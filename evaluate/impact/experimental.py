"""Randomised comparisons: difference in means with HC2 standard errors, and regression adjustment.

When funding (or a scenario) was assigned by lottery, no parallel-trends or overlap assumption
is needed: the difference of the treated and control means is unbiased for the average
treatment effect (ATE) of the units in the experiment.

* ``covariates=()``: ``estimate = mean(y | d=1) - mean(y | d=0)``, the coefficient on ``d`` in
  an OLS of ``y`` on ``(1, d)``.  Its HC2 standard error (MacKinnon & White 1985) equals
  Neyman's conservative variance ``s1^2/n1 + s0^2/n0`` exactly, with sample variances that
  divide by ``n_g - 1`` (Imbens & Rubin 2015, ch. 6) - the recommended default for experiments
  (R ``estimatr::difference_in_means`` and ``lm_robust(se_type = "HC2")``).
* ``covariates``: Lin's (2013) regression adjustment, OLS of ``y`` on ``d``, the covariates
  centred at their sample means and their interactions with ``d``; the coefficient on ``d`` is
  the ATE, never less precise asymptotically than the plain difference, with the HC2 SE
  (``estimatr::lm_lin``).

Intervals and p-values use the t distribution with ``n - k`` degrees of freedom (``k``
coefficients), as ``estimatr``.  The estimand is the sample ATE of the randomised units; for
observational data use :mod:`~changjing.evaluate.impact.matching` or a DiD design instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from ..errors import InputError
from .panel import _label, cross_section
from .result import ImpactResult, check_alpha
from scipy import stats

__all__ = ["difference_in_means", "hc2_vcov"]


def hc2_vcov(x: np.ndarray, resid: np.ndarray) -> np.ndarray:
    """HC2 covariance ``(X'X)^-1 X' diag(e_i^2 / (1 - h_ii)) X (X'X)^-1`` (leverage-corrected)."""
    bread = np.linalg.inv(x.T @ x)
    h = np.einsum("ij,jk,ik->i", x, bread, x)
    if np.any(h > 1 - 1e-10):
        raise InputError("a unit has leverage 1 (e.g. the only treated unit in a covariate "
                         "cell); the HC2 standard error is undefined - drop covariates")
    meat = (x * (resid**2 / (1 - h))[:, None]).T @ x
    return bread @ meat @ bread


def difference_in_means(
    data: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str] = (),
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Average treatment effect of a randomised assignment (one row per unit).

    ``treatment`` is a 0/1 column, ``outcome`` numeric; ``covariates`` (optional) switch on
    Lin's regression adjustment.  The estimate is in the outcome's units.
    """
    alpha = check_alpha(alpha)
    d, y, z, covariates = cross_section(data, treatment, outcome, covariates, source,
                                        min_per_arm=2, design="a randomised comparison")
    n1, n = int(d.sum()), len(d)
    cols = [np.ones(n), d]
    names = ["intercept", treatment]
    if covariates:
        z = z - z.mean(axis=0)  # centring makes the d coefficient the ATE (Lin 2013)
        cols += [z, z * d[:, None]]
        names += covariates + [f"{treatment}:{c}" for c in covariates]
    x = np.column_stack(cols)
    k = x.shape[1]
    if n <= k or np.linalg.matrix_rank(x) < k:
        raise InputError(f"{_label(source)}: {n} units for {k} coefficients, or collinear "
                         "covariates (constant within an arm); remove covariates")
    beta = np.linalg.lstsq(x, y, rcond=None)[0]
    cov = hc2_vcov(x, y - x @ beta)
    se_all = np.sqrt(np.diag(cov))
    est, se = float(beta[1]), float(se_all[1])
    dof = n - k
    q = stats.t.ppf(1 - alpha / 2, dof)
    tstat = beta / se_all
    table = pd.DataFrame({"term": names, "estimate": beta, "se": se_all, "statistic": tstat,
                          "p_value": 2 * stats.t.sf(np.abs(tstat), dof),
                          "ci_low": beta - q * se_all, "ci_high": beta + q * se_all})
    arms = pd.DataFrame({"arm": ["treated", "control"], "n": [n1, n - n1],
                         "mean": [y[d == 1].mean(), y[d == 0].mean()],
                         "sd": [y[d == 1].std(ddof=1), y[d == 0].std(ddof=1)]})
    return ImpactResult(
        design="experiment" if not covariates else "experiment+lin_adjustment",
        estimand="average treatment effect of the randomised units (ATE)",
        estimate=est, se=se, ci_low=est - q * se, ci_high=est + q * se, n=n, n_obs=n,
        alpha=alpha, p_value=float(2 * stats.t.sf(abs(est / se), dof)),
        se_type="HC2 (leverage-corrected); without covariates = Neyman s1^2/n1 + s0^2/n0 with "
                "n-1 sample variances",
        ci_type=f"t({dof}) pointwise",
        table=table, diagnostics={"arms": arms},
        settings={"covariates": covariates, "adjustment": "Lin (2013), centred covariates "
                  "interacted with treatment" if covariates else "none",
                  "vcov": "HC2", "dof": dof, "alpha": alpha},
    )
