"""Rank-reversal checks: does the order of the others change when one alternative is
removed, or when a copy of the last one is added?

A good evaluation should not reorder A and B because C left the portfolio; methods that
normalise by the portfolio (min–max, vector norms, objective weights) can (Belton & Gear
1983; Wang & Triantaphyllou 2008, tests 1–2).  For every check the whole pipeline is
rerun — objective weights included — on the changed portfolio, and the *strict* pair
reversals among the alternatives present in both are counted: pairs (a, b) with
score_a > score_b before and score_a < score_b after (a tie on either side is no reversal).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

COLUMNS = [
    "check",
    "alternative",
    "n_pairs",
    "n_reversed",
    "share_reversed",
    "best_before",
    "best_after",
    "best_changed",
]


def _reversals(before: np.ndarray, after: np.ndarray) -> tuple[int, int]:
    d0 = np.sign(before[:, None] - before[None, :])
    d1 = np.sign(after[:, None] - after[None, :])
    iu = np.triu_indices(before.size, 1)
    rev = (d0[iu] * d1[iu]) < 0
    return int(rev.sum()), int(iu[0].size)


def rank_reversal(
    scores_of: Callable[[np.ndarray], np.ndarray], X: np.ndarray, ids: list, base: np.ndarray
) -> pd.DataFrame:
    """Remove-one and add-a-copy-of-the-last checks (see module doc).

    ``scores_of(X_sub)`` reruns the pipeline on the rows ``X_sub`` and returns their
    scores (larger is better); ``base`` are the scores on ``X``.
    """
    m = X.shape[0]
    ids = list(ids)
    best = ids[int(np.argmax(base))]
    rows = []
    for k in range(m):
        keep = np.arange(m) != k
        s = scores_of(X[keep])
        n_rev, n_pairs = _reversals(base[keep], s)
        rows.append(("remove", ids[k], n_pairs, n_rev, ids[int(np.flatnonzero(keep)[np.argmax(s)])]))
    worst = int(np.argmin(base))
    s = scores_of(np.vstack([X, X[worst : worst + 1]]))
    n_rev, n_pairs = _reversals(base, s[:m])
    rows.append(("add a copy of", ids[worst], n_pairs, n_rev, ids[int(np.argmax(s[:m]))]))
    out = pd.DataFrame(
        [
            {
                "check": c,
                "alternative": a,
                "n_pairs": p,
                "n_reversed": r,
                "share_reversed": r / p if p else 0.0,
                "best_before": best,
                "best_after": b,
                # the best changing because it was the one removed is no reversal
                "best_changed": b != best and not (c == "remove" and a == best),
            }
            for c, a, p, r, b in rows
        ],
        columns=COLUMNS,
    )
    return out
