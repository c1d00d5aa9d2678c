"""Evaluation results (跟踪评估) as calibration moments: each year's tracking sharpens the model.

An evaluation table has one row per scenario whose pilot (落地示范) started, with the fields
(CSV in UTF-8, or XLSX; extra columns are ignored, so the scoring table can carry them):

============================  ==============================================================
column                        meaning
============================  ==============================================================
``scenario_id``               identifier (unique)
``pilot_start``               month the pilot started, ``YYYY-MM`` (a full date is accepted)
``pilot_end``                 month its result was recorded; empty while it is running
``pilot_outcome``             ``success`` / ``failed`` / ``ongoing`` (成功 / 失败 / 进行中)
``months_to_demonstration``   months from start to result; empty → computed from the dates
``procured_after_trial``      先试后转: ``yes`` / ``no`` (是 / 否, 1 / 0) for a successful
                              pilot whose tracking ended; empty otherwise
============================  ==============================================================

Mapping to moments (:func:`evaluation_moments`), counted over the completed pilots that lie
inside the calibration's simulated period (later or earlier rows are left out and counted in
the moment's ``source``):

* ``pilot_success_share`` = successes / completed pilots → kind ``ratio``, ``demonstrations``
  over ``demonstrations + failed_pilot_failed``; sd = √(p̃(1 − p̃)/n) with p̃ = (s + 1)/(n + 2)
  (binomial sampling error, never zero);
* ``months_in_pilot`` = mean months to the result of the completed pilots → kind
  ``stage_months`` of ``implementation``; sd = max(sample sd / √n, 0.5) (half a month: dates
  are known to the month);
* ``procurement_share`` = procured / successful pilots → kind ``ratio``, ``procurements``
  over ``demonstrations``; a success whose decision is not recorded yet counts as not (yet)
  procured, as in the model, where a demonstration still in tracking has not been procured;
  sd as for the success share.

A moment needs at least ``MIN_PILOTS`` pilots behind it; with fewer it is left out (and said
so), since a share of three pilots says little.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from ..config import month_index
from ..errors import ConfigError, suggest
from .targets import Moment, TargetsFile

REQUIRED = ("scenario_id", "pilot_start", "pilot_end", "pilot_outcome")
OPTIONAL = ("months_to_demonstration", "procured_after_trial")
OUTCOMES = {"success": "success", "成功": "success", "failed": "failed", "失败": "failed",
            "failure": "failed", "ongoing": "ongoing", "进行中": "ongoing"}
YES = {"yes": True, "是": True, "1": True, "true": True, "no": False, "否": False, "0": False,
       "false": False}
MIN_PILOTS = 5


def read_evaluation(path: str | Path) -> pd.DataFrame:
    """Read and check an evaluation table; months as 'YYYY-MM', outcomes in English."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{path}: evaluation table not found")
    try:
        if p.suffix.lower() in (".xlsx", ".xls"):
            df = pd.read_excel(p, dtype=str)
        else:
            df = pd.read_csv(p, dtype=str, encoding="utf-8-sig", comment="#",
                             keep_default_na=False)
    except (UnicodeDecodeError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{p}: cannot read the evaluation table ({exc}); save it as UTF-8 "
                          "CSV or XLSX") from None
    df.columns = [str(c).strip() for c in df.columns]
    for c in REQUIRED:
        if c not in df.columns:
            raise ConfigError(f"{p}: missing column {c!r}" + suggest(c, list(df.columns)) +
                              f"; an evaluation table needs {', '.join(REQUIRED)} "
                              "(docs/calibration.md)")
    df = df.copy()
    for c in OPTIONAL:
        if c not in df.columns:
            df[c] = ""
    df = df.fillna("")
    first = 2                                      # file line of the first row
    if p.suffix.lower() not in (".xlsx", ".xls"):
        with p.open(encoding="utf-8-sig") as fh:
            for line in fh:
                if not line.startswith("#"):
                    break
                first += 1
    dup = df["scenario_id"][df["scenario_id"].duplicated()]
    if len(dup):
        raise ConfigError(f"{p}: scenario_id {dup.iloc[0]!r} is repeated (row "
                          f"{int(dup.index[0]) + first}); one row per scenario")
    out = []
    for i, r in df.iterrows():
        row = int(str(i)) + first
        where = f"{p}, row {row} ({r['scenario_id']})"
        raw = str(r["pilot_outcome"] or "").strip().lower()
        if raw not in OUTCOMES:
            raise ConfigError(f"{where}: pilot_outcome {r['pilot_outcome']!r} is not one of "
                              "success, failed, ongoing (成功, 失败, 进行中)" +
                              suggest(raw, list(OUTCOMES)))
        outcome = OUTCOMES[raw]
        start = _month(r["pilot_start"], where, "pilot_start")
        end = _month(r["pilot_end"], where, "pilot_end") if r["pilot_end"] else None
        if start is None:
            raise ConfigError(f"{where}: pilot_start is empty; give the month the pilot "
                              "started (YYYY-MM)")
        if outcome != "ongoing" and end is None:
            raise ConfigError(f"{where}: a {outcome} pilot needs pilot_end (the month of its "
                              "result)")
        if end is not None and month_index(start, end) < 0:
            raise ConfigError(f"{where}: pilot_end {end} lies before pilot_start {start}")
        months: float | None = None
        if r["months_to_demonstration"]:
            try:
                months = float(r["months_to_demonstration"])
            except ValueError:
                raise ConfigError(f"{where}: months_to_demonstration "
                                  f"{r['months_to_demonstration']!r} is not a number") from None
            if not math.isfinite(months) or months < 0:
                raise ConfigError(f"{where}: months_to_demonstration must be a non-negative "
                                  f"number, got {months:g}")
        elif end is not None:
            months = float(month_index(start, end))
        procured: bool | None = None
        if r["procured_after_trial"]:
            key = str(r["procured_after_trial"]).strip().lower()
            if key not in YES:
                raise ConfigError(f"{where}: procured_after_trial "
                                  f"{r['procured_after_trial']!r} is not yes/no (是/否, 1/0)")
            procured = YES[key]
            if procured and outcome != "success":
                raise ConfigError(f"{where}: procured_after_trial = yes but the pilot "
                                  f"outcome is {outcome}; only a successful pilot is procured")
        out.append({"scenario_id": r["scenario_id"], "pilot_start": start, "pilot_end": end,
                    "pilot_outcome": outcome, "months": months, "procured": procured})
    if not out:
        raise ConfigError(f"{p}: the evaluation table has no rows")
    return pd.DataFrame(out)


