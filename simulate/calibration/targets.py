"""Observed programme moments (calibration targets) and how model runs map onto them."""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from ..config import month_index, month_label
from ..errors import ConfigError, SimulateError, format_validation_error, suggest
from ..indicators import timeseries_columns
from ..inputs import StrictModel, key_lines, load_toml, where
from ..programme import STAGES, data_path
from pydantic import Field, ValidationError, field_validator, model_validator

_YM = r"^\d{4}-(0[1-9]|1[0-2])$"


class _Strict(StrictModel):
    """Unknown keys and silently coerced types are errors (see simulate/inputs.py)."""


def this_month() -> str:
    """The current month, 'YYYY-MM' (observations cannot lie after it)."""
    today = _dt.date.today()
    return f"{today.year:04d}-{today.month:02d}"


def _not_future(month: str, what: str) -> None:
    now = this_month()
    if month_index(now, month) > 0:
        raise ValueError(f"{what} {month} lies in the future (this month is {now}); an "
                         "observed moment can only cover months that have passed")


class Period(_Strict):
    start: str = Field(pattern=_YM)
    months: int = Field(ge=1, le=600)
    source: str = ""

    @property
    def end(self) -> str:
        """Last month covered, 'YYYY-MM'."""
        return month_label(self.start, self.months - 1)

    @model_validator(mode="after")
    def _past(self) -> Period:
        _not_future(self.end, f"the period {self.start} + {self.months} months ends in "
                    f"{self.end}, which")
        return self


class Moment(_Strict):
    name: str
    zh: str = ""
    enabled: bool = True
    value: float
    sd: float = Field(gt=0, description="Uncertainty of the observed value (same unit).")
    kind: Literal["final", "change", "ratio", "stage_attrition", "stage_months"]
    column: str | None = None
    denominator: list[str] | None = None
    stage: str | None = None
    period: tuple[str, str] | None = None
    source: str

    @field_validator("value", "sd")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError(f"must be a finite number, got {v}; a moment that was not "
                             "observed is left out (or enabled = false)")
        # Every kind counts something (listings, labs, yuan, shares of scenarios, months).
        if v < 0:
            raise ValueError(f"cannot be negative (moments count listings, labs, money, "
                             f"shares or months), got {v:g}")
        return v

    @field_validator("period")
    @classmethod
    def _period(cls, v: tuple[str, str] | None) -> tuple[str, str] | None:
        if v is None:
            return v
        import re

        for m in v:
            if not re.match(_YM, m):
                raise ValueError(f"months are written 'YYYY-MM', got {m!r}")
        if month_index(v[0], v[1]) < 0:
            raise ValueError(f"the period is reversed: it ends ({v[1]}) before it starts "
                             f"({v[0]}); write [start, end]")
        _not_future(v[1], "the period's end")
        return v

    @model_validator(mode="after")
    def _check(self) -> Moment:
        if self.kind == "stage_attrition" and self.value > 1:
            raise ValueError(f"value: a stage_attrition moment is a share in [0, 1], got "
                             f"{self.value:g}")
        cols = timeseries_columns()
        if self.kind in ("final", "change", "ratio"):
            for c in [self.column, *(self.denominator or [])]:
                if c is None:
                    raise ValueError(f"kind {self.kind!r} needs 'column'")
                if c not in cols:
                    raise ValueError(f"unknown output column {c!r}" + suggest(c, cols))
            if self.kind == "ratio" and not self.denominator:
                raise ValueError("kind 'ratio' needs 'denominator'")
            if self.kind == "change" and self.period is None:
                raise ValueError("kind 'change' needs 'period' = [start, end]: it is the "
                                 "column's increase from the month before start to end")
        else:
            if self.stage not in STAGES:
                raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}"
                                 + suggest(self.stage, STAGES))
        return self


class TargetsFile(_Strict):
    period: Period
    moment: list[Moment]

    @model_validator(mode="after")
    def _within(self) -> TargetsFile:
        run0, run1 = self.period.start, self.period.end
        for m in self.moment:
            if m.period is None:
                continue
            start, end = m.period
            what = f"moment {m.name!r}: its period [{start}, {end}]"
            if month_index(run1, end) > 0:
                raise ValueError(f"{what} ends after the simulated period ({run0} to {run1}); "
                                 "the model cannot read it there")
            if month_index(run0, end) < 0:
                raise ValueError(f"{what} ends before the simulated period starts ({run0}); "
                                 "the model cannot read it")
            if m.kind == "change" and month_index(run0, start) <= 0:
                raise ValueError(f"{what} starts at or before the simulated period "
                                 f"({run0}): a 'change' is read from the month before its "
                                 "start, which must be simulated (use kind 'final' for a "
                                 "count since the start of the simulated period)")
            if m.kind in ("stage_attrition", "stage_months") and month_index(run0, start) < 0:
                raise ValueError(f"{what} starts before the simulated period ({run0}); stage "
                                 "flows are only known for simulated months")
        return self

    def reading_months(self) -> dict[str, tuple[str, str]]:
        """For each enabled moment, the (first, last) simulated month it is read over."""
        out = {}
        for m in self.moment:
            if m.enabled:
                start, end = m.period or (self.period.start, self.period.end)
                if month_index(self.period.start, start) < 0:
                    start = self.period.start
                out[m.name] = (start, end)
        return out


