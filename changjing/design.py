"""Evaluation design from simulated panels: what can a programme's data detect?

Before an evaluation, a planner needs power, the minimum detectable effect (MDE), bias and the
coverage of confidence intervals for each candidate estimator at the sample sizes the programme
will have.  :func:`evaluation_design` answers this by Monte Carlo on panels from the
agent-based model (:func:`changjing.simulate.panel.funding_panel`): the model decides who is
funded and when (staggered, selected on capability), the outcome process has a *known* effect.
It lives above both libraries because ``evaluate`` never imports ``simulate``.

Counting (per estimator, firm-population size and true effect ``e``, over ``reps`` seeds):

* ``power`` - share of replications whose two-sided test of "no effect" rejects at ``alpha``
  (``p_value < alpha``); at ``e = 0`` this is the test's size;
* ``bias`` - mean of ``estimate - e``; ``rmse`` - root mean squared error;
* ``coverage`` - share of ``1 - alpha`` intervals containing ``e``, with its Monte-Carlo
  standard error ``sqrt(c (1 - c) / reps)``;
* ``mde`` - the smallest effect in the grid with power >= ``power_target`` (0.8), and
  ``mde_analytic = (z_{1-alpha/2} + z_{power_target}) x median SE`` (Bloom 1995), which needs
  no grid.

The outcome is additive in the effect (``y = ... + effect * 1[t >= g]``, simulate/panel.py), so
each simulated panel serves every effect in the grid: ``y_e = y_0 + e * D``; one model run per
(size, seed).  Seeds are ``seed + r`` for replication ``r``: the same settings give the same
table whatever the order of the loops.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["ESTIMATORS", "DesignResult", "evaluation_design"]


def _att_gt(cov: list[str]) -> Callable:
    def run(panel: pd.DataFrame, alpha: float) -> tuple[float, float, float, float, float]:
        from changjing.evaluate.impact import aggte, att_gt

        res = aggte(att_gt(panel, unit="firm", time="year", outcome="y",
                           treated_from="funded_year", covariates=cov, method="dr",
                           control="never", alpha=alpha), "simple")
        return res.estimate, res.se, res.ci_low, res.ci_high, res.p_value
    return run


def _twfe(panel: pd.DataFrame, alpha: float):
    from changjing.evaluate.impact import twfe

    r = twfe(panel, unit="firm", time="year", outcome="y", treated_from="funded_year",
             alpha=alpha)
    return r.estimate, r.se, r.ci_low, r.ci_high, r.p_value


def _imputation(panel: pd.DataFrame, alpha: float):
    from changjing.evaluate.impact import imputation_did

    r = imputation_did(panel, unit="firm", time="year", outcome="y",
                       treated_from="funded_year", horizons=False, alpha=alpha)
    return r.estimate, r.se, r.ci_low, r.ci_high, r.p_value


#: name -> (description, function(panel, alpha) -> (estimate, se, ci_low, ci_high, p_value))
ESTIMATORS: dict[str, tuple[str, Callable]] = {
    "att_gt_dr": ("Callaway-Sant'Anna doubly robust, capability covariate, simple ATT",
                  _att_gt(["capability"])),
    "att_gt_nocov": ("Callaway-Sant'Anna without covariates (ignores selection on capability)",
                     _att_gt([])),
    "twfe": ("two-way fixed effects (no covariates)", _twfe),
    "imputation": ("Borusyak-Jaravel-Spiess imputation (no covariates)", _imputation),
}


@dataclass
class DesignResult:
    """``table``: one row per estimator x firms x effect; ``draws``: every replication."""

    table: pd.DataFrame
    draws: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def mde(self) -> pd.DataFrame:
        """Per estimator and size: grid MDE (power >= target) and the analytic MDE."""
        return (self.table.groupby(["estimator", "firms"], sort=False)
                .agg(mde=("mde", "first"), mde_analytic=("mde_analytic", "first"))
                .reset_index())


def evaluation_design(config, *, firms: Sequence[int] = (1000,),
                      effects: Sequence[float] = (0.0, 0.05, 0.1),
                      estimators: Sequence[str] = ("att_gt_dr", "twfe", "imputation"),
                      reps: int = 20, seed: int = 0, alpha: float = 0.05,
                      power_target: float = 0.8, noise: float = 0.1,
                      progress: Callable[[int, int], None] | None = None) -> DesignResult:
    """Monte-Carlo power, MDE, bias and coverage of ``estimators`` on simulated panels.

    ``config``: a :class:`changjing.simulate.Config`; ``firms``: firm-population sizes
    (``firms.n``); ``effects``: true effects of funding on the outcome (log points); ``noise``:
    the outcome's idiosyncratic SD.
    """
    from scipy import stats

    from changjing.evaluate.errors import SpecError
    from changjing.simulate.panel import funding_panel

    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown:
        import difflib

        hint = difflib.get_close_matches(unknown[0], list(ESTIMATORS), n=1)
        raise SpecError(f"estimators: unknown {unknown[0]!r} (expected one of "
                        f"{', '.join(ESTIMATORS)})" + (f"; did you mean {hint[0]!r}?" if hint
                                                        else ""))
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise SpecError(f"reps: expected an integer >= 2, got {reps!r}")
    if not (0 < alpha < 1) or not (0 < power_target < 1):
        raise SpecError(f"alpha and power_target must lie in (0, 1), got {alpha!r}, "
                        f"{power_target!r}")
    if not firms or any(int(n) < 50 for n in firms):
        raise SpecError(f"firms: expected sizes >= 50, got {list(firms)!r}")
    effects = [float(e) for e in effects]
    rows = []
    total, done = len(firms) * reps, 0
    for n in firms:
        cfg = config.with_overrides({"firms.n": int(n)})
        for r in range(reps):
            fp = funding_panel(cfg, seed + r, effect=0.0, noise=noise)
            base = fp.panel
            d = ((base["funded_year"] > 0) & (base["year"] >= base["funded_year"])).to_numpy()
            for e in effects:
                panel = base.assign(y=base["y"].to_numpy() + e * d)
                for name in estimators:
                    est, se, lo, hi, p = ESTIMATORS[name][1](panel, alpha)
                    rows.append({"estimator": name, "firms": int(n), "effect": e, "rep": r,
                                 "seed": seed + r, "treated_units": fp.treated_units,
                                 "estimate": est, "se": se, "ci_low": lo, "ci_high": hi,
                                 "p_value": p})
            done += 1
            if progress is not None:
                progress(done, total)
    draws = pd.DataFrame(rows)
    draws["reject"] = draws["p_value"] < alpha
    draws["covered"] = (draws["ci_low"] <= draws["effect"]) & (draws["effect"] <= draws["ci_high"])
    draws["error"] = draws["estimate"] - draws["effect"]
    table = (draws.groupby(["estimator", "firms", "effect"], sort=False)
             .agg(reps=("rep", "size"), treated_units=("treated_units", "mean"),
                  power=("reject", "mean"), bias=("error", "mean"),
                  rmse=("error", lambda v: float(np.sqrt(np.mean(v**2)))),
                  coverage=("covered", "mean"), median_se=("se", "median"))
             .reset_index())
    table["coverage_mc_se"] = np.sqrt(table["coverage"] * (1 - table["coverage"]) / table["reps"])
    factor = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power_target)
    mde_rows = {}
    for (name, n), grp in table.groupby(["estimator", "firms"], sort=False):
        grid = grp[(grp["effect"] > 0) & (grp["power"] >= power_target)]["effect"]
        mde_rows[(name, n)] = (float(grid.min()) if len(grid) else float("nan"),
                               float(factor * grp["median_se"].median()))
    table["mde"] = [mde_rows[(a, b)][0] for a, b in zip(table["estimator"], table["firms"])]
    table["mde_analytic"] = [mde_rows[(a, b)][1] for a, b in zip(table["estimator"],
                                                                 table["firms"])]
    settings = {"firms": [int(n) for n in firms], "effects": effects,
                "estimators": {k: ESTIMATORS[k][0] for k in estimators}, "reps": reps,
                "seed": seed, "seeds": f"seed + r for r in 0..{reps - 1}", "alpha": alpha,
                "power_target": power_target, "noise": noise,
                "mde_analytic": f"(z_(1-alpha/2) + z_power) x median SE = {factor:.4f} x SE",
                "panel": "changjing.simulate.panel.funding_panel (effect added to y0)"}
    return DesignResult(table=table, draws=draws, settings=settings)


def design_figure(result: DesignResult):
    """Power against the true effect, one panel per firm-population size."""
    from changjing.evaluate.impact.plots import _figure, _finish

    sizes = sorted(result.table["firms"].unique())
    fig = _figure(4.0 * len(sizes), 3.6)
    for j, n in enumerate(sizes):
        ax = fig.add_subplot(1, len(sizes), j + 1)
        sub = result.table[result.table["firms"] == n]
        for name, grp in sub.groupby("estimator", sort=False):
            ax.plot(grp["effect"], grp["power"], marker="o", label=name)
        ax.axhline(result.settings["alpha"], color="grey", ls=":", lw=0.8)
        ax.axhline(result.settings["power_target"], color="grey", ls="--", lw=0.8)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("true effect / 真实效应")
        ax.set_title(f"{n} firms / 企业")
        if j == 0:
            ax.set_ylabel("power / 检验功效")
            ax.legend(frameon=False, fontsize=7)
    _finish(fig)
    return fig
