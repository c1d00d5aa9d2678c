"""TOPSIS (Hwang & Yoon 1981): closeness to the ideal and distance from the anti-ideal.

Steps: normalise each column; weight it; the ideal (anti-ideal) takes the best (worst)
weighted value of each column according to its direction; Euclidean distances d⁺, d⁻;
closeness C = d⁻ / (d⁺ + d⁻) ∈ [0, 1], larger is better.

The normalisation is an explicit choice because published examples differ:
``"vector"`` x / ‖x‖₂ is Hwang & Yoon's (and the default here); ``"minmax"`` is pymcdm's
default.  With ``nan_policy="renormalise"`` a missing cell drops out of that alternative's
distances and its weights are re-normalised over the criteria present; ideals use the
values present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..errors import InputError, SpecError
from ._common import (
    as_directions,
    as_matrix,
    as_weights,
    did_you_mean,
    nan_mask,
    rank_desc,
    relative_closeness,
    weighted_sums,
)
from .normalise import oriented_minmax, unit_columns

NORMALISATIONS = ("vector", "minmax")


@dataclass
class TopsisResult:
    closeness: np.ndarray
    d_plus: np.ndarray
    d_minus: np.ndarray
    ideal: np.ndarray
    anti_ideal: np.ndarray
    rank: np.ndarray
    normalisation: str
    alternatives: list = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        return self.closeness

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "alternative": self.alternatives,
                "closeness": self.closeness,
                "d_plus": self.d_plus,
                "d_minus": self.d_minus,
                "rank": self.rank,
            }
        )

    def summary(self) -> str:
        head = f"TOPSIS ({self.normalisation} normalisation), {len(self.closeness)} alternatives"
        order = np.argsort(self.rank, kind="stable")
        rows = [
            f"  {self.rank[i]:>4d}  {str(self.alternatives[i]):<20s} C = {self.closeness[i]:.4f}"
            for i in order[:20]
        ]
        return "\n".join([head, *rows])


def _prepare(
    arr: np.ndarray, benefit: np.ndarray, normalisation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Squared unweighted gaps to the ideal and anti-ideal, and the normalised ideals."""
    if normalisation == "vector":
        N, _ = unit_columns(arr)
    elif normalisation == "minmax":
        N, _ = oriented_minmax(arr, benefit)
        benefit = np.ones_like(benefit)  # already oriented
    else:
        raise SpecError(
            f"normalisation: expected one of {NORMALISATIONS}, got {normalisation!r}"
            f"{did_you_mean(normalisation, NORMALISATIONS)}"
        )
    colmax, colmin = np.nanmax(N, axis=0), np.nanmin(N, axis=0)
    ideal = np.where(benefit, colmax, colmin)
    anti = np.where(benefit, colmin, colmax)
    gp = np.nan_to_num((N - ideal) ** 2)
    gm = np.nan_to_num((N - anti) ** 2)
    return gp, gm, ideal, anti


def _closeness(gp: np.ndarray, gm: np.ndarray, W: np.ndarray, present: np.ndarray | None):
    """Closeness for every weight row of ``W`` (draws × criteria) → (alternatives × draws)."""
    dp = np.sqrt(weighted_sums(gp, W, present, power=2))
    dm = np.sqrt(weighted_sums(gm, W, present, power=2))
    return relative_closeness(dm, dp), dp, dm


def topsis(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    normalisation: str = "vector",
    nan_policy: str = "raise",
) -> TopsisResult:
    """Rank alternatives by TOPSIS closeness (see module docstring for conventions)."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    benefit = as_directions(directions, arr.shape[1])
    gp, gm, ideal, anti = _prepare(arr, benefit, normalisation)
    c, dp, dm = _closeness(gp, gm, w[None, :], present)
    c, dp, dm = c[:, 0], dp[:, 0], dm[:, 0]
    tie = (dp + dm) == 0
    if tie.any():
        i = int(np.argmax(tie))
        raise InputError(
            f"X: alternative {rows[i]!r} is at both the ideal and the anti-ideal (every "
            "weighted criterion is constant), so TOPSIS cannot rank it"
        )
    return TopsisResult(c, dp, dm, ideal * w, anti * w, rank_desc(c), normalisation, rows)
