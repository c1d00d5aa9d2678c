"""Grey relational analysis (Deng 1982, 1989) for ranking alternatives.

Steps (Deng's grey relational grade with the ideal reference sequence):

1. map each column to [0, 1] by direction-aware min–max (the reference sequence is then
   the ideal, 1 in every column);
2. deviations Δ_ij = |1 − z_ij|; Δmin and Δmax are the two-level minimum and maximum over
   *all* alternatives and criteria;
3. grey relational coefficients ξ_ij = (Δmin + ρ Δmax) / (Δ_ij + ρ Δmax), ρ ∈ (0, 1]
   the distinguishing coefficient (0.5 customary);
4. grade γ_i = Σ_j w_j ξ_ij with weights summing to 1 — equal weights give Deng's plain
   mean over criteria (pyDecision divides by the number of alternatives instead, which is
   not Deng's grade).

Larger grades are better.  With ``nan_policy="renormalise"`` missing cells drop out and
each alternative's weights are re-normalised over the criteria present.

A given reference sequence (``reference=``, one value per criterion, e.g. a target or last
year's benchmark scenario) replaces the ideal, with ``values=``

* ``"normalised"`` (default): the reference is min–max normalised together with the
  alternatives (so it is mapped by the same column ranges), Δ_ij = |z_ij − z_0j|;
* ``"raw"``: Δ_ij = |x_ij − x_0j| on the raw values — Deng's original form, meaningful
  when the columns share one scale (already initialised or dimensionless data).

Grey-TOPSIS (:func:`grey_topsis`; 灰色关联 TOPSIS): grey relational grades to the positive
ideal (1 in every normalised column), γ⁺, and to the negative ideal (0), γ⁻, each with
its own two-level Δmin/Δmax; relative closeness C_i = γ⁺_i / (γ⁺_i + γ⁻_i), larger better.
The same ``values=`` choice applies, and the two reference sequences can be given
(``positive=``, ``negative=``, one value per criterion):

* ``"normalised"`` (default): the data are min–max normalised by direction; a given
  reference is normalised together with them (default references 1 and 0);
* ``"raw"``: the values are used as they are — for data the evaluator has already made
  dimensionless and benefit-oriented (e.g. vector-normalised, as in 赵洪山 & 李静璇 2022);
  the default references are the column best and worst (max / min for a benefit column,
  the other way round for a cost column).  A published example computes γ⁻ against 0 in
  every column rather than the column minima; ``negative=[0, …]`` reproduces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..errors import SpecError
from ._common import (
    as_directions,
    as_matrix,
    as_weights,
    check_range,
    did_you_mean,
    nan_mask,
    rank_desc,
    relative_closeness,
    weighted_sums,
)
from .normalise import minmax

VALUES = ("normalised", "raw")


@dataclass
class GreyResult:
    grade: np.ndarray
    coefficients: np.ndarray
    rank: np.ndarray
    rho: float
    alternatives: list = field(default_factory=list)
    reference: str = "ideal"

    @property
    def scores(self) -> np.ndarray:
        return self.grade

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {"alternative": self.alternatives, "grade": self.grade, "rank": self.rank}
        )

    def summary(self) -> str:
        head = f"Grey relational analysis (rho = {self.rho}), {len(self.grade)} alternatives"
        order = np.argsort(self.rank, kind="stable")
        rows = [
            f"  {self.rank[i]:>4d}  {str(self.alternatives[i]):<20s} grade = {self.grade[i]:.4f}"
            for i in order[:20]
        ]
        return "\n".join([head, *rows])


def coefficients(
    arr: np.ndarray,
    benefit: np.ndarray,
    rho: float,
    reference: np.ndarray | None = None,
    values: str = "normalised",
) -> np.ndarray:
    """Grey relational coefficients ξ (alternatives × criteria); NaN where the cell is missing.

    Without ``reference`` the reference is the ideal of the direction-aware min–max
    normalised matrix; see the module docstring for a given reference.
    """
    if reference is None:
        z = minmax(arr, np.where(benefit, "benefit", "cost"))
        delta = np.abs(1.0 - z)
    elif values == "raw":
        delta = np.abs(arr - reference[None, :])
    else:
        z = minmax(np.vstack([reference[None, :], arr]), np.where(benefit, "benefit", "cost"))
        delta = np.abs(z[1:] - z[:1])
    return _xi(delta, rho)


def _xi(delta: np.ndarray, rho: float) -> np.ndarray:
    dmin, dmax = np.nanmin(delta), np.nanmax(delta)
    if dmax == 0:  # every alternative equals the ideal everywhere
        return np.where(np.isnan(delta), np.nan, 1.0)
    return (dmin + rho * dmax) / (delta + rho * dmax)


def _grades(xi: np.ndarray, W: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    return weighted_sums(xi, W, present)


def grey_relational(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    rho: float = 0.5,
    nan_policy: str = "raise",
    reference: Any = None,
    values: str = "normalised",
) -> GreyResult:
    """Weighted grey relational grades to the ideal alternative, or to a given
    ``reference`` sequence on ``values="normalised"`` or ``"raw"`` data (module docstring)."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    benefit = as_directions(directions, arr.shape[1])
    rho = check_range("rho", rho, 1e-9, 1.0)
    if values not in VALUES:
        raise SpecError(
            f"values: expected one of {VALUES}, got {values!r}{did_you_mean(values, VALUES)}"
        )
    ref = _reference(reference, arr.shape[1], "reference")
    xi = coefficients(arr, benefit, rho, ref, values)
    g = _grades(xi, w[None, :], present)[:, 0]
    return GreyResult(
        g, xi, rank_desc(g), rho, rows, "ideal" if ref is None else f"given ({values})"
    )


