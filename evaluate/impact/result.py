"""The one result shape every impact estimator returns.

Every design (2x2 DiD, TWFE, Callaway & Sant'Anna, synthetic control, matching, before/after)
returns an :class:`ImpactResult`: a headline estimate with its standard error and interval,
the sample size, every design setting, a detail table (group-time cells, event times, gaps,
matched pairs ...) and named diagnostic tables (balance, pre-trends, placebo distribution).

Conventions recorded in every result (``settings`` and ``summary()``):

* ``se_type`` says what the standard error is (``"influence function (analytic)"``,
  ``"cluster-robust CR1"``, ``"Abadie-Imbens"``, ``"none (placebo inference)"`` ...);
* ``ci_type`` says how the interval was formed (normal pointwise, bootstrap sup-t band,
  permutation, wild cluster bootstrap);
* ``causal`` is ``False`` only for the descriptive before/after comparison, whose summary says
  so in its first line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ImpactResult"]


@dataclass
class ImpactResult:
    """Estimate of a programme's impact with its uncertainty and diagnostics.

    Attributes
    ----------
    design:
        Short design name (``"did_2x2"``, ``"twfe"``, ``"att_gt"``, ``"aggte:dynamic"``,
        ``"synthetic_control"``, ``"psm"``, ``"ipw"``, ``"aipw"``, ``"before_after"``).
    estimand:
        What ``estimate`` estimates, in words (e.g. ``"ATT, simple average over post cells"``).
    estimate, se:
        Point estimate and its standard error, in the outcome's units.  ``se`` is ``nan`` when
        the design supports no standard error (synthetic control: use ``p_value``).
    ci_low, ci_high:
        Interval at level ``1 - alpha``; how it was formed is in ``ci_type``.
    n:
        Number of independent units used (firms, counties, states, clusters for TWFE).
    n_obs:
        Number of rows (unit-periods) used.
    p_value:
        Two-sided p-value of the design's test of "no effect" (normal for analytic SEs,
        permutation for synthetic control and randomization inference).
    table:
        Detail rows (group-time cells, event times, gaps, donor weights ...).
    diagnostics:
        Named tables: ``"balance"``, ``"pretrend"``, ``"placebos"``, ``"weights"`` ...
    settings:
        Every design setting needed to reproduce the number, including seeds.
    warnings:
        Human-readable warnings about the design (few clusters, weak overlap ...).
    causal:
        ``False`` for descriptive comparisons that must never be read as causal.
    """

    design: str
    estimand: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    n_obs: int
    alpha: float = 0.05
    p_value: float = float("nan")
    se_type: str = ""
    ci_type: str = "normal, pointwise"
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    diagnostics: dict[str, pd.DataFrame] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    causal: bool = True
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.table = integer_periods(self.table)
        self.diagnostics = {k: integer_periods(v) for k, v in self.diagnostics.items()}

    # ------------------------------------------------------------------ derived values
    @property
    def tstat(self) -> float:
        """``estimate / se`` (``nan`` when there is no standard error)."""
        if not np.isfinite(self.se) or self.se == 0:
            return float("nan")
        return self.estimate / self.se

    # ------------------------------------------------------------------ presentation
    def tidy(self) -> pd.DataFrame:
        """One row for the headline estimate, then the detail rows (broom-style columns).

        Columns: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high`` plus any
        detail columns (``group``, ``time``, ``event_time``, ``band_low`` ...).  Detail rows'
        ``p_value`` is normal and pointwise; bands (``band_low``/``band_high``) are simultaneous.
        """
        head = pd.DataFrame(
            [
                {
                    "term": self.estimand,
                    "estimate": self.estimate,
                    "std_error": self.se,
                    "statistic": self.tstat,
                    "p_value": self.p_value,
                    "conf_low": self.ci_low,
                    "conf_high": self.ci_high,
                }
            ]
        )
        if self.table is None or self.table.empty:
            return head
        detail = integer_periods(self.table).rename(
            columns={"se": "std_error", "ci_low": "conf_low", "ci_high": "conf_high"})
        if "std_error" in detail and "statistic" not in detail:
            se = detail["std_error"].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(se > 0, detail["estimate"].to_numpy(dtype=float) / se, np.nan)
            detail = detail.assign(statistic=t, p_value=2 * stats.norm.sf(np.abs(t)))
        out = pd.concat([head, detail], ignore_index=True, sort=False)
        first = [c for c in head.columns] + [c for c in out.columns if c not in head.columns]
        return out[first]

    to_frame = tidy

    def summary(self, digits: int = 4) -> str:
        """A plain-text report: the estimate, its uncertainty, the conventions and warnings."""
        level = round(100 * (1 - self.alpha))
        lines: list[str] = []
        if not self.causal:
            lines.append(
                "DESCRIPTIVE COMPARISON - NOT A CAUSAL ESTIMATE (no control group: the change "
                "mixes the programme with everything else that changed)"
            )
        lines.append(f"Design: {self.design}")
        lines.append(f"Estimand: {self.estimand}")
        fmt = f"{{:.{digits}f}}"
        lines.append(
            f"Estimate: {fmt.format(self.estimate)}   SE: {_fmt(self.se, digits)}   "
            f"{level}% CI: [{_fmt(self.ci_low, digits)}, {_fmt(self.ci_high, digits)}]"
            + (f"   p = {_fmt_p(self.p_value)}" if np.isfinite(self.p_value) else "")
        )
        lines.append(f"Units: {self.n}   rows: {self.n_obs}")
        if self.se_type:
            lines.append(f"Standard error: {self.se_type}")
        lines.append(f"Interval: {self.ci_type}")
        for key in sorted(self.settings):
            lines.append(f"  {key}: {self.settings[key]}")
        if self.table is not None and not self.table.empty:
            lines.append("")
            with pd.option_context("display.width", 120, "display.max_columns", 20):
                lines.append(integer_periods(self.table).to_string(index=False,
                                                                   float_format=fmt.format))
        for name in sorted(self.diagnostics):
            frame = self.diagnostics[name]
            if frame is None or frame.empty or len(frame) > 40:
                continue
            lines.append("")
            lines.append(f"[{name}]")
            with pd.option_context("display.width", 120, "display.max_columns", 20):
                lines.append(integer_periods(frame).to_string(index=False,
                                                              float_format=fmt.format))
        for warning in self.warnings:
            lines.append(f"WARNING: {warning}")
        return "\n".join(lines)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.summary()


def _fmt(value: float, digits: int) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def _fmt_p(p: float) -> str:
    return "< 0.0001" if p < 1e-4 else f"{p:.4f}"


PERIOD_COLUMNS = ("group", "time", "event_time", "base", "fake_date", "year")


def integer_periods(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """Show period-like columns (group, time, event_time ...) as integers when they all are."""
    if frame is None or frame.empty:
        return frame
    out = frame
    for col in PERIOD_COLUMNS:
        if col in out.columns and pd.api.types.is_float_dtype(out[col]):
            v = out[col].to_numpy()
            if np.all(np.isfinite(v)) and np.all(v == np.round(v)):
                if out is frame:
                    out = frame.copy()
                out[col] = v.astype(np.int64)
    return out


def normal_ci(estimate: float, se: float, alpha: float) -> tuple[float, float, float]:
    """Pointwise normal interval and two-sided p-value; ``nan`` when ``se`` is not usable."""
    if not np.isfinite(se) or se <= 0:
        return float("nan"), float("nan"), float("nan")
    z = stats.norm.ppf(1 - alpha / 2)
    p = 2 * stats.norm.sf(abs(estimate / se))
    return estimate - z * se, estimate + z * se, float(p)


def check_alpha(alpha: float) -> float:
    """Validate a significance level (a :class:`SpecError` names the value received)."""
    from ..errors import SpecError

    try:
        value = float(alpha)
    except (TypeError, ValueError):
        raise SpecError(f"alpha: expected a number in (0, 1), got {alpha!r}") from None
    if not (0 < value < 1) or math.isnan(value):
        raise SpecError(f"alpha: expected a number in (0, 1), got {alpha!r}")
    return value
