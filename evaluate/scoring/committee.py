"""The table an evaluation committee signs: one row per scenario, scored or not.

Columns: rank (competition ranking), id, name, sheet and row, score, grade (zh/en), the
rank interval under the robustness draws (5th–95th percentile), coverage (share of the
weight the scenario reported) and the three indicators that moved it most.

"Moved it most" is counted as the indicator's contribution relative to an average
scenario: c_ij = g_j (z_ij − z̄_j), with g the global weights and z the normalised
indicator (min–max or the indicator's own normalisation, benefit orientation), z̄_j the
mean over the scored scenarios.  Σ_j c_ij is then the scenario's weighted-sum score minus
the average score, so the three largest |c_ij| are the indicators that lifted or pulled
it most; each is shown with its sign ("+营业收入 12.3" = 12.3 points above average).
Not-scorable scenarios follow, with their coverage and missing indicators.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = [
    "rank",
    "scenario_id",
    "scenario_name",
    "sheet",
    "row",
    "score",
    "grade",
    "grade_en",
    "rank_interval",
    "coverage",
    "moved_most",
    "status",
]


def movers(Z: np.ndarray, g: np.ndarray, labels: list[str], k: int = 3) -> list[str]:
    """The ``k`` indicators with the largest |g_j (z_ij − z̄_j)| for every row, as text."""
    Zf = np.where(np.isnan(Z), np.nan, Z)
    mean = np.nanmean(Zf, axis=0)
    C = np.nan_to_num(g[None, :] * (Zf - mean[None, :]) * 100.0)
    k = min(k, C.shape[1])
    order = np.argsort(-np.abs(C), axis=1, kind="stable")[:, :k]
    lab = np.asarray(labels, dtype=object)
    parts = []
    for t in range(k):  # column-wise string building: no Python loop over 100 000 rows
        j = order[:, t]
        c = C[np.arange(C.shape[0]), j]
        sign = np.where(c >= 0, "+", "−").astype(object)
        num = pd.Series(np.abs(c)).map("{:.1f}".format).to_numpy(dtype=object)
        parts.append(sign + lab[j] + " " + num)
    out = parts[0]
    for p in parts[1:]:
        out = out + "; " + p
    return list(out)


def committee_table(scores: pd.DataFrame, not_scorable: pd.DataFrame) -> pd.DataFrame:
    """Scored scenarios in rank order, then the not-scorable ones (see module doc)."""
    s = scores
    rows = pd.DataFrame(
        {
            "rank": s["rank"],
            "scenario_id": s["scenario_id"],
            "scenario_name": s["scenario_name"] if "scenario_name" in s else "",
            "sheet": s["sheet"] if "sheet" in s else "",
            "row": s["row"],
            "score": s["score"].round(2),
            "grade": s["grade"],
            "grade_en": s["grade_en"],
            "rank_interval": (
                [f"{a}–{b}" for a, b in zip(s["rank_p05"], s["rank_p95"])]
                if "rank_p05" in s
                else ""
            ),
            "coverage": s["coverage"].round(4),
            "moved_most": s["moved_most"],
            "status": "scored / 已评分",
        }
    )
    if len(not_scorable):
        ns = pd.DataFrame(
            {
                "rank": pd.NA,
                "scenario_id": not_scorable["scenario_id"],
                "sheet": not_scorable["sheet"],
                "row": not_scorable["row"],
                "coverage": not_scorable["coverage"].round(4),
                "moved_most": "missing: " + not_scorable["missing_indicators"],
                "status": "not scorable / 不予评分 (coverage below "
                + not_scorable["min_coverage"].map(lambda x: f"{x:.0%}")
                + ")",
            }
        )
        rows = pd.concat([rows, ns], ignore_index=True)
    return rows.reindex(columns=COLUMNS)
