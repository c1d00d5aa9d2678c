"""Before/after comparison without a control group - descriptive only, never causal.

Evaluators often hold only "TRL before" and "TRL after" for each funded scenario.  The mean
change mixes the programme's effect with everything else that changed over the same time
(maturation, the economy, selection of promising firms, regression to the mean), so it is
reported with ``causal=False``; ``summary()`` opens with a banner saying so and the estimand is
labelled "DESCRIPTIVE".  The interval is a paired t interval for the mean change of *these*
units, a statement about the sample's change, not about the programme's effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .panel import _label, _numeric, require_columns
from .result import ImpactResult, check_alpha
from scipy import stats

__all__ = ["before_after"]


def before_after(
    data: pd.DataFrame,
    *,
    before: str | None = None,
    after: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    outcome: str | None = None,
    cutoff: float | None = None,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Mean paired change ``after - before`` (DESCRIPTIVE, not causal).

    Wide input: ``before`` and ``after`` columns, one row per unit.  Long input: ``unit``,
    ``time``, ``outcome`` and ``cutoff``; each unit's mean outcome in periods ``< cutoff`` is
    "before" and ``>= cutoff`` is "after" (units missing either side are dropped, counted in
    ``settings``).
    """
    alpha = check_alpha(alpha)
    if before is not None and after is not None:
        require_columns(data, {"before": before, "after": after, "unit": unit}, source)
        b = _numeric(data, before, source, "the 'before' value")
        a = _numeric(data, after, source, "the 'after' value")
        dropped = 0
        labels = data[unit].to_numpy() if unit else np.arange(len(b))
    elif unit and time and outcome and cutoff is not None:
        require_columns(data, {"unit": unit, "time": time, "outcome": outcome}, source)
        t = _numeric(data, time, source, "time")
        y = _numeric(data, outcome, source, "the outcome")
        frame = pd.DataFrame({"u": data[unit].to_numpy(), "after": t >= cutoff, "y": y})
        wide = frame.groupby(["u", "after"])["y"].mean().unstack()
        if True not in wide.columns or False not in wide.columns:
            raise InputError(f"{_label(source)}: no rows on one side of the cutoff {cutoff}")
        both = wide.dropna()
        dropped = len(wide) - len(both)
        b, a = both[False].to_numpy(), both[True].to_numpy()
        labels = both.index.to_numpy()
    else:
        raise SpecError("give before= and after= columns, or unit=, time=, outcome= and cutoff=")
    n = len(b)
    if n < 2:
        raise InputError(f"{_label(source)}: need at least 2 units with both values, got {n}")
    change = a - b
    est = float(change.mean())
    se = float(change.std(ddof=1) / np.sqrt(n))
    q = stats.t.ppf(1 - alpha / 2, n - 1)
    p = float(2 * stats.t.sf(abs(est / se), n - 1)) if se > 0 else float("nan")
    table = pd.DataFrame({"term": ["mean before", "mean after", "share improved",
                                   "share unchanged", "share worse"],
                          "estimate": [b.mean(), a.mean(), np.mean(change > 0),
                                       np.mean(change == 0), np.mean(change < 0)]})
    return ImpactResult(
        design="before_after",
        estimand="DESCRIPTIVE mean change after - before (no control group; NOT a causal "
                 "effect)",
        estimate=est, se=se, ci_low=est - q * se if se > 0 else float("nan"),
        ci_high=est + q * se if se > 0 else float("nan"), n=n, n_obs=2 * n, alpha=alpha,
        p_value=p, se_type="paired standard error of the mean change (sample description)",
        ci_type=f"paired t({n - 1}) interval for the sample's mean change",
        table=table,
        diagnostics={"changes": pd.DataFrame({"unit": labels, "before": b, "after": a,
                                              "change": change})},
        settings={"alpha": alpha, "cutoff": cutoff, "dropped_units": int(dropped)},
        warnings=["no control group: the change includes everything else that changed over "
                  "the period (trends, maturation, selection, regression to the mean); do not "
                  "report it as the programme's effect"],
        causal=False,
    )
