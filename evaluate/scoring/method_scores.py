"""The overall 0–100 score of each scenario under the configured method.

Indicators with direction ``target`` / ``interval`` are first turned into benefit scores in
[0, 1]; the overall score is: weighted sum ×100, TOPSIS closeness ×100, VIKOR (1 − Q) ×100,
grey relational grade ×100, or the fuzzy crisp score Σ b̂_k v_k.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ..errors import SpecError
from ._common import row_weights
from .fuzzy import _compose, membership_matrix
from .gra import grey_relational
from .normalise import normalise, target_score
from .system import IndicatorSystem
from .topsis import topsis
from .vikor import vikor


def oriented(X: np.ndarray, system: IndicatorSystem):
    """Target/interval columns → benefit scores; returns matrix, directions, normalised Z."""
    Xm = X.copy()
    dirs, Z = [], np.empty_like(X)
    for j, ind in enumerate(system.indicators):
        if ind.direction in ("target", "interval"):
            Xm[:, j] = target_score(X[:, j], target=ind.target, interval=ind.interval)
            Z[:, j] = Xm[:, j]
            dirs.append("benefit")
        else:
            dirs.append(ind.direction)
            Z[:, j] = normalise(X[:, [j]], ind.normalisation, [ind.direction])[:, 0]
    return Xm, dirs, Z


def method_scores(method, system, Xm, Z, dirs, g, present, nan_policy):
    """Overall 0–100 score plus method-specific columns and notes."""
    extra: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    grade_idx = None
    if method == "weighted_sum":
        Wr = row_weights(g, present)
        s = (np.nan_to_num(Z) * Wr).sum(axis=1)
        bounded = all(
            i.normalisation != "zscore" or i.direction in ("target", "interval")
            for i in system.indicators
        )
        score = 100.0 * s if bounded else s
        info["normalisation"] = "per indicator (see weights table)"
    elif method == "topsis":
        r = topsis(Xm, g, dirs, normalisation=system.topsis_normalisation, nan_policy=nan_policy)
        score = 100.0 * r.closeness
        extra = {"closeness": r.closeness, "d_plus": r.d_plus, "d_minus": r.d_minus}
        info["normalisation"] = system.topsis_normalisation
    elif method == "vikor":
        r = vikor(Xm, g, dirs, v=system.vikor_v, nan_policy=nan_policy)
        score = 100.0 * (1.0 - r.Q)
        extra = {"vikor_S": r.S, "vikor_R": r.R, "vikor_Q": r.Q}
        info.update(
            v=system.vikor_v,
            advantage_C1=r.advantage,
            stability_C2=r.stability,
            compromise_rows=[int(i) for i in r.compromise],
        )
    elif method == "gra":
        r = grey_relational(Xm, g, dirs, rho=system.gra_rho, nan_policy=nan_policy)
        score = 100.0 * r.grade
        extra = {"grey_grade": r.grade}
        info["rho"] = system.gra_rho
    elif method == "fuzzy":
        Zc = np.clip(Z, 0.0, 1.0)
        R = membership_matrix(np.nan_to_num(Zc), system.fuzzy_centres)
        if present is not None:
            R = R * present[:, :, None]
        W = row_weights(g, present)
        W = np.broadcast_to(W, Z.shape) if W.shape[0] == 1 else W
        B = _compose(R, W, system.fuzzy_operator)
        tot = B.sum(axis=1, keepdims=True)
        K = B.shape[1]
        Bn = np.where(tot > 0, B / np.where(tot > 0, tot, 1.0), 1.0 / K)
        grade_idx = K - 1 - np.argmax(Bn[:, ::-1], axis=1)
        score = Bn @ np.asarray(system.fuzzy_grade_values)
        for k, lab in enumerate(system.grade_labels_en):
            extra[f"membership_{lab}"] = Bn[:, k]
        info.update(
            operator=system.fuzzy_operator,
            centres=system.fuzzy_centres,
            grade_values=system.fuzzy_grade_values,
            grade_rule="maximum membership, ties to the worse grade",
        )
    else:  # pragma: no cover - validated by the system loader
        raise SpecError(f"method: unknown scoring method {method!r}")
    return score, extra, info, grade_idx
