"""Simple additive weighting (weighted sum) of normalised criteria.

score_i = Σ_j w_j z_ij, where z is the column normalisation chosen (``minmax`` by
default, oriented so larger is better; see :mod:`.normalise`).  With ``minmax`` the score
lies in [0, 1].  With ``nan_policy="renormalise"`` each alternative's weights are
re-normalised over the criteria it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ._common import as_matrix, as_weights, nan_mask, rank_desc, weighted_sums
from .normalise import normalise


@dataclass
class WeightedSumResult:
    score: np.ndarray
    normalised: np.ndarray
    rank: np.ndarray
    normalisation: str
    alternatives: list = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        return self.score

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {"alternative": self.alternatives, "score": self.score, "rank": self.rank}
        )

    def summary(self) -> str:
        head = f"Weighted sum ({self.normalisation} normalisation), {len(self.score)} alternatives"
        order = np.argsort(self.rank, kind="stable")
        rows = [
            f"  {self.rank[i]:>4d}  {str(self.alternatives[i]):<20s} score = {self.score[i]:.4f}"
            for i in order[:20]
        ]
        return "\n".join([head, *rows])


def _sums(Z: np.ndarray, W: np.ndarray, present: np.ndarray | None) -> np.ndarray:
    return weighted_sums(Z, W, present)


def weighted_sum(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    normalisation: str = "minmax",
    nan_policy: str = "raise",
) -> WeightedSumResult:
    """Weighted sum of the normalised criteria (see module docstring)."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    Z = normalise(arr, normalisation, directions)
    s = _sums(Z, w[None, :], present)[:, 0]
    return WeightedSumResult(s, Z, rank_desc(s), normalisation, rows)
