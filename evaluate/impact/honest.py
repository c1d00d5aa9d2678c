"""Sensitivity of event-study conclusions to violations of parallel trends (Rambachan & Roth
2023, "A more credible approach to parallel trends", *Review of Economic Studies* 90(5),
2555-2591; R ``HonestDiD``).

The event-study coefficients ``beta = tau + delta`` mix the treatment effects ``tau`` (zero
before treatment) with a difference in trends ``delta``.  Instead of assuming ``delta = 0``
after treatment, one bounds it by what the pre-treatment coefficients show, and reports
confidence sets for ``theta = l' tau_post`` that are valid for every ``delta`` in the set:

* **relative magnitudes** ``Delta^RM(Mbar)``: every post-treatment change of ``delta`` between
  consecutive periods is at most ``Mbar`` times the largest pre-treatment change;
* **smoothness** ``Delta^SD(M)``: the slope of ``delta`` changes by at most ``M`` (outcome
  units per period, per period) between consecutive periods, i.e. ``delta`` stays within ``M``
  of a linear extrapolation of the pre-trend; ``M = 0`` allows exactly linear trends.

Confidence sets (one published method per restriction, as ``HonestDiD``'s defaults):

* ``Delta^SD``: the optimal **fixed-length confidence interval** (FLCI; Armstrong & Kolesar
  2018, Rambachan & Roth Section 4.1): the affine estimator ``v' beta_hat`` with ``v_post = l``
  and pre-period weights chosen to minimise the half-length ``sd * cv_alpha(bias / sd)``, where
  ``bias`` is the worst case over ``Delta^SD(M)`` and ``cv_alpha(t)`` the ``1 - alpha``
  quantile of ``|N(t, 1)|`` (computed exactly, from the non-central chi-square; HonestDiD
  simulates it with 10^6 draws).
* ``Delta^RM``: the **conditional-least-favourable hybrid** test (``"C-LF"``, default) or the
  purely **conditional** test (``"Conditional"``) of Andrews, Roth & Pakes (2023) for moment
  inequalities with nuisance parameters, inverted over a grid of ``theta`` and taken over the
  union of the ``2 x (number of pre-periods)`` polyhedra that make up ``Delta^RM`` (which
  pre-period change is the largest, and its sign).  As HonestDiD's default, only the moments
  that involve post-treatment coefficients enter the test.  The least-favourable critical
  value uses ``lf_sims`` normal draws from ``numpy.random.default_rng(seed)`` and size
  ``kappa = alpha / 10``.  The test statistic's dual is solved by enumerating the vertices of
  the dual polytope (exact, and vectorised over the grid) when there are few post periods,
  and by linear programmes (HiGHS) otherwise.  Interval end points are refined by bisection
  between the last accepted and the first rejected grid point, so they do not depend on the
  grid's spacing (HonestDiD reports the grid points themselves).

The **breakdown value** is the smallest ``Mbar`` (or ``M``) at which the robust interval
contains zero, found by bisection; the sets grow with ``Mbar`` / ``M`` (the restrictions are
nested), so bisection is valid.  It comes with a sentence in English and Chinese.

Conventions: event times are consecutive integers; the reference period (normalised to 0,
default ``-1``) is the last pre-treatment period; "pre" coefficients are those before it and
"post" those after it, as in ``HonestDiD`` (so with ``reference=-1`` the effect on impact is
event time 0).  ``sigma`` is the covariance of the coefficients as estimated (cluster-robust
for the TWFE event study, influence-function based for ``aggte(..., "dynamic")``).
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import SpecError
from .result import ImpactResult, check_alpha, normal_ci

__all__ = ["flci_sd", "honest_did", "rm_confidence_set"]

_VERTEX_LIMIT = 1_000_000  # candidate supports before switching to linear programmes


# ---------------------------------------------------------------------------------- helpers
def _fold_cv(t: float, alpha: float) -> float:
    """``1 - alpha`` quantile of ``|N(t, 1)|``."""
    t = abs(float(t))
    if t < 1e-12:
        return float(stats.norm.ppf(1 - alpha / 2))
    if t > 30:  # the left tail is negligible: |N(t,1)| is N(t,1)
        return t + float(stats.norm.ppf(1 - alpha))
    return float(math.sqrt(stats.ncx2.ppf(1 - alpha, 1, t * t)))


def _second_differences(num_pre: int, num_post: int) -> np.ndarray:
    """Second differences of ``delta`` over all periods, the reference (``delta = 0``) dropped."""
    n = num_pre + num_post
    d = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        d[r, r:r + 3] = (1.0, -2.0, 1.0)
    return np.delete(d, num_pre, axis=1)


def _event_positions(num_pre: int, num_post: int) -> np.ndarray:
    """Periods relative to the reference (reference = 0): ``-num_pre..-1, 1..num_post``."""
    return np.r_[np.arange(-num_pre, 0), np.arange(1, num_post + 1)].astype(float)


def _check_inputs(betahat, sigma, num_pre: int, l_vec) -> tuple[np.ndarray, np.ndarray,
                                                                    np.ndarray]:
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    if s.shape != (len(b), len(b)):
        raise SpecError(f"sigma: expected a {len(b)} x {len(b)} covariance matrix for "
                        f"{len(b)} coefficients, got shape {s.shape}")
    if not (np.isfinite(b).all() and np.isfinite(s).all()):
        raise SpecError("betahat and sigma must be finite (an event time without a standard "
                        "error cannot enter the sensitivity analysis)")
    if not 1 <= num_pre < len(b):
        raise SpecError(f"num_pre: expected between 1 and {len(b) - 1} pre-treatment "
                        f"coefficients, got {num_pre}")
    num_post = len(b) - num_pre
    lv = np.asarray(l_vec, dtype=float).ravel()
    if len(lv) != num_post or not np.any(lv != 0):
        raise SpecError(f"l_vec: expected {num_post} weights on the post-treatment "
                        f"coefficients, not all zero, got {list(lv)}")
    s = (s + s.T) / 2
    if np.linalg.eigvalsh(s).min() < -1e-10 * max(1.0, float(np.abs(s).max())):
        raise SpecError("sigma is not positive semi-definite")
    return b, s, lv


# ------------------------------------------------------------------------ smoothness: FLCI
def flci_sd(betahat: Sequence[float], sigma: np.ndarray, num_pre: int, l_vec: Sequence[float],
            m: float, alpha: float = 0.05) -> dict[str, Any]:
    """Optimal fixed-length confidence interval for ``l' tau_post`` under ``Delta^SD(m)``.

    Returns ``ci_low``, ``ci_high``, ``center``, ``half_length``, ``sd``, ``max_bias`` and the
    weights ``v`` (pre-period weights, then ``l``) of the affine estimator ``v' betahat``.
    """
    return _SdFrontier(betahat, sigma, num_pre, l_vec).flci(m, alpha)


class _SdFrontier:
    """The bias-variance frontier of affine estimators ``v' betahat`` (``v_post = l``) under
    ``Delta^SD``: the smallest worst-case bias per unit of ``M`` at each standard deviation
    ``h``.  It does not depend on ``M``, so it is computed once and shared by every ``M``."""

    def __init__(self, betahat, sigma, num_pre: int, l_vec) -> None:
        b, s, lv = _check_inputs(betahat, sigma, num_pre, l_vec)
        num_post = len(b) - num_pre
        tpos = _event_positions(num_pre, num_post)
        dmat = _second_differences(num_pre, num_post)
        # v = D'u for v orthogonal to linear trends; u = P v, bias = M ||u||_1 (LP duality)
        self.p_mat = (np.linalg.solve(dmat @ dmat.T, dmat) if len(dmat)
                      else np.zeros((0, len(b))))
        # pre weights w with t_pre'w = -t_post'l: w = w0 + N z
        t_pre, t_post = tpos[:num_pre], tpos[num_pre:]
        w0 = t_pre * (-(t_post @ lv) / (t_pre @ t_pre))
        null = np.linalg.svd(t_pre[None, :])[2][1:].T  # num_pre x (num_pre - 1)
        self.v0 = np.r_[w0, lv]
        self.nt = np.vstack([null, np.zeros((num_post, null.shape[1]))])
        self.g = self.p_mat @ self.v0
        self.gz = self.p_mat @ self.nt
        self.q = self.nt.T @ s @ self.nt
        self.r = self.nt.T @ s @ self.v0
        self.c0 = float(self.v0 @ s @ self.v0)
        self.b, self.s = b, s
        self.k = k = null.shape[1]
        self.z_min = -np.linalg.lstsq(self.q, self.r, rcond=None)[0] if k else np.zeros(0)
        self.h_min = math.sqrt(max(self.sd2(self.z_min), 0.0))
        self.z_lp, self.h_max = self.z_min, self.h_min
        if k:
            nu = len(self.g)
            # minimum-bias estimator: min ||g + Gz||_1 (LP in z, p, q)
            self.a_eq = np.hstack([self.gz, -np.eye(nu), np.eye(nu)])
            lp = optimize.linprog(np.r_[np.zeros(k), np.ones(2 * nu)], A_eq=self.a_eq,
                                  b_eq=-self.g,
                                  bounds=[(None, None)] * k + [(0, None)] * (2 * nu),
                                  method="highs")
            if lp.status == 0:
                self.z_lp = lp.x[:k]
                self.h_max = math.sqrt(max(self.sd2(self.z_lp), 0.0))
        self._cache: dict[float, tuple[float, np.ndarray]] = {}
        self.hs = np.linspace(self.h_min, self.h_max, 41)

    def sd2(self, z: np.ndarray) -> float:
        return float(self.c0 + 2 * self.r @ z + z @ self.q @ z)

    def bias1(self, z: np.ndarray) -> float:  # worst-case bias per unit of M
        return float(np.abs(self.g + self.gz @ z).sum())

    def min_bias(self, h: float) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias (per unit of M) with standard deviation at most ``h``."""
        if h in self._cache:
            return self._cache[h]
        z_min, z_lp, k = self.z_min, self.z_lp, self.k
        if h <= self.h_min * (1 + 1e-10) or self.h_max - self.h_min < 1e-14:
            out = (self.bias1(z_min), z_min)
        elif h >= self.h_max:
            out = (self.bias1(z_lp), z_lp)
        else:
            g, gz, q, r, nu = self.g, self.gz, self.q, self.r, len(self.g)
            # feasible start on the segment z_min -> z_lp with sd = h (sd^2 convex along it)
            seg = z_lp - z_min
            tau = optimize.brentq(lambda t: self.sd2(z_min + t * seg) - h * h, 0.0, 1.0)
            z_start = z_min + tau * seg
            u0 = g + gz @ z_start
            x0 = np.r_[z_start, np.maximum(u0, 0), np.maximum(-u0, 0)]
            a_eq = self.a_eq
            cons = [{"type": "eq", "fun": lambda x: g + gz @ x[:k] - x[k:k + nu] + x[k + nu:],
                     "jac": lambda x: a_eq},
                    {"type": "ineq", "fun": lambda x: h * h - self.sd2(x[:k]),
                     "jac": lambda x: np.r_[-2 * (r + q @ x[:k]), np.zeros(2 * nu)]}]
            res = optimize.minimize(lambda x: x[k:].sum(), x0,
                                    jac=lambda x: np.r_[np.zeros(k), np.ones(2 * nu)],
                                    bounds=[(None, None)] * k + [(0, None)] * (2 * nu),
                                    constraints=cons, method="SLSQP",
                                    options={"ftol": 1e-14, "maxiter": 500})
            z = res.x[:k]
            if self.sd2(z) > h * h * (1 + 1e-6) or self.bias1(z) > self.bias1(z_start):
                z = z_start
            out = (self.bias1(z), z)
        self._cache[h] = out
        return out

    def flci(self, m: float, alpha: float) -> dict[str, Any]:
        if not np.isfinite(m) or m < 0:
            raise SpecError(f"M: expected a non-negative number, got {m!r}")
        best_z = self.z_min
        if m > 0 and self.k:
            def half_length(h: float) -> float:
                return h * _fold_cv(m * self.min_bias(h)[0] / h, alpha)

            hs = self.hs
            vals = [half_length(h) for h in hs]
            i = int(np.argmin(vals))
            lo, hi = hs[max(i - 1, 0)], hs[min(i + 1, len(hs) - 1)]
            h_star = float(hs[i])
            if hi > lo:
                opt = optimize.minimize_scalar(half_length, bounds=(lo, hi), method="bounded",
                                               options={"xatol": 1e-10 * self.h_max})
                if opt.fun <= vals[i]:
                    h_star = float(opt.x)
            best_z = self.min_bias(h_star)[1]
        v = self.v0 + self.nt @ best_z
        sd = math.sqrt(max(float(v @ self.s @ v), 0.0))
        bias = m * float(np.abs(self.p_mat @ v).sum())
        half = sd * _fold_cv(bias / sd, alpha) if sd > 0 else bias
        center = float(v @ self.b)
        return {"ci_low": center - half, "ci_high": center + half, "center": center,
                "half_length": half, "sd": sd, "max_bias": bias, "v": v}