@dataclass
class GreyTopsisResult:
    closeness: np.ndarray
    grade_positive: np.ndarray
    grade_negative: np.ndarray
    rank: np.ndarray
    rho: float
    alternatives: list = field(default_factory=list)
    reference: str = "ideals (normalised)"

    @property
    def scores(self) -> np.ndarray:
        return self.closeness

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "alternative": self.alternatives,
                "grade_positive": self.grade_positive,
                "grade_negative": self.grade_negative,
                "closeness": self.closeness,
                "rank": self.rank,
            }
        )

    def summary(self) -> str:
        head = f"Grey-TOPSIS (rho = {self.rho}), {len(self.closeness)} alternatives"
        order = np.argsort(self.rank, kind="stable")
        rows = [
            f"  {self.rank[i]:>4d}  {self.alternatives[i]!s:<20s} C = {self.closeness[i]:.4f}"
            for i in order[:20]
        ]
        return "\n".join([head, *rows])


def _reference(ref: Any, n: int, name: str) -> np.ndarray | None:
    """A given reference sequence as floats, one finite value per criterion (None: none)."""
    if ref is None:
        return None
    out = np.asarray(ref, dtype=float).ravel()
    if out.size != n or not np.all(np.isfinite(out)):
        raise SpecError(
            f"{name}: expected {n} finite values (one per criterion), got {np.asarray(ref).tolist()}"
        )
    return out


def grey_topsis(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    rho: float = 0.5,
    nan_policy: str = "raise",
    values: str = "normalised",
    positive: Any = None,
    negative: Any = None,
) -> GreyTopsisResult:
    """Grey-TOPSIS closeness γ⁺ / (γ⁺ + γ⁻) (see module docstring).

    ``values="normalised"`` (default) min–max normalises by direction (given references
    with the data); ``"raw"`` uses the values as given, with references defaulting to the
    column best (``positive``) and worst (``negative``).
    """
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    benefit = as_directions(directions, arr.shape[1])
    rho = check_range("rho", rho, 1e-9, 1.0)
    if values not in VALUES:
        raise SpecError(
            f"values: expected one of {VALUES}, got {values!r}{did_you_mean(values, VALUES)}"
        )
    pos = _reference(positive, arr.shape[1], "positive")
    neg = _reference(negative, arr.shape[1], "negative")
    if values == "raw":
        with np.errstate(all="ignore"):
            hi, lo = np.nanmax(arr, axis=0), np.nanmin(arr, axis=0)
        z = arr
        zp = np.where(benefit, hi, lo) if pos is None else pos
        zn = np.where(benefit, lo, hi) if neg is None else neg
    else:
        given = [r for r in (pos, neg) if r is not None]
        stacked = minmax(np.vstack([*given, arr]), np.where(benefit, "benefit", "cost"))
        z = stacked[len(given) :]
        zp = np.ones(arr.shape[1]) if pos is None else stacked[0]
        zn = np.zeros(arr.shape[1]) if neg is None else stacked[len(given) - 1]
    gp = _grades(_xi(np.abs(z - zp), rho), w[None, :], present)[:, 0]
    gn = _grades(_xi(np.abs(z - zn), rho), w[None, :], present)[:, 0]
    c = relative_closeness(gp, gn)
    given_refs = "given" if (pos is not None or neg is not None) else "ideals"
    return GreyTopsisResult(c, gp, gn, rank_desc(c), rho, rows, f"{given_refs} ({values})")
