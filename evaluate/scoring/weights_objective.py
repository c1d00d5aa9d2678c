"""Objective weights from the data: entropy, CRITIC and standard deviation.

All three take a decision matrix ``X`` (alternatives × criteria) and return a
:class:`WeightResult` whose ``weights`` are non-negative and sum to 1.

Entropy (Shannon; the "entropy weight method" 熵权法, e.g. Zeleny 1982, Hwang & Yoon 1981)
    p_ij = x_ij / Σ_i x_ij,  e_j = −(1/ln m) Σ_i p_ij ln p_ij,  w_j = (1 − e_j) / Σ (1 − e_k).
    Computed on the raw (non-negative) values, as in the published examples; directions
    do not enter.  **Zeros** use the limit 0·ln 0 = 0, so they need no shift.
    **Negative values** break the shares p_ij; with ``shift="auto"`` (default) a column
    containing a negative value is translated by x − min(x) + ε·(max − min) (ε = 1e-4,
    recorded per column), otherwise (``shift="none"``) it is refused.  A column whose
    values are all equal (or all zero) carries no information: e_j = 1, weight 0.
CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995)
    Values are first mapped to [0, 1] by direction-aware min–max, (x − worst)/(best − worst);
    C_j = σ_j Σ_k (1 − r_jk) with σ the sample standard deviation and r Pearson's
    correlation of the normalised columns; w_j = C_j / Σ C_k.  Unlike pymcdm, directions
    are honoured (flipping a cost column changes its correlations' signs).
Standard deviation
    w_j = σ_j / Σ σ_k of the min–max normalised columns (or of the raw columns).

Constant columns get σ = 0 and so weight 0 in CRITIC and std; if every column is constant
there is no information at all and a :class:`SpecError` is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.scoring._common import as_directions, as_matrix, did_you_mean


@dataclass
class WeightResult:
    """Weights (non-negative, summing to 1) with the method and its intermediate values."""

    weights: np.ndarray
    method: str
    criteria: list[str]
    details: dict = field(default_factory=dict)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.weights, dtype=dtype)

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame({"criterion": self.criteria, "weight": self.weights})
        for key, val in self.details.items():
            if isinstance(val, np.ndarray) and val.shape == self.weights.shape:
                frame[key] = val
        return frame

    def provenance(self) -> dict:
        out: dict[str, Any] = {"method": self.method}
        for key, val in self.details.items():
            out[key] = np.round(val, 10).tolist() if isinstance(val, np.ndarray) else val
        return out

    def summary(self) -> str:
        lines = [f"{self.method} weights"]
        lines += [f"  {c:<24s} {w:.4f}" for c, w in zip(self.criteria, self.weights)]
        return "\n".join(lines)


def _normalise_total(score: np.ndarray, method: str) -> np.ndarray:
    total = score.sum()
    if not total > 0:
        raise SpecError(
            f"{method}: every criterion is constant across the alternatives, so the data "
            "carry no information for objective weights; use fixed or AHP weights"
        )
    return score / total


def entropy_weights(X: Any, *, shift: str = "auto", epsilon: float = 1e-4) -> WeightResult:
    """Entropy weights of the columns of ``X`` (see module docstring for the shift rule)."""
    arr, _, cols = as_matrix(X)
    if shift not in ("auto", "none"):
        raise SpecError(
            f"shift: expected 'auto' or 'none', got {shift!r}{did_you_mean(shift, ['auto', 'none'])}"
        )
    m = arr.shape[0]
    if m < 2:
        raise InputError(f"X: entropy weights need at least 2 alternatives, got {m}")
    shifts = np.zeros(arr.shape[1])
    neg = (arr < 0).any(axis=0)
    if neg.any():
        if shift == "none":
            j = int(np.argmax(neg))
            raise InputError(
                f"X: column {cols[j]!r} has negative values (min {arr[:, j].min():g}); entropy "
                "shares need x >= 0 - pass shift='auto' to translate such columns"
            )
        lo = arr[:, neg].min(axis=0)
        rng = arr[:, neg].max(axis=0) - lo
        shifts[neg] = -lo + epsilon * np.where(rng > 0, rng, 1.0)
        arr = arr + shifts
    total = arr.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, arr / np.where(total > 0, total, 1.0), 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)  # 0 ln 0 := 0
    e = -plogp.sum(axis=0) / np.log(m)
    e = np.where(total > 0, e, 1.0)  # an all-zero column carries no information
    d = np.clip(1.0 - e, 0.0, None)
    w = _normalise_total(d, "entropy")
    return WeightResult(w, "entropy", cols, {"entropy": e, "divergence": d, "shift": shifts})


def _directional_minmax(arr: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    rng = hi - lo
    safe = np.where(rng > 0, rng, 1.0)
    z = np.where(benefit, (arr - lo) / safe, (hi - arr) / safe)
    return np.where(rng > 0, z, 0.0)


def critic_weights(X: Any, directions: Any) -> WeightResult:
    """CRITIC weights (Diakoulaki et al. 1995) with direction-aware min–max normalisation."""
    arr, _, cols = as_matrix(X)
    if arr.shape[0] < 3:
        raise InputError(
            f"X: CRITIC needs at least 3 alternatives for correlations, got {arr.shape[0]}"
        )
    benefit = as_directions(directions, arr.shape[1])
    z = _directional_minmax(arr, benefit)
    sigma = z.std(axis=0, ddof=1)
    zc = z - z.mean(axis=0)
    norms = np.sqrt((zc**2).sum(axis=0))
    safe = np.where(norms > 0, norms, 1.0)
    r = (zc / safe).T @ (zc / safe)
    # a constant column has no defined correlation; its σ = 0 zeroes its weight anyway
    r[norms == 0, :] = 0.0
    r[:, norms == 0] = 0.0
    np.fill_diagonal(r, 1.0)
    conflict = (1.0 - r).sum(axis=1)
    info = sigma * conflict
    w = _normalise_total(info, "CRITIC")
    return WeightResult(
        w, "critic", cols, {"sigma": sigma, "conflict": conflict, "information": info}
    )


def std_weights(X: Any, *, normalise: str = "minmax") -> WeightResult:
    """Standard-deviation weights w_j = σ_j / Σ σ_k.

    ``normalise="minmax"`` (default) first maps each column to [0, 1] so that units do not
    decide the weights; ``"none"`` uses the raw columns (as Sałabun et al. 2020 do, whose
    inputs are already on [0, 1]).  Direction does not matter: flipping a column keeps σ.
    """
    arr, _, cols = as_matrix(X)
    if normalise not in ("minmax", "none"):
        raise SpecError(f"normalise: expected 'minmax' or 'none', got {normalise!r}")
    if arr.shape[0] < 2:
        raise InputError(
            f"X: standard-deviation weights need at least 2 alternatives, got {arr.shape[0]}"
        )
    if normalise == "minmax":
        arr = _directional_minmax(arr, np.ones(arr.shape[1], dtype=bool))
    sigma = arr.std(axis=0, ddof=1)
    w = _normalise_total(sigma, "std")
    return WeightResult(w, "std", cols, {"sigma": sigma, "normalise": normalise})
