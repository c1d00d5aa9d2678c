"""Combining subjective (AHP, fixed) and objective (entropy, CRITIC, std) weights.

* ``linear``: w = α s + (1 − α) o, α ∈ [0, 1] the share of the subjective source
  (the "linear weighting" of many Chinese evaluation studies).
* ``multiplicative``: w_j = s_j o_j / Σ_k s_k o_k (multiplicative synthesis, 乘法合成).

Both inputs are normalised to sum 1 first; the result is non-negative and sums to 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring._common import as_weights, check_range, did_you_mean

METHODS = ("linear", "multiplicative")


def combine_weights(
    subjective: Any, objective: Any, *, method: str = "linear", alpha: float = 0.5
) -> np.ndarray:
    """Combine two weight vectors (see module docstring)."""
    s = np.asarray(getattr(subjective, "weights", subjective), dtype=float).ravel()
    s = as_weights(s, s.size, "subjective")
    o = as_weights(objective, s.size, "objective")
    if method == "linear":
        alpha = check_range("alpha", alpha, 0.0, 1.0)
        return alpha * s + (1.0 - alpha) * o
    if method == "multiplicative":
        prod = s * o
        if prod.sum() <= 0:
            raise SpecError(
                "combine_weights: subjective and objective weights have no criterion in "
                "common with positive weight, so the multiplicative combination is undefined"
            )
        return prod / prod.sum()
    raise SpecError(
        f"method: expected one of {METHODS}, got {method!r}{did_you_mean(method, METHODS)}"
    )