# ------------------------------------------------------------- relative magnitudes: ARP tests
def _rm_polyhedron(num_pre: int, num_post: int, mbar: float, s: int,
                   positive: bool) -> np.ndarray:
    """Rows ``A`` of ``A delta <= 0`` for ``Delta^RM(mbar)`` with the largest pre-treatment
    change at pre difference ``s`` (0-based; ``num_pre - 1`` is reference minus the last lead)
    of the given sign; reference column dropped, only rows touching post periods kept."""
    n = num_pre + num_post
    diff = np.zeros((n, n + 1))
    for r in range(n):
        diff[r, r:r + 2] = (-1.0, 1.0)
    vmax = diff[s] * (1.0 if positive else -1.0)
    scale = np.r_[np.ones(num_pre), np.full(num_post, float(mbar))][:, None]
    a = np.vstack([diff - scale * vmax, -diff - scale * vmax])
    a = np.delete(a, num_pre, axis=1)
    keep = np.abs(a[:, num_pre:]).sum(axis=1) > 0
    keep &= (a**2).sum(axis=1) > 1e-10
    return a[keep]


def _gamma_inverse(l_vec: np.ndarray) -> np.ndarray:
    """``Gamma^{-1}`` for ``Gamma = [l'; N]`` with ``N`` an orthonormal basis of ``l``'s
    complement: ``tau = Gamma^{-1} (theta, tau_tilde)``."""
    null = np.linalg.svd(l_vec[None, :])[2][1:]
    return np.column_stack([l_vec / (l_vec @ l_vec), null.T])


