"""Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021,
*AER* 111(12), 4088-4118; R ``synthdid``).

SDID re-weights control units (``omega``, like synthetic control, plus an intercept so that
only *parallel* pre-trends are needed) and pre-treatment periods (``lambda``, the pre-periods
most like the post-period for the controls), then takes the weighted 2x2 difference::

    tau = (ybar_treated,post - sum_t lambda_t y_treated,t)
          - sum_i omega_i (ybar_i,post - sum_t lambda_t y_i,t)

Weights (paper eq. 2.2-2.4; ``synthdid::synthdid_estimate`` defaults):

* ``omega`` minimises ``zeta_omega^2 ||omega||^2 + (1/T0) ||A omega - b||^2`` on the simplex,
  ``A`` = control pre-period outcomes and ``b`` = the treated units' mean, both centred over
  time (the intercept); ``zeta_omega = (N1 T1)^(1/4) sigma`` with ``sigma`` the standard
  deviation (n - 1) of the controls' first differences over the pre-period;
* ``lambda`` minimises ``zeta_lambda^2 ||lambda||^2 + (1/N0) ||B lambda - c||^2`` on the simplex
  (``B`` = control pre-period outcomes, ``c`` = their post-period mean, centred over units),
  ``zeta_lambda = 1e-6 sigma``;
* both solved by Frank-Wolfe with exact line search, stopped when the objective falls by less
  than ``(1e-5 sigma)^2``; 100 iterations, then weights below a quarter of the largest are set
  to zero ("sparsify") and the solver restarts from them for up to 10,000 iterations.

Standard errors (``se``): ``"placebo"`` (paper Algorithm 4; the only one with a single treated
unit: ``N1`` controls at a time are labelled treated, weights re-fitted, SE = sd of the placebo
estimates times ``sqrt((R-1)/R)``), ``"bootstrap"`` (Algorithm 2: units resampled, weights
re-fitted) or ``"jackknife"`` (Algorithm 3: leave one unit out, weights kept; needs at least
two treated units).  Intervals are normal, ``estimate +- z se``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .panel import prepare_panel
from .result import ImpactResult, check_alpha, normal_ci

__all__ = ["sdid_weights", "synthetic_did"]


def _fw(a: np.ndarray, b: np.ndarray, zeta: float, x: np.ndarray, min_decrease: float,
        max_iter: int) -> np.ndarray:
    """Frank-Wolfe for ``min zeta^2 ||x||^2 + ||a x - b||^2 / rows`` on the simplex.

    ``a``/``b`` are centred by the caller.  Exact line search along the vertex direction; the
    iteration works on the Gram matrix ``a'a`` so each step costs O(columns), not
    O(rows x columns) (the same iterates as ``synthdid``'s ``fw.step``).
    """
    rows = a.shape[0]
    eta = rows * zeta**2
    gram = a.T @ a
    ab = a.T @ b
    bb = float(b @ b)
    x = np.array(x, dtype=float)
    gx = gram @ x
    xgx, abx, xx = float(x @ gx), float(ab @ x), float(x @ x)
    diag = np.diag(gram).copy()
    prev = np.inf
    for t in range(max_iter):
        half_grad = gx - ab + eta * x
        i = int(np.argmin(half_grad))
        if x[i] == 1.0:
            break
        # direction dx = e_i - x:  a dx = a_i - a x
        derr2 = diag[i] - 2 * gx[i] + xgx
        res_derr = (gx[i] - ab[i]) - (xgx - abx)
        x_dx = x[i] - xx
        dx2 = 1.0 - 2 * x[i] + xx
        denom = derr2 + eta * dx2
        step = min(1.0, max(0.0, -(res_derr + eta * x_dx) / denom)) if denom > 0 else 0.0
        if step > 0:
            x *= 1 - step
            x[i] += step
            gx = (1 - step) * gx + step * gram[:, i]
            xgx, abx, xx = float(x @ gx), float(ab @ x), float(x @ x)
        val = zeta**2 * xx + (xgx - 2 * abx + bb) / rows
        if t >= 1 and prev - val <= min_decrease**2:
            break
        prev = val
    return x


def _sparsify(v: np.ndarray) -> np.ndarray:
    v = np.where(v <= v.max() / 4, 0.0, v)
    return v / v.sum()


def _solve(a: np.ndarray, b: np.ndarray, zeta: float, start: np.ndarray | None,
           min_decrease: float) -> np.ndarray:
    a = a - a.mean(axis=0)  # intercept: centre every column over the rows
    b = b - b.mean()
    x = np.full(a.shape[1], 1.0 / a.shape[1]) if start is None else start
    x = _fw(a, b, zeta, x, min_decrease, 100)
    return _fw(a, b, zeta, _sparsify(x), min_decrease, 10_000)


def sdid_weights(y: np.ndarray, n0: int, t0: int, omega: np.ndarray | None = None,
                 lam: np.ndarray | None = None, sigma: float | None = None,
                 n1_t1: float | None = None) -> tuple[float, np.ndarray, np.ndarray, float]:
    """``(tau, omega, lambda, sigma)`` for an ``(N, T)`` outcome matrix whose first ``n0`` rows
    are controls and first ``t0`` columns pre-treatment periods.  ``omega``/``lam`` are warm
    starts and ``sigma``/``n1_t1`` fix the regularisation, as ``synthdid``'s placebo and
    bootstrap replications re-use the original estimate's ``zeta`` values."""
    n, t = y.shape
    n1, t1 = n - n0, t - t0
    if sigma is None:
        sigma = float(np.std(np.diff(y[:n0, :t0], axis=1), ddof=1)) if t0 > 1 else 0.0
    zeta_omega = (n1 * t1 if n1_t1 is None else n1_t1) ** 0.25 * sigma
    zeta_lambda = 1e-6 * sigma
    min_dec = 1e-5 * sigma if sigma > 0 else 1e-12
    # collapsed form: treated rows averaged, post columns averaged
    ctrl_pre, ctrl_post = y[:n0, :t0], y[:n0, t0:].mean(axis=1)
    tr_pre = y[n0:, :t0].mean(axis=0)
    lam = _solve(ctrl_pre, ctrl_post, zeta_lambda, lam, min_dec)
    omega = _solve(ctrl_pre.T, tr_pre, zeta_omega, omega, min_dec)
    tau = _tau(y, n0, t0, omega, lam)
    return tau, omega, lam, sigma


def _tau(y, n0, t0, omega, lam) -> float:
    treated = y[n0:, t0:].mean() - y[n0:, :t0].mean(axis=0) @ lam
    control = omega @ (y[:n0, t0:].mean(axis=1) - y[:n0, :t0] @ lam)
    return float(treated - control)


def synthetic_did(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    donors: Sequence[object] | None = None,
    se: Literal["placebo", "bootstrap", "jackknife", "none"] = "placebo",
    n_reps: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Synthetic DiD estimate of the ATT for units treated at one common date.

    Balanced panel; never-treated units (or ``donors``) are the controls.  ``estimate`` is in
    the outcome's units (average effect over treated units and post-periods).  ``table``:
    per-period treated mean, the omega-weighted control mean and their gap; ``diagnostics``:
    ``unit_weights`` (omega) and ``time_weights`` (lambda).  ``seed`` drives the placebo and
    bootstrap draws (recorded in ``settings``).
    """
    alpha = check_alpha(alpha)
    if se not in ("placebo", "bootstrap", "jackknife", "none"):
        raise SpecError(f"se: expected placebo, bootstrap, jackknife or none, got {se!r}")
    if isinstance(n_reps, bool) or not isinstance(n_reps, (int, np.integer)) or n_reps < 2:
        raise SpecError(f"n_reps: expected an integer >= 2, got {n_reps!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError(f"seed: expected a non-negative integer, got {seed!r}")
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, source=source,
                          balanced=True, need_never_treated=True)
    g = panel.first_treated
    dates = np.unique(g[np.isfinite(g)])
    if len(dates) != 1:
        raise InputError(f"{panel.source}: synthetic DiD needs one common treatment date; found "
                         f"{', '.join(f'{d:g}' for d in dates)} (use att_gt for staggered "
                         "adoption)")
    date = float(dates[0])
    pre = panel.times < date
    t0 = int(pre.sum())
    if t0 < 2:
        raise InputError(f"{panel.source}: synthetic DiD needs at least 2 pre-treatment "
                         f"periods before {date:g}; found {t0}")
    ctrl = ~np.isfinite(g)
    if donors is not None:
        labels = np.array([str(u) for u in panel.units])
        wanted = {str(d) for d in donors}
        missing = sorted(wanted - set(labels))
        if missing:
            raise InputError(f"{panel.source}: donors not in the panel: {missing[:5]}")
        ctrl &= np.isin(labels, list(wanted))
    c_idx, t_idx = np.flatnonzero(ctrl), np.flatnonzero(np.isfinite(g))
    if len(c_idx) < 2:
        raise InputError(f"{panel.source}: synthetic DiD needs at least 2 control units; found "
                         f"{len(c_idx)}")
    order = np.r_[c_idx, t_idx]
    y = panel.y[order][:, np.argsort(~pre, kind="stable")]  # pre periods first
    times = panel.times[np.argsort(~pre, kind="stable")]
    n0, n1 = len(c_idx), len(t_idx)
    tau, omega, lam, sigma = sdid_weights(y, n0, t0)

    rng = np.random.default_rng(seed)
    fixed = n1 * (len(panel.times) - t0)
    reps = np.array([])
    if se == "placebo":
        if n0 <= n1:
            raise InputError(f"{panel.source}: placebo SE needs more controls ({n0}) than "
                             f"treated units ({n1})")
        reps = np.empty(n_reps)
        for r in range(n_reps):
            ind = rng.permutation(n0)
            w0 = omega[ind[: n0 - n1]]
            w0 = w0 / w0.sum() if w0.sum() > 0 else None
            reps[r] = sdid_weights(y[ind], n0 - n1, t0, w0, lam, sigma, fixed)[0]
        se_val = float(np.sqrt((n_reps - 1) / n_reps) * np.std(reps, ddof=1))
    elif se == "bootstrap":
        if n1 < 2:
            raise InputError(f"{panel.source}: bootstrap SE needs at least 2 treated units "
                             "(with one, use se='placebo')")
        reps = []
        while len(reps) < n_reps:
            ind = np.sort(rng.integers(0, n0 + n1, size=n0 + n1))
            k0 = int(np.sum(ind < n0))
            if k0 == 0 or k0 == len(ind):
                continue  # no control or no treated unit drawn: redraw (synthdid)
            w0 = omega[ind[:k0]]
            w0 = w0 / w0.sum() if w0.sum() > 0 else None
            reps.append(sdid_weights(y[ind], k0, t0, w0, lam, sigma, fixed)[0])
        reps = np.asarray(reps)
        se_val = float(np.sqrt((n_reps - 1) / n_reps) * np.std(reps, ddof=1))
    elif se == "jackknife":
        if n1 < 2:
            raise InputError(f"{panel.source}: jackknife SE needs at least 2 treated units "
                             "(with one, use se='placebo')")
        reps = np.empty(n0 + n1)
        for i in range(n0 + n1):
            keep = np.delete(np.arange(n0 + n1), i)
            k0 = n0 - (i < n0)
            w0 = omega[keep[:k0]]
            reps[i] = _tau(y[keep], k0, t0, w0 / w0.sum(), lam) if w0.sum() > 0 else np.nan
        reps = reps[np.isfinite(reps)]
        m = len(reps)
        se_val = float(np.sqrt((m - 1) / m * np.sum((reps - reps.mean()) ** 2)))
    else:
        se_val = float("nan")
    lo, hi, p = normal_ci(tau, se_val, alpha)
    synth = omega @ y[:n0]
    tr = y[n0:].mean(axis=0)
    back = np.argsort(times)
    table = pd.DataFrame({"time": times[back], "treated": tr[back], "synthetic": synth[back],
                          "gap": (tr - synth)[back], "post": (times >= date)[back],
                          "time_weight": np.r_[lam, np.zeros(len(times) - t0)][back]})
    diagnostics = {
        "unit_weights": pd.DataFrame({"unit": panel.units[c_idx], "weight": omega})
        .sort_values("weight", ascending=False, kind="stable").reset_index(drop=True),
        "time_weights": pd.DataFrame({"time": times[:t0], "weight": lam}),
    }
    if reps.size:
        diagnostics["replications"] = pd.DataFrame({"draw": np.arange(reps.size),
                                                    "estimate": reps})
    warnings = list(panel.warnings)
    if se == "placebo" and n1 >= n0 / 2:
        warnings.append("placebo SE assumes homoskedastic units; with this many treated units "
                        "prefer se='bootstrap'")
    return ImpactResult(
        design="synthetic_did", estimand="ATT (synthetic DiD: unit- and time-weighted 2x2)",
        estimate=tau, se=se_val, ci_low=lo, ci_high=hi, n=n0 + n1, n_obs=panel.n_obs,
        alpha=alpha, p_value=p,
        se_type={"placebo": f"placebo (Arkhangelsky et al. 2021, Alg. 4), {n_reps} "
                            f"replications, seed {seed}",
                 "bootstrap": f"unit bootstrap (Alg. 2), {n_reps} replications, seed {seed}",
                 "jackknife": "jackknife over units, weights fixed (Alg. 3)",
                 "none": "none"}[se],
        ci_type="normal, pointwise",
        table=table, diagnostics=diagnostics,
        settings={"treatment_date": date, "treated_units": [str(u) for u in panel.units[t_idx]],
                  "n_controls": n0, "pre_periods": t0, "noise_sigma": sigma,
                  "zeta_omega": (n1 * (len(times) - t0)) ** 0.25 * sigma,
                  "zeta_lambda": 1e-6 * sigma, "solver": "Frank-Wolfe, sparsify at 1/4 of max",
                  "se": se, "n_reps": n_reps if se in ("placebo", "bootstrap") else None,
                  "seed": seed, "se_denominator": "sd with n-1, times sqrt((R-1)/R) (synthdid)",
                  "alpha": alpha},
        warnings=warnings,
    )
