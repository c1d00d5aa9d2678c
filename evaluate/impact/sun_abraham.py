"""Sun & Abraham (2021) interaction-weighted (IW) event study.

A heterogeneity-robust alternative to the TWFE event study (J. Econometrics 225(2), 175-199;
R ``fixest::sunab``, Stata ``eventstudyinteract``).  On a balanced panel:

1. the **saturated regression** ``y_it = a_i + l_t + sum_{g, e != ref} b_{g,e} 1{G_i = g,
   t - g = e} + u_it`` over the treated cohorts ``g`` and relative periods ``e``, with a clean
   control cohort that gets no indicators: the never treated (``control="never"``), or the
   last-treated cohort with the periods from its treatment on dropped (``control="last"``);
   ``b_{g,e}`` is the cohort-specific effect CATT(g, e) relative to period ``g + ref``;
2. **interaction weighting**: the event-time effect is ``b_e = sum_g w_{g,e} b_{g,e}``, the
   weights being the cohorts' shares among the units of the cohorts observed at ``e``
   (SA 2021 eq. 19, estimated by the sample shares and treated as fixed, as ``fixest``).

With never-treated controls and every relative period included, ``b_{g,e}`` is the 2x2
difference between period ``g + e`` and ``g - 1`` of cohort ``g`` and of the never treated
(the universal-base ATT(g, t) of Callaway & Sant'Anna), which the tests use as a check.

Standard errors: cluster-robust sandwich of the saturated regression (clusters = units unless
``cluster``), with the CR1 small-sample factor ``G/(G-1) * (N-1)/(N-K)``, ``K`` counting the
cohort-period and covariate coefficients and the ``T`` period levels (the unit effects, nested
in the clusters, are not counted and the constant is the period effects' - ``fixest``'s
default ``ssc(fixef.K = "nested")``, checked against its printed output); the IW effects by
the delta method ``w' V w``.
The overall ATT averages the post-treatment CATT(g, e) with weights proportional to their
numbers of observations (``fixest``'s ``aggregate(..., "att")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .panel import prepare_panel
from .result import ImpactResult, check_alpha, normal_ci
from scipy import stats

__all__ = ["sun_abraham"]


def _two_way_demean(m: np.ndarray) -> np.ndarray:
    """Remove unit and period means from ``(n, T, k)`` arrays (exact on a balanced panel)."""
    return (m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True)
            + m.mean(axis=(0, 1), keepdims=True))


def sun_abraham(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    control: Literal["never", "last"] = "never",
    reference: int = -1,
    cluster: str | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Interaction-weighted event study of Sun & Abraham (2021) on a balanced panel.

    Returns an :class:`ImpactResult` whose headline is the overall post-treatment ATT and whose
    ``table`` has one row per relative period ``e`` (``estimate``, ``se``, CI, ``n_cohorts``);
    ``diagnostics["catt"]`` holds every cohort-specific CATT(g, e) with its SE and IW weight.
    Relative periods are in the units of ``time``.  ``covariates`` enter the saturated
    regression linearly with their own (time-varying) values, as ``feols(y ~ x1 +
    sunab(cohort, period) | unit + period)``; their coefficients are in
    ``diagnostics["covariates"]``.
    """
    alpha = check_alpha(alpha)
    if control not in ("never", "last"):
        raise SpecError(f"control: expected 'never' or 'last', got {control!r}")
    if isinstance(reference, bool) or not isinstance(reference, (int, np.integer)) \
            or reference >= 0:
        raise SpecError(f"reference: expected a negative integer relative period, got "
                        f"{reference!r}")
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated_from=treated_from,
                          treated=treated, covariates=list(covariates or []),
                          cluster=cluster, source=source, balanced=True,
                          need_never_treated=(control == "never"))
    y, times, gvec = panel.y, panel.times, panel.first_treated.copy()
    keep_t = np.ones(len(times), dtype=bool)
    if control == "last":
        g_last = float(np.max(gvec[np.isfinite(gvec)]))
        keep_t = times < g_last
        gvec = np.where(gvec == g_last, np.inf, gvec)  # the last cohort becomes the control
        if not np.isfinite(gvec).any():
            raise InputError(f"{panel.source}: control='last' needs at least two treated "
                             "cohorts")
    y, times = y[:, keep_t], times[keep_t]
    xcov = panel.x[:, keep_t, :] if panel.x is not None else np.zeros((len(y), len(times), 0))
    n, T = y.shape
    cohorts = np.unique(gvec[np.isfinite(gvec)])
    step = np.min(np.diff(times)) if T > 1 else 1.0
    rel = (times[None, :] - gvec[:, None]) / step  # relative period in steps; nan/inf for controls
    cells = [(g, e) for g in cohorts
             for e in np.unique(np.rint(rel[gvec == g][0])).astype(int) if e != reference]
    if not cells:
        raise InputError(f"{panel.source}: no cohort-period effect to estimate")
    x = np.zeros((n, T, len(cells)))
    for j, (g, e) in enumerate(cells):
        x[:, :, j] = (gvec[:, None] == g) & np.isclose(rel, e)
    # a cohort needs its reference period inside the window
    for g in cohorts:
        if not np.isclose(rel[gvec == g][0], reference).any():
            raise InputError(f"{panel.source}: cohort {g:g} has no period at relative time "
                             f"{reference} (the reference) inside the panel")
    n_cells = len(cells)
    x = np.concatenate([x, xcov], axis=2)  # cohort x period indicators, then covariates
    yd = _two_way_demean(y[:, :, None])[:, :, 0].reshape(-1)
    xd = _two_way_demean(x).reshape(n * T, -1)
    if np.linalg.matrix_rank(xd) < xd.shape[1]:
        raise InputError(f"{panel.source}: the covariates are collinear with the unit and "
                         "period effects or the cohort-period indicators (e.g. constant within "
                         "units); remove them")
    xtx = xd.T @ xd
    beta = np.linalg.solve(xtx, xd.T @ yd)
    resid = yd - xd @ beta
    clus = np.repeat(panel.cluster if panel.cluster is not None else np.arange(n), T)
    n_cl = int(clus.max() + 1)
    scores = np.zeros((n_cl, xd.shape[1]))
    np.add.at(scores, clus, xd * resid[:, None])
    bread = np.linalg.inv(xtx)
    k = xd.shape[1] + T
    n_obs = n * T
    adj = n_cl / (n_cl - 1) * (n_obs - 1) / (n_obs - k)
    vcov_all = adj * bread @ (scores.T @ scores) @ bread
    cov_table = pd.DataFrame([{"term": c, "estimate": float(b), "se": float(np.sqrt(v))}
                              for c, b, v in zip(panel.covariates, beta[n_cells:],
                                                 np.diag(vcov_all)[n_cells:])])
    beta, vcov = beta[:n_cells], vcov_all[:n_cells, :n_cells]

    size = {g: int((gvec == g).sum()) for g in cohorts}
    catt = pd.DataFrame([{"cohort": g, "event_time": e, "estimate": b,
                          "se": float(np.sqrt(vcov[j, j])), "n_units": size[g]}
                         for j, ((g, e), b) in enumerate(zip(cells, beta))])
    z = stats.norm.ppf(1 - alpha / 2)
    rows, weights_all = [], np.zeros(len(cells))
    for e in sorted({e for _, e in cells}):
        idx = np.array([j for j, (_, ee) in enumerate(cells) if ee == e])
        w = np.array([size[cells[j][0]] for j in idx], dtype=float)
        w /= w.sum()
        full = np.zeros(len(cells))
        full[idx] = w
        weights_all[idx] = w
        est = float(full @ beta)
        se = float(np.sqrt(full @ vcov @ full))
        rows.append({"event_time": e, "term": f"e={e}", "estimate": est, "se": se,
                     "ci_low": est - z * se, "ci_high": est + z * se, "n_cohorts": len(idx)})
    catt["iw_weight"] = weights_all
    table = pd.DataFrame(rows)

    post = np.array([e >= 0 for _, e in cells])
    w_att = np.array([size[g] for g, _ in cells], dtype=float) * post  # observations per cell
    w_att /= w_att.sum()
    att = float(w_att @ beta)
    se_att = float(np.sqrt(w_att @ vcov @ w_att))
    lo, hi, p = normal_ci(att, se_att, alpha)
    # per cohort: average of its post-treatment CATT (fixest's summary(agg = "cohort"))
    by_cohort = []
    for g in cohorts:
        wc = np.array([cg == g and e >= 0 for cg, e in cells], dtype=float)
        if wc.sum() == 0:
            continue
        wc /= wc.sum()
        est_c, se_c = float(wc @ beta), float(np.sqrt(wc @ vcov @ wc))
        by_cohort.append({"cohort": g, "term": f"cohort={g:g}", "estimate": est_c, "se": se_c,
                          "ci_low": est_c - z * se_c, "ci_high": est_c + z * se_c})
    warnings = list(panel.warnings)
    if n_cl < 30:
        warnings.append(f"only {n_cl} clusters: cluster-robust standard errors rely on many "
                        "clusters")
    return ImpactResult(
        design="sun_abraham",
        estimand="ATT, post-treatment CATT(g,e) weighted by their numbers of observations; "
                 "table: interaction-weighted event-time effects",
        estimate=att, se=se_att, ci_low=lo, ci_high=hi, p_value=p, n=n, n_obs=n_obs,
        alpha=alpha, se_type=f"cluster-robust CR1 ({n_cl} clusters), delta method for IW "
                             "aggregates (weights fixed)",
        ci_type="normal pointwise", table=table,
        settings={"estimator": "Sun & Abraham (2021) interaction-weighted event study",
                  "control": control, "reference": int(reference),
                  "covariates": list(panel.covariates),
                  "cluster": cluster or "unit", "alpha": alpha,
                  "small_sample": "G/(G-1)*(N-1)/(N-K), unit effects nested in clusters"},
        warnings=warnings,
        diagnostics={"catt": catt, "cohort": pd.DataFrame(by_cohort),
                     **({"covariates": cov_table} if len(cov_table) else {})},
        extra={"vcov": vcov, "cells": cells},
    )
