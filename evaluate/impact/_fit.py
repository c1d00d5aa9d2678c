"""Small numerical building blocks shared by the estimators (numpy only, no formula parsing).

* :func:`logit` - maximum-likelihood logistic regression by damped (step-halving) Newton-Raphson,
  with separation diagnosed by a linear programme (Konis 2007).
* :func:`ipt` - inverse probability tilting propensity score (Graham, Pinto & Egel 2012), as
  used by the *improved* doubly robust DiD estimator of Sant'Anna & Zhao (2020, sec. 3.1).
* :func:`wls` - (weighted) least squares with a rank check.
"""

from __future__ import annotations

import numpy as np
from ..errors import InputError


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
          "score", max_iter: int = 100, tol: float = 1e-10) -> tuple[np.ndarray, np.ndarray]:
    """Logistic MLE of ``d`` on ``x`` (which includes the intercept); returns (coef, fitted p).

    Damped Newton-Raphson: each full Newton step is halved until the (weighted) log-likelihood
    does not fall, so the iteration cannot overshoot and diverge on skewed designs (many
    near-zero propensity scores, as in the NSW-CPS comparison).  Convergence: relative change of
    the log-likelihood below ``tol`` and a Newton decrement below ``tol``.

    Raises :class:`InputError` for collinear covariates and for (quasi-)complete separation,
    where no finite maximum exists.  Separation is diagnosed from the fit, not from the size of
    the linear index: only when fitted probabilities reach 0 or 1 (within 1e-8) for units whose
    treatment status they predict is the linear-programming check of Konis (2007) run; it
    decides whether a direction ``b`` exists with ``(2d-1) x'b >= 0`` for every unit (the
    definition of separation; Albert & Anderson 1984).  Extreme but finite propensity scores of
    a well-posed fit are accepted (as R ``glm``, which only warns).
    """
    _check_rank(x, what)
    w = np.ones(len(d)) if w is None else w
    beta = np.zeros(x.shape[1])
    p_bar = np.clip(np.average(d, weights=w), 1e-6, 1 - 1e-6)
    beta[0] = np.log(p_bar / (1 - p_bar)) if np.allclose(x[:, 0], 1) else 0.0

    def loglik(b: np.ndarray) -> float:
        eta = x @ b
        return float(np.sum(w * (d * eta - np.logaddexp(0, eta))))

    cur = loglik(beta)
    for _ in range(max_iter):
        p = _expit(x @ beta)
        grad = x.T @ (w * (d - p))
        hess = (x * (w * p * (1 - p))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        t = 1.0
        while True:  # step halving: never accept a fall in the log-likelihood
            new = loglik(beta + t * step)
            if new >= cur - 1e-12 * (1 + abs(cur)) or t < 1e-10:
                break
            t *= 0.5
        beta = beta + t * step
        decrement = float(grad @ step)
        done = abs(new - cur) < tol * (1 + abs(cur)) and decrement < tol * (1 + abs(cur))
        cur = new
        if done:
            break
    eta = x @ beta
    p = _expit(eta)
    if not np.all(np.isfinite(beta)) or _separated(d, x, p, w):
        raise InputError(
            f"{what}: the covariates separate treated from untreated units (perfect "
            "prediction; no finite maximum-likelihood estimate); overlap fails - drop or "
            "coarsen the separating covariates"
        )
    return beta, p


def _separated(d: np.ndarray, x: np.ndarray, p: np.ndarray, w: np.ndarray,
               eps: float = 1e-8) -> bool:
    """(Quasi-)complete separation: fitted probabilities at 0/1 *and* a separating direction.

    The linear programme (Konis 2007, R ``detectseparation``): maximise ``sum_i s_i x_i'b``
    subject to ``s_i x_i'b >= 0`` and ``-1 <= b <= 1`` with ``s = 2d - 1``; a positive optimum
    means some non-zero ``b`` pushes the likelihood to its supremum - the MLE is infinite.
    Columns are scaled to unit maximum so the tolerance is scale-free.
    """
    use = w > 0
    extreme = ((d[use] == 1) & (p[use] > 1 - eps)) | ((d[use] == 0) & (p[use] < eps))
    if not extreme.any():
        return False
    from scipy.optimize import linprog

    xs = x[use] / np.maximum(np.max(np.abs(x[use]), axis=0), 1e-300)
    a = xs * (2 * d[use] - 1)[:, None]
    res = linprog(-a.sum(axis=0), A_ub=-a, b_ub=np.zeros(len(a)),
                  bounds=[(-1, 1)] * x.shape[1], method="highs")
    if res.status != 0:
        return False
    v = a @ res.x  # a separating direction leaves no unit on the wrong side and some strictly
    return bool(v.min() >= -1e-9 and v.max() > 1e-6)


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
    p = _expit(x @ g)
    # the tilting problem has no finite solution exactly when the logit MLE does not (the
    # treated covariate means are outside the controls' convex hull): same separation test
    if not np.all(np.isfinite(g)) or _separated(d, x, p, w):
        raise InputError(
            f"{what}: no finite solution (treated covariate means lie outside the controls' "
            "range); overlap fails - drop or coarsen covariates"
        )
    return g, p


def wls(y: np.ndarray, x: np.ndarray, w: np.ndarray | None = None, what: str = "outcome "
        "regression") -> np.ndarray:
    """Coefficients of the (weighted) least-squares fit of ``y`` on ``x``."""
    _check_rank(x if w is None else x[w > 0], what)
    if w is None:
        return np.linalg.lstsq(x, y, rcond=None)[0]
    sw = np.sqrt(w)
    return np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
