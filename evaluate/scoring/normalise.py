"""Column normalisation of a decision matrix into "higher is better" scores.

Every function works column-wise on a float array (alternatives × criteria), ignores NaN
cells when computing column statistics (they stay NaN) and orients the result so that a
larger value is better.

============  ===========================================================================
method        benefit column (cost columns are mirrored)
============  ===========================================================================
``minmax``    (x − min) / (max − min) ∈ [0, 1]; cost: (max − x) / (max − min)
``vector``    x / ‖x‖₂ ∈ [0, 1] for x ≥ 0; cost: 1 − x / ‖x‖₂ (Hwang & Yoon's vector
              normalisation; TOPSIS keeps the raw x / ‖x‖ and puts the ideal by direction)
``zscore``    (x − mean) / sd (sample sd); cost: −(x − mean) / sd.  Not bounded.
``max``       x / max ∈ (0, 1] (linear scale transformation, Hwang & Yoon 1981 §3.1, the
              weighted-sum default of many textbooks); cost: min / x.  Needs x ≥ 0
              (x > 0 in cost columns); unlike ``minmax`` the worst value does not map to 0
``target``    (中间型) 1 − |x − t| / max|x − t|: 1 at the target value t
``interval``  (区间型) 1 inside [a, b]; outside 1 − dist(x, [a, b]) / max dist
============  ===========================================================================

A constant column carries no information; ``minmax`` / ``vector`` / ``target`` give it 1
(no alternative is worse than another) and ``zscore`` gives it 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ..errors import SpecError
from ._common import as_directions, as_matrix, did_you_mean

METHODS = ("minmax", "vector", "zscore", "max")


def oriented_minmax(arr: np.ndarray, benefit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(z, range): direction-aware min–max of a float array; a constant column (range 0)
    gives 0 here — :func:`minmax` sets it to 1, TOPSIS only uses gaps, which are 0 either way."""
    with np.errstate(all="ignore"):
        lo = np.nanmin(arr, axis=0)
        hi = np.nanmax(arr, axis=0)
    rng = hi - lo
    safe = np.where(rng > 0, rng, 1.0)
    return np.where(benefit, (arr - lo) / safe, (hi - arr) / safe), rng


def unit_columns(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x / ‖x‖₂ column by column, the norms); NaN cells are left out of the norm and an
    all-zero column stays 0."""
    norm = np.sqrt(np.nansum(arr**2, axis=0))
    return arr / np.where(norm > 0, norm, 1.0), norm


def minmax(X: Any, directions: Any) -> np.ndarray:
    arr, _, _ = as_matrix(X, allow_nan=True)
    benefit = as_directions(directions, arr.shape[1])
    z, rng = oriented_minmax(arr, benefit)
    return np.where(rng > 0, z, np.where(np.isnan(arr), np.nan, 1.0))


def vector(X: Any, directions: Any) -> np.ndarray:
    arr, _, _ = as_matrix(X, allow_nan=True)
    benefit = as_directions(directions, arr.shape[1])
    z, norm = unit_columns(arr)
    z = np.where(benefit, z, 1.0 - z)
    return np.where(norm > 0, z, np.where(np.isnan(arr), np.nan, 1.0))


def zscore(X: Any, directions: Any) -> np.ndarray:
    arr, _, _ = as_matrix(X, allow_nan=True)
    benefit = as_directions(directions, arr.shape[1])
    with np.errstate(all="ignore"):
        mean = np.nanmean(arr, axis=0)
        sd = np.nanstd(arr, axis=0, ddof=1)
    ok = np.isfinite(sd) & (sd > 0)
    z = (arr - mean) / np.where(ok, sd, 1.0)
    z = np.where(benefit, z, -z)
    return np.where(ok, z, np.where(np.isnan(arr), np.nan, 0.0))


def max_ratio(X: Any, directions: Any) -> np.ndarray:
    """x / max for benefit columns, min / x for cost columns (Hwang & Yoon 1981)."""
    arr, _, cols = as_matrix(X, allow_nan=True)
    benefit = as_directions(directions, arr.shape[1])
    with np.errstate(all="ignore"):
        lo = np.nanmin(arr, axis=0)
        hi = np.nanmax(arr, axis=0)
    bad = (lo < 0) | (~benefit & (lo <= 0))
    if bad.any():
        j = int(np.argmax(bad))
        need = "> 0 (min / x in a cost column)" if not benefit[j] else ">= 0"
        raise SpecError(
            f"normalisation 'max': column {cols[j]!r} has minimum {lo[j]:g}; x / max needs "
            f"values {need} - use 'minmax' for data with negative values"
        )
    with np.errstate(all="ignore"):
        z = np.where(benefit, arr / np.where(hi > 0, hi, 1.0), lo / arr)
    # an all-zero benefit column carries no information: every alternative scores 1
    return np.where(benefit & (hi == 0), np.where(np.isnan(arr), np.nan, 1.0), z)


def target_score(x: Any, target: float | None = None, interval: Any = None) -> np.ndarray:
    """Score one column toward a target value (中间型) or a target interval (区间型).

    Returns values in [0, 1], 1 at the target / inside the interval.  NaN stays NaN.
    """
    x = np.asarray(x, dtype=float)
    if (target is None) == (interval is None):
        raise SpecError("target_score: give exactly one of target= or interval=")
    if interval is not None:
        a, b = (float(v) for v in interval)
        if a > b:
            raise SpecError(f"interval: lower bound {a} exceeds upper bound {b}")
        dist = np.where(x < a, a - x, np.where(x > b, x - b, 0.0))
    else:
        dist = np.abs(x - float(target))
    with np.errstate(all="ignore"):
        worst = np.nanmax(dist) if np.isfinite(dist).any() else 0.0
    if not worst > 0:
        return np.where(np.isnan(x), np.nan, 1.0)
    return 1.0 - dist / worst


def normalise(X: Any, method: str, directions: Any) -> np.ndarray:
    """Normalise every column with ``method`` (one of :data:`METHODS`), oriented by direction."""
    funcs = {"minmax": minmax, "vector": vector, "zscore": zscore, "max": max_ratio}
    if method == "none":  # values already on a common, oriented scale (e.g. target scores)
        arr, _, _ = as_matrix(X, allow_nan=True)
        if not as_directions(directions, arr.shape[1]).all():
            raise SpecError("normalisation 'none' needs every criterion oriented as benefit")
        return arr
    if method not in funcs:
        raise SpecError(
            f"normalisation: expected one of {METHODS}, got {method!r}{did_you_mean(method, METHODS)}"
        )
    return funcs[method](X, directions)
