"""Matching and weighting on a cross-section of treated (funded) and untreated firms.

All three estimators share a logistic propensity score ``p(X) = P(treated | X)`` fitted by
maximum likelihood on an intercept plus ``covariates``.

* :func:`psm` - nearest-neighbour matching on the logit of the propensity score, **with
  replacement**, ``n_neighbors`` matches per treated unit and an optional caliper (in standard
  deviations of the logit score; Austin 2011 suggests 0.2).  Estimand: ATT over the treated
  units that found a match.  Standard error: Abadie & Imbens (2006) for matching with
  replacement, conditional variances estimated by matching within the control group; it treats
  the propensity score as known (Abadie & Imbens 2016 show this is conservative for the ATT is
  *not* guaranteed - read it as approximate).
* :func:`ipw` - normalised (Hajek) inverse probability weighting, ATT (default; controls
  weighted ``p/(1-p)``) or ATE; the standard error is from the influence function *including*
  the estimation of the propensity score (stacked M-estimation), as statsmodels'
  ``TreatmentEffect.ipw``.
* :func:`aipw` - augmented IPW (doubly robust) with linear outcome models: ATE (Robins,
  Rotnitzky & Zhao 1994) or ATT (the cross-section version of Sant'Anna & Zhao's traditional DR
  estimator); influence-function standard errors.

Every result carries ``diagnostics["balance"]``: per covariate the treated and control means,
the standardised mean difference (SMD) before and after matching/weighting, and the variance
ratio.  SMD = difference of means divided by ``sqrt((s1^2 + s0^2)/2)`` computed *before*
adjustment (Austin 2009), so before/after are on the same scale; |SMD| < 0.1 is the usual
threshold for balance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from ._fit import logit, wls
from .panel import _label, cross_section
from .result import ImpactResult, check_alpha, normal_ci
from .staggered import _dr_trad, _ps_lin_rep, _std_ipw

__all__ = ["aipw", "balance_table", "ipw", "propensity_score", "psm"]


# ----------------------------------------------------------------------------- inputs
def _cross_section(data: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str],
                   source: str | None):
    if not list(covariates or []):
        raise SpecError("covariates: matching and weighting need at least one covariate")
    d, y, z, covariates = cross_section(data, treatment, outcome, covariates, source)
    return d, y, np.column_stack([np.ones(len(d)), z]), covariates


def propensity_score(data: pd.DataFrame, *, treatment: str, covariates: Sequence[str],
                     source: str | None = None) -> np.ndarray:
    """Logit propensity scores ``P(treatment = 1 | covariates)`` (intercept added)."""
    d, _, x, _ = _cross_section(data, treatment, treatment, covariates, source)
    return logit(d, x)[1]


def balance_table(x: np.ndarray, d: np.ndarray, names: Sequence[str],
                  weights: np.ndarray | None = None) -> pd.DataFrame:
    """Covariate balance before and (with ``weights`` on units) after adjustment.

    ``weights``: non-negative weight per unit applied within each group (matching counts or
    IPW weights); treated weights are usually 1.
    """
    rows = []
    t, c = d == 1, d == 0
    for j, name in enumerate(names):
        v = x[:, j]
        m1, m0 = v[t].mean(), v[c].mean()
        s1, s0 = v[t].var(ddof=1), v[c].var(ddof=1)
        pooled = np.sqrt((s1 + s0) / 2)
        row = {"covariate": name, "mean_treated": m1, "mean_control": m0,
               "smd_before": (m1 - m0) / pooled if pooled > 0 else 0.0,
               "var_ratio_before": s1 / s0 if s0 > 0 else np.nan}
        if weights is not None:
            w1, w0 = weights[t], weights[c]
            a1, a0 = np.average(v[t], weights=w1), np.average(v[c], weights=w0)
            va1 = np.average((v[t] - a1) ** 2, weights=w1)
            va0 = np.average((v[c] - a0) ** 2, weights=w0)
            row.update({"mean_treated_after": a1, "mean_control_after": a0,
                        "smd_after": (a1 - a0) / pooled if pooled > 0 else 0.0,
                        "var_ratio_after": va1 / va0 if va0 > 0 else np.nan})
        rows.append(row)
    return pd.DataFrame(rows)


def _overlap_warnings(p: np.ndarray, d: np.ndarray) -> list[str]:
    out = []
    if p[d == 1].max() > 0.99 or (p[d == 0] > 0.99).any():
        out.append("propensity scores near 1: weak overlap, weights are extreme")
    if p[d == 1].max() > p[d == 0].max():
        share = float((p[d == 1] > p[d == 0].max()).mean())
        out.append(f"{share:.0%} of treated units have a propensity score above every control's"
                   " (no comparable controls for them)")
    return out


# ----------------------------------------------------------------------------- matching
def _nearest(target: np.ndarray, pool: np.ndarray, m: int, chunk: int = 4096) -> np.ndarray:
    """Indices (into ``pool``) of the ``m`` nearest values to each target.

    Ties: among equal pool values the earlier row wins (so results do not depend on sort
    internals); a value exactly as far below as another is above loses to the lower one.
    """
    order = np.argsort(pool, kind="stable")
    sp = pool[order]
    width = min(2 * m, len(sp))
    out = np.empty((len(target), m), dtype=np.int64)
    for s in range(0, len(target), chunk):
        tg = target[s:s + chunk]
        pos = np.searchsorted(sp, tg)
        lo = np.clip(pos - m, 0, len(sp) - width)
        cand = lo[:, None] + np.arange(width)[None, :]
        dist = np.abs(sp[cand] - tg[:, None])
        chosen = np.take_along_axis(cand, np.argsort(dist, axis=1, kind="stable")[:, :m], axis=1)
        vals = sp[chosen]
        rank = np.zeros_like(chosen)
        for j in range(1, m):
            rank[:, j] = np.sum(vals[:, :j] == vals[:, [j]], axis=1)
        out[s:s + chunk] = order[np.searchsorted(sp, vals, side="left") + rank]
    return out


def psm(
    data: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    n_neighbors: int = 1,
    caliper: float | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Propensity score matching (ATT), nearest neighbours with replacement on logit(p).

    ``caliper`` is in standard deviations of logit(p); treated units without a control within it
    are dropped (counted in ``settings["unmatched_treated"]``, with a warning).
    """
    alpha = check_alpha(alpha)
    if not isinstance(n_neighbors, (int, np.integer)) or n_neighbors < 1:
        raise SpecError(f"n_neighbors: expected an integer >= 1, got {n_neighbors!r}")
    if caliper is not None and not (caliper > 0):
        raise SpecError(
            f"caliper: expected a positive number (SDs of logit score), got {caliper!r}")
    d, y, x, names = _cross_section(data, treatment, outcome, covariates, source)
    _, p = logit(d, x)
    lp = np.log(p / (1 - p))
    t_idx, c_idx = np.flatnonzero(d == 1), np.flatnonzero(d == 0)
    m = int(n_neighbors)
    if len(c_idx) < m:
        raise InputError(f"{_label(source)}: {len(c_idx)} control units for n_neighbors={m}")
    nn = c_idx[_nearest(lp[t_idx], lp[c_idx], m)]  # (n1, m) control row numbers
    ok = np.ones(len(t_idx), dtype=bool)
    width = None
    if caliper is not None:
        width = caliper * lp.std(ddof=1)
        ok = np.all(np.abs(lp[nn] - lp[t_idx][:, None]) <= width, axis=1)
        if not ok.any():
            raise InputError(f"{_label(source)}: no treated unit has {m} control(s) within the "
                             f"caliper {caliper} SD; widen the caliper")
    tt, nn = t_idx[ok], nn[ok]
    n1 = len(tt)
    y0_hat = y[nn].mean(axis=1)
    tau = float(np.mean(y[tt] - y0_hat))
    # K_i: times control i is used, weighted 1/m per use
    k = np.bincount(nn.ravel(), minlength=len(y)).astype(float)
    # conditional variance of controls by matching within controls (J = 1, Abadie-Imbens 2006)
    c_used = np.flatnonzero(k > 0)
    if len(c_idx) >= 2:
        nn_c = c_idx[_nearest(lp[c_used], lp[c_idx], 2)]
        other = np.where(nn_c[:, 0] == c_used, nn_c[:, 1], nn_c[:, 0])
        sigma2 = (y[c_used] - y[other]) ** 2 / 2
    else:  # pragma: no cover
        sigma2 = np.zeros(len(c_used))
    var = (np.sum((y[tt] - y0_hat - tau) ** 2)
           + np.sum((k[c_used] ** 2 - k[c_used]) / m**2 * sigma2)) / n1**2
    se = float(np.sqrt(var))
    lo, hi, pv = normal_ci(tau, se, alpha)
    w = np.zeros(len(y))
    w[tt] = 1.0
    w += k / m
    bal = balance_table(x[:, 1:], d, names, np.where(d == 1, w, w))
    pairs = pd.DataFrame({"treated_row": np.repeat(tt, m), "control_row": nn.ravel(),
                          "distance_logit": np.abs(lp[nn] - lp[tt][:, None]).ravel()})
    warnings = _overlap_warnings(p, d)
    if (~ok).any():
        warnings.append(f"{int((~ok).sum())} treated unit(s) had no control within the caliper "
                        "and were dropped: the estimate is the ATT of the matched treated only")
    reuse = float(k[c_used].max() / m) if c_used.size else 0.0
    return ImpactResult(
        design="psm", estimand="ATT (nearest-neighbour propensity score matching, with "
                                "replacement)", estimate=tau, se=se, ci_low=lo, ci_high=hi,
        n=n1 + len(c_used), n_obs=len(y), alpha=alpha, p_value=pv,
        se_type="Abadie-Imbens (2006) matching variance, propensity score treated as known",
        ci_type="normal pointwise",
        table=pd.DataFrame([{"term": "matched treated", "n": n1},
                            {"term": "distinct matched controls", "n": len(c_used)},
                            {"term": "max reuse of one control", "n": reuse}]),
        diagnostics={"balance": bal, "pairs": pairs,
                     "propensity": pd.DataFrame({"row": np.arange(len(y)), "treated": d,
                                                 "pscore": p})},
        settings={"n_neighbors": m, "replace": True, "caliper_sd": caliper,
                  "caliper_logit_width": width, "metric": "logit propensity score",
                  "propensity_model": "logit MLE, intercept + covariates",
                  "covariates": names, "unmatched_treated": int((~ok).sum()),
                  "smd_denominator": "sqrt((s1^2+s0^2)/2) before matching", "alpha": alpha},
        warnings=warnings,
    )


