"""Inference with few clusters or few treated units.

Cluster-robust standard errors need many clusters *and* many treated clusters; a programme that
funds firms in a handful of districts, or one zone, has neither.  Two remedies:

* :func:`wild_cluster_bootstrap` - the restricted wild cluster bootstrap-t (WCR; Cameron,
  Gelbach & Miller 2008) for the treatment coefficient of a 2x2 DiD or TWFE regression.  Fixed
  effects and covariates are partialled out first (Frisch-Waugh-Lovell), the null
  ``delta = delta0`` is imposed, residuals are flipped per cluster with Rademacher weights, or
  Webb's (2014) six-point weights when there are fewer than 12 clusters (Rademacher then has
  too few distinct draws), and the CR1 t-statistic is bootstrapped.  The p-value is the share of
  ``|t*| >= |t|``; the interval is found by test inversion on the same draws.
* :func:`randomization_test` - Fisher randomization inference: the adoption dates are permuted
  across units (keeping how many units start when), the TWFE coefficient is re-estimated for
  each permutation, ``p = (1 + #{|b*| >= |b|}) / (1 + n_perm)``.  Valid in finite samples under
  the sharp null of no effect for any unit when assignment is exchangeable.

Warnings are attached when the design cannot support inference: a single treated cluster (WCR
is known to over- or under-reject badly, MacKinnon & Webb 2017), fewer than 6 clusters, or so
few units that the smallest attainable permutation p-value exceeds ``alpha``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product

import numpy as np
import pandas as pd
from ..errors import SpecError
from .did import demean
from .panel import prepare_panel
from .result import ImpactResult, check_alpha
from scipy import optimize

__all__ = ["FEW_TREATED_RI", "FEW_TREATED_WILD", "MIN_CLUSTERS", "choose_inference",
           "randomization_test", "wild_cluster_bootstrap", "wild_core"]

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def _check_draws(n: int, seed: int | None, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 99:
        raise SpecError(f"{name}: expected an integer >= 99, got {n!r}")
    if (seed is None or isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
            or seed < 0):
        raise SpecError(f"seed: expected a non-negative integer (required), got {seed!r}")
    return int(n)


def _twfe_arrays(data, unit, time, outcome, treated_from, treated, covariates, cluster, source):
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, covariates=covariates,
                          cluster=cluster, source=source, balanced=False)
    ui, ti = np.nonzero(np.isfinite(panel.y))
    y = panel.y[ui, ti]
    d = panel.treated_at()[ui, ti]
    cols = [y, d] + ([panel.x[ui, ti, j] for j in range(len(covariates))] if covariates else [])
    z = demean(np.column_stack(cols), [ui, ti])
    yt, dt = z[:, 0], z[:, 1]
    if covariates:  # FWL: partial the covariates out of both
        w = z[:, 2:]
        coef = np.linalg.lstsq(w, np.column_stack([yt, dt]), rcond=None)[0]
        yt, dt = yt - w @ coef[:, 0], dt - w @ coef[:, 1]
    clus = panel.cluster[ui] if panel.cluster is not None else ui
    treated_clusters = len(np.unique(clus[d == 1]))
    k = 1 + len(covariates) + len(panel.times)
    return panel, yt, dt, clus, treated_clusters, k, ui, ti


def wild_core(yt: np.ndarray, dt: np.ndarray, clus: np.ndarray, k: int, n_boot: int,
              seed: int, weights: str, alpha: float) -> dict:
    """Restricted wild cluster bootstrap-t for the slope of ``yt`` on ``dt`` (both already
    residualised on every other regressor, Frisch-Waugh-Lovell); ``k`` = regressors counted in
    the CR1 factor.  Returns estimate, CR1 se, p-value, interval, weights used and draws."""
    g = int(clus.max()) + 1
    n = len(yt)
    sxx = float(dt @ dt)
    delta = float(dt @ yt / sxx)
    factor = g / (g - 1) * (n - 1) / (n - k)
    b = np.bincount(clus, weights=dt * dt, minlength=g)

    def cr1_se(scores):
        return np.sqrt(factor * np.sum(scores**2, axis=-1)) / sxx

    resid = yt - delta * dt
    se = float(cr1_se(np.bincount(clus, weights=dt * resid, minlength=g)))
    kind = weights if weights != "auto" else ("webb" if g < 12 else "rademacher")
    rng = np.random.default_rng(seed)
    if kind == "rademacher" and g <= 12:
        v = np.array(list(product([-1.0, 1.0], repeat=g)))
        enumerated = True
    else:
        v = (rng.choice(_WEBB, size=(n_boot, g)) if kind == "webb"
             else rng.integers(0, 2, size=(n_boot, g)) * 2.0 - 1.0)
        enumerated = False

    def pvalue(delta0: float) -> float:
        u0 = yt - delta0 * dt  # restricted residuals (null imposed)
        a = np.bincount(clus, weights=dt * u0, minlength=g)
        t_obs = (delta - delta0) / se
        diff = v @ a / sxx
        scores = v * a[None, :] - diff[:, None] * b[None, :]
        t_star = diff / cr1_se(scores)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))

    p = pvalue(0.0)

    def root(sign: float) -> float:
        lo_, hi_ = delta, delta + sign * se
        step = se
        for _ in range(60):
            if pvalue(hi_) < alpha:
                break
            step *= 2
            hi_ = delta + sign * step
        else:
            return float("nan")
        return optimize.brentq(lambda d0: pvalue(d0) - alpha + 1e-9, lo_, hi_, xtol=se * 1e-4) \
            if pvalue(lo_) > alpha else float("nan")

    ci_low, ci_high = root(-1.0), root(1.0)
    return {"estimate": delta, "se": se, "p_value": p, "ci_low": ci_low, "ci_high": ci_high,
            "weights": kind, "enumerated": enumerated, "draws": len(v)}


def wild_cluster_bootstrap(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    n_boot: int = 999,
    seed: int | None = None,
    weights: str = "auto",
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """TWFE treatment effect with restricted wild cluster bootstrap-t p-value and interval.

    ``weights``: ``"auto"`` (Webb when fewer than 12 clusters, else Rademacher),
    ``"rademacher"`` or ``"webb"``.  With at most 12 clusters and Rademacher weights all
    ``2^G`` sign vectors are enumerated instead of drawn.
    """
    alpha = check_alpha(alpha)
    n_boot = _check_draws(n_boot, seed, "n_boot")
    if weights not in ("auto", "rademacher", "webb"):
        raise SpecError(f"weights: expected auto, rademacher or webb, got {weights!r}")
    covariates = list(covariates or [])
    panel, yt, dt, clus, n_tc, k, _, _ = _twfe_arrays(
        data, unit, time, outcome, treated_from, treated, covariates, cluster, source)
    g = int(clus.max()) + 1
    n = len(yt)
    out = wild_core(yt, dt, clus, k, n_boot, seed, weights, alpha)
    delta, se, p, kind, enumerated = (out["estimate"], out["se"], out["p_value"], out["weights"],
                                      out["enumerated"])
    ci_low, ci_high = out["ci_low"], out["ci_high"]
    warnings = list(panel.warnings)
    if n_tc == 1:
        warnings.append("only one treated cluster: the wild cluster bootstrap is unreliable "
                        "(MacKinnon & Webb 2017); use randomization_test() or synthetic control")
    if g < 6:
        warnings.append(f"only {g} clusters: no cluster-based method supports inference here")
    return ImpactResult(
        design="twfe+wild_cluster_bootstrap", estimand="TWFE coefficient on the treatment "
        "indicator", estimate=delta, se=se, ci_low=ci_low, ci_high=ci_high, n=panel.n_units,
        n_obs=n, alpha=alpha, p_value=p, se_type="cluster-robust CR1 (reported); inference "
        "from the restricted wild cluster bootstrap-t",
        ci_type=f"wild cluster bootstrap-t test inversion ({kind} weights, "
                f"{'all 2^G sign vectors' if enumerated else f'{n_boot} draws, seed {seed}'})",
        settings={"n_boot": out["draws"], "seed": seed,
                  "weights": kind, "enumerated": enumerated, "clusters": g,
                  "treated_clusters": n_tc, "null_imposed": True, "alpha": alpha,
                  "covariates": covariates, "cluster": cluster or unit},
        warnings=warnings,
    )


def ri_interval(b_obs: float, draws: np.ndarray, slope: np.ndarray, alpha: float
                ) -> tuple[float, float]:
    """Hull of ``{tau0 : p(tau0) > alpha}`` with ``p(tau0) = (1 + #{|b*_r - tau0 s_r| >=
    |b - tau0|}) / (1 + R)``: p only changes where ``b*_r - tau0 s_r = +-(b - tau0)``, so it
    is evaluated exactly between consecutive breakpoints."""
    n_perm = len(draws)
    with np.errstate(divide="ignore", invalid="ignore"):
        cuts = np.r_[(draws - b_obs) / (slope - 1), (draws + b_obs) / (slope + 1)]
    cuts = np.unique(cuts[np.isfinite(cuts)])
    if cuts.size == 0:
        return float("nan"), float("nan")
    span = max(1.0, float(np.ptp(cuts)))
    probe = np.r_[cuts[0] - span, (cuts[:-1] + cuts[1:]) / 2, cuts[-1] + span]

    def pval(t0: np.ndarray) -> np.ndarray:
        stat = np.abs(draws[None, :] - t0[:, None] * slope[None, :])
        return (1 + np.sum(stat >= np.abs(b_obs - t0)[:, None] - 1e-12, axis=1)) / (1 + n_perm)

    ok = pval(probe) > alpha
    if not ok.any():
        return float("nan"), float("nan")
    if ok[0] or ok[-1]:  # accepted arbitrarily far out: the set is unbounded
        lo = -np.inf if ok[0] else float(cuts[np.argmax(ok) - 1])
        hi = np.inf if ok[-1] else float(cuts[len(ok) - 1 - np.argmax(ok[::-1])])
        return lo, hi
    first, last = int(np.argmax(ok)), len(ok) - 1 - int(np.argmax(ok[::-1]))
    return float(cuts[first - 1]), float(cuts[last])


def permutation_inference(b_obs: float, level: np.ndarray,
                          regressor: Callable[[np.ndarray], np.ndarray], y: np.ndarray,
                          d: np.ndarray, n_perm: int, rng: np.random.Generator,
                          alpha: float) -> dict:
    """Fisher randomization inference for a regression slope, shared by ``did_2x2`` and
    ``randomization_test``.

    Each draw permutes the assignment ``level`` (treated-group labels or adoption dates, one
    per unit or cluster) and ``regressor(permuted)`` returns the treatment regressor
    residualised on every other regressor (Frisch-Waugh-Lovell), so that the re-estimated
    slope is ``d*'y / d*'d*``; its slope on the observed treatment, ``d*'d / d*'d*``, makes the
    permuted estimate linear in a hypothesised constant effect (``ri_interval``).  Returns the
    p-value ``(1 + #{|b*| >= |b|}) / (1 + n_perm)``, the inverted interval and the draws.
    """
    draws, slope = np.empty(n_perm), np.empty(n_perm)
    for r in range(n_perm):
        dtp = regressor(rng.permutation(level))
        ss = float(dtp @ dtp)
        draws[r] = dtp @ y / ss if ss > 1e-12 else 0.0
        slope[r] = dtp @ d / ss if ss > 1e-12 else 0.0
    p = float((1 + np.sum(np.abs(draws) >= abs(b_obs) - 1e-12)) / (1 + n_perm))
    lo, hi = ri_interval(b_obs, draws, slope, alpha)
    return {"p_value": p, "ci_low": lo, "ci_high": hi, "draws": n_perm,
            "draws_values": draws}


# Few treated clusters: the documented switch points of ``inference="auto"`` in did_2x2/twfe.
FEW_TREATED_RI = 5      # below: randomization inference (CR1 and the wild bootstrap both fail)
FEW_TREATED_WILD = 10   # below (and at least FEW_TREATED_RI): wild cluster bootstrap, Webb
MIN_CLUSTERS = 30       # fewer clusters in all: wild cluster bootstrap even with many treated


def choose_inference(n_treated_clusters: int, n_clusters: int, can_permute: bool
                     ) -> tuple[str, str]:
    """``(method, reason)`` for ``inference="auto"``.

    Cluster-robust SEs need many clusters and many *treated* clusters: with one treated unit
    the CR1 t-test of a 2x2 DiD rejects a true null far above 5 % (Conley & Taber 2011;
    MacKinnon & Webb 2017).  Rules: fewer than ``FEW_TREATED_RI`` (5) treated clusters ->
    randomization inference (exact under exchangeable assignment of adoption dates across
    clusters) when the data are a panel, else the wild bootstrap with a warning; fewer than
    ``FEW_TREATED_WILD`` (10) treated clusters or fewer than ``MIN_CLUSTERS`` (30) clusters
    -> restricted wild cluster bootstrap-t (Webb weights below 12 clusters); otherwise CR1.
    """
    if n_treated_clusters < FEW_TREATED_RI:
        why = (f"only {n_treated_clusters} treated of {n_clusters} clusters (< {FEW_TREATED_RI} "
               "treated): "
               "cluster-robust and wild-bootstrap tests over-reject or fail here")
        if can_permute:
            return "randomization", why + "; randomization inference used"
        return "wild", why + "; randomization inference needs a panel (unit and time), so the " \
            "wild cluster bootstrap was used - treat its p-value with great caution"
    if n_treated_clusters < FEW_TREATED_WILD or n_clusters < MIN_CLUSTERS:
        return "wild", (f"{n_treated_clusters} treated of {n_clusters} clusters (< "
                        f"{FEW_TREATED_WILD} treated or < {MIN_CLUSTERS} in all): restricted "
                        "wild cluster bootstrap-t used")
    return "analytic", (f"{n_treated_clusters} treated of {n_clusters} clusters: cluster-robust "
                        "CR1 is reliable")


def randomization_test(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    n_perm: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Fisher randomization test of the TWFE coefficient, permuting adoption dates.

    Dates are permuted across units, or across ``cluster``s when treatment was assigned at that
    level (a zone, a district): every unit of a cluster must then share one adoption date.
    The permutation p-value includes the observed assignment: ``(1 + #{|b*| >= |b|}) /
    (1 + n_perm)``.  The reported ``se`` is the standard deviation of the permutation
    distribution (a scale, not a confidence statement).  The interval collects every constant
    additive effect ``tau0`` not rejected at ``alpha`` when ``tau0 * D`` is removed from the
    outcome and the same permutations are re-used (test inversion; Imbens & Rubin 2015, ch. 5);
    it is exact because the permuted statistics are linear in ``tau0``.
    """
    alpha = check_alpha(alpha)
    n_perm = _check_draws(n_perm, seed, "n_perm")
    covariates = list(covariates or [])
    panel, yt, dt, clus, _, _, ui, ti = _twfe_arrays(
        data, unit, time, outcome, treated_from, treated, covariates, cluster, source)
    b_obs = float(dt @ yt / (dt @ dt))
    rng = np.random.default_rng(seed)
    gvec = panel.first_treated
    if panel.cluster is not None:
        # assignment level = cluster: one date per cluster, permuted across clusters
        n_cl = int(panel.cluster.max()) + 1
        gcl = np.full(n_cl, np.nan)
        for c in range(n_cl):
            dates = np.unique(gvec[panel.cluster == c])
            if len(dates) != 1:
                from ..errors import InputError

                raise InputError(
                    f"{panel.source}: cluster {cluster!r} value number {c} mixes adoption dates "
                    f"({', '.join(f'{d:g}' for d in dates[:4])}); permuting at the cluster "
                    "level needs one date per cluster")
            gcl[c] = dates[0]
        level, unit_of = gcl, panel.cluster
    else:
        level, unit_of = gvec, np.arange(panel.n_units)
    wcov = None
    if covariates:
        wcov = demean(np.column_stack([panel.x[ui, ti, j] for j in range(len(covariates))]),
                      [ui, ti])

    def regressor(perm: np.ndarray) -> np.ndarray:
        gp = perm[unit_of]
        dtp = demean((panel.times[ti] >= gp[ui]).astype(float), [ui, ti])[:, 0]
        if wcov is not None:
            dtp = dtp - wcov @ np.linalg.lstsq(wcov, dtp, rcond=None)[0]
        return dtp

    out = permutation_inference(b_obs, level, regressor, yt, dt, n_perm, rng, alpha)
    draws, p, ci_low, ci_high = out["draws_values"], out["p_value"], out["ci_low"], out["ci_high"]
    n_tr = int(np.isfinite(level).sum())
    from math import comb

    n_assign = comb(len(level), n_tr)
    warnings = list(panel.warnings)
    if 1 / n_assign > alpha:
        warnings.append(f"only {n_assign} distinct assignments exist: the smallest attainable "
                        f"p-value {1 / n_assign:.3f} exceeds alpha = {alpha}; the design "
                        "cannot support a significance test at this level")
    return ImpactResult(
        design="twfe+randomization_inference", estimand="TWFE coefficient on the treatment "
        "indicator", estimate=b_obs, se=float(np.std(draws, ddof=1)), ci_low=ci_low,
        ci_high=ci_high, n=panel.n_units, n_obs=len(yt), alpha=alpha, p_value=p,
        se_type="standard deviation of the permutation distribution (scale only)",
        ci_type=f"randomization-test inversion under a constant additive effect (Fisher p-value"
                f" from {n_perm} permutations of adoption dates, seed {seed})",
        diagnostics={"permutation": pd.DataFrame({"draw": np.arange(n_perm),
                                                  "estimate": draws})},
        settings={"n_perm": n_perm, "seed": seed,
                  "permuted": "first-treatment period across "
                  + ("clusters" if panel.cluster is not None else "units")
                  + " (cohort sizes kept)", "cluster": cluster, "alpha": alpha,
                  "covariates": covariates},
        warnings=warnings,
    )
