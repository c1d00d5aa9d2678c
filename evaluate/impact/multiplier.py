"""Inference for influence-function estimators: clustered analytic SEs, the multiplier
bootstrap (simultaneous sup-t bands) and the Wald pre-test of parallel trends.

Shared by :mod:`staggered` (ATT(g,t) cells) and :mod:`staggered_aggte` (aggregations), so that
every number of a staggered analysis is computed by one definition of the standard error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ..errors import SpecError
from .result import ImpactResult
from scipy import stats


def _cluster_sums(inf: np.ndarray, cluster: np.ndarray | None) -> np.ndarray:
    if cluster is None:
        return inf
    k = inf.shape[1] if inf.ndim == 2 else 1
    out = np.zeros((cluster.max() + 1, k))
    np.add.at(out, cluster, inf.reshape(len(inf), k))
    return out if inf.ndim == 2 else out[:, 0]


def analytic_se(inf: np.ndarray, cluster: np.ndarray | None = None) -> np.ndarray:
    """Standard errors ``sqrt(sum_c S_c^2)/n`` from an ``(n,)`` or ``(n, k)`` influence matrix."""
    n = inf.shape[0]
    s = _cluster_sums(inf, cluster)
    return np.sqrt(np.sum(s**2, axis=0)) / n


BOOTSTRAP_WEIGHTS = {
    "rademacher": "Rademacher (+-1 with probability 1/2), as R did (BMisc::multiplier_bootstrap)",
    "mammen": "Mammen (1993) two-point: (1-sqrt5)/2 w.p. (sqrt5+1)/(2 sqrt5), else (1+sqrt5)/2",
}


def _multipliers(rng: np.random.Generator, size: tuple[int, int], kind: str) -> np.ndarray:
    """Mean-zero, unit-variance multiplier draws (one per cluster and draw)."""
    if kind == "rademacher":
        return rng.integers(0, 2, size=size, dtype=np.int8).astype(float) * 2.0 - 1.0
    r5 = np.sqrt(5.0)
    low = rng.uniform(size=size) < (r5 + 1) / (2 * r5)
    return np.where(low, (1 - r5) / 2, (1 + r5) / 2)


def multiplier_bootstrap(inf: np.ndarray, n_boot: int, rng: np.random.Generator,
                         cluster: np.ndarray | None = None, alpha: float = 0.05,
                         band: np.ndarray | None = None, chunk: int = 128,
                         weights: str = "rademacher") -> dict[str, np.ndarray | float]:
    """Multiplier bootstrap of estimators with influence matrix ``inf`` (n x k).

    Each draw multiplies the cluster sums of the influence function by one weight per cluster
    (``weights``: ``"rademacher"`` as R ``did``, or ``"mammen"``).  Returns the draws
    (``n_boot x k``) of the estimator's deviation, the bootstrap standard errors (normalised
    inter-quartile range, as ``did``) of **every** component, and the pointwise and the
    simultaneous critical values; the sup-t runs over all components, or over the boolean mask
    ``band`` (e.g. the rows of an event study but not its overall average).  Components with
    zero bootstrap spread (e.g. the reference cell of a universal base period) have no SE and
    are left out of the sup.
    """
    if weights not in BOOTSTRAP_WEIGHTS:
        raise SpecError(f"bootstrap_weights: expected one of {', '.join(BOOTSTRAP_WEIGHTS)}, "
                        f"got {weights!r}")
    inf = np.atleast_2d(inf.T).T
    n = inf.shape[0]
    s = _cluster_sums(inf, cluster)
    g = s.shape[0]
    draws = np.empty((n_boot, inf.shape[1]))
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        draws[start:start + b] = _multipliers(rng, (b, g), weights) @ s / n
    return {"draws": draws, **summarise_draws(draws, alpha, band),
            "crit_pointwise": float(stats.norm.ppf(1 - alpha / 2))}


def summarise_draws(draws: np.ndarray, alpha: float, band: np.ndarray | None = None
                    ) -> dict[str, np.ndarray | float]:
    """Bootstrap SEs (normalised IQR) and the sup-t critical value over ``band`` from draws
    (``n_boot × k``); :func:`multiplier_bootstrap` and the staggered aggregates share it."""
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0)
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    ok = se > np.sqrt(np.finfo(float).eps) * max(1.0, float(np.max(np.abs(draws))))
    in_band = ok & band if band is not None else ok
    if in_band.any():
        tmax = np.max(np.abs(draws[:, in_band] / se[in_band]), axis=1)
        crit = float(np.quantile(tmax, 1 - alpha))
    else:
        crit = float("nan")
    return {"se": np.where(ok, se, np.nan), "crit_simultaneous": crit}



def pretrend_test(result: ImpactResult) -> pd.DataFrame:
    """Wald test that every pre-treatment ATT(g,t) is zero (analytic covariance).

    Returns a one-row table ``statistic, df, p_value, cells`` (``nan`` when there are no
    pre-treatment cells).  As the ``did`` package, cells with zero variance are left out.
    """
    cells = result.extra["cells"]
    inf = result.extra["inf"]
    # as did: every cell with t < g, including those inside an anticipation window (under
    # anticipation they are short differences that parallel trends also restricts)
    pre = (cells["time"] < cells["group"]).to_numpy().copy()
    se = analytic_se(inf, result.extra["cluster"])
    pre &= se > 1e-12
    if not pre.any():
        return pd.DataFrame([{"test": "pre-trends Wald (all pre-treatment ATT(g,t) = 0)",
                              "statistic": np.nan, "df": 0, "p_value": np.nan, "cells": 0}])
    n = inf.shape[0]
    s = _cluster_sums(inf[:, pre], result.extra["cluster"])
    cov = s.T @ s / n**2
    att = cells["estimate"].to_numpy()[pre]
    stat = float(att @ np.linalg.pinv(cov) @ att)
    df = int(np.linalg.matrix_rank(cov))
    return pd.DataFrame([{"test": "pre-trends Wald (all pre-treatment ATT(g,t) = 0)",
                          "statistic": stat, "df": df,
                          "p_value": float(stats.chi2.sf(stat, df)), "cells": int(pre.sum())}])
