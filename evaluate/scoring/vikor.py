"""VIKOR (Opricovic 1998; Opricovic & Tzeng 2004): compromise ranking.

With best f*_j and worst f⁻_j of each criterion (by direction) and the linear
normalised regret g_ij = (f*_j − f_ij) / (f*_j − f⁻_j):

* S_i = Σ_j w_j g_ij   (group utility),  R_i = max_j w_j g_ij   (individual regret),
* Q_i = v (S_i − S*) / (S⁻ − S*) + (1 − v) (R_i − R*) / (R⁻ − R*),  v ∈ [0, 1] (0.5 default).

Lower S, R, Q are better; ``rank`` orders by Q.  A constant criterion contributes 0;
a degenerate S⁻ = S* (or R⁻ = R*) term contributes 0.  The compromise solution follows
Opricovic & Tzeng (2004): condition C1 (acceptable advantage, Q(a2) − Q(a1) ≥ 1/(m − 1))
and C2 (acceptable stability: a1 also best by S or R); the compromise set is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ._common import (
    as_directions,
    as_matrix,
    as_weights,
    check_range,
    nan_mask,
    rank_desc,
)


@dataclass
class VikorResult:
    S: np.ndarray
    R: np.ndarray
    Q: np.ndarray
    rank: np.ndarray
    v: float
    advantage: bool
    stability: bool
    compromise: list
    alternatives: list = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray:
        """1 − Q, so that larger is better like the other methods."""
        return 1.0 - self.Q

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "alternative": self.alternatives,
                "S": self.S,
                "R": self.R,
                "Q": self.Q,
                "rank": self.rank,
            }
        )

    def summary(self) -> str:
        head = (
            f"VIKOR (v = {self.v}), {len(self.Q)} alternatives; C1 advantage "
            f"{'met' if self.advantage else 'not met'}, C2 stability "
            f"{'met' if self.stability else 'not met'}; compromise set: {self.compromise}"
        )
        order = np.argsort(self.rank, kind="stable")
        rows = [
            f"  {self.rank[i]:>4d}  {str(self.alternatives[i]):<20s} S = {self.S[i]:.4f}"
            f"  R = {self.R[i]:.4f}  Q = {self.Q[i]:.4f}"
            for i in order[:20]
        ]
        return "\n".join([head, *rows])


def _prepare(arr: np.ndarray, benefit: np.ndarray) -> np.ndarray:
    best = np.where(benefit, np.nanmax(arr, axis=0), np.nanmin(arr, axis=0))
    worst = np.where(benefit, np.nanmin(arr, axis=0), np.nanmax(arr, axis=0))
    span = best - worst
    safe = np.where(span != 0, span, 1.0)
    G = np.where(span != 0, (best - arr) / safe, 0.0)
    return np.nan_to_num(G)


def _scale01(a: np.ndarray) -> np.ndarray:
    lo, hi = np.nanmin(a, axis=0), np.nanmax(a, axis=0)
    rng = hi - lo
    return np.where(rng > 0, (a - lo) / np.where(rng > 0, rng, 1.0), 0.0)


def _sqr(G: np.ndarray, W: np.ndarray, present: np.ndarray | None, v: float, chunk: int = 64):
    """S, R, Q for every weight row of W (draws × criteria) → arrays (alternatives × draws)."""
    if present is None:
        S = G @ W.T
        scale = None
    else:
        P = present.astype(float)
        scale = P @ W.T
        scale = np.where(scale > 0, scale, np.nan)
        G = G * P
        S = (G @ W.T) / scale
    R = np.empty_like(S)
    for start in range(0, W.shape[0], chunk):  # max over criteria needs the 3-D product
        Wc = W[start : start + chunk]
        R[:, start : start + chunk] = (G[:, None, :] * Wc[None, :, :]).max(axis=2)
    if scale is not None:
        R = R / scale
    Q = v * _scale01(S) + (1.0 - v) * _scale01(R)
    return S, R, Q


def vikor(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    v: float = 0.5,
    nan_policy: str = "raise",
) -> VikorResult:
    """Rank alternatives by VIKOR's Q (lower is better; see module docstring)."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    w = as_weights(weights, arr.shape[1])
    benefit = as_directions(directions, arr.shape[1])
    v = check_range("v", v, 0.0, 1.0)
    G = _prepare(arr, benefit)
    S, R, Q = (a[:, 0] for a in _sqr(G, w[None, :], present, v))
    rank = rank_desc(-Q)
    m = len(Q)
    order = np.argsort(Q, kind="stable")
    dq = 1.0 / (m - 1) if m > 1 else 0.0
    advantage = bool(m < 2 or Q[order[1]] - Q[order[0]] >= dq)
    a1 = order[0]
    stability = bool(S[a1] <= S.min() or R[a1] <= R.min())
    if advantage and stability:
        compromise = [rows[a1]]
    elif advantage:  # only C2 fails: a1 and a2
        compromise = [rows[a1], rows[order[1]]]
    else:  # C1 fails: all alternatives with Q(a_M) − Q(a1) < DQ
        compromise = [rows[i] for i in order if Q[i] - Q[a1] < dq]
    return VikorResult(S, R, Q, rank, v, advantage, stability, compromise, rows)
