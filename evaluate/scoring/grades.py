"""Grades from scores: 优秀 / 良好 / 合格 / 不合格 (or configured labels).

``cutoffs`` are the lower bounds of every grade but the last, in descending order, on the
0–100 score scale: with the default (85, 70, 60) a score ≥ 85 is 优秀, ≥ 70 良好, ≥ 60 合格
and below 60 不合格.  ``basis="percentile"`` applies the same cutoffs to the percentile
rank of the score (100 = best) instead, for scores without an absolute scale (z-scores).

``basis="quota"`` gives fixed quotas, as evaluation notices prescribe ("优秀不超过 15%"):
``quotas`` are the maximum shares of every grade but the last (e.g. 0.15, 0.35, 0.35).
With n scored scenarios, grade k may hold at most floor(n · (q_1 + … + q_k)) scenarios
counted from the top (rounded down, so that "at most 15 %" holds).  Tied scores always
get the same grade; ``tie_rule`` says what happens to a tied group that straddles a
boundary: "strict" (default) moves the whole group to the lower grade, so no quota is ever
exceeded; "generous" keeps it in the higher grade when its first member is within quota.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ..errors import SpecError

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


TIE_RULES = ("strict", "generous")


def check_quotas(quotas: Any, labels: Any, tie_rule: str = "strict") -> np.ndarray:
    q = np.asarray(quotas, dtype=float).ravel()
    if len(list(labels)) != q.size + 1:
        raise SpecError(
            f"grades.quotas: {len(list(labels))} labels need {len(list(labels)) - 1} quotas "
            f"(the last grade takes the rest), got {q.size} ({q.tolist()})"
        )
    if np.any(q < 0) or np.any(q > 1) or q.sum() > 1 + 1e-12:
        raise SpecError(f"grades.quotas: shares in [0, 1] summing to at most 1, got {q.tolist()}")
    if tie_rule not in TIE_RULES:
        raise SpecError(f"grades.tie_rule: expected one of {TIE_RULES}, got {tie_rule!r}")
    return q


def quota_grades(
    scores: Any, quotas: Any, labels: Any = DEFAULT_LABELS, *, tie_rule: str = "strict"
) -> np.ndarray:
    """Grades by fixed quotas from the top (see module doc); NaN scores get ''."""
    labels = list(labels)
    q = check_quotas(quotas, labels, tie_rule)
    s = np.asarray(scores, dtype=float)
    ok = ~np.isnan(s)
    v = s[ok]
    n = v.size
    caps = np.floor(np.cumsum(q) * n + 1e-9).astype(int)
    srt = np.sort(v)[::-1]
    # competition rank = 1 + number strictly better; last place of the tied group
    better = np.searchsorted(-srt, -v, side="left")
    last = np.searchsorted(-srt, -v, side="right")
    pos = last if tie_rule == "strict" else better + 1
    idx = (pos[:, None] > caps[None, :]).sum(axis=1)
    out = np.full(s.shape, "", dtype=object)
    out[ok] = [labels[k] for k in idx]
    return out


def assign_grades(
    scores: Any,
    cutoffs: Any = DEFAULT_CUTOFFS,
    labels: Any = DEFAULT_LABELS,
    *,
    basis: str = "score",
    quotas: Any = None,
    tie_rule: str = "strict",
) -> np.ndarray:
    """Grade label for every score (object array); NaN scores get an empty label."""
    if basis == "quota":
        if quotas is None:
            raise SpecError('grades.quotas: basis = "quota" needs quotas, e.g. [0.15, 0.35, 0.35]')
        return quota_grades(scores, quotas, labels, tie_rule=tie_rule)
    c, labels = check_grades(cutoffs, labels)
    s = np.asarray(scores, dtype=float)
    if basis == "percentile":
        ok = ~np.isnan(s)
        val = np.full(s.shape, np.nan)
        val[ok] = percentile_rank(s[ok])
    elif basis == "score":
        val = s
    else:
        raise SpecError(
            f"grades.basis: expected 'score', 'percentile' or 'quota', got {basis!r}"
        )
    # number of cutoffs the value falls below = index of its grade
    idx = (val[:, None] < c[None, :]).sum(axis=1) if c.size else np.zeros(s.size, int)
    out = np.array([labels[k] for k in idx], dtype=object)
    out[np.isnan(val)] = ""
    return out