def _dual_vertices(x: np.ndarray, sd: np.ndarray) -> np.ndarray | None:
    """Vertices of ``{g >= 0, g'X = 0, g'sd = 1}`` (``None`` when there are too many
    candidate supports to enumerate).

    They are the extreme rays of the cone ``{g >= 0, X'g = 0}``, which do not depend on
    ``sd``, scaled to ``g'sd = 1``; the rays are enumerated once per ``X`` (the nuisance
    matrix is the same for every polyhedron and every ``Mbar``)."""
    rays = _extreme_rays(x.shape, np.ascontiguousarray(x, dtype=float).tobytes())
    if rays is None:
        return None
    return rays / (rays @ sd)[:, None]


@functools.lru_cache(maxsize=32)
def _extreme_rays(shape: tuple[int, int], data: bytes) -> np.ndarray | None:
    """Extreme rays of ``{g >= 0, X'g = 0}``: supports ``S`` (at most ``k + 1`` rows) on which
    ``X_S'`` has a one-dimensional null space spanned by a strictly positive vector."""
    x = np.frombuffer(data, dtype=float).reshape(shape)
    m_rows, k = shape
    if sum(math.comb(m_rows, j) for j in range(1, k + 2)) > _VERTEX_LIMIT:
        return None
    norms = np.linalg.norm(x, axis=0)
    xs = x / np.where(norms > 0, norms, 1.0)  # null spaces ignore column scale
    found = []
    for size in range(1, k + 2):
        every = itertools.combinations(range(m_rows), size)
        while True:
            chunk = list(itertools.islice(every, 50_000))
            if not chunk:
                break
            combos = np.array(chunk)
            if k == 0:
                u = np.ones((len(combos), size, size))
                ok = np.full(len(combos), size == 1)
            else:
                bm = xs[combos]  # (n, size, k)
                u, sv, _ = np.linalg.svd(bm, full_matrices=True)
                tol = 1e-9
                if size <= k:  # exactly one zero singular value
                    ok = sv[:, size - 1] < tol
                    if size >= 2:
                        ok &= sv[:, size - 2] > tol
                else:  # size = k + 1: X_S has full column rank k
                    ok = sv[:, k - 1] > tol
            if not ok.any():
                continue
            ray = u[ok][:, :, -1]  # the left-null vector
            ray = ray * np.sign(ray.sum(axis=1))[:, None]
            pos = ray.min(axis=1) > 1e-9 * np.abs(ray).max(axis=1)
            for cmb, r in zip(combos[ok][pos], ray[pos]):
                full = np.zeros(m_rows)
                full[cmb] = r / r.sum()
                found.append(full)
    if not found:
        return np.zeros((0, m_rows))
    return np.unique(np.round(np.array(found), 12), axis=0)


