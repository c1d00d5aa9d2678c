"""Fuzzy comprehensive evaluation (模糊综合评价; Wang Peizhuang 1983).

1. **Membership matrix.**  For each alternative, criterion *j* and grade *k*, r_ijk is the
   membership of the criterion's value in grade *k*.  :func:`membership_matrix` builds it
   from grade *centres* (the value typical of each grade, e.g. 0.9 / 0.75 / 0.6 / 0.3 on a
   normalised scale, given best grade first): memberships are triangular between
   neighbouring centres and full beyond the outermost centres, so each row sums to 1 (the
   usual "semi-trapezoid" construction of Chinese textbooks).
   :func:`trapezoidal_membership` takes one trapezoid (a, b, c, d) per grade instead:
   membership rises linearly from 0 at a to 1 at b, is 1 on [b, c] and falls to 0 at d
   (a = b = −inf or c = d = +inf give the open shoulders of the outermost grades).
   Trapezoids need not form a partition, so rows need not sum to 1; the composition
   below normalises B.
2. **Composition** B = A ∘ R with the weight vector A and one of the operators

   ===========  ==================================================  ==================
   operator     b_k                                                 type
   ===========  ==================================================  ==================
   ``M(^,v)``   max_j min(a_j, r_jk)                                main-factor decisive
   ``M(.,v)``   max_j a_j r_jk                                      main-factor prominent
   ``M(^,+)``   min(1, Σ_j min(a_j, r_jk))                          bounded sum
   ``M(.,+)``   Σ_j a_j r_jk                                        weighted average
   ===========  ==================================================  ==================

   ``B`` is reported raw and normalised to sum 1 (``B_normalised``).
3. **Grade** by maximum membership (ties resolved toward the *worse* grade, the
   conservative choice); optionally a crisp score Σ_k b̂_k v_k with grade values v.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..errors import InputError, SpecError
from ._common import as_weights, did_you_mean

OPERATORS = ("M(^,v)", "M(.,v)", "M(^,+)", "M(.,+)")
_OP_ALIASES = {
    "M(∧,∨)": "M(^,v)",
    "M(·,∨)": "M(.,v)",
    "M(∧,⊕)": "M(^,+)",
    "M(·,+)": "M(.,+)",
    "M(·,⊕)": "M(.,+)",
    "M(*,+)": "M(.,+)",
    "M(^,V)": "M(^,v)",
}


def membership_matrix(values: Any, centres: Any) -> np.ndarray:
    """Memberships (alternatives × criteria × grades) from grade centres.

    ``values``: (alternatives × criteria) or (criteria,) array.  ``centres``: (grades,) for
    every criterion, or (criteria × grades); strictly monotone along the grades, best
    grade first.  NaN values give NaN memberships.
    """
    v = np.asarray(values, dtype=float)
    squeeze = v.ndim == 1
    v = np.atleast_2d(v)
    c = np.asarray(centres, dtype=float)
    if c.ndim == 1:
        c = np.broadcast_to(c, (v.shape[1], c.size))
    if c.shape[0] != v.shape[1] or c.shape[1] < 2:
        raise SpecError(
            f"centres: expected (grades,) or ({v.shape[1]} criteria × grades) with at least "
            f"2 grades, got shape {c.shape}"
        )
    d = np.diff(c, axis=1)
    if not (np.all(d > 0, axis=1) | np.all(d < 0, axis=1)).all():
        j = int(np.argmax(~(np.all(d > 0, axis=1) | np.all(d < 0, axis=1))))
        raise SpecError(
            f"centres[{j}]: grade centres must be strictly monotone, got {c[j].tolist()}"
        )
    K = c.shape[1]
    out = np.zeros(v.shape + (K,))
    for j in range(v.shape[1]):
        cj = c[j]
        asc = cj[0] < cj[-1]
        xs = cj if asc else cj[::-1]
        x = np.clip(v[:, j], xs[0], xs[-1])
        # position between neighbouring centres -> linear split of membership
        idx = np.clip(np.searchsorted(xs, x, side="right") - 1, 0, K - 2)
        frac = (x - xs[idx]) / (xs[idx + 1] - xs[idx])
        mem = np.zeros((v.shape[0], K))
        rows = np.arange(v.shape[0])
        mem[rows, idx] = 1.0 - frac
        mem[rows, idx + 1] += frac
        if not asc:
            mem = mem[:, ::-1]
        mem[np.isnan(v[:, j])] = np.nan
        out[:, j, :] = mem
    return out[0] if squeeze else out


def trapezoidal_membership(values: Any, trapezoids: Any) -> np.ndarray:
    """Memberships (alternatives × criteria × grades) from trapezoids (a, b, c, d) per grade.

    ``trapezoids``: (grades × 4) for every criterion, or (criteria × grades × 4), with
    a ≤ b ≤ c ≤ d (±inf allowed for open shoulders).  NaN values give NaN memberships.
    """
    v = np.asarray(values, dtype=float)
    squeeze = v.ndim == 1
    v = np.atleast_2d(v)
    t = np.asarray(trapezoids, dtype=float)
    if t.ndim == 2:
        t = np.broadcast_to(t, (v.shape[1],) + t.shape)
    if t.ndim != 3 or t.shape[0] != v.shape[1] or t.shape[2] != 4 or t.shape[1] < 2:
        raise SpecError(
            f"trapezoids: expected (grades × 4) or ({v.shape[1]} criteria × grades × 4) with "
            f"at least 2 grades, got shape {t.shape}"
        )
    bad = np.isnan(t).any(axis=2) | (t[..., 1:] < t[..., :-1]).any(axis=2)  # ±inf-safe
    if bad.any():
        j, k = np.argwhere(bad)[0]
        raise SpecError(f"trapezoids[{j}][{k}]: expected a <= b <= c <= d, got {t[j, k].tolist()}")
    a, b, c, d = (t[None, :, :, q] for q in range(4))
    x = v[:, :, None]
    with np.errstate(all="ignore"):
        up = np.where(b > a, (x - a) / (b - a), 1.0)
        down = np.where(d > c, (d - x) / (d - c), 1.0)
    mem = np.where(
        (x >= b) & (x <= c),
        1.0,
        np.where((x > a) & (x < b), up, np.where((x > c) & (x < d), down, 0.0)),
    )
    mem = np.where(np.isnan(x), np.nan, mem)
    return mem[0] if squeeze else mem


@dataclass
class FuzzyResult:
    B: np.ndarray
    B_normalised: np.ndarray
    grade: np.ndarray
    grade_labels: list
    operator: str
    score: np.ndarray | None = None
    alternatives: list = field(default_factory=list)

    @property
    def scores(self) -> np.ndarray | None:
        return self.score

    def to_frame(self):
        import pandas as pd

        frame = pd.DataFrame(self.B_normalised, columns=[f"b[{g}]" for g in self.grade_labels])
        frame.insert(0, "alternative", self.alternatives)
        frame["grade"] = [self.grade_labels[k] for k in self.grade]
        if self.score is not None:
            frame["score"] = self.score
        return frame

    def summary(self) -> str:
        counts = np.bincount(self.grade, minlength=len(self.grade_labels))
        dist = ", ".join(f"{g}: {n}" for g, n in zip(self.grade_labels, counts))
        return f"Fuzzy comprehensive evaluation ({self.operator}), {len(self.grade)} alternatives; {dist}"


def _compose(R: np.ndarray, a: np.ndarray, op: str) -> np.ndarray:
    """B = A ∘ R; ``a`` is one weight vector (criteria,) or one per alternative (alts × criteria)."""
    A = a[None, :, None] if a.ndim == 1 else a[:, :, None]
    if op == "M(^,v)":
        return np.minimum(A, R).max(axis=1)
    if op == "M(.,v)":
        return (A * R).max(axis=1)
    if op == "M(^,+)":
        return np.minimum(1.0, np.minimum(A, R).sum(axis=1))
    return (A * R).sum(axis=1)


def fuzzy_evaluation(
    R: Any,
    weights: Any,
    *,
    operator: str = "M(.,+)",
    grade_labels: list | None = None,
    grade_values: Any = None,
) -> FuzzyResult:
    """Compose memberships ``R`` (alternatives × criteria × grades, or criteria × grades)
    with ``weights`` and pick each alternative's grade by maximum membership."""
    op = _OP_ALIASES.get(operator, operator)
    if op not in OPERATORS:
        raise SpecError(
            f"operator: expected one of {OPERATORS}, got {operator!r}{did_you_mean(op, OPERATORS)}"
        )
    R = np.asarray(R, dtype=float)
    if R.ndim == 2:
        R = R[None]
    if R.ndim != 3:
        raise SpecError(f"R: expected (alternatives × criteria × grades), got shape {R.shape}")
    if np.isnan(R).any():
        i, j, _ = np.argwhere(np.isnan(R))[0]
        raise InputError(f"R: missing membership for alternative {i}, criterion {j}; impute first")
    if np.any(R < 0) or np.any(R > 1 + 1e-12):
        raise InputError("R: memberships must lie in [0, 1]")
    a = as_weights(weights, R.shape[1])
    K = R.shape[2]
    labels = list(grade_labels) if grade_labels is not None else [f"G{k + 1}" for k in range(K)]
    if len(labels) != K:
        raise SpecError(f"grade_labels: expected {K} labels, got {len(labels)}")
    B = _compose(R, a, op)
    tot = B.sum(axis=1, keepdims=True)
    Bn = np.where(tot > 0, B / np.where(tot > 0, tot, 1.0), 1.0 / K)
    # ties toward the worse (later) grade: take argmax of the reversed vector
    grade = K - 1 - np.argmax(Bn[:, ::-1], axis=1)
    score = None
    if grade_values is not None:
        gv = np.asarray(grade_values, dtype=float)
        if gv.size != K:
            raise SpecError(f"grade_values: expected {K} values, got {gv.size}")
        score = Bn @ gv
    return FuzzyResult(B, Bn, grade, labels, op, score, list(range(R.shape[0])))