def load_targets(path: str | Path) -> TargetsFile:
    """Read a targets file; a bare name is looked up in the shipped scenarios_data/."""
    p = Path(path)
    if not p.is_file() and not p.is_absolute():
        p = data_path(str(path))
    if not p.is_file():
        raise ConfigError(f"{path}: calibration targets file not found (neither there nor in "
                          "the shipped scenarios_data/)")
    data, text = load_toml(p, "calibration targets", empty_hint="a targets file needs a "
                           "[period] and at least one [[moment]] (docs/calibration.md)")
    try:
        targets = TargetsFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(p), TargetsFile, "targets",
                                                  text)) from None
    lines = key_lines(text)
    names = [m.name for m in targets.moment]
    for i, n in enumerate(names):
        if names.index(n) != i:
            raise ConfigError(f"{where(str(p), lines, f'moment[{i}].name')}: moment names "
                              f"must be unique; {n!r} is repeated")
    if not any(m.enabled for m in targets.moment):
        raise ConfigError(f"{p}: no enabled moment (every [[moment]] has enabled = false)")
    return targets


def simulated_moments(targets: TargetsFile, timeseries: pd.DataFrame,
                      funnel: pd.DataFrame) -> np.ndarray:
    """The enabled moments computed from one run's outputs (same order as the file).

    Each moment is read over its own period (``period = [start, end]``, default the simulated
    period): ``final`` and ``ratio`` at the row of month ``end``; ``change`` as the column at
    ``end`` minus the column at the month before ``start``; stage moments from the funnel's
    monthly flows of months ``start``…``end``.  NaN when a ratio's denominator is zero.
    """
    dates = timeseries["date"].astype(str).tolist()
    row_of = {d: i for i, d in enumerate(dates)}
    fdates = funnel["date"].astype(str)
    out = []
    for m in targets.moment:
        if not m.enabled:
            continue
        start, end = m.period or (targets.period.start, targets.period.end)
        if end not in row_of:
            raise SimulateError(f"moment {m.name!r}: the run has no month {end} (it covers "
                                f"{dates[0]} to {dates[-1]})")
        at = timeseries.iloc[row_of[end]]
        if m.kind == "final":
            out.append(float(at[m.column]))
        elif m.kind == "change":
            before = month_label(start, -1)
            if before not in row_of:
                raise SimulateError(f"moment {m.name!r}: the run has no month {before}")
            out.append(float(at[m.column]) - float(timeseries.iloc[row_of[before]][m.column]))
        elif m.kind == "ratio":
            den = float(sum(at[c] for c in m.denominator or []))
            out.append(float(at[m.column]) / den if den else np.nan)
        else:
            inside = (fdates >= max(start, dates[0])) & (fdates <= end)
            g = funnel[inside & (funnel["stage"] == m.stage)]
            gone = g["left"] + g["failed"]
            total = gone.sum()
            if m.kind == "stage_attrition":
                out.append(float(g["failed"].sum() / total) if total else np.nan)
            else:
                months = (g["mean_months_spent"].fillna(0) * gone).sum()
                out.append(float(months / total) if total else np.nan)
    return np.array(out, dtype=float)


def observed(targets: TargetsFile) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(values, sds, names) of the enabled moments."""
    ms = [m for m in targets.moment if m.enabled]
    return (np.array([m.value for m in ms]), np.array([m.sd for m in ms]),
            [m.name for m in ms])


def distance(sim: np.ndarray, obs: np.ndarray, sd: np.ndarray) -> float:
    """Root mean square of (simulated − observed) / sd.

    A moment the run could not produce (NaN: a ratio over zero) makes the distance infinite,
    so the proposal is rejected rather than the moment silently ignored; the calibration
    counts such runs per moment and refuses a moment that no prior draw can produce.
    """
    z = (np.asarray(sim, dtype=float) - obs) / sd
    if not np.all(np.isfinite(z)):
        return float("inf")
    return float(np.sqrt(np.mean(z**2)))


def period_overrides(targets: TargetsFile, base_start: str) -> dict[str, object]:
    """Config overrides that make a run cover the targets' period (no warm-up)."""
    return {"run.start": targets.period.start, "run.months": targets.period.months,
            "run.warmup_months": 0}


__all__ = ["Moment", "TargetsFile", "distance", "load_targets", "month_index", "observed",
           "period_overrides", "simulated_moments"]