class _ArpTest:
    """ARP conditional (or conditional-LF hybrid) test of ``E[y - X t] <= 0`` for some ``t``,
    with ``y = y0 - a theta`` and ``y0 ~ N(., sigma_y)``."""

    def __init__(self, y0, a, x, sigma_y, alpha, hybrid, kappa, lf_sims, seed):
        self.y0, self.a, self.x, self.sig = y0, a, x, sigma_y
        self.sd = np.sqrt(np.diag(sigma_y))
        self.alpha, self.hybrid, self.kappa = alpha, hybrid, kappa
        self.verts = _dual_vertices(x, self.sd)
        self.size = (alpha - kappa) / (1 - kappa) if hybrid == "LF" else alpha
        self.lf_cv = np.inf
        if hybrid == "LF":
            rng = np.random.default_rng(seed)
            xi = rng.multivariate_normal(np.zeros(len(y0)), sigma_y, size=lf_sims,
                                         method="eigh")
            etas = (self.verts @ xi.T).max(axis=0) if self.verts is not None else \
                np.array([self._eta_lp(v)[0] for v in xi])
            self.lf_cv = float(np.quantile(etas, 1 - kappa))

    # -- linear-programme path (many post periods)
    def _eq(self):
        return np.vstack([self.x.T, self.sd[None, :]]), np.r_[np.zeros(self.x.shape[1]), 1.0]

    def _eta_lp(self, y):
        e, rhs = self._eq()
        res = optimize.linprog(-y, A_eq=e, b_eq=rhs, bounds=(0, None), method="highs-ds")
        if res.status != 0:
            return np.nan, None
        return float(-res.fun), res.x

    def _ratio_lp(self, s_vec, c_vec, lower: bool) -> float:
        # Charnes-Cooper: max g'S / (1 - g'c) over g'c < 1 (lower) or min over g'c > 1 (upper)
        e, rhs = self._eq()
        m_rows = len(s_vec)
        a_eq = np.vstack([np.hstack([e, -rhs[:, None]]),
                          np.r_[-c_vec if lower else c_vec, 1.0 if lower else -1.0][None, :]])
        b_eq = np.r_[np.zeros(len(rhs)), 1.0]
        res = optimize.linprog(np.r_[-s_vec, 0.0], A_eq=a_eq, b_eq=b_eq,
                               bounds=(0, None), method="highs")
        if res.status == 2:  # infeasible: no such vertex
            return -np.inf if lower else np.inf
        if res.status == 3:
            return np.inf if lower else -np.inf
        val = float(-res.fun) if res.status == 0 else np.nan
        del m_rows
        return val if lower else -val

    def reject(self, thetas: np.ndarray) -> np.ndarray:
        thetas = np.atleast_1d(np.asarray(thetas, dtype=float))
        y = self.y0[:, None] - self.a[:, None] * thetas[None, :]  # (M, G)
        if self.verts is not None:
            if len(self.verts) == 0:
                return np.zeros(len(thetas), dtype=bool)
            vy = self.verts @ y
            best = vy.argmax(axis=0)
            eta = vy[best, np.arange(len(thetas))]
            gam = self.verts[best]  # (G, M)
            sgam = gam @ self.sig  # (G, M)
            var = np.einsum("gm,gm->g", sgam, gam)
            cvec = sgam / var[:, None]
            svec = y.T - cvec * eta[:, None]
            num = svec @ self.verts.T  # (G, V)
            den = 1.0 - cvec @ self.verts.T
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = num / den
            vlo = np.where(den > 1e-10, ratio, -np.inf).max(axis=1)
            vup = np.where(den < -1e-10, ratio, np.inf).min(axis=1)
        else:
            eta = np.empty(len(thetas))
            var = np.empty(len(thetas))
            vlo = np.empty(len(thetas))
            vup = np.empty(len(thetas))
            for j in range(len(thetas)):
                eta[j], g = self._eta_lp(y[:, j])
                if g is None:
                    eta[j], var[j], vlo[j], vup[j] = np.nan, 1.0, -np.inf, np.inf
                    continue
                sg = self.sig @ g
                var[j] = float(g @ sg)
                c = sg / var[j]
                sv = y[:, j] - c * eta[j]
                vlo[j] = self._ratio_lp(sv, c, True)
                vup[j] = self._ratio_lp(sv, c, False)
        out = np.zeros(len(thetas), dtype=bool)
        ok = np.isfinite(eta)
        out[ok] = eta[ok] > self.lf_cv  # first stage of the hybrid: least-favourable test
        tiny = ok & ~out & (var < np.finfo(float).eps)
        out[tiny] = eta[tiny] > 0
        go = ok & ~out & ~tiny
        if go.any():
            sb = np.sqrt(var[go])
            stat = eta[go] / sb
            zlo = vlo[go] / sb
            zup = np.minimum(vup[go], self.lf_cv) / sb
            inside = (zlo <= stat + 1e-12) & (stat <= zup + 1e-12) & (zup > zlo)
            cval = np.zeros(len(stat))
            if inside.any():
                cval[inside] = np.maximum(0.0, stats.truncnorm.ppf(1 - self.size, zlo[inside],
                                                                   zup[inside]))
            out[np.flatnonzero(go)] = inside & (stat > cval)
        return out


