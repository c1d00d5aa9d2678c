"""Combining subjective (AHP, fixed) and objective (entropy, CRITIC, std) weights.

* ``linear``: w = α s + (1 − α) o, α ∈ [0, 1] the share of the subjective source
  (the "linear weighting" of many Chinese evaluation studies).
* ``multiplicative``: w_j = s_j o_j / Σ_k s_k o_k (multiplicative synthesis, 乘法合成).
* ``game_theory`` (博弈论组合赋权): w = α₁ s + α₂ o with the coefficients of the Nash
  compromise that minimises the deviation of w from each source,
  min ‖α₁ s + α₂ o − u‖₂ for u ∈ {s, o}.  Its first-order conditions are the linear
  system

      [s·s  s·o] [α₁]   [s·s]
      [o·s  o·o] [α₂] = [o·o]

  and the coefficients are then normalised to sum 1, α*_k = α_k / (α₁ + α₂).
* ``game_theory_abs``: the same system with the other normalisation published for it,
  α*_k = |α_k| / (|α₁| + |α₂|), which keeps every weight non-negative when one α_k comes
  out negative (the two variants coincide when both α_k ≥ 0).

With ``game_theory`` a negative coefficient would give negative weights; that is refused
with a pointer to ``game_theory_abs``.  If s and o are identical the system is singular
and the common vector is returned.  The coefficients are available from
:func:`game_theory_coefficients`.

Both inputs are normalised to sum 1 first; the result is non-negative and sums to 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ..errors import SpecError
from ._common import as_weights, check_range, did_you_mean

METHODS = ("linear", "multiplicative", "game_theory", "game_theory_abs")


def game_theory_coefficients(subjective: Any, objective: Any, *, method: str = "game_theory"):
    """Normalised game-theory coefficients (α*_subjective, α*_objective); see module docstring."""
    s = np.asarray(getattr(subjective, "weights", subjective), dtype=float).ravel()
    s = as_weights(s, s.size, "subjective")
    o = as_weights(objective, s.size, "objective")
    if method not in ("game_theory", "game_theory_abs"):
        raise SpecError(
            f"method: expected 'game_theory' or 'game_theory_abs', got {method!r}"
            f"{did_you_mean(method, ['game_theory', 'game_theory_abs'])}"
        )
    G = np.array([[s @ s, s @ o], [o @ s, o @ o]])
    if np.allclose(s, o, rtol=0, atol=1e-12) or abs(np.linalg.det(G)) < 1e-15 * (G**2).sum():
        return np.array([0.5, 0.5])  # one vector: every split gives it
    a = np.linalg.solve(G, np.array([s @ s, o @ o]))
    if method == "game_theory_abs":
        return np.abs(a) / np.abs(a).sum()
    if np.any(a < 0):
        raise SpecError(
            f"combine_weights: the game-theory coefficients are {a.round(6).tolist()}, one is "
            "negative, so the sum-normalised combination would give negative weights; use "
            "method='game_theory_abs' (|alpha| normalisation)"
        )
    return a / a.sum()


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
    if method in ("game_theory", "game_theory_abs"):
        a = game_theory_coefficients(s, o, method=method)
        w = a[0] * s + a[1] * o
        return w / w.sum()
    raise SpecError(
        f"method: expected one of {METHODS}, got {method!r}{did_you_mean(method, METHODS)}"
    )
