"""Observed programme moments (calibration targets) and how model runs map onto them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from changjing.simulate.config import month_index
from changjing.simulate.errors import ConfigError, format_validation_error, suggest
from changjing.simulate.indicators import timeseries_columns
from changjing.simulate.programme import STAGES, data_path
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Period(_Strict):
    start: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    months: int = Field(ge=1, le=600)
    source: str = ""


class Moment(_Strict):
    name: str
    zh: str = ""
    enabled: bool = True
    value: float
    sd: float = Field(gt=0, description="Uncertainty of the observed value (same unit).")
    kind: Literal["final", "ratio", "stage_attrition", "stage_months"]
    column: str | None = None
    denominator: list[str] | None = None
    stage: str | None = None
    period: tuple[str, str] | None = None
    source: str

    @model_validator(mode="after")
    def _check(self) -> Moment:
        cols = timeseries_columns()
        if self.kind in ("final", "ratio"):
            for c in [self.column, *(self.denominator or [])]:
                if c is None:
                    raise ValueError(f"kind {self.kind!r} needs 'column'")
                if c not in cols:
                    raise ValueError(f"unknown output column {c!r}" + suggest(c, cols))
            if self.kind == "ratio" and not self.denominator:
                raise ValueError("kind 'ratio' needs 'denominator'")
        else:
            if self.stage not in STAGES:
                raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}"
                                 + suggest(self.stage, STAGES))
        return self


class TargetsFile(_Strict):
    period: Period
    moment: list[Moment]


def load_targets(path: str | Path) -> TargetsFile:
    """Read a targets file; a bare name is looked up in the shipped scenarios_data/."""
    p = Path(path)
    if not p.is_file() and not p.is_absolute():
        p = data_path(str(path))
    if not p.is_file():
        raise ConfigError(f"{path}: calibration targets file not found")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
        targets = TargetsFile.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(p), TargetsFile, "targets")) from None
    names = [m.name for m in targets.moment]
    if len(set(names)) != len(names):
        raise ConfigError(f"{p}: moment names must be unique")
    if not any(m.enabled for m in targets.moment):
        raise ConfigError(f"{p}: no enabled moment")
    return targets


def simulated_moments(targets: TargetsFile, timeseries: pd.DataFrame,
                      funnel: pd.DataFrame) -> np.ndarray:
    """The enabled moments computed from one run's outputs (same order as the file)."""
    end = timeseries.iloc[-1]
    out = []
    for m in targets.moment:
        if not m.enabled:
            continue
        if m.kind == "final":
            out.append(float(end[m.column]))
        elif m.kind == "ratio":
            den = float(sum(end[c] for c in m.denominator or []))
            out.append(float(end[m.column]) / den if den else np.nan)
        else:
            g = funnel[funnel["stage"] == m.stage]
            gone = g["left"] + g["failed"]
            if m.kind == "stage_attrition":
                total = gone.sum()
                out.append(float(g["failed"].sum() / total) if total else np.nan)
            else:
                total = gone.sum()
                months = (g["mean_months_spent"].fillna(0) * gone).sum()
                out.append(float(months / total) if total else np.nan)
    return np.array(out, dtype=float)


def observed(targets: TargetsFile) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(values, sds, names) of the enabled moments."""
    ms = [m for m in targets.moment if m.enabled]
    return (np.array([m.value for m in ms]), np.array([m.sd for m in ms]),
            [m.name for m in ms])


def distance(sim: np.ndarray, obs: np.ndarray, sd: np.ndarray) -> float:
    """Root mean square of (simulated − observed) / sd; NaN moments count as far away."""
    z = (sim - obs) / sd
    z = np.where(np.isfinite(z), z, 1e6)
    return float(np.sqrt(np.mean(z**2)))


def period_overrides(targets: TargetsFile, base_start: str) -> dict[str, object]:
    """Config overrides that make a run cover the targets' period (no warm-up)."""
    return {"run.start": targets.period.start, "run.months": targets.period.months,
            "run.warmup_months": 0}


__all__ = ["Moment", "TargetsFile", "distance", "load_targets", "month_index", "observed",
           "period_overrides", "simulated_moments"]
