"""TWFE event study: dynamic two-way fixed effects with relative-time dummies.

``twfe_event_study`` fits

    y_it = a_i + l_t + sum_{e != ref} mu_e * 1[t - g_i = e] (+ X_it'g) + u_it

where ``g_i`` is unit ``i``'s first treated period.  Never-treated units (``treated_from``
empty, NaN or 0 when 0 is not a period, as in :func:`~changjing.evaluate.impact.prepare_panel`)
have no relative-time dummies and serve as controls; at least one is required.  Unit and period
effects are absorbed by the same alternating projections as :func:`~changjing.evaluate.impact.twfe`
(:func:`~changjing.evaluate.impact.did.demean`), and the covariance is the same
:func:`~changjing.evaluate.impact.did.ols_vcov` with the same ``K`` convention
(:func:`~changjing.evaluate.impact.did.fe_k_dof`): CR1 ``G/(G-1)*(N-1)/(N-K)`` with
``K = slopes + (T-1) + 1`` (unit effects nested in clusters), t(G-1) intervals.

``window=(min_lead, max_lag)`` limits the dummies to ``min_lead..max_lag``.  With
``bin_endpoints=True`` (default) treated rows beyond the window are pooled into the end-point
dummies (``e <= min_lead`` and ``e >= max_lag``); with ``False`` they are dropped from the
sample.  ``window=None`` gives one dummy per observed relative period (fully dynamic).

The headline ``estimate`` is the equally weighted average of the post-treatment coefficients
``mu_0 .. mu_max``; ``diagnostics["pretrend"]`` is the joint Wald test that every lead
coefficient (``e < 0``, reference excluded) is zero.

With staggered adoption and effects that differ across cohorts, ``mu_e`` is a weighted average
of cohort effects from *other* relative periods too, and leads can be non-zero without any
pre-trend (Sun & Abraham 2021, J. Econometrics 225:175-199; Goodman-Bacon 2021): the result
warns and points to :func:`~changjing.evaluate.impact.att_gt` with
``aggte(..., "dynamic")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .did import _inference, _vcov_kind, demean, fe_k_dof, ols_vcov
from .panel import _num, prepare_panel
from .result import ImpactResult, check_alpha
from scipy import stats

__all__ = ["twfe_event_study"]

CONTAMINATION = (
    "staggered adoption ({n} treatment dates): with effects that differ across cohorts or "
    "over time, TWFE event-study coefficients mix effects from other relative periods and "
    "leads can be non-zero without pre-trends (Sun & Abraham 2021, J. Econometrics 225:175; "
    "Goodman-Bacon 2021); prefer att_gt() with aggte(..., 'dynamic')")


def _int_or_error(value, what: str) -> int:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpecError(f"{what}: expected an integer, got {value!r}") from None
    if not np.isfinite(v) or v != round(v):
        raise SpecError(f"{what}: expected an integer, got {value!r}")
    return int(v)


def _check_window(window, reference: int) -> tuple[int, int] | None:
    if window is None:
        return None
    if isinstance(window, (str, bytes)) or not hasattr(window, "__len__") or len(window) != 2:
        raise SpecError(f"window: expected (min_lead, max_lag), e.g. (-4, 3), got {window!r}")
    lo = _int_or_error(window[0], "window min_lead")
    hi = _int_or_error(window[1], "window max_lag")
    if not lo < 0 <= hi:
        raise SpecError(f"window: expected min_lead < 0 <= max_lag (leads are negative relative "
                        f"periods, 0 is the first treated period), got {window!r}")
    if not lo <= reference <= hi:
        raise SpecError(f"reference: relative period {reference} is outside the window "
                        f"({lo}, {hi}); choose a lead inside it (usually -1)")
    return lo, hi


def twfe_event_study(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    window: tuple[int, int] | None = None,
    reference: int = -1,
    bin_endpoints: bool = True,
    vcov: Literal["auto", "CR1", "HC1", "iid"] = "auto",
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """TWFE event-study regression with relative-time dummies ``1[t - g_i = e]``.

    Parameters
    ----------
    data, unit, time, outcome, treated_from:
        Long panel (unbalanced allowed) and its columns; ``treated_from`` is the first treated
        period, empty / NaN / 0 for never-treated units (at least one is required).
    covariates:
        Time-varying numeric controls entering linearly.
    cluster:
        Cluster column (constant within unit); default: the unit.
    window:
        ``(min_lead, max_lag)`` with ``min_lead < 0 <= max_lag``, or ``None`` for every observed
        relative period.
    reference:
        The omitted relative period (a lead, default ``-1``); its row in ``table`` is 0.
    bin_endpoints:
        Pool treated rows outside the window into the end-point dummies (``True``) or drop
        them from the sample (``False``).
    vcov:
        ``"auto"``/``"CR1"`` (cluster-robust, default), ``"HC1"`` or ``"iid"``; conventions as
        :func:`~changjing.evaluate.impact.twfe`.

    Returns
    -------
    ImpactResult
        ``table``: one row per relative period (``event_time, estimate, se, ci_low, ci_high,
        p_value, n_obs, reference``), the reference row fixed at 0 with ``se`` ``nan``;
        ``estimate``: mean of the post-treatment coefficients; ``diagnostics["pretrend"]``:
        joint Wald test of the leads; ``diagnostics["coefficients"]``: covariates.
    """
    alpha = check_alpha(alpha)
    covariates = list(covariates or [])
    reference = _int_or_error(reference, "reference")
    if reference >= 0:
        raise SpecError(f"reference: expected a pre-treatment relative period (< 0, usually -1), "
                        f"got {reference}")
    win = _check_window(window, reference)
    if not isinstance(bin_endpoints, (bool, np.bool_)):
        raise SpecError(f"bin_endpoints: expected True or False, got {bin_endpoints!r}")
    if treated_from is None:
        raise SpecError("treated_from: give the column with each unit's first treated period")
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, covariates=covariates, cluster=cluster,
                          source=source, balanced=False, need_never_treated=True)
    warnings = list(panel.warnings)
    obs = np.isfinite(panel.y)
    ui, ti = np.nonzero(obs)
    g = panel.first_treated[ui]
    ever = np.isfinite(g)
    # relative period of each treated row (periods may be years: count in the time units)
    rel = np.where(ever, panel.times[ti] - np.where(ever, g, 0.0), np.nan)
    if np.any(ever & (rel != np.round(rel))):
        raise InputError(f"{panel.source}: relative periods t - {treated_from} are not whole "
                         "numbers; use integer periods (years or 1..T)")
    observed_rel = np.unique(rel[ever]).astype(int)
    keep = np.ones(len(ui), dtype=bool)
    n_dropped = 0
    if win is not None:
        lo, hi = win
        if bin_endpoints:
            rel = np.where(ever, np.clip(rel, lo, hi), np.nan)
        else:
            out = ever & ((rel < lo) | (rel > hi))
            n_dropped = int(out.sum())
            keep = ~out
            if n_dropped:
                warnings.append(f"bin_endpoints=False: {n_dropped} treated row(s) outside the "
                                f"window ({lo}, {hi}) are dropped from the sample")
        beyond = [e for e in range(lo, hi + 1) if e not in set(np.clip(observed_rel, lo, hi))]
        if beyond:
            warnings.append(f"no treated rows at relative period(s) "
                            f"{', '.join(map(str, beyond))}; observed relative periods are "
                            f"{observed_rel.min()}..{observed_rel.max()}")
    ui, ti, rel, ever = ui[keep], ti[keep], rel[keep], ever[keep]
    periods = np.unique(rel[ever]).astype(int)
    if reference not in set(periods):
        raise InputError(f"{panel.source}: no treated rows at the reference relative period "
                         f"{reference} (observed: {', '.join(map(str, periods))}); choose one "
                         "of these as reference=")
    est_periods = [int(e) for e in periods if e != reference]
    if not any(e >= 0 for e in est_periods):
        raise InputError(f"{panel.source}: no treated rows at or after treatment (relative "
                         "period >= 0); nothing to estimate")
    y = panel.y[ui, ti]
    dummies = np.column_stack([(rel == e).astype(float) for e in est_periods])
    cols = [dummies] + ([panel.x[ui, ti, :]] if covariates else [])
    xraw = np.column_stack(cols)
    both = demean(np.column_stack([y, xraw]), [ui, ti])
    yt, xt = both[:, 0], both[:, 1:]
    k = xt.shape[1]
    if len(yt) <= k:
        raise InputError(f"{panel.source}: {len(yt)} rows for {k} coefficients; too few rows "
                         "for this window and covariate set")
    sv = np.linalg.svd(xt, compute_uv=False)
    if sv[-1] <= sv[0] * 1e-10:
        raise InputError(f"{panel.source}: the relative-time dummies (or covariates) are "
                         "collinear with the unit and period effects; narrow the window, bin the "
                         "end points or drop covariates")
    beta, *_ = np.linalg.lstsq(xt, yt, rcond=None)
    resid = yt - xt @ beta
    clus = panel.cluster[ui] if panel.cluster is not None else ui
    clus = np.unique(clus, return_inverse=True)[1]  # dense codes (dropped rows may leave gaps)
    kind = _vcov_kind(vcov, True)
    n_units = len(np.unique(ui))
    k_dof = fe_k_dof(kind, k, n_units, len(np.unique(ti)))
    cov = ols_vcov(xt, resid, kind, clus, k_dof=k_dof)
    n_cl = int(clus.max() + 1)
    dof = n_cl - 1 if kind == "CR1" else len(yt) - k_dof
    m = len(est_periods)
    b_ev, v_ev = beta[:m], cov[:m, :m]
    se_ev = np.sqrt(np.diag(v_ev))

    # table: one row per relative period, the reference normalised to 0
    q = stats.t.ppf(1 - alpha / 2, dof)
    counts = {int(e): int(np.sum(rel == e)) for e in periods}
    rows = []
    for e in sorted(periods):
        e = int(e)
        if e == reference:
            rows.append({"event_time": e, "estimate": 0.0, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p_value": np.nan, "n_obs": counts[e],
                         "reference": True})
            continue
        j = est_periods.index(e)
        b, s = float(b_ev[j]), float(se_ev[j])
        rows.append({"event_time": e, "estimate": b, "se": s, "ci_low": b - q * s,
                     "ci_high": b + q * s,
                     "p_value": float(2 * stats.t.sf(abs(b / s), dof)) if s > 0 else np.nan,
                     "n_obs": counts[e], "reference": False})
    table = pd.DataFrame(rows)

    # headline: equally weighted mean of post coefficients
    a = np.array([1.0 if e >= 0 else 0.0 for e in est_periods])
    a /= a.sum()
    est = float(a @ b_ev)
    se = float(np.sqrt(a @ v_ev @ a))
    lo_ci, hi_ci, pval = _inference(est, se, dof, alpha)

    # joint Wald test of the leads
    lead = np.array([e < 0 for e in est_periods])
    test = "pre-trends Wald (all lead coefficients = 0)"
    if lead.any():
        bl, vl = b_ev[lead], v_ev[np.ix_(lead, lead)]
        wald = float(bl @ np.linalg.solve(vl, bl))
        q_l = int(lead.sum())
        pretrend = pd.DataFrame([{
            "test": test, "statistic": wald, "df": q_l,
            "p_value": float(stats.chi2.sf(wald, q_l)), "f_statistic": wald / q_l,
            "df_denom": dof, "p_value_f": float(stats.f.sf(wald / q_l, q_l, dof)),
            "leads": ", ".join(str(e) for e in np.array(est_periods)[lead])}])
    else:
        pretrend = pd.DataFrame([{"test": test, "statistic": np.nan, "df": 0,
                                  "p_value": np.nan, "f_statistic": np.nan, "df_denom": dof,
                                  "p_value_f": np.nan, "leads": ""}])
    diagnostics = {"pretrend": pretrend}
    if covariates:
        sc = np.sqrt(np.diag(cov))[m:]
        diagnostics["coefficients"] = pd.DataFrame(
            {"term": covariates, "estimate": beta[m:], "se": sc})

    post = [e for e in est_periods if e >= 0]
    cl_name = cluster or unit
    result = ImpactResult(
        design="twfe_event_study",
        estimand=(f"TWFE event study: equally weighted average of the post-treatment "
                  f"relative-period coefficients (e = {min(post)}..{max(post)}; reference "
                  f"e = {reference})"),
        estimate=est, se=se, ci_low=lo_ci, ci_high=hi_ci, n=n_units, n_obs=len(yt),
        alpha=alpha, p_value=pval,
        se_type={"CR1": f"cluster-robust CR1 by {cl_name!r}; K = slopes + (T-1) + 1 "
                        "(unit effects nested in clusters)",
                 "HC1": "heteroskedasticity-robust HC1", "iid": "classical OLS"}[kind],
        ci_type=f"t({dof}) pointwise",
        table=table,
        diagnostics=diagnostics,
        settings={"vcov": kind, "cluster": cl_name, "covariates": covariates,
                  "window": list(win) if win is not None else None,
                  "bin_endpoints": bool(bin_endpoints), "reference": reference,
                  "fixed_effects": ["unit", "time"], "alpha": alpha,
                  "controls": "never treated", "k_dof": k_dof, "n_clusters": n_cl,
                  "rows_dropped_outside_window": n_dropped},
        warnings=warnings,
        # event-study coefficients (reference excluded) and their covariance, for honest_did
        extra={"coef": b_ev.copy(), "coef_vcov": v_ev.copy(),
               "event_times": [int(e) for e in est_periods]},
    )
    n_dates = len(np.unique(panel.first_treated[panel.treated_mask]))
    if n_dates > 1:
        result.warnings.append(CONTAMINATION.format(n=n_dates))
    if win is not None and bin_endpoints and (observed_rel.min() < win[0]
                                              or observed_rel.max() > win[1]):
        result.warnings.append(
            f"end points binned: relative periods {_num(observed_rel.min())}..{win[0]} and "
            f"{win[1]}..{_num(observed_rel.max())} share one coefficient each, which assumes a "
            "constant effect within each bin")
    if kind == "CR1" and n_cl < 30:
        result.warnings.append(
            f"only {n_cl} clusters: cluster-robust SEs are unreliable; use "
            "wild_cluster_bootstrap() or randomization_test()")
    return result
