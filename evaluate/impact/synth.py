"""Synthetic control (Abadie & Gardeazabal 2003; Abadie, Diamond & Hainmueller 2010).

For a treated unit (a zone, a district) the synthetic control is the convex combination of
untreated donor units - weights ``w >= 0`` summing to one - that best reproduces the treated
unit's pre-treatment path.  The fit minimises ``(x1 - X0 w)' V (x1 - X0 w)`` where the rows of
``x1``/``X0`` are

* by default every pre-treatment outcome (``V`` = identity): the variant used by Doudchenko &
  Imbens (2016) and by Arkhangelsky et al. (2021, Table 1 "SC") - no tuning, no nested
  optimisation;
* with ``predictors``: their pre-period means (scaled by their standard deviation across units)
  plus any ``outcome_lags``, with ``V`` diagonal either the identity or (``v="optimize"``)
  chosen to minimise the pre-period outcome MSPE (ADH 2010's nested optimisation, by
  Nelder-Mead over ``log v``).

Weights are found by non-negative least squares with the adding-up constraint enforced by a
heavily weighted extra row, then renormalised: exact up to ~1e-10, deterministic, and
milliseconds per fit, so placebo runs are cheap.

Inference is by permutation, never by a standard error (pysyncon's ``att()`` "se" is only the
spread of gaps): every donor in turn is treated as if it were treated ("in-space" placebos);
the p-value is the share of units whose post/pre RMSPE ratio is at least the treated unit's
(ADH 2010, sec. 4: California ranks first among 39, p = 1/39 = 0.026).  In-time placebos move
the treatment date back into the pre-period and report the fake "effect" before the real date.

Several treated units with the same date are averaged into one treated series (stated in
``settings``).  ``estimate`` is the mean post-treatment gap, in the outcome's units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .panel import prepare_panel
from .result import ImpactResult, check_alpha
from scipy import optimize

__all__ = ["simplex_weights", "synthetic_control"]


def simplex_weights(x1: np.ndarray, x0: np.ndarray, v: np.ndarray | None = None) -> np.ndarray:
    """Weights on the simplex minimising ``sum_k v_k (x1_k - (X0 w)_k)^2``.

    ``x1`` is ``(k,)``, ``x0`` is ``(k, J)``.  Solved as non-negative least squares with a
    heavily weighted adding-up row, then renormalised.
    """
    k, j = x0.shape
    sv = np.ones(k) if v is None else np.sqrt(np.asarray(v, dtype=float))
    a = x0 * sv[:, None]
    b = x1 * sv
    scale = max(1.0, float(np.max(np.abs(a))) if a.size else 1.0)
    big = 1e4 * scale
    aa = np.vstack([a, np.full((1, j), big)])
    bb = np.r_[b, big]
    w, _ = optimize.nnls(aa, bb, maxiter=50 * j)
    total = w.sum()
    if total <= 0:
        return np.full(j, 1.0 / j)
    w = w / total
    w[w < 1e-12] = 0.0
    return w / w.sum()


def _fit(y1, y0, pre, pred1=None, pred0=None, v_mode="identity"):
    """Weights and V for one treated series ``y1`` (T,) against donors ``y0`` (T, J)."""
    if pred1 is None:
        return simplex_weights(y1[pre], y0[pre]), None
    x1, x0 = pred1, pred0
    if v_mode == "identity":
        v = np.ones(len(x1))
        return simplex_weights(x1, x0, v), v

    def loss(logv):
        v = np.exp(logv - logv.max())
        w = simplex_weights(x1, x0, v)
        return float(np.mean((y1[pre] - y0[pre] @ w) ** 2))

    best = min((optimize.minimize(loss, start, method="Nelder-Mead",
                                  options={"maxiter": 400 * len(x1), "xatol": 1e-4,
                                           "fatol": 1e-10})
                for start in (np.zeros(len(x1)),)), key=lambda r: r.fun)
    v = np.exp(best.x - best.x.max())
    v = v / v.sum()
    return simplex_weights(x1, x0, v), v


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if gap.size else float("nan")


def synthetic_control(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    predictors: Sequence[str] = (),
    outcome_lags: Sequence[float] = (),
    v: str = "identity",
    donors: Sequence[object] | None = None,
    placebo_times: Sequence[float] | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Synthetic control estimate with in-space and in-time placebos.

    Parameters
    ----------
    data:
        Balanced long panel; treated units share one treatment date (``treated_from``, or a 0/1
        ``treated`` indicator).  All never-treated units are donors unless ``donors`` is given.
    predictors:
        Columns averaged over the pre-period and matched (scaled by their SD across units).
    outcome_lags:
        Pre-period times whose outcome is added as a predictor (with ``predictors`` only).
    v:
        ``"identity"`` or ``"optimize"`` (nested V, ADH 2010; only with ``predictors``).
    placebo_times:
        Fake treatment dates for in-time placebos (default: the pre-period midpoint).

    Returns
    -------
    ImpactResult
        ``estimate`` = mean post gap; ``p_value`` = in-space permutation p-value of the
        post/pre RMSPE ratio; ``se``/interval are ``nan`` (not defined for one treated unit).
        ``table``: treated, synthetic and gap per period.  ``diagnostics``: ``weights``,
        ``placebos`` (RMSPE ratios and ranks), ``placebo_gaps`` (long) and ``placebo_time``.
    """
    alpha = check_alpha(alpha)
    if v not in ("identity", "optimize"):
        raise SpecError(f"v: expected 'identity' or 'optimize', got {v!r}")
    predictors = list(predictors or [])
    if v == "optimize" and not (predictors or outcome_lags):
        raise SpecError("v='optimize' needs predictors= or outcome_lags= (with all pre-period "
                        "outcomes V is the identity)")
    bad_lags = [lag for lag in outcome_lags if lag not in set(pd.to_numeric(data[time],
                                                                           errors="coerce"))]
    if bad_lags:
        raise SpecError(f"outcome_lags: {bad_lags} are not periods of the {time!r} column")
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, covariates=predictors,
                          source=source, balanced=True, need_never_treated=True)
    gvec = panel.first_treated
    dates = np.unique(gvec[np.isfinite(gvec)])
    if len(dates) != 1:
        raise InputError(f"{panel.source}: synthetic control needs one treatment date; found "
                         f"{', '.join(f'{d:g}' for d in dates)}")
    date = float(dates[0])
    times = panel.times
    pre = times < date
    if pre.sum() < 2:
        raise InputError(f"{panel.source}: synthetic control needs at least 2 pre-treatment "
                         f"periods before {date:g}; found {int(pre.sum())}")
    treated_idx = np.flatnonzero(np.isfinite(gvec))
    donor_mask = ~np.isfinite(gvec)
    if donors is not None:
        wanted = {str(d) for d in donors}
        labels = np.array([str(u) for u in panel.units])
        missing = wanted - set(labels)
        if missing:
            raise InputError(f"{panel.source}: donors not in the panel: {sorted(missing)[:5]}")
        donor_mask &= np.isin(labels, list(wanted))
    donor_idx = np.flatnonzero(donor_mask)
    if len(donor_idx) < 2:
        raise InputError(f"{panel.source}: synthetic control needs at least 2 donor units; "
                         f"found {len(donor_idx)}")
    y = panel.y.T  # (T, N)

    def predictors_of(cols: np.ndarray, pre_mask: np.ndarray):
        if not predictors and not outcome_lags:
            return None
        blocks = []
        if predictors:
            blocks.append(np.nanmean(panel.x[:, pre_mask, :], axis=1).T)  # (P, N)
        if outcome_lags:
            blocks.append(y[[int(np.searchsorted(times, lag)) for lag in outcome_lags]])
        rows = np.vstack(blocks)
        # scale each predictor by its SD across units (Synth's convention)
        sd = rows[:, np.r_[treated_idx, donor_idx]].std(axis=1)
        sd[sd == 0] = 1.0
        return (rows / sd[:, None])[:, cols]

    def run(target_series, pool, pre_mask, target_pred=None, pool_pred=None):
        w, vv = _fit(target_series, y[:, pool], pre_mask, target_pred, pool_pred, v)
        synth = y[:, pool] @ w
        return w, vv, synth

    y1 = y[:, treated_idx].mean(axis=1)
    pred_all = predictors_of(np.arange(panel.n_units), pre)
    p1 = pred_all[:, treated_idx].mean(axis=1) if pred_all is not None else None
    p0 = pred_all[:, donor_idx] if pred_all is not None else None
    w, vv, synth = run(y1, donor_idx, pre, p1, p0)
    gap = y1 - synth
    post = ~pre
    pre_rmspe, post_rmspe = _rmspe(gap[pre]), _rmspe(gap[post])
    ratio = post_rmspe / pre_rmspe if pre_rmspe > 0 else np.inf

    # in-space placebos: each donor against the other donors (treated units excluded)
    rows = [{"unit": "treated" if len(treated_idx) > 1 else panel.units[treated_idx[0]],
             "treated": True, "pre_rmspe": pre_rmspe, "post_rmspe": post_rmspe,
             "ratio": ratio, "post_mean_gap": float(gap[post].mean())}]
    gaps_long = [pd.DataFrame({"unit": rows[0]["unit"], "time": times, "gap": gap,
                               "treated": True})]
    for j in donor_idx:
        pool = donor_idx[donor_idx != j]
        pj = pred_all[:, j] if pred_all is not None else None  # same scaling as the fit
        pp = pred_all[:, pool] if pred_all is not None else None
        _, _, s = run(y[:, j], pool, pre, pj, pp)
        gj = y[:, j] - s
        a, b = _rmspe(gj[pre]), _rmspe(gj[post])
        rows.append({"unit": panel.units[j], "treated": False, "pre_rmspe": a,
                     "post_rmspe": b, "ratio": b / a if a > 0 else np.inf,
                     "post_mean_gap": float(gj[post].mean())})
        gaps_long.append(pd.DataFrame({"unit": panel.units[j], "time": times, "gap": gj,
                                       "treated": False}))
    placebos = pd.DataFrame(rows)
    placebos["rank"] = placebos["ratio"].rank(ascending=False, method="max").astype(int)
    p_value = float(np.mean(placebos["ratio"] >= ratio - 1e-12))
    placebos["pre_mspe_vs_treated"] = (placebos["pre_rmspe"] / pre_rmspe) ** 2

    # in-time placebos
    if placebo_times is None:
        pre_times = times[pre]
        placebo_times = [pre_times[len(pre_times) // 2]] if len(pre_times) >= 4 else []
    trows = []
    for fake in placebo_times:
        fake = float(fake)
        if not (times[0] < fake < date) or np.sum(times < fake) < 2:
            raise SpecError(f"placebo_times: {fake:g} must leave at least 2 periods before it "
                            f"and lie before the treatment date {date:g}")
        fpre = times < fake
        fp1 = predictors_of(np.arange(panel.n_units), fpre)
        _, _, s = run(y1, donor_idx, fpre,
                      fp1[:, treated_idx].mean(axis=1) if fp1 is not None else None,
                      fp1[:, donor_idx] if fp1 is not None else None)
        g = y1 - s
        window = (times >= fake) & pre
        trows.append({"fake_date": fake, "pre_rmspe": _rmspe(g[fpre]),
                      "placebo_mean_gap": float(g[window].mean()),
                      "placebo_rmspe": _rmspe(g[window]),
                      "ratio_to_actual_pre_rmspe": _rmspe(g[window]) / pre_rmspe
                      if pre_rmspe > 0 else np.nan})
    table = pd.DataFrame({"time": times, "treated": y1, "synthetic": synth, "gap": gap,
                          "post": post})
    weights = pd.DataFrame({"unit": panel.units[donor_idx], "weight": w}).sort_values(
        "weight", ascending=False, kind="stable").reset_index(drop=True)
    diagnostics = {"weights": weights, "placebos": placebos,
                   "placebo_gaps": pd.concat(gaps_long, ignore_index=True),
                   "placebo_time": pd.DataFrame(trows),
                   "fit": pd.DataFrame([{"pre_rmspe": pre_rmspe, "post_rmspe": post_rmspe,
                                         "ratio": ratio, "n_donors": len(donor_idx),
                                         "n_positive_weights": int((w > 0).sum())}])}
    if vv is not None and (predictors or outcome_lags):
        names = predictors + [f"{outcome}@{lag:g}" for lag in outcome_lags]
        diagnostics["v"] = pd.DataFrame({"predictor": names, "v": vv})
    warnings = list(panel.warnings)
    n_units = len(donor_idx) + 1
    if 1 / n_units > alpha:
        warnings.append(
            f"with {len(donor_idx)} donors the smallest attainable permutation p-value is "
            f"1/{n_units} = {1 / n_units:.3f} > alpha = {alpha}; the design cannot reach "
            "significance at this level")
    scale = np.mean(np.abs(y1[pre]))
    if scale > 0 and pre_rmspe > 0.1 * scale:
        warnings.append(f"poor pre-treatment fit: RMSPE {pre_rmspe:.3g} is more than 10% of the"
                        " treated unit's mean level; the synthetic control is not credible")
    return ImpactResult(
        design="synthetic_control",
        estimand="mean post-treatment gap (treated - synthetic control)",
        estimate=float(gap[post].mean()), se=float("nan"), ci_low=float("nan"),
        ci_high=float("nan"), n=len(treated_idx) + len(donor_idx), n_obs=panel.n_obs,
        alpha=alpha, p_value=p_value,
        se_type="none: a single treated unit has no sampling standard error",
        ci_type="none; p-value from in-space placebo permutation of post/pre RMSPE ratios "
                f"({n_units} units, smallest attainable {1 / n_units:.4f})",
        table=table, diagnostics=diagnostics,
        settings={"treatment_date": date, "treated_units": [str(u) for u in
                                                            panel.units[treated_idx]],
                  "treated_aggregation": "mean of treated units" if len(treated_idx) > 1
                  else "single treated unit",
                  "predictors": predictors, "outcome_lags": list(outcome_lags),
                  "v": v if (predictors or outcome_lags)
                  else "identity over all pre-treatment outcomes",
                  "weights_solver": "NNLS with adding-up row (simplex)",
                  "placebo_times": [float(t) for t in placebo_times], "alpha": alpha},
        warnings=warnings,
    )
