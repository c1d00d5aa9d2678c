"""Two-period (2x2) DiD estimators for panel data, with their influence functions.

The building block of every ATT(g,t) cell of :mod:`staggered`, from Sant'Anna & Zhao (2020,
J. Econometrics 219(1), 101-122), covariates ``X`` (with intercept) taken in the base period:

* ``"reg"`` - outcome regression (Heckman, Ichimura & Todd 1997; ``DRDID::reg_did_panel``);
* ``"ipw"`` - standardised (Hajek) IPW (Abadie 2005; ``DRDID::std_ipw_did_panel``);
* ``"dr"`` - traditional locally efficient doubly robust (S&Z eq. 3.1; ``drdid_panel``);
* ``"dr_imp"`` - improved doubly robust (S&Z sec. 3.1; ``drdid_imp_panel``).

Each returns ``(att, psi)`` where ``psi`` is the mean-zero influence function of the ``n``
units of the comparison, on the O(1) scale (``var(att) ~ sum(psi**2) / n**2``).
"""

from __future__ import annotations

import numpy as np
from ._fit import ipt, logit, wls

METHODS = {
    "reg": "outcome regression (Heckman, Ichimura & Todd 1997; OLS on controls)",
    "ipw": "standardised (Hajek) inverse probability weighting, logit propensity score",
    "dr": "doubly robust, TRADITIONAL locally efficient estimator of Sant'Anna & Zhao (2020, "
          "eq. 3.1; DRDID::drdid_panel): logit MLE propensity score + OLS outcome regression",
    "dr_imp": "doubly robust, IMPROVED estimator of Sant'Anna & Zhao (2020, sec. 3.1; "
              "DRDID::drdid_imp_panel): inverse-probability-tilting propensity score + WLS "
              "outcome regression",
}


