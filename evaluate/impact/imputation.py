"""Imputation DiD estimator (Borusyak, Jaravel & Spiess 2024, *REStud* 91(6), 3253-3285).

A heterogeneity-robust alternative to TWFE for staggered adoption:

1. fit ``y_it = a_i + l_t + e_it`` by OLS on the *untreated* observations only (never-treated
   units and treated units before their first treated period);
2. impute ``y_it(0) = a_i + l_t`` for every treated observation, ``tau_it = y_it - y_it(0)``;
3. average: the overall ATT weights every treated observation equally (``w_it = 1/N1``), the
   event-time effect ``e`` every treated observation with ``t - g = e``.

Each estimate is linear in the outcomes, ``tau_w = sum_it v_it y_it``, with ``v = w`` on treated
and ``v = -Z0 (Z0'Z0)^-1 Z1'w`` on untreated observations (BJS Theorem 1).  Standard errors are
BJS's conservative clustered variance (Theorem 3) ``sum_c (sum_{it in c} v_it e_it)^2`` with
``e_it`` the FE residual for untreated and ``tau_it - tau_bar`` for treated observations, where
``tau_bar`` averages ``tau_it`` within each cohort x period cell (BJS eq. 8 without the
leave-out refinement); clusters default to units.  Needs every treated unit to have at least one
untreated period (guaranteed by the panel checks) and every period to contain an untreated
observation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ..errors import InputError
from .panel import prepare_panel
from .result import ImpactResult, check_alpha, normal_ci
from scipy import sparse
from scipy.sparse.linalg import splu

__all__ = ["imputation_did"]


def _design(ui: np.ndarray, ti: np.ndarray, n_units: int, n_t: int) -> sparse.csr_matrix:
    """Unit dummies and period dummies (first period dropped) as a sparse matrix."""
    n = len(ui)
    keep = ti > 0
    rows = np.r_[np.arange(n), np.arange(n)[keep]]
    cols = np.r_[ui, n_units + ti[keep] - 1]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n_units + n_t - 1))


def imputation_did(data: pd.DataFrame, *, unit: str, time: str, outcome: str,
                   treated_from: str | None = None, treated: str | None = None,
                   cluster: str | None = None, horizons: bool = True, alpha: float = 0.05,
                   source: str | None = None) -> ImpactResult:
    """Overall ATT (equal weight per treated observation) and event-time effects (``table``).

    Units: the outcome's.  Unbalanced panels are allowed.
    """
    alpha = check_alpha(alpha)
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, cluster=cluster,
                          source=source, balanced=False)
    ui, ti = np.nonzero(np.isfinite(panel.y))
    y = panel.y[ui, ti]
    dmat = panel.treated_at()[ui, ti] == 1
    n_units, n_t = panel.y.shape
    untreated_t = np.bincount(ti[~dmat], minlength=n_t)
    if np.any(untreated_t[np.unique(ti[dmat])] == 0):
        bad = panel.times[np.unique(ti[dmat])][untreated_t[np.unique(ti[dmat])] == 0]
        raise InputError(f"{panel.source}: no untreated unit is observed in period(s) "
                         f"{', '.join(f'{t:g}' for t in bad[:4])}; their counterfactual cannot "
                         "be imputed (drop those periods or add comparison units)")
    z = _design(ui, ti, n_units, n_t)
    z0, z1 = z[~dmat], z[dmat]
    used = np.asarray(z0.sum(axis=0)).ravel() > 0
    z0, z1 = z0[:, used], z1[:, used]
    lu = splu((z0.T @ z0).tocsc())
    theta = lu.solve(z0.T @ y[~dmat])
    resid0 = y[~dmat] - z0 @ theta
    tau_it = y[dmat] - z1 @ theta
    clus_all = panel.cluster[ui] if panel.cluster is not None else ui
    g_t = panel.first_treated[ui[dmat]]
    t_t = panel.times[ti[dmat]]
    cell = pd.Series(tau_it).groupby([g_t, t_t]).transform("mean").to_numpy()
    eps1 = tau_it - cell
    n_cl = int(clus_all.max()) + 1

    def estimate(w: np.ndarray) -> tuple[float, float]:
        v0 = -(z0 @ lu.solve(z1.T @ w))
        s = np.bincount(clus_all[dmat], weights=w * eps1, minlength=n_cl) \
            + np.bincount(clus_all[~dmat], weights=v0 * resid0, minlength=n_cl)
        return float(w @ tau_it), float(np.sqrt(np.sum(s**2)))

    n1 = int(dmat.sum())
    att, se = estimate(np.full(n1, 1.0 / n1))
    lo, hi, p = normal_ci(att, se, alpha)
    rows = []
    if horizons:
        e = t_t - g_t
        for h in np.unique(e):
            w = (e == h) / np.sum(e == h)
            est, s = estimate(w)
            a, b, pv = normal_ci(est, s, alpha)
            rows.append({"event_time": h, "estimate": est, "se": s, "ci_low": a, "ci_high": b,
                         "p_value": pv, "n_obs": int(np.sum(e == h))})
    n_tc = len(np.unique(clus_all[dmat]))
    warnings = list(panel.warnings)
    if n_tc < 10:
        warnings.append(f"only {n_tc} treated cluster(s): the clustered SE is unreliable")
    return ImpactResult(
        design="imputation_did", estimand="ATT, equal weight per treated unit-period "
        "(imputation; Borusyak, Jaravel & Spiess 2024)", estimate=att, se=se, ci_low=lo,
        ci_high=hi, n=panel.n_units, n_obs=len(y), alpha=alpha, p_value=p,
        se_type=f"BJS (2024) conservative clustered variance by {cluster or unit!r} (no "
                "small-sample factor; treated residuals relative to cohort x period means)",
        table=pd.DataFrame(rows),
        settings={"fixed_effects": ["unit", "time"], "fit_sample": "untreated observations",
                  "weights": "equal per treated observation", "cluster": cluster or unit,
                  "treated_observations": n1, "alpha": alpha},
        warnings=warnings,
    )