# ----------------------------------------------------------------------------- weighting
def ipw(
    data: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    estimand: Literal["ATT", "ATE"] = "ATT",
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Normalised (Hajek) inverse probability weighting, with the propensity-score estimation
    effect in the influence-function standard error."""
    alpha = check_alpha(alpha)
    if estimand not in ("ATT", "ATE"):
        raise SpecError(f"estimand: expected 'ATT' or 'ATE', got {estimand!r}")
    d, y, x, names = _cross_section(data, treatment, outcome, covariates, source)
    n = len(y)
    _, p = logit(d, x)
    if estimand == "ATT":
        tau, inf = _std_ipw(y, d, x, trim=1.0 + 1e-9)
        w = np.where(d == 1, 1.0, p / (1 - p))
    else:
        w1, w0 = d / p, (1 - d) / (1 - p)
        mu1 = np.sum(w1 * y) / w1.sum()
        mu0 = np.sum(w0 * y) / w0.sum()
        tau = float(mu1 - mu0)
        e1, e0 = w1.mean(), w0.mean()
        a = w1 * (y - mu1) / e1
        b = w0 * (y - mu0) / e0
        grad = (np.mean((-(d * (y - mu1)) * (1 - p) / p)[:, None] * x, axis=0) / e1
                - np.mean(((1 - d) * (y - mu0) * p / (1 - p))[:, None] * x, axis=0) / e0)
        inf = a - b + _ps_lin_rep(d, x, p) @ grad
        w = np.where(d == 1, 1 / p, 1 / (1 - p))
    se = float(np.sqrt(np.sum(inf**2)) / n)
    lo, hi, pv = normal_ci(tau, se, alpha)
    bal = balance_table(x[:, 1:], d, names, w)
    ess_c = w[d == 0].sum() ** 2 / np.sum(w[d == 0] ** 2)
    return ImpactResult(
        design="ipw", estimand=f"{estimand} (normalised inverse probability weighting)",
        estimate=tau, se=se, ci_low=lo, ci_high=hi, n=n, n_obs=n, alpha=alpha, p_value=pv,
        se_type="influence function incl. propensity-score estimation (M-estimation)",
        table=pd.DataFrame([{"term": "effective sample size (controls)", "n": ess_c}]),
        diagnostics={"balance": bal, "propensity": pd.DataFrame(
            {"row": np.arange(n), "treated": d, "pscore": p, "weight": w})},
        settings={"estimand": estimand, "normalised": True, "covariates": names,
                  "propensity_model": "logit MLE, intercept + covariates", "alpha": alpha,
                  "smd_denominator": "sqrt((s1^2+s0^2)/2) before weighting"},
        warnings=_overlap_warnings(p, d),
    )


def aipw(
    data: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    covariates: Sequence[str],
    estimand: Literal["ATT", "ATE"] = "ATT",
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Augmented IPW (doubly robust) with logit propensity score and linear outcome models.

    ``estimand="ATT"`` (default, the effect on funded firms, as :func:`ipw` and :func:`psm`)
    or ``"ATE"``.
    """
    alpha = check_alpha(alpha)
    if estimand not in ("ATT", "ATE"):
        raise SpecError(f"estimand: expected 'ATT' or 'ATE', got {estimand!r}")
    d, y, x, names = _cross_section(data, treatment, outcome, covariates, source)
    n = len(y)
    _, p = logit(d, x)
    if estimand == "ATT":
        tau, inf = _dr_trad(y, d, x, trim=1.0 + 1e-9)
        w = np.where(d == 1, 1.0, p / (1 - p))
        se_type = ("influence function incl. nuisance estimation (Sant'Anna & Zhao 2020 "
                   "traditional DR, cross-section form)")
    else:
        b1 = wls(y[d == 1], x[d == 1], what="outcome regression on treated units")
        b0 = wls(y[d == 0], x[d == 0], what="outcome regression on control units")
        m1, m0 = x @ b1, x @ b0
        psi = m1 - m0 + d * (y - m1) / p - (1 - d) * (y - m0) / (1 - p)
        tau = float(psi.mean())
        inf = psi - tau
        w = np.where(d == 1, 1 / p, 1 / (1 - p))
        se_type = "influence function (nuisance estimation ignored: Neyman-orthogonal score)"
    se = float(np.sqrt(np.sum(inf**2)) / n)
    lo, hi, pv = normal_ci(tau, se, alpha)
    return ImpactResult(
        design="aipw", estimand=f"{estimand} (augmented IPW, doubly robust)", estimate=tau,
        se=se, ci_low=lo, ci_high=hi, n=n, n_obs=n, alpha=alpha, p_value=pv, se_type=se_type,
        diagnostics={"balance": balance_table(x[:, 1:], d, names, w)},
        settings={"estimand": estimand, "covariates": names, "alpha": alpha,
                  "propensity_model": "logit MLE, intercept + covariates",
                  "outcome_model": "linear (OLS), separate by arm" if estimand == "ATE"
                  else "linear (OLS) on controls"},
        warnings=_overlap_warnings(p, d),
    )