def _two_by_two(dy: np.ndarray, d: np.ndarray, x: np.ndarray | None, method: str,
                trim: float, w: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """ATT and its influence function for one panel 2x2 comparison (mean-zero, O(1) scale).

    ``x`` includes the intercept (``None`` = unconditional).  ``w`` are sampling weights (R
    ``did``'s ``weightsname``, DRDID's ``i.weights``); ``None`` = equal weights.  The
    estimators are invariant to the scale of ``w``; the influence function of unit ``i``
    carries its weight (``psi_i = w_i * phi_i / mean(w)``), so that integer weights give the
    same estimate and variance as duplicating units and clustering on the original unit.
    """
    n = len(dy)
    if x is None or x.shape[1] == 1:
        # unconditional: all estimators are the difference of (weighted) mean changes
        if w is None:
            n1, n0 = d.sum(), n - d.sum()
            m1 = dy[d == 1].mean()
            m0 = dy[d == 0].mean()
            inf = np.where(d == 1, (dy - m1) * n / n1, -(dy - m0) * n / n0)
            return float(m1 - m0), inf
        w1, w0 = w * d, w * (1 - d)
        m1 = float(w1 @ dy / w1.sum())
        m0 = float(w0 @ dy / w0.sum())
        inf = w1 * (dy - m1) * n / w1.sum() - w0 * (dy - m0) * n / w0.sum()
        return m1 - m0, inf
    if method == "reg":
        return _reg(dy, d, x, w)
    if method == "ipw":
        return _std_ipw(dy, d, x, trim, w)
    if method == "dr":
        return _dr_trad(dy, d, x, trim, w)
    return _dr_imp(dy, d, x, trim, w)


def _ones(w: np.ndarray | None, n: int) -> np.ndarray:
    return np.ones(n) if w is None else w


def _ols_lin_rep(dy, d, x, beta, w=None):
    """Asymptotic linear representation of the control-unit (W)LS coefficients (n x k)."""
    n = len(dy)
    w0 = _ones(w, n) * (1.0 - d)
    resid = w0 * (dy - x @ beta)
    bread = (x * w0[:, None]).T @ x / n
    return (x * resid[:, None]) @ np.linalg.inv(bread)


def _ps_lin_rep(d, x, p, w=None):
    """Asymptotic linear representation of the (weighted) logit MLE coefficients (n x k)."""
    n = len(d)
    w = _ones(w, n)
    score = x * (w * (d - p))[:, None]
    hess = (x * (w * p * (1 - p))[:, None]).T @ x
    return score @ np.linalg.inv(hess) * n


def _reg(dy, d, x, w=None):
    wi = _ones(w, len(dy))
    beta = wls(dy[d == 0], x[d == 0], None if w is None else w[d == 0],
               what="outcome regression on comparison units")
    m = x @ beta
    w1 = wi * d
    mw1 = w1.mean()
    eta_treat = np.mean(w1 * dy) / mw1
    eta_cont = np.mean(w1 * m) / mw1
    inf_treat = (w1 * dy - w1 * eta_treat) / mw1
    lin = _ols_lin_rep(dy, d, x, beta, w)
    inf_cont = (w1 * m - w1 * eta_cont + lin @ np.mean(w1[:, None] * x, axis=0)) / mw1
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _std_ipw(dy, d, x, trim, w=None):
    wi = _ones(w, len(dy))
    _, p = logit(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    keep = np.where(d == 0, p < trim, True)
    w1 = wi * d * keep
    w0 = wi * keep * p * (1 - d) / (1 - p)
    eta_treat = np.mean(w1 * dy) / w1.mean()
    eta_cont = np.mean(w0 * dy) / w0.mean()
    inf_treat = (w1 * dy - w1 * eta_treat) / w1.mean()
    lin_ps = _ps_lin_rep(d, x, p, w)
    m2 = np.mean((w0 * (dy - eta_cont))[:, None] * x, axis=0)
    inf_cont = (w0 * dy - w0 * eta_cont + lin_ps @ m2) / w0.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_trad(dy, d, x, trim, w=None):
    wi = _ones(w, len(dy))
    _, p = logit(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    beta = wls(dy[d == 0], x[d == 0], None if w is None else w[d == 0],
               what="outcome regression on comparison units")
    m = x @ beta
    keep = np.where(d == 0, p < trim, True)
    w1 = wi * d * keep
    w0 = wi * keep * p * (1 - d) / (1 - p)
    r = dy - m
    eta_treat = np.mean(w1 * r) / w1.mean()
    eta_cont = np.mean(w0 * r) / w0.mean()
    lin_ols = _ols_lin_rep(dy, d, x, beta, w)
    lin_ps = _ps_lin_rep(d, x, p, w)
    inf_treat = (w1 * r - w1 * eta_treat - lin_ols @ np.mean(w1[:, None] * x, axis=0)) / w1.mean()
    m2 = np.mean((w0 * (r - eta_cont))[:, None] * x, axis=0)
    inf_cont = (w0 * r - w0 * eta_cont + lin_ps @ m2
                - lin_ols @ np.mean(w0[:, None] * x, axis=0)) / w0.mean()
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _dr_imp(dy, d, x, trim, w=None):
    wi = _ones(w, len(dy))
    _, p = ipt(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    keep = np.where(d == 0, p < trim, True)
    w1 = wi * d * keep
    w0 = wi * keep * p * (1 - d) / (1 - p)
    beta = wls(dy[d == 0], x[d == 0], w0[d == 0],
               what="weighted outcome regression on comparison units")
    r = dy - x @ beta
    eta_treat = np.mean(w1 * r) / w1.mean()
    eta_cont = np.mean(w0 * r) / w0.mean()
    # IPT + WLS first-order conditions remove the estimation effects (S&Z 2020, Thm 3.2)
    inf = (w1 * (r - eta_treat)) / w1.mean() - (w0 * (r - eta_cont)) / w0.mean()
    return float(eta_treat - eta_cont), inf
