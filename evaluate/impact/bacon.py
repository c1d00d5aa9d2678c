"""Goodman-Bacon (2021) decomposition of the two-way fixed effects DiD coefficient.

With staggered adoption on a balanced panel (no covariates), the TWFE coefficient is exactly a
weighted average of every 2x2 DiD between timing groups (Goodman-Bacon 2021, *J. Econometrics*
225(2), Theorem 1):

* ``"treated vs never treated"``: group ``k`` against the never-treated units over the whole
  panel (pre = before ``t_k``);
* ``"earlier vs later (later as control)"``: ``k`` (earlier) against ``l`` before ``l`` starts
  (window ``[first period, t_l)``, pre = before ``t_k``);
* ``"later vs earlier (earlier as control)"``: ``l`` against the already treated ``k`` (window
  ``[t_k, last period]``, pre = before ``t_l``) - the "forbidden" comparison that biases TWFE
  when effects change over time.

Weights (eq. 10a-10e) use group shares ``n_k`` (share of units) and ``Dbar_k`` (share of periods
treated) and the variance of the two-way demeaned treatment, ``V^D = mean(Dtilde^2)``; they are
non-negative and sum to one, and ``sum(weight * estimate)`` reproduces the TWFE coefficient
up to rounding (checked in every result: ``settings["reproduction_error"]``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ..errors import InputError
from .did import demean
from .panel import prepare_panel
from .result import ImpactResult

__all__ = ["bacon_decomposition"]

NEVER = "treated vs never treated"
EARLY = "earlier vs later (later as control)"
LATE = "later vs earlier (earlier as control)"


def _did(y: np.ndarray, tr: np.ndarray, co: np.ndarray, window: np.ndarray,
         post: np.ndarray) -> float:
    pre = window & ~post
    post = window & post
    return float((y[tr][:, post].mean() - y[tr][:, pre].mean())
                 - (y[co][:, post].mean() - y[co][:, pre].mean()))


def bacon_decomposition(data: pd.DataFrame, *, unit: str, time: str, outcome: str,
                        treated_from: str | None = None, treated: str | None = None,
                        source: str | None = None) -> ImpactResult:
    """Every 2x2 comparison inside the TWFE coefficient, with its weight.

    ``estimate`` is the TWFE coefficient (the weighted sum); ``table`` has one row per 2x2
    (``type``, ``treated`` and ``control`` group dates - ``inf`` = never treated -, ``estimate``,
    ``weight``); ``diagnostics["by_type"]`` sums weights and averages estimates by type.
    """
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, source=source,
                          balanced=True)
    y, times, g = panel.y, panel.times, panel.first_treated
    n_units, n_t = y.shape
    dates = np.unique(g[np.isfinite(g)])
    never = ~np.isfinite(g)
    share = {d: float(np.mean(g == d)) for d in dates}
    dbar = {d: float(np.mean(times >= d)) for d in dates}
    dmat = panel.treated_at()
    ui, ti = np.nonzero(np.ones_like(y, dtype=bool))
    dt = demean(dmat[ui, ti], [ui, ti])[:, 0]
    yt = demean(y[ui, ti], [ui, ti])[:, 0]
    vd = float(np.mean(dt**2))
    if vd < 1e-14:
        raise InputError(f"{panel.source}: the treatment does not vary beyond unit and period "
                         "effects; TWFE (and its decomposition) is not identified")
    beta = float(dt @ yt / (dt @ dt))
    all_t = np.ones(n_t, dtype=bool)
    rows = []
    nu = float(np.mean(never))
    for k in dates:
        if nu > 0:
            nk = share[k] / (share[k] + nu)
            w = (share[k] + nu) ** 2 * nk * (1 - nk) * dbar[k] * (1 - dbar[k]) / vd
            rows.append({"type": NEVER, "treated": k, "control": np.inf,
                         "estimate": _did(y, g == k, never, all_t, times >= k), "weight": w})
    for i, k in enumerate(dates):
        for late in dates[i + 1:]:
            nkl = share[k] / (share[k] + share[late])
            base = nkl * (1 - nkl) * (dbar[k] - dbar[late])
            w_early = ((share[k] + share[late]) * (1 - dbar[late])) ** 2 * base \
                * (1 - dbar[k]) / (1 - dbar[late]) ** 2 / vd
            w_late = ((share[k] + share[late]) * dbar[k]) ** 2 * base * dbar[late] / dbar[k] ** 2 / vd
            rows.append({"type": EARLY, "treated": k, "control": late,
                         "estimate": _did(y, g == k, g == late, times < late, times >= k),
                         "weight": w_early})
            rows.append({"type": LATE, "treated": late, "control": k,
                         "estimate": _did(y, g == late, g == k, times >= k, times >= late),
                         "weight": w_late})
    table = pd.DataFrame(rows)
    recon = float(np.sum(table["weight"] * table["estimate"]))
    by_type = (table.assign(we=table["weight"] * table["estimate"]).groupby("type", sort=False)
               .agg(weight=("weight", "sum"), we=("we", "sum"), n=("weight", "size"))
               .reset_index())
    by_type["average_estimate"] = by_type["we"] / by_type["weight"]
    by_type = by_type.drop(columns="we")
    warnings = list(panel.warnings)
    late_w = float(table.loc[table["type"] == LATE, "weight"].sum())
    if late_w > 0.1:
        warnings.append(f"{late_w:.0%} of the TWFE weight is on comparisons that use already "
                        "treated units as controls; with effects that grow over time TWFE is "
                        "biased - prefer att_gt() or imputation_did()")
    return ImpactResult(
        design="bacon_decomposition", estimand="TWFE coefficient = weighted sum of 2x2 DiDs",
        estimate=beta, se=float("nan"), ci_low=float("nan"), ci_high=float("nan"),
        n=n_units, n_obs=panel.n_obs, se_type="none (a decomposition, not an estimator)",
        ci_type="none", table=table, diagnostics={"by_type": by_type},
        settings={"weights": "Goodman-Bacon (2021) eq. 10, V^D = mean of squared two-way "
                  "demeaned treatment", "weights_sum": float(table["weight"].sum()),
                  "reproduction_error": abs(recon - beta), "never_treated_share": nu},
        warnings=warnings,
    )
