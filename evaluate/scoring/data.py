"""Validating a completed-scenario table against an indicator system; missing values.

:func:`validate_table` checks, and reports *all* problems at once (up to a cap), each with
the spreadsheet row number (header = row 1, first data row = row 2), column and value:

* the id column and every column the indicators and ``[data]`` section use exist
  (with a did-you-mean for misspelt headers);
* ids are present and unique;
* numeric columns hold numbers (a cell like "12万" is reported, never coerced to NaN
  silently), integer columns integers, date columns dates;
* values respect declared bounds (``min``/``max``: negative funding, TRL outside 1–9 …);
* declared date pairs are in order (a trial cannot end before it starts);
* a ratio indicator's denominator is not zero.

:func:`indicator_matrix` then builds the raw indicator matrix (alternatives × indicators),
computing differences (``baseline``) and ratios (``per``), and :func:`apply_missing`
applies the configured missing-value policy, recording every exclusion and imputation.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ..errors import InputError
from .system import IndicatorSystem

MAX_REPORTED = 25
EXCLUDED_COLUMNS = ["scenario_id", "sheet", "row", "reason"]


def _row(i: int) -> int:
    return int(i) + 2  # spreadsheet row: header is row 1


def _missing_cell(v) -> bool:
    return (
        v is None
        or (isinstance(v, float) and np.isnan(v))
        or (isinstance(v, str) and not v.strip())
        or v is pd.NaT
    )


def _empty(series: pd.Series) -> pd.Series:
    """Mask of empty cells (NaN, None, blank strings); vectorised for numeric columns."""
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
        return series.isna()
    if isinstance(series.dtype, pd.StringDtype):  # strings or NA only: vectorised
        return (series.isna() | (series.str.strip() == "")).astype(bool)
    return series.map(_missing_cell).astype(bool)


def _labels(series: pd.Series, strip: bool) -> pd.Series:
    """Cell values as text, "" for an empty cell (vectorised for string columns)."""
    if isinstance(series.dtype, pd.StringDtype):  # strings or NA only
        vals = series.to_numpy(dtype=object)
        text = [
            (v.strip() if strip else v) if isinstance(v, str) else "" for v in vals.tolist()
        ]
        return pd.Series(text, index=series.index, dtype=object)
    if strip:
        return series.map(lambda v: "" if _missing_cell(v) else str(v).strip())
    return series.map(lambda v: "" if _missing_cell(v) else str(v))


def _to_number(series: pd.Series):
    """(numbers, bad mask): bad marks non-empty cells that are not numbers."""
    if pd.api.types.is_bool_dtype(series):
        return series.astype(float), pd.Series(True, index=series.index)
    if pd.api.types.is_numeric_dtype(series):  # already numbers: nothing to parse
        return series.astype(float), pd.Series(False, index=series.index)
    empty = _empty(series)
    nums = pd.to_numeric(series.where(~empty), errors="coerce")
    bad = nums.isna() & ~empty
    if series.dtype == object:  # booleans are not numbers
        bad |= series.map(lambda v: isinstance(v, bool))
    return nums.astype(float), bad


@dataclass
class ValidatedTable:
    frame: pd.DataFrame
    ids: list[str]
    names: list[str] | None
    source: str
    rows: list[int] | None = None  # spreadsheet row of every table row
    sheets: list[str] | None = None  # sheet of every table row (workbooks)

    def row_of(self, i: int) -> int:
        return self.rows[i] if self.rows is not None else _row(i)


Locate = Callable[[int, "str | None"], str]


def validate_table(
    frame: pd.DataFrame,
    system: IndicatorSystem,
    source: str = "<table>",
    locate: Locate | None = None,
) -> ValidatedTable:
    """Check ``frame`` against ``system``; raise one :class:`InputError` listing every problem.

    ``locate(i, column)`` names the cell of table row ``i`` (e.g. ``黄岛区!F17``); without
    it a problem names the spreadsheet row (header = row 1) and column.
    """
    problems: list[str] = []
    cols = [str(c) for c in frame.columns]

    def at(i: int, col: str | None = None) -> str:
        if locate is not None:
            return locate(int(i), col) + (f" ({col!r})" if col else "")
        return f"row {_row(i)}" + (f", column {col!r}" if col else "")

    needed: dict[str, str] = {system.id_column: "id column ([data] id_column)"}
    if system.name_column:
        needed[system.name_column] = "name column ([data] name_column)"
    for ind in system.indicators:
        for c in ind.columns:
            needed.setdefault(c, f"indicator {ind.id}")
    for spec in system.columns:
        needed.setdefault(spec["name"], "[[data.columns]]")
    for pair in system.date_order:
        needed.setdefault(pair["earlier"], "[[data.date_order]]")
        needed.setdefault(pair["later"], "[[data.date_order]]")
    absent = [c for c in needed if c not in cols]
    # a column an indicator reads is needed whatever [[data.columns]] says
    used = {c for ind in system.indicators for c in ind.columns} | {system.id_column}
    optional = {s["name"] for s in system.columns if not s["required"]} - used
    absent = [c for c in absent if c not in optional]
    if absent:
        lines = []
        for c in absent:
            hint = difflib.get_close_matches(c, cols, n=1)
            lines.append(
                f"  missing column {c!r} (needed by {needed[c]})"
                + (f"; did you mean {hint[0]!r}?" if hint else "")
            )
        raise InputError(
            f"{source}: required column(s) not found:\n"
            + "\n".join(lines)
            + f"\n  columns present: {', '.join(cols)}"
        )

    out = frame.reset_index(drop=True)  # row numbers are positions, whatever the index
    idc = out[system.id_column]
    ids = _labels(idc, strip=True)
    for i in np.flatnonzero(ids == ""):
        problems.append(f"{at(i, system.id_column)}: missing scenario id")
    dups = ids[(ids != "") & ids.duplicated(keep=False)]
    for val, grp in dups.groupby(dups):
        if locate is not None:
            where = ", ".join(locate(int(i), system.id_column) for i in grp.index)
            problems.append(f"{where}: duplicate id {val!r} (column {system.id_column!r})")
        else:
            rows = ", ".join(str(_row(i)) for i in grp.index)
            problems.append(f"rows {rows}, column {system.id_column!r}: duplicate id {val!r}")

    numeric_bounds: dict[str, tuple] = {}
    for ind in system.indicators:
        lo, hi = ind.min, ind.max
        numeric_bounds.setdefault(ind.column, (lo, hi, f"indicator {ind.id}"))
        for c in (ind.baseline, ind.per):
            if c:
                numeric_bounds.setdefault(c, (None, None, f"indicator {ind.id}"))
    types = {s["name"]: s for s in system.columns}
    for name, spec in types.items():
        if spec["type"] in ("number", "integer"):
            lo0, hi0, why = numeric_bounds.get(name, (None, None, "[[data.columns]]"))
            lo = spec["min"] if spec["min"] is not None else lo0
            hi = spec["max"] if spec["max"] is not None else hi0
            numeric_bounds[name] = (lo, hi, why)

    for name, (lo, hi, why) in numeric_bounds.items():
        if name not in out.columns:
            continue
        nums, bad = _to_number(out[name])
        for i in np.flatnonzero(bad.to_numpy()):
            problems.append(
                f"{at(i, name)}: {out[name].iloc[i]!r} is not a number ({why})"
            )
        if name in types and types[name]["type"] == "integer":
            frac = nums.notna() & (nums != np.round(nums))
            for i in np.flatnonzero(frac.to_numpy()):
                problems.append(
                    f"{at(i, name)}: {nums.iloc[i]:g} is not a whole number"
                )
        if lo is not None:
            for i in np.flatnonzero((nums < lo).to_numpy()):
                problems.append(
                    f"{at(i, name)}: value {nums.iloc[i]:g} is below "
                    f"the minimum {lo:g} ({why})"
                )
        if hi is not None:
            for i in np.flatnonzero((nums > hi).to_numpy()):
                problems.append(
                    f"{at(i, name)}: value {nums.iloc[i]:g} is above "
                    f"the maximum {hi:g} ({why})"
                )
        if name in types and types[name]["required"]:
            for i in np.flatnonzero(_empty(out[name]).to_numpy()):
                problems.append(f"{at(i, name)}: required value is empty")
        out[name] = nums

    for spec in system.columns:
        if spec.get("choices") and spec["name"] in out.columns:
            allowed = spec["choices"]
            col = out[spec["name"]]
            for i in np.flatnonzero((~_empty(col)).to_numpy()):
                v = str(col.iloc[i]).strip()
                if v not in allowed:
                    from ._common import did_you_mean

                    problems.append(
                        f"{at(i, spec['name'])}: {v!r} is not one of {', '.join(allowed)}"
                        f"{did_you_mean(v, allowed)}"
                    )
        if spec["type"] == "text" and spec["required"] and spec["name"] in out.columns:
            for i in np.flatnonzero(_empty(out[spec["name"]]).to_numpy()):
                problems.append(f"{at(i, spec['name'])}: required value is empty")

    dates: dict[str, pd.Series] = {}
    date_cols = {s["name"] for s in system.columns if s["type"] == "date"}
    for pair in system.date_order:
        date_cols |= {pair["earlier"], pair["later"]}
    for name in sorted(date_cols):
        if name not in out.columns:
            continue
        raw = out[name]
        empty = _empty(raw)
        parsed = pd.to_datetime(raw.where(~empty), errors="coerce", format="mixed")
        for i in np.flatnonzero((parsed.isna() & ~empty).to_numpy()):
            problems.append(
                f"{at(i, name)}: {raw.iloc[i]!r} is not a date "
                "(expected YYYY-MM-DD)"
            )
        if name in types and types[name]["required"]:
            for i in np.flatnonzero(empty.to_numpy()):
                problems.append(f"{at(i, name)}: required date is empty")
        dates[name] = parsed
    for pair in system.date_order:
        a, b = dates.get(pair["earlier"]), dates.get(pair["later"])
        if a is None or b is None:
            continue
        for i in np.flatnonzero((b < a).to_numpy()):
            problems.append(
                f"{at(i)}: {pair['later']!r} {b.iloc[i].date()} is before "
                f"{pair['earlier']!r} {a.iloc[i].date()} (dates out of order)"
            )

    for ind in system.indicators:
        if ind.per and ind.per in out.columns:
            den = out[ind.per]
            for i in np.flatnonzero((den == 0).to_numpy()):
                problems.append(
                    f"{at(i, ind.per)}: zero denominator for ratio "
                    f"indicator {ind.id!r} ({ind.column} per {ind.per})"
                )

    if problems:
        shown = problems[:MAX_REPORTED]
        more = len(problems) - len(shown)
        raise InputError(
            f"{source}: {len(problems)} problem(s) in the table:\n  "
            + "\n  ".join(shown)
            + (f"\n  … and {more} more" if more else "")
        )
    names = None
    if system.name_column:
        names = _labels(out[system.name_column], strip=False).tolist()
    return ValidatedTable(out, ids.tolist(), names, source)


def indicator_matrix(table: ValidatedTable, system: IndicatorSystem) -> np.ndarray:
    """Raw indicator values (alternatives × indicators): column, minus baseline, or per ratio.

    Indicators with ``missing = "zero"`` get 0 where their value is missing (e.g. patents
    not reported = none filed), before any other policy applies.
    """
    f = table.frame
    cols = []
    for ind in system.indicators:
        x = f[ind.column].to_numpy(dtype=float)
        if ind.baseline:
            x = x - f[ind.baseline].to_numpy(dtype=float)
        elif ind.per:
            x = x / f[ind.per].to_numpy(dtype=float)
        if ind.missing == "zero":
            x = np.where(np.isnan(x), 0.0, x)
        cols.append(x)
    return np.column_stack(cols)


def _excluded_frame(records: list[dict], table: ValidatedTable) -> pd.DataFrame:
    """Excluded rows: id, (sheet — for workbooks), spreadsheet row, reason."""
    cols = EXCLUDED_COLUMNS if table.sheets else [c for c in EXCLUDED_COLUMNS if c != "sheet"]
    return pd.DataFrame(records, columns=EXCLUDED_COLUMNS)[cols]


@dataclass
class MissingOutcome:
    X: np.ndarray  # matrix of the rows kept (NaN only under renormalise)
    keep: np.ndarray  # boolean mask over the input rows
    excluded: pd.DataFrame  # id, row, reason
    imputed: pd.DataFrame  # indicator, n_imputed, value, method
    nan_policy: str  # "raise" (complete) or "renormalise"


def apply_missing(
    X: np.ndarray,
    table: ValidatedTable,
    system: IndicatorSystem,
    candidates: np.ndarray | None = None,
) -> MissingOutcome:
    """Apply the system's missing-value policy (never a silent NaN).

    ``candidates`` (boolean mask over the rows) restricts the policy to those rows; the
    others are neither kept nor listed here (the caller lists them, e.g. as not scorable).
    """
    ids = np.asarray(table.ids, dtype=object)
    names = [i.id for i in system.indicators]
    miss = np.isnan(X)
    excluded = []
    keep = np.ones(X.shape[0], dtype=bool) if candidates is None else candidates.copy()
    empty = miss.all(axis=1) & keep
    for i in np.flatnonzero(empty):
        excluded.append(
            {
                "scenario_id": ids[i],
                "sheet": table.sheets[i] if table.sheets else "",
                "row": table.row_of(i),
                "reason": "no indicator value present",
            }
        )
    keep &= ~empty
    imputed = []
    policy = system.missing
    X = X.copy()
    if policy == "exclude":
        part = miss.any(axis=1) & keep
        for i in np.flatnonzero(part):
            cols = [names[j] for j in np.flatnonzero(miss[i])]
            excluded.append(
                {
                    "scenario_id": ids[i],
                    "sheet": table.sheets[i] if table.sheets else "",
                    "row": table.row_of(i),
                    "reason": "missing " + ", ".join(cols),
                }
            )
        keep &= ~part
    elif policy in ("impute_median", "impute_mean"):
        for j in np.flatnonzero(miss[keep].any(axis=0)):
            col = X[keep, j]
            obs = col[~np.isnan(col)]
            if obs.size == 0:
                raise InputError(
                    f"{table.source}: indicator {names[j]!r} has no value in any "
                    "scenario, so it cannot be imputed"
                )
            val = float(np.median(obs) if policy == "impute_median" else np.mean(obs))
            rows = keep & np.isnan(X[:, j])
            X[rows, j] = val
            imputed.append(
                {
                    "indicator": names[j],
                    "n_imputed": int(rows.sum()),
                    "value": val,
                    "method": policy.removeprefix("impute_"),
                }
            )
    Xk = X[keep]
    if Xk.shape[0] < 2:
        raise InputError(
            f"{table.source}: only {Xk.shape[0]} scenario(s) left to score after the "
            f"missing-value policy {policy!r}; at least 2 are needed"
        )
    nan_policy = "renormalise" if np.isnan(Xk).any() else "raise"
    return MissingOutcome(
        Xk,
        keep,
        _excluded_frame(excluded, table),
        pd.DataFrame(imputed, columns=["indicator", "n_imputed", "value", "method"]),
        nan_policy,
    )