def _month(value: object, where: str, column: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    try:
        ts = pd.Timestamp(text)
    except ValueError:
        raise ConfigError(f"{where}: {column} {text!r} is not a month (YYYY-MM) or a date"
                          ) from None
    return f"{ts.year:04d}-{ts.month:02d}"


def _share_sd(x: int, n: int) -> float:
    pt = (x + 1) / (n + 2)
    return float(math.sqrt(pt * (1 - pt) / n))


def evaluation_moments(table: pd.DataFrame, start: str, end: str, source: str
                       ) -> tuple[list[Moment], list[str]]:
    """Moments from a checked evaluation table (:func:`read_evaluation`) for the simulated
    period ``start``…``end``; returns (moments, notes on what was left out)."""
    notes: list[str] = []
    t = table[table["pilot_outcome"] != "ongoing"]
    inside = t[(t["pilot_start"].map(lambda m: month_index(start, m) >= 0)) &
               (t["pilot_end"].map(lambda m: month_index(m, end) >= 0))]
    if len(inside) < len(t):
        notes.append(f"{len(t) - len(inside)} completed pilot(s) outside {start}..{end} left "
                     "out")
    if not len(inside):
        return [], notes + ["no completed pilot inside the simulated period"]
    last = max(inside["pilot_end"], key=lambda m: month_index(start, m))
    period = (start, last)
    moments: list[Moment] = []
    n = len(inside)
    s = int((inside["pilot_outcome"] == "success").sum())
    tag = f"evaluation table {source}"
    if n >= MIN_PILOTS:
        moments.append(Moment(
            name="pilot_success_share", zh="落地示范成功率", value=s / n, sd=_share_sd(s, n),
            kind="ratio", column="demonstrations",
            denominator=["demonstrations", "failed_pilot_failed"], period=period,
            source=f"{tag}: {s} of {n} completed pilots succeeded"))
        months = inside["months"].astype(float).to_numpy()
        sd = max(float(np.std(months, ddof=1)) / math.sqrt(n) if n > 1 else 0.0, 0.5)
        moments.append(Moment(
            name="months_in_pilot", zh="落地示范平均用时(月)", value=float(months.mean()),
            sd=sd, kind="stage_months", stage="implementation", period=period,
            source=f"{tag}: mean months from start to result of {n} completed pilots"))
    else:
        notes.append(f"only {n} completed pilot(s): pilot_success_share and months_in_pilot "
                     f"need at least {MIN_PILOTS}")
    decided = inside[inside["pilot_outcome"] == "success"]
    if len(decided) >= MIN_PILOTS:
        k = int(decided["procured"].map(lambda v: v is True).sum())
        moments.append(Moment(
            name="procurement_share", zh="先试后转比例", value=k / len(decided),
            sd=_share_sd(k, len(decided)), kind="ratio", column="procurements",
            denominator=["demonstrations"], period=period,
            source=f"{tag}: {k} of {len(decided)} successful pilots procured after trial"))
    else:
        notes.append(f"only {len(decided)} successful pilot(s): procurement_share needs at "
                     f"least {MIN_PILOTS}")
    return moments, notes


def add_evaluation_moments(targets: TargetsFile, path: str | Path) -> TargetsFile:
    """``targets`` with the evaluation table's moments enabled (replacing same-named moments,
    e.g. the shipped templates); refuses a table that yields no moment."""
    table = read_evaluation(path)
    moments, notes = evaluation_moments(table, targets.period.start, targets.period.end,
                                        Path(path).name)
    if not moments:
        raise ConfigError(f"{path}: the evaluation table yields no calibration moment (" +
                          "; ".join(notes) + ")")
    new = {m.name: m for m in moments}
    kept = [m for m in targets.moment if m.name not in new]
    return TargetsFile.model_validate({"period": targets.period.model_dump(),
                                       "moment": [m.model_dump() for m in kept + moments]})


__all__ = ["add_evaluation_moments", "evaluation_moments", "read_evaluation"]
