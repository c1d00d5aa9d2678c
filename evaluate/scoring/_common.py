"""Shared argument checks for the scoring methods (one shape for every method).

Every method takes a decision matrix ``X`` of shape (alternatives × criteria) — a numpy
array or a DataFrame — explicit ``directions`` (one per criterion) and, where relevant,
``weights`` (one per criterion, non-negative, summing to 1 after normalisation).  These
helpers turn those arguments into float arrays or raise a :class:`SpecError` /
:class:`InputError` that names the parameter, what was expected and what was received.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
from ..errors import InputError, SpecError

#: Criterion directions understood by every method.  ``benefit``: larger is better;
#: ``cost``: smaller is better.  ``target`` / ``interval`` are first turned into benefit
#: scores by :func:`changjing.evaluate.scoring.normalise.target_score`.
DIRECTIONS = ("benefit", "cost")
_ALIASES = {
    "max": "benefit",
    "min": "cost",
    "+": "benefit",
    "-": "cost",
    "1": "benefit",
    "-1": "cost",
}


def did_you_mean(value: str, choices: Sequence[str]) -> str:
    hint = difflib.get_close_matches(str(value), list(choices), n=1)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def as_matrix(X: Any, name: str = "X", allow_nan: bool = False) -> tuple[np.ndarray, list, list]:
    """Return ``(array, row_labels, column_labels)`` for a 2-D decision matrix.

    NaN is refused (naming the first cell) unless ``allow_nan``; infinities always are.
    """
    rows: list
    cols: list
    if hasattr(X, "to_numpy") and hasattr(X, "columns"):
        rows = list(X.index)
        cols = [str(c) for c in X.columns]
        try:
            arr = X.to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: every column must be numeric ({exc})") from exc
    else:
        try:
            arr = np.asarray(X, dtype=float)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{name}: expected a numeric 2-D array ({exc})") from exc
        if arr.ndim != 2:
            raise InputError(
                f"{name}: expected a 2-D array (alternatives × criteria), got {arr.ndim} "
                f"dimension(s) with shape {arr.shape}"
            )
        rows = list(range(arr.shape[0]))
        cols = [f"C{j + 1}" for j in range(arr.shape[1])]
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"{name}: empty matrix of shape {arr.shape}")
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(
            f"{name}: non-finite value {arr[i, j]!r} at row {rows[i]!r}, column {cols[j]!r}; "
            "handle missing values first (see nan_policy / the indicator system's missing policy)"
        )
    return arr, rows, cols


def as_directions(directions: Any, n: int, name: str = "directions") -> np.ndarray:
    """Return a boolean array, True for benefit criteria.  Accepts strings or ±1."""
    if directions is None:
        raise SpecError(
            f"{name}: criterion directions are required (one of {DIRECTIONS} per criterion); "
            "there is no silent default"
        )
    if isinstance(directions, str):
        directions = [directions] * n
    seq = list(np.atleast_1d(np.asarray(directions, dtype=object)))
    if len(seq) != n:
        raise SpecError(f"{name}: expected {n} directions (one per criterion), got {len(seq)}")
    out = np.empty(n, dtype=bool)
    for j, d in enumerate(seq):
        key = str(int(d)) if isinstance(d, (int, np.integer)) else str(d).strip().lower()
        key = _ALIASES.get(key, key)
        if key not in DIRECTIONS:
            raise SpecError(
                f"{name}[{j}]: direction {d!r} is not one of {DIRECTIONS}"
                f"{did_you_mean(key, DIRECTIONS)}"
            )
        out[j] = key == "benefit"
    return out


def as_weights(weights: Any, n: int, name: str = "weights") -> np.ndarray:
    """Return non-negative weights of length ``n`` normalised to sum to 1."""
    try:
        w = np.asarray(getattr(weights, "weights", weights), dtype=float).ravel()
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{name}: expected {n} numbers ({exc})") from exc
    if w.size != n:
        raise SpecError(f"{name}: expected {n} weights (one per criterion), got {w.size}")
    if not np.all(np.isfinite(w)):
        raise SpecError(f"{name}: weights must be finite, got {w.tolist()}")
    if np.any(w < 0):
        j = int(np.argmax(w < 0))
        raise SpecError(f"{name}[{j}]: weights must be >= 0, got {w[j]}")
    total = w.sum()
    if total <= 0:
        raise SpecError(f"{name}: weights must not all be zero")
    return w / total


def check_range(name: str, value: float, low: float, high: float) -> float:
    value = float(value)
    if not (low <= value <= high):
        raise SpecError(f"{name}: must be in [{low}, {high}], got {value}")
    return value


def row_weights(w: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    """Weights per alternative (alternatives × criteria) re-normalised over present cells.

    ``present`` is a boolean mask of observed cells (``None``: all present).  A row with no
    observed criterion gets all-zero weights (its score is then NaN and reported).
    """
    if present is None:
        return np.broadcast_to(w, (1, w.size))
    W = present * w[None, :]
    s = W.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, W / np.where(s > 0, s, 1.0), 0.0)


def nan_mask(arr: np.ndarray, nan_policy: str, name: str, rows: list, cols: list):
    """Validate ``nan_policy`` and return the mask of present cells (or None if complete)."""
    if nan_policy not in ("raise", "renormalise"):
        raise SpecError(
            f"nan_policy: expected 'raise' or 'renormalise', got {nan_policy!r}"
            f"{did_you_mean(nan_policy, ['raise', 'renormalise'])}"
        )
    missing = np.isnan(arr)
    if not missing.any():
        return None
    if nan_policy == "raise":
        i, j = np.argwhere(missing)[0]
        raise InputError(
            f"{name}: missing value at row {rows[i]!r}, column {cols[j]!r} "
            f"({int(missing.sum())} missing cell(s) in all); pass nan_policy='renormalise' "
            "to re-normalise the weights over the criteria present, or impute first"
        )
    return ~missing


def rank_desc(scores: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best) for larger-is-better scores; ties share the best rank."""
    s = np.asarray(scores, dtype=float)
    key = np.where(np.isnan(s), -np.inf, s)
    order = np.argsort(-key, kind="stable")
    ranks = np.empty(s.size, dtype=np.int64)
    sorted_key = key[order]
    # positions where a new value starts; tied values inherit the first position
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(s.size), 0))
    ranks[order] = first + 1
    return ranks


