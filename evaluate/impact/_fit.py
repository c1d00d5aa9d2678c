"""Small numerical building blocks shared by the estimators (numpy only, no formula parsing).

* :func:`logit` - maximum-likelihood logistic regression by Newton-Raphson (IRLS).
* :func:`ipt` - inverse probability tilting propensity score (Graham, Pinto & Egel 2012), as
  used by the *improved* doubly robust DiD estimator of Sant'Anna & Zhao (2020, sec. 3.1).
* :func:`wls` - (weighted) least squares with a rank check.
"""

from __future__ import annotations

import numpy as np
from changjing.evaluate.errors import InputError


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free logistic


def _check_rank(x: np.ndarray, what: str) -> None:
    if x.shape[0] <= x.shape[1]:
        raise InputError(
            f"{what}: {x.shape[0]} observations for {x.shape[1]} coefficients; too few units "
            "for this covariate set"
        )
    s = np.linalg.svd(x, compute_uv=False)
    if s[-1] <= s[0] * 1e-10:
        raise InputError(
            f"{what}: the covariates are collinear (or constant within this sample); "
            "remove redundant covariates"
        )


def logit(d: np.ndarray, x: np.ndarray, w: np.ndarray | None = None, what: str = "propensity "
          "score", max_iter: int = 50, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Logistic MLE of ``d`` on ``x`` (which includes the intercept); returns (coef, fitted p).

    Raises :class:`InputError` for collinear covariates and for (quasi-)complete separation,
    where no finite maximum exists and propensity scores hit 0 or 1.
    """
    _check_rank(x, what)
    w = np.ones(len(d)) if w is None else w
    beta = np.zeros(x.shape[1])
    p_bar = np.clip(np.average(d, weights=w), 1e-6, 1 - 1e-6)
    beta[0] = np.log(p_bar / (1 - p_bar)) if np.allclose(x[:, 0], 1) else 0.0
    loglik_old = -np.inf
    for _ in range(max_iter):
        eta = x @ beta
        p = _expit(eta)
        wt = w * p * (1 - p)
        grad = x.T @ (w * (d - p))
        hess = (x * wt[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta = beta + step
        eta = x @ beta
        loglik = float(np.sum(w * (d * eta - np.logaddexp(0, eta))))
        if abs(loglik - loglik_old) < tol * (1 + abs(loglik)):
            break
        loglik_old = loglik
    eta = x @ beta
    p = _expit(eta)
    # scale-free separation check: a linear index beyond +-30 means p within 1e-13 of 0 or 1
    if not np.all(np.isfinite(beta)) or np.max(np.abs(eta)) > 30:
        raise InputError(
            f"{what}: the covariates separate treated from untreated units (perfect "
            "prediction); overlap fails - drop or coarsen the separating covariates"
        )
    return beta, p


def ipt(d: np.ndarray, x: np.ndarray, w: np.ndarray | None = None, what: str = "propensity "
        "score (inverse probability tilting)", max_iter: int = 100
        ) -> tuple[np.ndarray, np.ndarray]:
    """Inverse probability tilting: minimise ``mean(w*((1-d)*exp(x'g) - d*x'g))``.

    The first-order condition makes the tilted control weights ``exp(x'g) = p/(1-p)`` balance the
    treated means of ``x`` exactly, which is what removes the estimation-effect terms from the
    influence function of the improved DR DiD estimator.  Returns (coef, fitted p).
    """
    _check_rank(x, what)
    w = np.ones(len(d)) if w is None else w
    n = len(d)
    g = np.zeros(x.shape[1])

    def loss(gam: np.ndarray) -> float:
        e = x @ gam
        return float(np.sum(w * ((1 - d) * np.exp(np.minimum(e, 700)) - d * e)) / n)

    cur = loss(g)
    for _ in range(max_iter):
        e = np.exp(np.minimum(x @ g, 700))
        grad = x.T @ (w * ((1 - d) * e - d)) / n
        hess = (x * (w * (1 - d) * e)[:, None]).T @ x / n
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            new = loss(g - t * step)
            if new <= cur:
                break
            t *= 0.5
        g = g - t * step
        if abs(cur - new) < 1e-14 * (1 + abs(cur)) and np.max(np.abs(grad)) < 1e-9:
            cur = new
            break
        cur = new
    if not np.all(np.isfinite(g)) or np.max(np.abs(x @ g)) > 30:
        raise InputError(
            f"{what}: no finite solution (treated covariate means lie outside the controls' "
            "range); overlap fails - drop or coarsen covariates"
        )
    p = _expit(x @ g)
    return g, p


def wls(y: np.ndarray, x: np.ndarray, w: np.ndarray | None = None, what: str = "outcome "
        "regression") -> np.ndarray:
    """Coefficients of the (weighted) least-squares fit of ``y`` on ``x``."""
    _check_rank(x if w is None else x[w > 0], what)
    if w is None:
        return np.linalg.lstsq(x, y, rcond=None)[0]
    sw = np.sqrt(w)
    return np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
