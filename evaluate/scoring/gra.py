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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from changjing.evaluate.scoring._common import (
    as_directions,
    as_matrix,
    as_weights,
    check_range,
    nan_mask,
    rank_desc,
)
from changjing.evaluate.scoring.normalise import minmax


@dataclass
class GreyResult:
    grade: np.ndarray
    coefficients: np.ndarray
    rank: np.ndarray
    rho: float
    alternatives: list = field(default_factory=list)

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


def coefficients(arr: np.ndarray, benefit: np.ndarray, rho: float) -> np.ndarray:
    """Grey relational coefficients ξ (alternatives × criteria); NaN where the cell is missing."""
    z = minmax(arr, np.where(benefit, "benefit", "cost"))
    delta = np.abs(1.0 - z)
    dmin, dmax = np.nanmin(delta), np.nanmax(delta)
    if dmax == 0:  # every alternative equals the ideal everywhere
        return np.where(np.isnan(delta), np.nan, 1.0)
    return (dmin + rho * dmax) / (delta + rho * dmax)


def _grades(xi: np.ndarray, W: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    if present is None:
        return xi @ W.T
    P = present.astype(float)
    scale = P @ W.T
    return (np.nan_to_num(xi) * P) @ W.T / np.where(scale > 0, scale, np.nan)


def grey_relational(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    rho: float = 0.5,
    nan_policy: str = "raise",
) -> GreyResult:
    """Weighted grey relational grades to the ideal alternative (see module docstring)."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    benefit = as_directions(directions, arr.shape[1])
    rho = check_range("rho", rho, 1e-9, 1.0)
    xi = coefficients(arr, benefit, rho)
    g = _grades(xi, w[None, :], present)[:, 0]
    return GreyResult(g, xi, rank_desc(g), rho, rows)