def weighted_sums(
    A: np.ndarray, W: np.ndarray, present: np.ndarray | None = None, power: int = 1
) -> np.ndarray:
    """Σ_j w_j^power a_ij for every weight row of ``W`` (draws × criteria) → (alternatives ×
    draws): the weighted sum (power 1: weighted sum, grey relational grade) or the weighted
    squared distance (power 2: TOPSIS, with ``A`` the squared gaps).

    With ``present`` (mask of observed cells) a missing cell drops out and each
    alternative's weights are re-normalised over the criteria present: the sum is divided
    by (Σ_{j present} w_j)^power (NaN when none is present).  Without it the weight rows
    are taken as already summing to 1.  The product is formed as (W Aᵀ)ᵀ — the numbers of
    A Wᵀ, laid out so that each draw's scores are contiguous (ranking reads them by draw).
    """
    Wp = W if power == 1 else W**power
    if present is None:
        return (Wp @ A.T).T
    P = present.astype(float)
    scale = (W @ P.T).T  # per-alternative sum of the weights present
    scale = np.where(scale > 0, scale, np.nan)
    S = (Wp @ (np.nan_to_num(A) * P).T).T
    return S / scale if power == 1 else S / scale**power


def relative_closeness(to_good: np.ndarray, to_bad: np.ndarray) -> np.ndarray:
    """to_good / (to_good + to_bad): TOPSIS closeness (d⁻ / (d⁺ + d⁻)) and grey-TOPSIS
    (γ⁺ / (γ⁺ + γ⁻)); NaN where both are 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return to_good / (to_good + to_bad)
