"""Grades from scores: 优秀 / 良好 / 合格 / 不合格 (or configured labels).

``cutoffs`` are the lower bounds of every grade but the last, in descending order, on the
0–100 score scale: with the default (85, 70, 60) a score ≥ 85 is 优秀, ≥ 70 良好, ≥ 60 合格
and below 60 不合格.  ``basis="percentile"`` applies the same cutoffs to the percentile
rank of the score (100 = best) instead, for scores without an absolute scale (z-scores).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from changjing.evaluate.errors import SpecError

DEFAULT_LABELS = ("优秀", "良好", "合格", "不合格")
DEFAULT_LABELS_EN = ("excellent", "good", "pass", "fail")
DEFAULT_CUTOFFS = (85.0, 70.0, 60.0)


def check_grades(cutoffs: Any, labels: Any) -> tuple[np.ndarray, list]:
    c = np.asarray(cutoffs, dtype=float).ravel()
    labels = list(labels)
    if len(labels) != c.size + 1:
        raise SpecError(
            f"grades: {len(labels)} labels need {len(labels) - 1} cutoffs, got {c.size} "
            f"({c.tolist()})"
        )
    if c.size and not np.all(np.diff(c) < 0):
        raise SpecError(f"grades.cutoffs: must be strictly decreasing, got {c.tolist()}")
    return c, labels


def percentile_rank(scores: np.ndarray) -> np.ndarray:
    """Percentile rank in [0, 100], 100 for the best score (mid-rank for ties)."""
    s = np.asarray(scores, dtype=float)
    n = s.size
    if n == 1:
        return np.array([100.0])
    from scipy.stats import rankdata

    return (rankdata(s, method="average") - 1) / (n - 1) * 100.0


def assign_grades(
    scores: Any,
    cutoffs: Any = DEFAULT_CUTOFFS,
    labels: Any = DEFAULT_LABELS,
    *,
    basis: str = "score",
) -> np.ndarray:
    """Grade label for every score (object array); NaN scores get an empty label."""
    c, labels = check_grades(cutoffs, labels)
    s = np.asarray(scores, dtype=float)
    if basis == "percentile":
        ok = ~np.isnan(s)
        val = np.full(s.shape, np.nan)
        val[ok] = percentile_rank(s[ok])
    elif basis == "score":
        val = s
    else:
        raise SpecError(f"grades.basis: expected 'score' or 'percentile', got {basis!r}")
    # number of cutoffs the value falls below = index of its grade
    idx = (val[:, None] < c[None, :]).sum(axis=1) if c.size else np.zeros(s.size, int)
    out = np.array([labels[k] for k in idx], dtype=object)
    out[np.isnan(val)] = ""
    return out