def _rm_tests(b, s, num_pre, lv, mbar, alpha, method, lf_sims, seed) -> list[_ArpTest]:
    """One ARP test per polyhedron of ``Delta^RM(mbar)`` (largest pre change and its sign)."""
    num_post = len(b) - num_pre
    ginv = _gamma_inverse(lv)
    tests = []
    for s_i in range(num_pre):
        for positive in (True, False):
            a_mat = _rm_polyhedron(num_pre, num_post, mbar, s_i, positive)
            ag = a_mat[:, num_pre:] @ ginv
            tests.append(_ArpTest(a_mat @ b, ag[:, 0], ag[:, 1:], a_mat @ s @ a_mat.T, alpha,
                                  "LF" if method == "C-LF" else "ARP", alpha / 10, lf_sims,
                                  seed))
    return tests


def rm_accepts(betahat, sigma, num_pre: int, l_vec, mbar: float, theta: float,
               alpha: float = 0.05, method: str = "C-LF", lf_sims: int = 1000,
               seed: int = 0) -> bool:
    """Whether ``theta`` lies in the ``Delta^RM(mbar)`` confidence set (no grid needed)."""
    b, s, lv = _check_inputs(betahat, sigma, num_pre, l_vec)
    tests = _rm_tests(b, s, num_pre, lv, mbar, alpha, method, lf_sims, seed)
    return bool(any(not t.reject(np.array([theta]))[0] for t in tests))


