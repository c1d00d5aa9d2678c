"""Batched 2x2 DiD estimators: every ATT(g,t) cell that shares one design, fitted once.

In :func:`staggered.att_gt` a cell's comparison is defined by its treated group, its
comparison units and the period its covariates are taken from.  Under ``control="never"``
with time-invariant covariates every cell of a group has the same design - the same units,
the same ``X`` and the same treatment indicator - and only the outcome change ``dy`` differs
(one column per period).  The propensity score (logit MLE or inverse probability tilting),
its linear representation, the outcome-regression bread and the trimming are then the same
for all the group's cells, and the outcome regressions are one least-squares problem with
several right-hand sides.  :func:`two_by_two_batch` computes the estimators of
:mod:`drdid` (Sant'Anna & Zhao 2020; R ``DRDID``'s panel estimators, as used by R ``did``)
for an ``(n, m)`` matrix of changes in one pass; column ``j`` equals
``drdid._two_by_two(dy[:, j], ...)`` to rounding (checked by the tests), so batching changes
speed, never results.
"""

from __future__ import annotations

import numpy as np
from ._fit import _check_rank, ipt, logit
from .drdid import _ps_lin_rep


def _wls_multi(y: np.ndarray, x: np.ndarray, w: np.ndarray | None, what: str) -> np.ndarray:
    """(Weighted) least squares of every column of ``y`` on ``x``: ``(k, m)`` coefficients."""
    _check_rank(x if w is None else x[w > 0], what)
    if w is None:
        return np.linalg.lstsq(x, y, rcond=None)[0]
    sw = np.sqrt(w)
    return np.linalg.lstsq(x * sw[:, None], y * sw[:, None], rcond=None)[0]


def two_by_two_batch(dy: np.ndarray, d: np.ndarray, x: np.ndarray | None, method: str,
                     trim: float, w: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """ATTs ``(m,)`` and influence functions ``(n, m)`` of ``m`` panel 2x2 comparisons that
    share units, treatment ``d`` and covariates ``x`` (with intercept; ``None`` =
    unconditional) and differ in the outcome change ``dy`` ``(n, m)``.

    Conventions as :func:`drdid._two_by_two`: influence functions mean zero on the O(1) scale
    of the ``n`` units of the comparison; sampling weights ``w`` enter the fits, the means and
    the influence functions; ``trim`` drops comparison units with propensity >= ``trim``.
    """
    n = dy.shape[0]
    if x is None or x.shape[1] == 1:
        if w is None:
            n1 = d.sum()
            n0 = n - n1
            m1 = dy[d == 1].mean(axis=0)
            m0 = dy[d == 0].mean(axis=0)
            inf = np.where((d == 1)[:, None], (dy - m1) * (n / n1), -(dy - m0) * (n / n0))
            return m1 - m0, inf
        w1, w0 = w * d, w * (1 - d)
        m1 = w1 @ dy / w1.sum()
        m0 = w0 @ dy / w0.sum()
        inf = (w1[:, None] * (dy - m1) * (n / w1.sum())
               - w0[:, None] * (dy - m0) * (n / w0.sum()))
        return m1 - m0, inf
    wi = np.ones(n) if w is None else w
    ctrl = d == 0
    if method == "reg":
        beta = _wls_multi(dy[ctrl], x[ctrl], None if w is None else w[ctrl],
                          "outcome regression on comparison units")
        fit = x @ beta
        w1 = wi * d
        mw1 = w1.mean()
        eta_treat = w1 @ dy / n / mw1
        eta_cont = w1 @ fit / n / mw1
        inf_treat = w1[:, None] * (dy - eta_treat) / mw1
        # linear representation of the control-unit OLS, applied to mean(w1 * x)
        lin = _ols_term(dy, fit, d, x, wi, (w1 @ x) / n)
        inf_cont = (w1[:, None] * (fit - eta_cont) + lin) / mw1
        return eta_treat - eta_cont, inf_treat - inf_cont
    if method in ("ipw", "dr"):
        _, p = logit(d, x, w)
    else:
        _, p = ipt(d, x, w)
    p = np.clip(p, 1e-6, 1 - 1e-6)
    keep = np.where(ctrl, p < trim, True)
    w1 = wi * d * keep
    w0 = wi * keep * p * (1 - d) / (1 - p)
    mw1, mw0 = w1.mean(), w0.mean()
    if method == "ipw":
        eta_treat = w1 @ dy / n / mw1
        eta_cont = w0 @ dy / n / mw0
        inf_treat = w1[:, None] * (dy - eta_treat) / mw1
        m2 = x.T @ (w0[:, None] * (dy - eta_cont)) / n
        inf_cont = (w0[:, None] * (dy - eta_cont) + _ps_lin_rep(d, x, p, w) @ m2) / mw0
        return eta_treat - eta_cont, inf_treat - inf_cont
    if method == "dr":
        beta = _wls_multi(dy[ctrl], x[ctrl], None if w is None else w[ctrl],
                          "outcome regression on comparison units")
        fit = x @ beta
        r = dy - fit
        eta_treat = w1 @ r / n / mw1
        eta_cont = w0 @ r / n / mw0
        lin_t = _ols_term(dy, fit, d, x, wi, (w1 @ x) / n)
        lin_c = _ols_term(dy, fit, d, x, wi, (w0 @ x) / n)
        m2 = x.T @ (w0[:, None] * (r - eta_cont)) / n
        inf_treat = (w1[:, None] * (r - eta_treat) - lin_t) / mw1
        inf_cont = (w0[:, None] * (r - eta_cont) + _ps_lin_rep(d, x, p, w) @ m2 - lin_c) / mw0
        return eta_treat - eta_cont, inf_treat - inf_cont
    # dr_imp: IPT + WLS first-order conditions remove the estimation effects
    beta = _wls_multi(dy[ctrl], x[ctrl], w0[ctrl],
                      "weighted outcome regression on comparison units")
    r = dy - x @ beta
    eta_treat = w1 @ r / n / mw1
    eta_cont = w0 @ r / n / mw0
    inf = w1[:, None] * (r - eta_treat) / mw1 - w0[:, None] * (r - eta_cont) / mw0
    return eta_treat - eta_cont, inf


def _ols_term(dy: np.ndarray, fit: np.ndarray, d: np.ndarray, x: np.ndarray, wi: np.ndarray,
              a: np.ndarray) -> np.ndarray:
    """``lin_rep_j @ a`` for every column: the control-unit (W)LS linear representation
    ``x_i resid_ij B^-1`` (``B = mean(w0 x x')``) applied to the vector ``a``, which is the
    same for all columns, so ``x B^-1 a`` is computed once."""
    n = len(d)
    w0 = wi * (1.0 - d)
    bread = (x * w0[:, None]).T @ x / n
    h = x @ np.linalg.solve(bread, a)
    return (w0[:, None] * (dy - fit)) * h[:, None]
