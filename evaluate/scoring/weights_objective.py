"""Objective weights from the data: entropy, CRITIC and standard deviation.

All three take a decision matrix ``X`` (alternatives × criteria) and return a
:class:`WeightResult` whose ``weights`` are non-negative and sum to 1.

Entropy (Shannon; the "entropy weight method" 熵权法, e.g. Zeleny 1982, Hwang & Yoon 1981)
    p_ij = x_ij / Σ_i x_ij,  e_j = −(1/ln m) Σ_i p_ij ln p_ij,  w_j = (1 − e_j) / Σ (1 − e_k).
    ``convention="raw"`` (default) computes it on the raw (non-negative) values, as in the
    published examples of Xu (2004) and Zavadskas & Podvezko (2016); directions do not
    enter.  **Zeros** use the limit 0·ln 0 = 0, so they need no shift.
    ``convention="standardised"`` is the 熵权法 of Chinese evaluation practice and
    modelling textbooks (the standardise-then-translate idea goes back to 郭显光 1998
    《改进的熵值法及其在经济效益评价中的应用》, 系统工程理论与实践 18(12), who translates
    z-scores; the textbooks use min–max): each column is first mapped by direction-aware
    min–max, z = (x − worst)/(best − worst),
    then shifted, z' = z + ``offset`` (default 1e-4) so that ln p stays finite, and the
    entropy is computed on z'.  Because the worst alternative gets share ≈ 0 in every
    column, the two conventions give visibly different weights on the same data; the
    one used (and the offset) is recorded in ``details``.
    **Negative values** break the shares p_ij; with ``shift="auto"`` (default) a column
    containing a negative value is translated by x − min(x) + ε·(max − min) (ε = 1e-4,
    recorded per column), otherwise (``shift="none"``) it is refused.  A column whose
    values are all equal (or all zero) carries no information: e_j = 1, weight 0.
CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995)
    Values are first mapped to [0, 1] by direction-aware min–max, (x − worst)/(best − worst);
    C_j = σ_j Σ_k (1 − r_jk) with σ the sample standard deviation and r Pearson's
    correlation of the normalised columns; w_j = C_j / Σ C_k.  Unlike pymcdm, directions
    are honoured (flipping a cost column changes its correlations' signs).
    A constant column has σ = 0 and no defined correlation: it gets weight 0 and is left
    out of the other columns' conflict sums, so the remaining weights are exactly those of
    CRITIC on the matrix without it (a column with no information must not change them).
    ``contrast="entropy"`` replaces σ_j by the entropy divergence 1 − e_j of the
    normalised column, keeping the conflict term (the entropy–CRITIC variant of applied
    studies).  The entropy of a min–max column needs a convention for its 0 (worst) and
    1 (best) cells: ``epsilon=0`` (default) takes them as they are (0·ln 0 = 0);
    ``epsilon=ε > 0`` replaces exact 0s by ε and exact 1s by 1 − ε first, as the R
    package mathmodels (Zhang, ``critic_weight(method = "entropy")``, ε = 0.002) does.
Standard deviation
    w_j = σ_j / Σ σ_k of the min–max normalised columns (or of the raw columns).

Constant columns get σ = 0 and so weight 0 in CRITIC and std; if every column is constant
there is no information at all and a :class:`SpecError` is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..errors import InputError, SpecError
from ._common import as_directions, as_matrix, did_you_mean


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


ENTROPY_CONVENTIONS = ("raw", "standardised")


def entropy_weights(
    X: Any,
    *,
    shift: str = "auto",
    epsilon: float = 1e-4,
    convention: str = "raw",
    directions: Any = None,
    offset: float = 1e-4,
) -> WeightResult:
    """Entropy weights of the columns of ``X``.

    ``convention="raw"``: shares of the raw values (``shift`` / ``epsilon`` translate a
    column with negative values).  ``convention="standardised"``: direction-aware min–max
    to [0, 1] plus ``offset`` first (needs ``directions``).  See the module docstring.
    """
    if convention not in ENTROPY_CONVENTIONS:
        raise SpecError(
            f"convention: expected one of {ENTROPY_CONVENTIONS}, got {convention!r}"
            f"{did_you_mean(convention, ENTROPY_CONVENTIONS)}"
        )
    if convention == "standardised":
        return _entropy_standardised(X, directions, offset)
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
    return WeightResult(
        w, "entropy", cols, {"entropy": e, "divergence": d, "shift": shifts, "convention": "raw"}
    )


def _entropy_of_shares(arr: np.ndarray) -> np.ndarray:
    """Normalised Shannon entropy e_j of the column shares (x >= 0, 0 ln 0 := 0)."""
    total = arr.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(total > 0, arr / np.where(total > 0, total, 1.0), 0.0)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(arr.shape[0])
    return np.where(total > 0, e, 1.0)


def _entropy_standardised(X: Any, directions: Any, offset: float) -> WeightResult:
    arr, _, cols = as_matrix(X)
    if directions is None:
        raise SpecError(
            "directions: convention='standardised' maps every column by direction first; "
            "give one 'benefit'/'cost' per criterion"
        )
    if arr.shape[0] < 2:
        raise InputError(f"X: entropy weights need at least 2 alternatives, got {arr.shape[0]}")
    if not (isinstance(offset, (int, float)) and 0 <= offset <= 1):
        raise SpecError(f"offset: expected a number in [0, 1], got {offset!r}")
    benefit = as_directions(directions, arr.shape[1])
    z = _directional_minmax(arr, benefit)
    const = arr.max(axis=0) == arr.min(axis=0)
    # a constant column is all-equal after the shift as well: e = 1, weight 0
    e = np.where(const, 1.0, _entropy_of_shares(z + float(offset)))
    d = np.clip(1.0 - e, 0.0, None)
    w = _normalise_total(d, "entropy")
    return WeightResult(
        w,
        "entropy",
        cols,
        {
            "entropy": e,
            "divergence": d,
            "convention": "standardised",
            "offset": float(offset),
            "directions": ["benefit" if b else "cost" for b in benefit],
        },
    )


def _directional_minmax(arr: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    lo, hi = arr.min(axis=0), arr.max(axis=0)
    rng = hi - lo
    safe = np.where(rng > 0, rng, 1.0)
    z = np.where(benefit, (arr - lo) / safe, (hi - arr) / safe)
    return np.where(rng > 0, z, 0.0)


CRITIC_CONTRASTS = ("std", "entropy")


def critic_weights(
    X: Any, directions: Any, *, contrast: str = "std", epsilon: float = 0.0
) -> WeightResult:
    """CRITIC weights (Diakoulaki et al. 1995) with direction-aware min–max normalisation.

    ``contrast="std"`` (the original) measures each criterion's contrast by the sample
    standard deviation of its normalised column; ``"entropy"`` by its entropy divergence,
    with exact 0s and 1s of the normalised column replaced by ``epsilon`` and
    ``1 − epsilon`` first when ``epsilon > 0`` (module docstring).
    """
    if contrast not in CRITIC_CONTRASTS:
        raise SpecError(
            f"contrast: expected one of {CRITIC_CONTRASTS}, got {contrast!r}"
            f"{did_you_mean(contrast, CRITIC_CONTRASTS)}"
        )
    if not (isinstance(epsilon, (int, float)) and 0 <= epsilon < 0.5):
        raise SpecError(f"epsilon: expected a number in [0, 0.5), got {epsilon!r}")
    if epsilon and contrast != "entropy":
        raise SpecError(
            "epsilon: only used with contrast='entropy' (it shifts the 0 and 1 cells "
            f"before the entropy); got epsilon={epsilon!r} with contrast={contrast!r}"
        )
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
    # A constant column has no defined correlation.  Treating r as 1 with it drops it
    # from every conflict sum (1 − r = 0), so it cannot inflate the others' conflict;
    # its σ = 0 (and e = 1) zeroes its own weight.
    r[norms == 0, :] = 1.0
    r[:, norms == 0] = 1.0
    np.fill_diagonal(r, 1.0)
    conflict = (1.0 - r).sum(axis=1)
    if contrast == "std":
        spread = sigma
    else:
        ze = z if not epsilon else np.where(z == 0, epsilon, np.where(z == 1, 1 - epsilon, z))
        spread = np.where(norms > 0, 1.0 - _entropy_of_shares(ze), 0.0)
    info = spread * conflict
    w = _normalise_total(info, "CRITIC")
    details = {"sigma": sigma, "contrast": spread, "conflict": conflict, "information": info}
    if contrast == "entropy":
        details["epsilon"] = float(epsilon)
    return WeightResult(w, "critic" if contrast == "std" else "critic-entropy", cols, details)


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