def rm_confidence_set(betahat: Sequence[float], sigma: np.ndarray, num_pre: int,
                      l_vec: Sequence[float], mbar: float, alpha: float = 0.05,
                      method: Literal["C-LF", "Conditional"] = "C-LF",
                      grid_points: int = 1000, grid: tuple[float, float] | None = None,
                      lf_sims: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Confidence set for ``l' tau_post`` under ``Delta^RM(mbar)`` by test inversion.

    The grid (default ``theta_hat +- 20 sd(theta_hat)``, ``grid_points`` points, widened
    fourfold up to four times while the set touches its edge) is scanned, and the first and
    last accepted points are refined.  Returns ``ci_low``,
    ``ci_high`` (``nan`` if nothing is accepted), ``open_low`` / ``open_high`` (accepted at the
    grid's edge, so the set may extend beyond it) and the grid used.
    """
    b, s, lv = _check_inputs(betahat, sigma, num_pre, l_vec)
    if not np.isfinite(mbar) or mbar < 0:
        raise SpecError(f"Mbar: expected a non-negative number, got {mbar!r}")
    if method not in ("C-LF", "Conditional"):
        raise SpecError(f"method: expected 'C-LF' or 'Conditional' for relative magnitudes, "
                        f"got {method!r}")
    theta_hat = float(lv @ b[num_pre:])
    sd_theta = math.sqrt(float(lv @ s[num_pre:, num_pre:] @ lv))
    lo_g, hi_g = grid if grid is not None else (theta_hat - 20 * sd_theta,
                                                theta_hat + 20 * sd_theta)
    thetas = np.linspace(lo_g, hi_g, int(grid_points))
    tests = _rm_tests(b, s, num_pre, lv, mbar, alpha, method, lf_sims, seed)

    def accepted(th: np.ndarray) -> np.ndarray:
        acc = np.zeros(len(th), dtype=bool)
        for t in tests:
            acc |= ~t.reject(th)
        return acc

    acc = accepted(thetas)
    # default grid: widen (x4, up to 4 times) while the set reaches an edge, so large Mbar
    # with many post periods is not cut off (HonestDiD keeps +-20 sd and truncates)
    for _ in range(4 if grid is None else 0):
        if not (acc[0] or acc[-1]):
            break
        half = 2 * (hi_g - lo_g)
        lo_g, hi_g = theta_hat - half, theta_hat + half
        thetas = np.linspace(lo_g, hi_g, int(grid_points))
        acc = accepted(thetas)
    out: dict[str, Any] = {"grid": (float(lo_g), float(hi_g), int(grid_points)),
                           "open_low": bool(acc[0]), "open_high": bool(acc[-1])}
    if not acc.any():
        out.update(ci_low=np.nan, ci_high=np.nan)
        return out
    idx = np.flatnonzero(acc)

    exact = all(t.verts is not None for t in tests)

    def refine(inside: float, outside: float) -> float:
        if exact:  # two vectorised passes of 256 points between the bracketing grid points
            for _ in range(2):
                pts = np.linspace(inside, outside, 256)
                ok = accepted(pts)
                j = int(np.flatnonzero(~ok)[0]) if (~ok).any() else len(pts)
                inside, outside = pts[j - 1], pts[min(j, len(pts) - 1)]
            return float(inside)
        for _ in range(30):  # linear programmes: bisection
            mid = 0.5 * (inside + outside)
            if accepted(np.array([mid]))[0]:
                inside = mid
            else:
                outside = mid
        return float(inside)

    i0, i1 = idx[0], idx[-1]
    out["ci_low"] = thetas[i0] if i0 == 0 else refine(thetas[i0], thetas[i0 - 1])
    out["ci_high"] = thetas[i1] if i1 == len(thetas) - 1 else refine(thetas[i1], thetas[i1 + 1])
    return out


# ----------------------------------------------------------------------- public entry point
def _from_result(result: ImpactResult, reference: int | None):
    """(betahat, sigma, event_times, reference) from an event-study result."""
    if result.design == "twfe_event_study":
        if "coef_vcov" not in result.extra:
            raise SpecError("this event-study result carries no coefficient covariance; "
                            "re-run twfe_event_study")
        times = [int(e) for e in result.extra["event_times"]]
        ref = int(result.settings["reference"])
        return (np.asarray(result.extra["coef"], dtype=float),
                np.asarray(result.extra["coef_vcov"], dtype=float), times, ref)
    if result.design == "aggte:dynamic":
        if result.settings.get("base_period") != "universal":
            raise SpecError("honest_did needs the dynamic aggregation of att_gt(..., "
                            "base_period='universal') (with the varying base the pre-period "
                            "coefficients are short differences, not a trend relative to one "
                            "reference period)")
        table = result.table
        psis = np.column_stack(result.extra["detail_inf"])
        n = psis.shape[0]
        cov = psis.T @ psis / n**2
        ref = -1 if reference is None else int(reference)
        et = table["event_time"].to_numpy(dtype=float)
        keep = et != ref
        se = table["se"].to_numpy(dtype=float)[keep]
        if not np.allclose(np.sqrt(np.diag(cov))[keep], se, rtol=1e-8, atol=1e-14):
            raise SpecError("honest_did: the dynamic aggregation's SEs are clustered above "
                            "the unit; pass betahat= and sigma= (its covariance) directly")
        return (table["estimate"].to_numpy(dtype=float)[keep], cov[np.ix_(keep, keep)],
                [int(e) for e in et[keep]], ref)
    if result.design == "sun_abraham":
        # interaction-weighted event-time effects are W @ CATT(g, e); their covariance is
        # W V W' (as HonestDiD's sunab_beta_vcv for fixest::sunab)
        catt = result.diagnostics["catt"]
        et = result.table["event_time"].to_numpy(dtype=float)
        cell_e = catt["event_time"].to_numpy(dtype=float)
        wmat = np.where(cell_e[None, :] == et[:, None],
                        catt["iw_weight"].to_numpy(dtype=float)[None, :], 0.0)
        vc = np.asarray(result.extra["vcov"], dtype=float)
        cov = wmat @ vc @ wmat.T
        beta = wmat @ catt["estimate"].to_numpy(dtype=float)
        if not np.allclose(beta, result.table["estimate"].to_numpy(dtype=float), atol=1e-12):
            raise SpecError("honest_did: this sun_abraham result's weights do not reproduce "
                            "its event-time effects")
        ref = int(result.settings["reference"])
        return beta, cov, [int(e) for e in et], ref
    raise SpecError(f"honest_did: expected a twfe_event_study, sun_abraham or aggte(..., "
                    f"'dynamic') result, "
                    f"got design {result.design!r}; or pass betahat=, sigma= and event_times=")


def _num(v: float) -> str:
    return f"{v:.3g}"


def honest_did(result: ImpactResult | None = None, *,
               restriction: Literal["rm", "sd"] = "rm",
               m: Sequence[float] | float | None = None,
               target: Literal["first", "mean"] | int | Sequence[float] = "first",
               betahat: Sequence[float] | None = None, sigma: np.ndarray | None = None,
               event_times: Sequence[int] | None = None, reference: int | None = None,
               method: str | None = None, alpha: float = 0.05, grid_points: int = 1000,
               lf_sims: int = 1000, seed: int = 0, breakdown: bool = True) -> ImpactResult:
    """Robust confidence sets for an event-study effect under bounded parallel-trend violations.

    Parameters
    ----------
    result:
        A :func:`twfe_event_study` or :func:`sun_abraham` result, or
        ``aggte(att_gt(..., base_period="universal"), "dynamic")``.  Or give ``betahat``, ``sigma`` and ``event_times`` (the coefficients'
        event times, reference excluded) yourself.
    restriction:
        ``"rm"`` (relative magnitudes, ``m`` = ``Mbar``, unit-free) or ``"sd"`` (smoothness,
        ``m`` = ``M`` in outcome units per period squared).
    m:
        The values of ``Mbar`` / ``M`` to report.  Default: ``0, 0.5, 1, 1.5, 2`` for
        ``"rm"``; for ``"sd"`` six values from 0 to twice the breakdown value (or to
        ``sd(theta_hat)`` when there is none).
    target:
        ``"first"`` (the first post-reference period, HonestDiD's default), ``"mean"`` (the
        equally weighted average of the post periods: the aggregated effect), an event time, or
        explicit weights ``l`` on the post-period coefficients.
    method:
        ``"rm"``: ``"C-LF"`` (default) or ``"Conditional"``; ``"sd"``: ``"FLCI"``.
    grid_points, lf_sims, seed:
        ``"rm"`` only: the test-inversion grid, and the draws and seed of the least-favourable
        critical value.

    Returns
    -------
    ImpactResult
        ``estimate`` / ``se`` / interval: the original (parallel-trends) estimate of ``theta``;
        ``table``: one row per ``m`` with the robust interval; ``settings["breakdown"]`` and
        ``settings["sentence_en"]`` / ``settings["sentence_zh"]``.
    """
    alpha = check_alpha(alpha)
    if restriction not in ("rm", "sd"):
        raise SpecError(f"restriction: expected 'rm' (relative magnitudes) or 'sd' "
                        f"(smoothness), got {restriction!r}")
    method = method or ("C-LF" if restriction == "rm" else "FLCI")
    if restriction == "sd" and method != "FLCI":
        raise SpecError(f"method: smoothness bounds use 'FLCI', got {method!r}")
    if result is not None:
        if betahat is not None or sigma is not None:
            raise SpecError("give either an event-study result or betahat= and sigma=, not both")
        b, s, times, ref = _from_result(result, reference)
        source_design = result.design
    else:
        if betahat is None or sigma is None or event_times is None:
            raise SpecError("honest_did needs an event-study result, or betahat=, sigma= and "
                            "event_times=")
        b = np.asarray(betahat, dtype=float).ravel()
        s = np.asarray(sigma, dtype=float)
        times = [int(e) for e in event_times]
        ref = -1 if reference is None else int(reference)
        source_design = "coefficients"
    if len(times) != len(b):
        raise SpecError(f"event_times: expected {len(b)} event times, got {len(times)}")
    if s.shape != (len(b), len(b)):
        raise SpecError(f"sigma: expected a {len(b)} x {len(b)} covariance matrix for "
                        f"{len(b)} coefficients, got shape {s.shape}")
    order = np.argsort(times)
    times = [times[i] for i in order]
    b, s = b[order], s[np.ix_(order, order)]
    full = sorted(times + [ref])
    if ref in times or full != list(range(full[0], full[-1] + 1)):
        raise SpecError(f"event times must be consecutive around the reference period {ref} "
                        f"(got {times}); re-code the event study")
    num_pre = sum(e < ref for e in times)
    num_post = len(times) - num_pre
    if num_pre < 1 or num_post < 1:
        raise SpecError(f"honest_did needs at least one pre-treatment coefficient before the "
                        f"reference period {ref} and one after it (got {times})")
    post_times = times[num_pre:]
    if isinstance(target, str) and target == "first":
        lv = np.eye(num_post)[0]
        target_en, target_zh = f"event time {post_times[0]}", f"事件时间 {post_times[0]} "
    elif isinstance(target, str) and target == "mean":
        lv = np.full(num_post, 1.0 / num_post)
        target_en = f"the average effect over event times {post_times[0]}..{post_times[-1]}"
        target_zh = f"事件时间 {post_times[0]}..{post_times[-1]} 的平均"
    elif isinstance(target, (int, np.integer)) and not isinstance(target, bool):
        if int(target) not in post_times:
            raise SpecError(f"target: event time {target} is not a post-reference period "
                            f"(choose from {post_times})")
        lv = np.eye(num_post)[post_times.index(int(target))]
        target_en, target_zh = f"event time {int(target)}", f"事件时间 {int(target)} "
    elif isinstance(target, str):
        raise SpecError(f"target: expected 'first', 'mean', an event time or weights, got "
                        f"{target!r}")
    else:
        lv = np.asarray(target, dtype=float).ravel()
        target_en, target_zh = "the weighted effect l'tau", "加权"
    b, s, lv = _check_inputs(b, s, num_pre, lv)

    theta = float(lv @ b[num_pre:])
    se = math.sqrt(float(lv @ s[num_pre:, num_pre:] @ lv))
    lo0, hi0, p0 = normal_ci(theta, se, alpha)

    frontier = _SdFrontier(b, s, num_pre, lv) if restriction == "sd" else None

    def robust(mv: float) -> tuple[float, float, dict[str, Any]]:
        if frontier is not None:
            r = frontier.flci(mv, alpha)
        else:
            r = rm_confidence_set(b, s, num_pre, lv, mv, alpha, method=method,  # type: ignore[arg-type]
                                  grid_points=grid_points, lf_sims=lf_sims, seed=seed)
        return float(r["ci_low"]), float(r["ci_high"]), r

    def excludes_zero(mv: float) -> bool:
        if restriction == "rm":  # 0 rejected by every polyhedron's test
            return not rm_accepts(b, s, num_pre, lv, mv, 0.0, alpha, method, lf_sims, seed)
        lo, hi, _ = robust(mv)
        return bool(lo > 0 or hi < 0)

    bvalue: float | None = None
    sign = ""
    warnings: list[str] = []
    if breakdown:
        lo_a, hi_a, _ = robust(0.0)
        if not (np.isfinite(lo_a) and (lo_a > 0 or hi_a < 0)):
            bvalue = 0.0
        else:
            sign = "positive" if lo_a > 0 else "negative"
            step = 0.5 if restriction == "rm" else max(se, 1e-12)
            lo_m, hi_m = 0.0, step
            while excludes_zero(hi_m) and hi_m < step * 2**20:
                lo_m, hi_m = hi_m, 2 * hi_m
            if excludes_zero(hi_m):
                bvalue = float("inf")
            else:
                while hi_m - lo_m > 1e-4 * max(hi_m, step):
                    mid = 0.5 * (lo_m + hi_m)
                    lo_m, hi_m = (mid, hi_m) if excludes_zero(mid) else (lo_m, mid)
                bvalue = 0.5 * (lo_m + hi_m)
    if m is None:
        if restriction == "rm":
            m_vals = [0.0, 0.5, 1.0, 1.5, 2.0]
        else:
            top = 2 * bvalue if bvalue and np.isfinite(bvalue) else se
            m_vals = list(np.linspace(0.0, top, 6))
    else:
        m_vals = [float(v) for v in np.atleast_1d(np.asarray(m, dtype=float))]
    rows = []
    for mv in m_vals:
        lo, hi, r = robust(mv)
        row = {"restriction": "DeltaRM" if restriction == "rm" else "DeltaSD",
               ("mbar" if restriction == "rm" else "m"): mv, "ci_low": lo, "ci_high": hi,
               "method": method, "excludes_zero": bool(np.isfinite(lo) and (lo > 0 or hi < 0))}
        if restriction == "sd":
            row.update(center=r["center"], max_bias=r["max_bias"], sd=r["sd"])
        elif r["open_low"] or r["open_high"]:
            warnings.append(f"Mbar = {mv:g}: the confidence set reaches the edge of the "
                            f"theta grid {r['grid'][:2]}; it may be wider (use a wider grid)")
        rows.append(row)
    table = pd.DataFrame(rows)

    what = "Mbar" if restriction == "rm" else "M"
    if bvalue is None:
        en = zh = ""
    elif bvalue == 0.0:
        en = (f"The effect on {target_en} is not significant at {100 * (1 - alpha):g}% even "
              f"with exactly parallel trends{' (Mbar = 0)' if restriction == 'rm' else ' extrapolated linearly (M = 0)'}; "
              "there is no conclusion to break down.")
        zh = (f"即使平行趋势{'完全成立（M̄ = 0）' if restriction == 'rm' else '按线性外推（M = 0）'}，"
              f"{target_zh}效应在 {100 * (1 - alpha):g}% 水平上也不显著，无稳健结论可言。")
    elif not np.isfinite(bvalue):
        en = f"The effect on {target_en} stays {sign} for every {what} tried."
        zh = f"{target_zh}效应在所有尝试的 {what} 下保持为{'正' if sign == 'positive' else '负'}。"
    else:
        zh_sign = "正" if sign == "positive" else "负"
        if restriction == "rm":
            en = (f"The effect on {target_en} stays {sign} unless post-treatment violations of "
                  f"parallel trends exceed {_num(bvalue)}x the largest pre-treatment one "
                  f"(breakdown Mbar = {_num(bvalue)}, {100 * (1 - alpha):g}% robust interval).")
            zh = (f"除非处理后平行趋势的偏离超过处理前最大偏离的 {_num(bvalue)} 倍，"
                  f"{target_zh}效应保持为{zh_sign}（临界值 M̄ = {_num(bvalue)}，"
                  f"{100 * (1 - alpha):g}% 稳健区间）。")
        else:
            en = (f"The effect on {target_en} stays {sign} unless the slope of the difference "
                  f"in trends changes by more than {_num(bvalue)} (outcome units) from one "
                  f"period to the next, i.e. departs that far from a linear extrapolation of "
                  f"the pre-trend (breakdown M = {_num(bvalue)}, {100 * (1 - alpha):g}% FLCI).")
            zh = (f"除非处理组与对照组趋势差的斜率每期变化超过 {_num(bvalue)}（结果单位），"
                  f"即偏离处理前趋势的线性外推达到该幅度，{target_zh}效应保持为{zh_sign}"
                  f"（临界值 M = {_num(bvalue)}，{100 * (1 - alpha):g}% 固定长度置信区间）。")
    settings = {
        "restriction": ("relative magnitudes Delta^RM(Mbar)" if restriction == "rm"
                        else "smoothness Delta^SD(M)"),
        "method": {"C-LF": "ARP conditional-least-favourable hybrid (kappa = alpha/10), "
                           "post-period moments, union over max-change period and sign",
                   "Conditional": "ARP conditional test, post-period moments, union over "
                                  "max-change period and sign",
                   "FLCI": "optimal fixed-length CI (exact folded-normal quantile)"}[method],
        "source": source_design, "event_times": times, "reference": ref,
        "num_pre": num_pre, "num_post": num_post, "l_vec": [float(x) for x in lv],
        "alpha": alpha, "breakdown": bvalue, "sentence_en": en, "sentence_zh": zh,
    }
    if restriction == "rm":
        settings.update(grid_points=int(grid_points), grid="theta_hat +- 20 sd (widened while the "
                        "set touches an edge), end points refined", lf_sims=int(lf_sims), seed=int(seed))
    return ImpactResult(
        design=f"honest_did:{restriction}",
        estimand=f"theta = l' tau_post ({target_en}); robust intervals in table",
        estimate=theta, se=se, ci_low=lo0, ci_high=hi0, p_value=p0,
        n=result.n if result is not None else 0,
        n_obs=result.n_obs if result is not None else 0, alpha=alpha,
        se_type="from the event study's covariance", ci_type=(
            "headline: normal pointwise under exact parallel trends; table: robust to "
            f"{'relative-magnitude' if restriction == 'rm' else 'smoothness'} violations"),
        table=table, settings=settings, warnings=warnings,
        diagnostics={"original": pd.DataFrame([{"estimate": theta, "se": se, "ci_low": lo0,
                                                "ci_high": hi0, "method": "original"}])},
    )
