"""Staggered adoption: Callaway & Sant'Anna (2021) group-time average treatment effects.

Units are grouped by the period ``g`` in which they are first treated (funded).  For every
group ``g`` and period ``t``, ATT(g,t) compares the outcome change of group ``g`` between a
base period and ``t`` with the change among comparison units:

* ``control="never"``: units never treated in the panel;
* ``control="notyet"``: never-treated units plus units first treated after
  ``max(t, base) + anticipation`` (and not in group ``g``).

Base period (``base_period``): ``"varying"`` (default, as the R ``did`` package) uses ``t - 1``
for pre-treatment cells and ``g - 1 - anticipation`` for post-treatment cells; ``"universal"``
uses ``g - 1 - anticipation`` for all cells (the cell ``t = g - 1`` is then zero by
construction).

Estimators of each 2x2 comparison (``method``), from Sant'Anna & Zhao (2020, J. Econometrics
219(1), 101-122), for panel data with covariates ``X`` taken in the base period:

* ``"reg"`` - outcome regression (Heckman, Ichimura & Todd 1997): OLS of the control units'
  change on ``X``, predicted for the treated;
* ``"ipw"`` - standardised (Hajek) inverse probability weighting (Abadie 2005), logit
  propensity score;
* ``"dr"`` - the **traditional** locally efficient doubly robust estimator ``tau^{dr,p}``
  (S&Z eq. 3.1; R ``DRDID::drdid_panel``), logit propensity score by maximum likelihood and
  OLS outcome regression, with the estimation effects of both in the influence function.  This
  is the estimator the R ``did`` package uses for ``est_method = "dr"``;
* ``"dr_imp"`` - the **improved** doubly robust estimator (S&Z sec. 3.1;
  ``DRDID::drdid_imp_panel``): propensity score by inverse probability tilting and outcome
  regression by weighted least squares with weights ``p/(1-p)``, so that the estimator is also
  doubly robust for inference and its influence function has no estimation-effect terms.

Control units with an estimated propensity score at or above ``trim`` (0.995, as DRDID) get
zero weight in ``ipw`` and ``dr``.  Without covariates all four estimators coincide with the
unconditional difference of mean changes.

Inference.  Each ATT(g,t) has an influence function ``psi_i`` (rescaled to the full sample of
``n`` units, as in the ``did`` package); the analytic variance of any smooth aggregation is
``sum_c (sum_{i in c} psi_i)^2 / n^2`` over clusters ``c`` (units by default).  The multiplier
bootstrap draws Rademacher weights per cluster from ``numpy.random.default_rng(seed)``,
estimates the bootstrap standard error by the normalised inter-quartile range (as ``did``) and
forms **simultaneous** (sup-t) bands from the ``1 - alpha`` quantile of the maximum absolute
t-statistic over all components of the band (all ATT(g,t) cells, or all event times).  The
pre-trend test is the Wald test that all pre-treatment ATT(g,t) are zero, with the analytic
covariance (``did``'s "pre-test of parallel trends").

Aggregations (:func:`aggte`, Callaway & Sant'Anna 2021 sec. 3; ``did::aggte``):
``simple`` (post cells weighted by group size), ``dynamic`` (event time ``e = t - g``; the
overall number averages ``e >= 0``), ``group`` (average over each group's post cells; overall
weighted by group size) and ``calendar`` (average over groups treated by ``t``; overall averages
periods).  Influence functions include the estimation of the group-size weights (``did``'s
``wif``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact._fit import ipt, logit, wls
from changjing.evaluate.impact.panel import Panel, prepare_panel
from changjing.evaluate.impact.result import ImpactResult, check_alpha, normal_ci
from scipy import stats

__all__ = ["aggte", "att_gt", "multiplier_bootstrap", "pretrend_test"]

METHODS = {
    "reg": "outcome regression (Heckman, Ichimura & Todd 1997; OLS on controls)",
    "ipw": "standardised (Hajek) inverse probability weighting, logit propensity score",
    "dr": "doubly robust, TRADITIONAL locally efficient estimator of Sant'Anna & Zhao (2020, "
          "eq. 3.1; DRDID::drdid_panel): logit MLE propensity score + OLS outcome regression",
    "dr_imp": "doubly robust, IMPROVED estimator of Sant'Anna & Zhao (2020, sec. 3.1; "
              "DRDID::drdid_imp_panel): inverse-probability-tilting propensity score + WLS "
              "outcome regression",
}
CONTROLS = {"never": "never treated", "notyet": "not yet treated (including never treated)"}
AGGREGATIONS = ("simple", "dynamic", "group", "calendar")


# ---------------------------------------------------------------------------- 2x2 estimators
def _two_by_two(dy: np.ndarray, d: np.ndarray, x: np.ndarray | None, method: str,
                trim: float) -> tuple[float, np.ndarray]:
    """ATT and its influence function for one panel 2x2 comparison (mean-zero, O(1) scale).

    ``x`` includes the intercept (``None`` = unconditional).
    """
    n = len(dy)
    if x is None or x.shape[1] == 1:
        # unconditional: all estimators are the difference of mean changes
        n1, n0 = d.sum(), n - d.sum()
        m1 = dy[d == 1].mean()
        m0 = dy[d == 0].mean()
        inf = np.where(d == 1, (dy - m1) * n / n1, -(dy - m0) * n / n0)
        return float(m1 - m0), inf
    if method == "reg":
        return _reg(dy, d, x)
    if method == "ipw":
        return _std_ipw(dy, d, x, trim)
    if method == "dr":
        return _dr_trad(dy, d, x, trim)
    return _dr_imp(dy, d, x, trim)


def _ols_lin_rep(dy, d, x, beta):
    """Asymptotic linear representation of the control-unit OLS coefficients (n x k)."""
    n = len(dy)
    w0 = 1.0 - d
    resid = w0 * (dy - x @ beta)
    bread = (x * w0[:, None]).T @ x / n
    return (x * resid[:, None]) @ np.linalg.inv(bread)


def _ps_lin_rep(d, x, p):
    """Asymptotic linear representation of the logit MLE coefficients (n x k)."""
    n = len(d)
    score = x * (d - p)[:, None]
    hess = (x * (p * (1 - p))[:, None]).T @ x
    return score @ np.linalg.inv(hess) * n


def _reg(dy, d, x):
    beta = wls(dy[d == 0], x[d == 0], what="outcome regression on comparison units")
    m = x @ beta
    w1 = d
    mw1 = w1.mean()
    eta_treat = np.mean(w1 * dy) / mw1
    eta_cont = np.mean(w1 * m) / mw1
    inf_treat = (w1 * dy - w1 * eta_treat) / mw1
    lin = _ols_lin_rep(dy, d, x, beta)
    inf_cont = (w1 * m - w1 * eta_cont + lin @ np.mean(w1[:, None] * x, axis=0)) / mw1
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _std_ipw(dy, d, x, trim):
    _, p = logit(d, x)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    keep = np.where(d == 0, p < trim, True)
    w1 = d * keep
    w0 = keep * p * (1 - d) / (1 - p)
    eta_treat = np.mean(w1 * dy) / w1.mean()
    eta_cont = np.mean(w0 * dy) / w0.mean()
    inf_treat = (w1 * dy - w1 * eta_treat) / w1.mean()
    lin_ps = _ps_lin_rep(d, x, p)
    m2 = np.mean((w0 * (dy - eta_cont))[:, None] * x, axis=0)
    inf_cont = (w0 * dy - w0 * eta_cont + lin_ps @ m2) / w0.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_trad(dy, d, x, trim):
    _, p = logit(d, x)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    beta = wls(dy[d == 0], x[d == 0], what="outcome regression on comparison units")
    m = x @ beta
    keep = np.where(d == 0, p < trim, True)
    w1 = d * keep
    w0 = keep * p * (1 - d) / (1 - p)
    r = dy - m
    eta_treat = np.mean(w1 * r) / w1.mean()
    eta_cont = np.mean(w0 * r) / w0.mean()
    lin_ols = _ols_lin_rep(dy, d, x, beta)
    lin_ps = _ps_lin_rep(d, x, p)
    inf_treat = (w1 * r - w1 * eta_treat - lin_ols @ np.mean(w1[:, None] * x, axis=0)) / w1.mean()
    m2 = np.mean((w0 * (r - eta_cont))[:, None] * x, axis=0)
    inf_cont = (w0 * r - w0 * eta_cont + lin_ps @ m2
                - lin_ols @ np.mean(w0[:, None] * x, axis=0)) / w0.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_imp(dy, d, x, trim):
    _, p = ipt(d, x)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    keep = np.where(d == 0, p < trim, True)
    w1 = d * keep
    w0 = keep * p * (1 - d) / (1 - p)
    beta = wls(dy[d == 0], x[d == 0], w0[d == 0],
               what="weighted outcome regression on comparison units")
    r = dy - x @ beta
    eta_treat = np.mean(w1 * r) / w1.mean()
    eta_cont = np.mean(w0 * r) / w0.mean()
    # IPT + WLS first-order conditions remove the estimation effects (S&Z 2020, Thm 3.2)
    inf = (w1 * (r - eta_treat)) / w1.mean() - (w0 * (r - eta_cont)) / w0.mean()
    return float(eta_treat - eta_cont), inf


# ---------------------------------------------------------------------------- inference
def _cluster_sums(inf: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    if cluster is None:
        return inf
    k = inf.shape[1] if inf.ndim == 2 else 1
    out = np.zeros((cluster.max() + 1, k))
    np.add.at(out, cluster, inf.reshape(len(inf), k))
    return out if inf.ndim == 2 else out[:, 0]


def analytic_se(inf: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """Standard errors ``sqrt(sum_c S_c^2)/n`` from an ``(n,)`` or ``(n, k)`` influence matrix."""
    n = inf.shape[0]
    s = _cluster_sums(inf, cluster)
    return np.sqrt(np.sum(s**2, axis=0)) / n


def multiplier_bootstrap(inf: np.ndarray, n_boot: int, rng: np.random.Generator,
                         cluster: np.ndarray | None = None, alpha: float = 0.05,
                         band: np.ndarray | None = None,
                         chunk: int = 128) -> dict[str, np.ndarray | float]:
    """Rademacher multiplier bootstrap of estimators with influence matrix ``inf`` (n x k).

    Returns the draws (``n_boot x k``) of the estimator's deviation, the bootstrap standard
    errors (normalised inter-quartile range, as ``did``), the pointwise and the simultaneous
    (sup-t over the k components, or over the boolean mask ``band``) critical values.
    Components with zero bootstrap spread
    (e.g. the reference cell of a universal base period) are left out of the sup.
    """
    inf = np.atleast_2d(inf.T).T
    n = inf.shape[0]
    s = _cluster_sums(inf, cluster)
    g = s.shape[0]
    draws = np.empty((n_boot, inf.shape[1]))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        v = rng.integers(0, 2, size=(b, g), dtype=np.int8).astype(float) * 2.0 - 1.0
        draws[start:start + b] = v @ s / n
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0)
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = se > np.sqrt(np.finfo(float).eps) * max(1.0, float(np.max(np.abs(draws))))
    if band is not None:
        ok &= band
    tmax = np.max(np.abs(draws[:, ok] / se[ok]), axis=1) if ok.any() else np.zeros(n_boot)
    crit = float(np.quantile(tmax, 1 - alpha)) if ok.any() else float("nan")
    return {"draws": draws, "se": np.where(ok, se, np.nan), "crit_simultaneous": crit,
            "crit_pointwise": float(stats.norm.ppf(1 - alpha / 2))}


def pretrend_test(result: ImpactResult) -> pd.DataFrame:
    """Wald test that every pre-treatment ATT(g,t) is zero (analytic covariance).

    Returns a one-row table ``statistic, df, p_value, cells`` (``nan`` when there are no
    pre-treatment cells).  As the ``did`` package, cells with zero variance are left out.
    """
    cells = result.extra["cells"]
    inf = result.extra["inf"]
    antic = result.settings.get("anticipation", 0)
    pre = (cells["time"] < cells["group"] - antic).to_numpy().copy()
    se = analytic_se(inf, result.extra["cluster"])
    pre &= se > 1e-12
    if not pre.any():
        return pd.DataFrame([{"test": "pre-trends Wald (all pre-treatment ATT(g,t) = 0)",
                              "statistic": np.nan, "df": 0, "p_value": np.nan, "cells": 0}])
    n = inf.shape[0]
    s = _cluster_sums(inf[:, pre], result.extra["cluster"])
    cov = s.T @ s / n**2
    att = cells["estimate"].to_numpy()[pre]
    stat = float(att @ np.linalg.pinv(cov) @ att)
    df = int(np.linalg.matrix_rank(cov))
    return pd.DataFrame([{"test": "pre-trends Wald (all pre-treatment ATT(g,t) = 0)",
                          "statistic": stat, "df": df,
                          "p_value": float(stats.chi2.sf(stat, df)), "cells": int(pre.sum())}])


# ---------------------------------------------------------------------------- att_gt
def att_gt(
    data: pd.DataFrame | Panel,
    *,
    unit: str | None = None,
    time: str | None = None,
    outcome: str | None = None,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    control: Literal["never", "notyet"] = "never",
    method: Literal["dr", "ipw", "reg", "dr_imp"] = "dr",
    base_period: Literal["varying", "universal"] = "varying",
    anticipation: int = 0,
    cluster: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    alpha: float = 0.05,
    trim: float = 0.995,
    drop_incomplete: bool = False,
    source: str | None = None,
) -> ImpactResult:
    """Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

    Parameters
    ----------
    data:
        Long balanced panel (one row per unit and period) or a prepared :class:`Panel`.
    unit, time, outcome:
        Column names; ``time`` numeric (e.g. year).  The outcome's units carry to the ATT.
    treated_from / treated:
        First treated period per unit (empty/0 = never) or a 0/1 absorbing indicator.
    covariates:
        Columns used for conditional parallel trends (values from each cell's base period).
    control:
        ``"never"`` or ``"notyet"`` (see module docstring).
    method:
        ``"dr"`` (traditional DR, as R ``did``), ``"dr_imp"`` (improved DR), ``"ipw"``, ``"reg"``.
    base_period:
        ``"varying"`` or ``"universal"``.
    anticipation:
        Number of periods before ``g`` in which units may already react (>= 0).
    cluster:
        Column of clusters containing whole units (default: units).
    bootstrap:
        Number of multiplier-bootstrap draws for simultaneous bands (0 = analytic only).
    seed:
        Seed of the bootstrap's ``numpy.random.default_rng``; required when ``bootstrap > 0``.
    alpha:
        1 - confidence level.
    drop_incomplete:
        Drop units not observed in every period (with a warning) instead of refusing an
        unbalanced panel.

    Returns
    -------
    ImpactResult
        ``estimate``/``se`` are the simple aggregation (post cells weighted by group size);
        ``table`` holds one row per ATT(g,t) with analytic SE, pointwise interval and (with
        bootstrap) the bootstrap SE and simultaneous band; ``diagnostics["pretrend"]`` holds
        the Wald pre-test.  Pass the result to :func:`aggte` for other aggregations.
    """
    alpha = check_alpha(alpha)
    if method not in METHODS:
        raise SpecError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if control not in CONTROLS:
        raise SpecError(f"control: expected 'never' or 'notyet', got {control!r}")
    if base_period not in ("varying", "universal"):
        raise SpecError(f"base_period: expected 'varying' or 'universal', got {base_period!r}")
    if not isinstance(anticipation, (int, np.integer)) or anticipation < 0:
        raise SpecError(f"anticipation: expected an integer >= 0, got {anticipation!r}")
    if not (0.5 < trim <= 1):
        raise SpecError(f"trim: expected a number in (0.5, 1], got {trim!r}")
    bootstrap = _check_bootstrap(bootstrap, seed)

    if isinstance(data, Panel):
        panel = data
    else:
        if unit is None or time is None or outcome is None:
            raise SpecError("unit, time and outcome: all three column names are required")
        panel = prepare_panel(
            data, unit=unit, time=time, outcome=outcome, treated_from=treated_from,
            treated=treated, covariates=covariates, cluster=cluster, source=source,
            balanced=not drop_incomplete, need_never_treated=(control == "never"),
        )
        if drop_incomplete:
            panel = _drop_incomplete(panel)
    times = panel.times
    n = panel.n_units
    gvec = panel.first_treated
    groups = np.unique(gvec[np.isfinite(gvec)])
    y = panel.y
    xall = panel.x
    warnings = list(panel.warnings)

    rows: list[dict] = []
    infs: list[np.ndarray] = []
    skipped: list[str] = []
    for g in groups:
        g_idx = int(np.searchsorted(times, g))
        for t_idx in range(1, len(times)):
            t = times[t_idx]
            post = t >= g - anticipation
            if base_period == "universal" or post:
                b_idx = g_idx - 1 - anticipation
            else:
                b_idx = t_idx - 1
            if b_idx < 0:
                skipped.append(f"ATT({_n(g)},{_n(t)}): base period before the panel")
                continue
            if base_period == "universal" and b_idx == t_idx:
                rows.append({"group": g, "time": t, "event_time": t - g, "base": times[b_idx],
                             "estimate": 0.0, "n_treated": int((gvec == g).sum()),
                             "n_control": 0, "post": False})
                infs.append(np.zeros(n))
                continue
            later = max(t_idx, b_idx)
            if control == "never":
                ctrl = ~np.isfinite(gvec)
            else:
                ctrl = (~np.isfinite(gvec)) | (gvec > times[later] + anticipation)
                ctrl &= gvec != g
            treat = gvec == g
            if ctrl.sum() == 0:
                skipped.append(f"ATT({_n(g)},{_n(t)}): no comparison units")
                continue
            sub = treat | ctrl
            d = treat[sub].astype(float)
            dy = y[sub, t_idx] - y[sub, b_idx]
            x = None
            if xall is not None:
                x = np.column_stack([np.ones(sub.sum()), xall[sub, b_idx, :]])
            try:
                att, inf_sub = _two_by_two(dy, d, x, method, trim)
            except InputError as exc:
                raise InputError(f"{panel.source}: ATT(g={_n(g)}, t={_n(t)}): {exc}") from None
            inf = np.zeros(n)
            inf[sub] = inf_sub * (n / sub.sum())
            rows.append({"group": g, "time": t, "event_time": t - g, "base": times[b_idx],
                         "estimate": att, "n_treated": int(treat.sum()),
                         "n_control": int(ctrl.sum()), "post": bool(post)})
            infs.append(inf)
    if not rows:
        raise InputError(f"{panel.source}: no group-time effect can be estimated "
                         f"({'; '.join(skipped[:3])})")
    if skipped:
        warnings.append(f"{len(skipped)} group-time cell(s) skipped: " + "; ".join(skipped[:5]))
    cells = pd.DataFrame(rows)
    inf = np.column_stack(infs)
    se = analytic_se(inf, panel.cluster)
    cells["se"] = np.where(se > 1e-12, se, np.nan)
    z = stats.norm.ppf(1 - alpha / 2)
    cells["ci_low"] = cells["estimate"] - z * cells["se"]
    cells["ci_high"] = cells["estimate"] + z * cells["se"]

    settings = {
        "estimator": "Callaway & Sant'Anna (2021) ATT(g,t)",
        "method": method, "method_description": METHODS[method],
        "control": control, "control_description": CONTROLS[control],
        "base_period": base_period, "anticipation": int(anticipation),
        "covariates": list(panel.covariates), "covariates_period": "base period of each cell",
        "cluster": cluster or "unit", "bootstrap": int(bootstrap), "seed": seed,
        "bootstrap_weights": "Rademacher (per cluster)" if bootstrap else None,
        "alpha": alpha, "trim": trim,
    }
    # group shares among all units (did's pg), for aggregation weights
    share = {g: float(np.mean(gvec == g)) for g in groups}
    extra = {"cells": cells, "inf": inf, "cluster": panel.cluster, "first_treated": gvec,
             "share": share, "times": times, "n": n}
    if bootstrap:
        boot = multiplier_bootstrap(inf, bootstrap, np.random.default_rng(seed), panel.cluster,
                                    alpha)
        cells["se_boot"] = boot["se"]
        cells["band_low"] = cells["estimate"] - boot["crit_simultaneous"] * cells["se_boot"]
        cells["band_high"] = cells["estimate"] + boot["crit_simultaneous"] * cells["se_boot"]
        settings["crit_simultaneous"] = boot["crit_simultaneous"]
    result = ImpactResult(
        design="att_gt", estimand="ATT(g,t) cells; headline = simple aggregation",
        estimate=float("nan"), se=float("nan"), ci_low=float("nan"), ci_high=float("nan"),
        n=n, n_obs=panel.n_obs, alpha=alpha,
        se_type="influence function (analytic)" + (", clustered" if panel.cluster is not None
                                                   else ""),
        ci_type="normal pointwise per cell" + ("; sup-t simultaneous band over all cells "
                                               f"({bootstrap} multiplier draws)" if bootstrap
                                               else ""),
        table=cells.drop(columns=["post"]).assign(term=[f"ATT({_n(g)},{_n(t)})" for g, t in
                                                        zip(cells.group, cells.time)]),
        settings=settings, warnings=warnings, extra=extra,
    )
    result.diagnostics["pretrend"] = pretrend_test(result)
    simple = aggte(result, "simple")
    result.estimate, result.se = simple.estimate, simple.se
    result.ci_low, result.ci_high, result.p_value = simple.ci_low, simple.ci_high, simple.p_value
    _check_few_clusters(result, panel)
    return result


def _drop_incomplete(panel: Panel) -> Panel:
    complete = np.all(np.isfinite(panel.y), axis=1)
    if complete.all():
        return panel
    if not complete.any():
        raise InputError(f"{panel.source}: no unit is observed in every period")
    kept_rows = int(np.isfinite(panel.y[complete]).sum())
    warnings = list(panel.warnings) + [
        f"{int((~complete).sum())} unit(s) not observed in every period were dropped "
        f"({panel.n_obs - kept_rows} rows)"]
    cluster = panel.cluster[complete] if panel.cluster is not None else None
    if cluster is not None:
        cluster = np.unique(cluster, return_inverse=True)[1]
    return Panel(units=panel.units[complete], times=panel.times, y=panel.y[complete],
                 first_treated=panel.first_treated[complete],
                 x=panel.x[complete] if panel.x is not None else None,
                 covariates=panel.covariates, cluster=cluster, source=panel.source,
                 n_obs=kept_rows, warnings=warnings)


def _check_few_clusters(result: ImpactResult, panel: Panel) -> None:
    gvec = panel.first_treated
    n_treated = int(np.isfinite(gvec).sum())
    n_clusters = int(panel.cluster.max() + 1) if panel.cluster is not None else panel.n_units
    if n_clusters < 30:
        result.warnings.append(
            f"only {n_clusters} clusters: influence-function standard errors rely on many "
            "clusters; prefer randomization inference (inference.randomization_test)"
        )
    for g, k in zip(*np.unique(gvec[np.isfinite(gvec)], return_counts=True)):
        if k < 5:
            result.warnings.append(
                f"group first treated in {_n(g)} has only {k} unit(s); its ATT(g,t) standard "
                "errors are unreliable"
            )
    if n_treated < 10:
        result.warnings.append(f"only {n_treated} treated units in all; inference is fragile")


def _check_bootstrap(bootstrap: int, seed: int | None) -> int:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise SpecError(f"bootstrap: expected an integer >= 0 (number of draws), got {bootstrap!r}")
    if 0 < bootstrap < 99:
        raise SpecError(f"bootstrap: use at least 99 draws for bands, got {bootstrap}")
    if bootstrap and seed is None:
        raise SpecError("seed: a seed is required when bootstrap > 0 (for reproducible bands)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise SpecError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(bootstrap)


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# ---------------------------------------------------------------------------- aggregation
def _wif(keep: np.ndarray, share_cells: np.ndarray, cell_groups: np.ndarray,
         gvec: np.ndarray) -> np.ndarray:
    """Influence function of the estimated group-share weights (did's ``wif``), n x |keep|."""
    pk = share_cells[keep]
    ind = (gvec[:, None] == cell_groups[keep][None, :]).astype(float) - pk[None, :]
    total = pk.sum()
    return ind / total - ind.sum(axis=1, keepdims=True) * (pk / total**2)[None, :]


def _agg(att: np.ndarray, inf: np.ndarray, keep: np.ndarray, weights: np.ndarray,
         wif: np.ndarray | None) -> tuple[float, np.ndarray]:
    est = float(att[keep] @ weights)
    psi = inf[:, keep] @ weights
    if wif is not None:
        psi = psi + wif @ att[keep]
    return est, psi


def aggte(
    result: ImpactResult,
    type: Literal["simple", "dynamic", "group", "calendar"] = "dynamic",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
    alpha: float | None = None,
) -> ImpactResult:
    """Aggregate ATT(g,t) into an overall effect and a detail table (``did::aggte``).

    ``bootstrap`` / ``seed`` / ``alpha`` default to the settings of the ``att_gt`` call.  With a
    bootstrap, ``table`` gains ``se_boot`` and a simultaneous sup-t band (``band_low``,
    ``band_high``) over its rows.
    """
    if result.design != "att_gt":
        raise SpecError(f"aggte: expected the result of att_gt(), got a {result.design!r} result")
    if type not in AGGREGATIONS:
        raise SpecError(f"type: expected one of {', '.join(AGGREGATIONS)}, got {type!r}")
    alpha = check_alpha(result.alpha if alpha is None else alpha)
    bootstrap = result.settings["bootstrap"] if bootstrap is None else bootstrap
    seed = result.settings["seed"] if seed is None else seed
    bootstrap = _check_bootstrap(bootstrap, seed)
    cells = result.extra["cells"]
    inf = result.extra["inf"]
    gvec = result.extra["first_treated"]
    cluster = result.extra["cluster"]
    times = result.extra["times"]
    att = cells["estimate"].to_numpy()
    group = cells["group"].to_numpy()
    tt = cells["time"].to_numpy()
    e = tt - group
    share = np.array([result.extra["share"][g] for g in group])
    post = (group <= tt) & (tt <= group + max_e)
    detail: list[tuple[dict, float, np.ndarray]] = []

    if type == "simple":
        keep = post
        if not keep.any():
            raise InputError("aggte: no post-treatment ATT(g,t) cells to aggregate")
        est, psi = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                        _wif(keep, share, group, gvec))
        estimand = "ATT, simple: post-treatment ATT(g,t) weighted by group size"
    elif type == "dynamic":
        include = np.ones(len(att), dtype=bool)
        eseq = np.unique(e)
        if balance_e is not None:
            include = (times[-1] - group) >= balance_e
            eseq = np.unique(e[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - times[-1] + times[0])]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        for ev in eseq:
            keep = (e == ev) & include
            est_e, psi_e = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                                _wif(keep, share, group, gvec))
            detail.append(({"event_time": ev, "term": f"e={_n(ev)}"}, est_e, psi_e))
        pos = [i for i, (row, _, _) in enumerate(detail) if row["event_time"] >= 0]
        if not pos:
            raise InputError("aggte: no event time >= 0 to aggregate")
        est = float(np.mean([detail[i][1] for i in pos]))
        psi = np.mean([detail[i][2] for i in pos], axis=0)
        estimand = "ATT, dynamic: average of event-time effects e >= 0"
    elif type == "group":
        glist = np.unique(group)
        gvals, gpsis, gshare = [], [], []
        for g in glist:
            keep = (group == g) & post
            if not keep.any():
                continue
            w = np.full(keep.sum(), 1.0 / keep.sum())
            est_g, psi_g = _agg(att, inf, keep, w, None)
            detail.append(({"group": g, "term": f"g={_n(g)}"}, est_g, psi_g))
            gvals.append(est_g)
            gpsis.append(psi_g)
            gshare.append(result.extra["share"][g])
        gvals_a, gshare_a = np.array(gvals), np.array(gshare)
        est = float(gvals_a @ gshare_a / gshare_a.sum())
        keep_all = np.ones(len(gvals_a), dtype=bool)
        gl = np.array([row["group"] for row, _, _ in detail])
        wif = _wif(keep_all, gshare_a, gl, gvec)
        psi = np.column_stack(gpsis) @ (gshare_a / gshare_a.sum()) + wif @ gvals_a
        estimand = "ATT, group: group averages weighted by group size"
    else:  # calendar
        tlist = times[times >= group.min()]
        tvals, tpsis = [], []
        for t in tlist:
            keep = (tt == t) & (group <= t)
            if not keep.any():
                continue
            est_t, psi_t = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                                _wif(keep, share, group, gvec))
            detail.append(({"time": t, "term": f"t={_n(t)}"}, est_t, psi_t))
            tvals.append(est_t)
            tpsis.append(psi_t)
        est = float(np.mean(tvals))
        psi = np.mean(tpsis, axis=0)
        estimand = "ATT, calendar: average over periods of effects among groups treated by t"

    se = float(analytic_se(psi, cluster))
    ci_low, ci_high, p = normal_ci(est, se, alpha)
    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame([{**row, "estimate": v} for row, v, _ in detail])
    settings = dict(result.settings)
    settings.update({"aggregation": type, "alpha": alpha, "bootstrap": int(bootstrap),
                     "seed": seed, "min_e": _finite(min_e), "max_e": _finite(max_e),
                     "balance_e": balance_e})
    ci_type = "normal pointwise"
    if detail:
        psis = np.column_stack([p_ for _, _, p_ in detail])
        table["se"] = analytic_se(psis, cluster)
        table["ci_low"] = table["estimate"] - z * table["se"]
        table["ci_high"] = table["estimate"] + z * table["se"]
        if bootstrap:
            # one set of draws for rows and overall; the band is simultaneous over the rows
            band = np.r_[np.ones(psis.shape[1], dtype=bool), False]
            sub = multiplier_bootstrap(np.column_stack([psis, psi]), bootstrap,
                                       np.random.default_rng(seed), cluster, alpha, band=band)
            sub["se"], se_overall = sub["se"][:-1], sub["se"][-1]
            table["se_boot"] = sub["se"]
            table["band_low"] = table["estimate"] - sub["crit_simultaneous"] * table["se_boot"]
            table["band_high"] = table["estimate"] + sub["crit_simultaneous"] * table["se_boot"]
            settings["crit_simultaneous"] = sub["crit_simultaneous"]
            settings["se_boot_overall"] = float(se_overall)
            ci_type = (f"normal pointwise (overall); sup-t simultaneous band over the {type} "
                       f"rows from {bootstrap} Rademacher multiplier draws, seed {seed}")
    out = ImpactResult(
        design=f"aggte:{type}", estimand=estimand, estimate=est, se=se, ci_low=ci_low,
        ci_high=ci_high, n=result.n, n_obs=result.n_obs, alpha=alpha, p_value=p,
        se_type=result.se_type, ci_type=ci_type, table=table, settings=settings,
        warnings=list(result.warnings), diagnostics=dict(result.diagnostics),
        extra={"inf": psi, "detail_inf": [p_ for _, _, p_ in detail]},
    )
    return out


def _finite(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)
