"""Panel validation: turn a long table (one row per unit and period) into checked arrays.

A bad panel gets an :class:`~changjing.evaluate.errors.InputError` that names the file (or
"the data frame"), the row (file rows count the header as row 1, so the first data row is
row 2), the column, the value and what was expected:

* a missing column (with a did-you-mean suggestion);
* a time column that is not numeric (periods must be ordered numbers such as years or
  1..T; text labels like ``"2020Q1"`` have no order the estimators can trust);
* a non-numeric or missing outcome / covariate value;
* duplicated unit-time rows;
* a first-treatment period that varies within a unit, or a 0/1 treatment indicator that
  switches off again (designs here assume staggered, absorbing adoption);
* units treated before (or at) the first period of the panel: no untreated period is
  observed for them, so no design here can use them;
* no treated units, or (when the design needs them) no never-treated units;
* an unbalanced panel when the estimator needs a balanced one.

Treatment coding: ``treated_from`` holds the first period a unit is treated (funded); empty,
NaN or 0 (when 0 is not a period of the panel) mean "never treated".  Alternatively
``treated`` holds a 0/1 indicator per row, from which the first treated period is derived.
A first-treatment period after the last period of the panel is recoded as never treated
(the unit is untreated throughout the window), with a warning.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError

__all__ = ["Panel", "plain", "prepare_panel", "require_columns", "where"]


@dataclass
class Panel:
    """A validated panel in wide arrays (units in rows, periods in columns).

    ``y`` is ``(n_units, n_periods)`` with ``nan`` where a balanced panel was not required and
    a row is missing; ``first_treated`` is ``inf`` for never-treated units; ``x`` is
    ``(n_units, n_periods, n_covariates)`` or ``None``.
    """

    units: np.ndarray
    times: np.ndarray
    y: np.ndarray
    first_treated: np.ndarray
    x: np.ndarray | None
    covariates: list[str]
    cluster: np.ndarray | None
    source: str
    n_obs: int
    warnings: list[str] = field(default_factory=list)

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def treated_mask(self) -> np.ndarray:
        return np.isfinite(self.first_treated)

    def treated_at(self) -> np.ndarray:
        """``(n_units, n_periods)`` 0/1 treatment indicator (absorbing)."""
        return (self.times[None, :] >= self.first_treated[:, None]).astype(float)


def plain(value: object) -> str:
    """A cell value as a user reads it: ``nan`` / ``inf`` and numbers without numpy's type
    wrapper (``np.float64(nan)`` -> ``nan (empty or not a number)``), text quoted."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return "an empty cell"
    if isinstance(value, float):
        if np.isnan(value):
            return "an empty cell (NaN)"
        if np.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    if isinstance(value, (bool, int)):
        return str(value)
    return repr(value)


def where(source: str | None, index: object) -> str:
    """``"file.csv row 7"`` for file input (header is row 1), ``"row index 5"`` otherwise."""
    if source:
        try:
            return f"{source} row {int(index) + 2}"
        except (TypeError, ValueError):
            return f"{source} row {index}"
    return f"the data frame, row index {index}"


def _row(source: str | None, index: object) -> str:
    """``"row 7"`` (file rows, header = row 1) or ``"row index 5"`` for a data frame."""
    text = where(source, index)
    return text[len(source) + 1:] if source else text.split(", ")[-1]


def _label(source: str | None) -> str:
    return source if source else "the data frame"


def require_columns(frame: pd.DataFrame, columns: dict[str, str | None],
                    source: str | None) -> None:
    """Every named column must exist; the error names the option, the column and a suggestion."""
    present = [str(c) for c in frame.columns]
    for option, column in columns.items():
        if column is None:
            continue
        if column not in frame.columns:
            hint = difflib.get_close_matches(str(column), present, n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            raise InputError(
                f"{_label(source)}: {option} column {column!r} not found (columns: "
                f"{', '.join(present)}){more}"
            )


def _numeric(frame: pd.DataFrame, column: str, source: str | None, what: str,
             allow_missing: bool = False) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna()
    if bad.any():
        idx = bad.idxmax()
        raise InputError(
            f"{where(source, idx)}, column {column!r}: {what} must be a number, got {plain(raw[idx])}"
        )
    arr = values.to_numpy(dtype=float)
    if not allow_missing:
        missing = ~np.isfinite(arr)
        if missing.any():
            idx = frame.index[int(np.argmax(missing))]
            raise InputError(
                f"{where(source, idx)}, column {column!r}: {what} is missing or not finite "
                f"(got {plain(raw[idx])}); fill or drop the row"
            )
    return arr


def cross_section(data: pd.DataFrame, treatment: str, outcome: str, covariates: Sequence[str],
                  source: str | None, *, min_per_arm: int = 1, design: str = ""
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Validated arrays of a one-row-per-unit comparison (matching, weighting, experiments).

    Returns ``d`` (0/1 treatment), ``y`` (outcome), ``z`` (covariates, ``n x k``, no
    intercept) and the covariate names.  Raises :class:`InputError` naming the file, row and
    column for a non-0/1 treatment, a non-numeric outcome or covariate, or an arm with fewer
    than ``min_per_arm`` units (``design`` says what needs them).
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    covariates = list(covariates or [])
    require_columns(data, {"treatment": treatment, "outcome": outcome,
                           **{f"covariate {c!r}": c for c in covariates}}, source)
    raw = pd.to_numeric(data[treatment], errors="coerce")
    bad = ~raw.isin([0, 1])
    if bad.any():
        idx = bad.idxmax()
        raise InputError(f"{where(source, idx)}, column {treatment!r}: treatment must be 0 or 1,"
                         f" got {plain(data[treatment][idx])}")
    d = raw.to_numpy(float)
    n1, n = int(d.sum()), len(d)
    if min_per_arm <= 1 and (n1 == 0 or n1 == n):
        raise InputError(f"{_label(source)}: column {treatment!r} has only "
                         f"{'untreated' if n1 == 0 else 'treated'} units; need both")
    if min(n1, n - n1) < min_per_arm:
        raise InputError(f"{_label(source)}: column {treatment!r} has {n1} treated and "
                         f"{n - n1} control units; {design or 'this design'} needs at least "
                         f"{min_per_arm} of each")
    y = _numeric(data, outcome, source, "the outcome")
    z = np.column_stack([_numeric(data, c, source, f"covariate {c!r}") for c in covariates]) \
        if covariates else np.zeros((n, 0))
    return d, y, z, covariates


def _time_values(frame: pd.DataFrame, time: str, source: str | None) -> np.ndarray:
    raw = frame[time]
    if pd.api.types.is_bool_dtype(raw):
        raise InputError(
            f"{_label(source)}: time column {time!r} is boolean; expected ordered numbers")
    if pd.api.types.is_datetime64_any_dtype(raw):
        raise InputError(
            f"{_label(source)}: time column {time!r} holds dates; convert them to ordered "
            "numbers (e.g. year, or year*12+month) so that periods have a defined order"
        )
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna()
    if bad.any():
        idx = bad.idxmax()
        raise InputError(
            f"{where(source, idx)}, column {time!r}: time must be an ordered number (a year, "
            f"or 1..T), got {plain(raw[idx])}; text labels have no order the estimators can trust"
        )
    return values.to_numpy(dtype=float)


def prepare_panel(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    source: str | None = None,
    balanced: bool = True,
    need_never_treated: bool = False,
    need_treatment: bool = True,
) -> Panel:
    """Validate a long panel and return it as wide arrays.

    Parameters
    ----------
    data:
        Long table, one row per unit and period.
    unit, time, outcome:
        Column names; ``time`` must be numeric (years or 1..T).
    treated_from, treated:
        Exactly one when ``need_treatment``: the first treated period per unit, or a 0/1
        (absorbing) treatment indicator per row.
    covariates:
        Numeric columns, kept per period (estimators pick the base period's values).
    cluster:
        Column naming clusters (constant within unit); default: the unit.
    source:
        File name used in error messages (rows are then counted as in the file).
    balanced:
        Require every unit to be observed in every period.
    need_never_treated:
        Require at least one never-treated unit.
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"data: expected a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise InputError(f"{_label(source)}: the panel has no rows")
    covariates = list(covariates or [])
    if need_treatment and (treated_from is None) == (treated is None):
        raise SpecError(
            "give exactly one of treated_from (first treated period per unit) or treated "
            f"(0/1 indicator per row); got treated_from={treated_from!r}, treated={treated!r}"
        )
    cols = {"unit": unit, "time": time, "outcome": outcome, "treated_from": treated_from,
            "treated": treated, "cluster": cluster}
    cols.update({f"covariate {c!r}": c for c in covariates})
    require_columns(data, cols, source)

    frame = data
    unit_raw = frame[unit]
    if unit_raw.isna().any():
        idx = unit_raw.isna().idxmax()
        raise InputError(f"{where(source, idx)}, column {unit!r}: unit id is missing")
    t = _time_values(frame, time, source)
    y = _numeric(frame, outcome, source, "the outcome", allow_missing=False)

    unit_codes, units = pd.factorize(unit_raw, sort=True)
    units = np.asarray(units.tolist(), dtype=object)  # plain Python labels in messages
    times = np.unique(t)
    time_codes = np.searchsorted(times, t)

    # duplicated unit-time rows
    key = unit_codes.astype(np.int64) * len(times) + time_codes
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(np.diff(key[order]) == 0)
    if dup.size:
        first, second = frame.index[order[dup[0]]], frame.index[order[dup[0] + 1]]
        raise InputError(
            f"{_label(source)}: duplicated unit-time rows: unit "
            f"{plain(units[unit_codes[order[dup[0]]]])}"
            f", {time} {_num(times[time_codes[order[dup[0]]]])} appears in "
            f"{_row(source, first)} and {_row(source, second)}"
            f" ({dup.size} duplicate(s) in all); keep one row per unit and period"
        )

    n_units, n_times = len(units), len(times)
    observed = np.zeros((n_units, n_times), dtype=bool)
    observed[unit_codes, time_codes] = True
    warnings: list[str] = []
    if balanced and not observed.all():
        miss_u, miss_t = np.nonzero(~observed)
        raise InputError(
            f"{_label(source)}: the panel is unbalanced: {miss_u.size} unit-period rows are "
            f"missing (e.g. unit {plain(units[miss_u[0]])}, {time} {_num(times[miss_t[0]])}); this "
            "estimator needs every unit observed in every period - drop incomplete units, fill "
            "the rows, or (staggered) pass drop_incomplete=True / --drop-incomplete"
        )
    ymat = np.full((n_units, n_times), np.nan)
    ymat[unit_codes, time_codes] = y

    first = np.full(n_units, np.inf)
    if need_treatment:
        first = _first_treated(frame, unit_codes, units, t, times, treated_from, treated, time,
                               source, warnings)
        if not np.isfinite(first).any():
            raise InputError(
                f"{_label(source)}: no unit is ever treated (column "
                f"{treated_from or treated!r}); nothing to evaluate"
            )
        if not (~np.isfinite(first)).any():
            msg = (f"{_label(source)}: no untreated units: every unit is treated by "
                   f"{time} {_num(np.max(first))}")
            if need_never_treated:
                raise InputError(
                    msg + "; this design compares treated units with never-treated ones "
                    "(use a not-yet-treated control group for staggered adoption, or add "
                    "untreated units)"
                )
            warnings.append(msg + "; only not-yet-treated units serve as controls")

    x = None
    if covariates:
        x = np.full((n_units, n_times, len(covariates)), np.nan)
        for j, c in enumerate(covariates):
            x[unit_codes, time_codes, j] = _numeric(frame, c, source, f"covariate {c!r}")

    clus = None
    if cluster is not None and cluster != unit:
        cl_codes, _ = pd.factorize(frame[cluster], sort=True)
        if (cl_codes < 0).any():
            idx = frame.index[int(np.argmax(cl_codes < 0))]
            raise InputError(f"{where(source, idx)}, column {cluster!r}: cluster id is missing")
        clus = np.full(n_units, -1)
        clus[unit_codes] = cl_codes
        check = clus[unit_codes] != cl_codes
        if check.any():
            idx = frame.index[int(np.argmax(check))]
            raise InputError(
                f"{where(source, idx)}, column {cluster!r}: the cluster of unit "
                f"{plain(unit_raw[idx])} changes over time; clusters must contain whole units"
            )
    return Panel(
        units=units, times=times, y=ymat, first_treated=first, x=x,
        covariates=covariates, cluster=clus, source=_label(source), n_obs=len(frame),
        warnings=warnings,
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _first_treated(frame, unit_codes, units, t, times, treated_from, treated, time, source,
                   warnings) -> np.ndarray:
    n_units = len(units)
    first = np.full(n_units, np.inf)
    if treated_from is not None:
        raw = frame[treated_from]
        vals = pd.to_numeric(raw.replace({"": np.nan}), errors="coerce")
        bad = vals.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        if bad.any():
            idx = bad.idxmax()
            raise InputError(
                f"{where(source, idx)}, column {treated_from!r}: the first treated period must "
                f"be a number (or empty for never treated), got {plain(raw[idx])}"
            )
        g = vals.to_numpy(dtype=float)
        if 0 not in set(times):
            g = np.where(g == 0, np.nan, g)  # 0 codes "never treated" (did / csdid convention)
        g = np.where(np.isnan(g), np.inf, g)
        # constant within unit
        lo = np.full(n_units, np.inf)
        hi = np.full(n_units, -np.inf)
        np.minimum.at(lo, unit_codes, g)
        np.maximum.at(hi, unit_codes, g)
        varying = lo != hi
        if varying.any():
            u = int(np.argmax(varying))
            rows = frame.index[unit_codes == u]
            raise InputError(
                f"{_label(source)}: column {treated_from!r} must be constant within a unit, "
                f"but unit {plain(units[u])} has values "
                f"{', '.join(_num(v) for v in sorted(set(g[unit_codes == u])))}"
                f" ({', '.join(_row(source, r) for r in rows[:4])}); give"
                " the first period the unit was treated, the same on every row"
            )
        first = lo
    else:
        raw = frame[treated]
        vals = pd.to_numeric(raw, errors="coerce")
        bad = ~vals.isin([0, 1])
        if bad.any():
            idx = bad.idxmax()
            raise InputError(
                f"{where(source, idx)}, column {treated!r}: treatment indicator must be 0 or 1, "
                f"got {plain(raw[idx])}"
            )
        d = vals.to_numpy(dtype=float)
        np.minimum.at(first, unit_codes[d == 1], t[d == 1])
        # absorbing: once treated, treated in every later observed period
        switched_off = (d == 0) & (t > first[unit_codes])
        if switched_off.any():
            pos = int(np.argmax(switched_off))
            u = unit_codes[pos]
            raise InputError(
                f"{where(source, frame.index[pos])}, column {treated!r}: unit {plain(units[u])} is "
                f"untreated in {time} {_num(t[pos])} after being treated from {_num(first[u])};"
                " these designs assume treatment, once started, stays on"
            )
    t0, t_last = times[0], times[-1]
    early = np.isfinite(first) & (first <= t0)
    if early.any():
        u = int(np.argmax(early))
        when = "before the panel starts" if first[u] < t0 else "in the first period of the panel"
        raise InputError(
            f"{_label(source)}: unit {plain(units[u])} is treated from {_num(first[u])}, {when} "
            f"({time} {_num(t0)}); {int(early.sum())} unit(s) have no untreated period observed, "
            "so no design can use them - drop them or extend the panel backwards"
        )
    late = np.isfinite(first) & (first > t_last)
    if late.any():
        warnings.append(
            f"{int(late.sum())} unit(s) are first treated after the last period "
            f"({time} {_num(t_last)}) and are counted as never treated within the panel"
        )
        first = np.where(late, np.inf, first)
    off_grid = np.isfinite(first) & ~np.isin(first, times)
    if off_grid.any():
        u = int(np.argmax(off_grid))
        raise InputError(
            f"{_label(source)}: unit {plain(units[u])} is first treated in {_num(first[u])}, which is "
            f"not a period of the panel ({time} values: {', '.join(_num(v) for v in times[:8])}"
            f"{' ...' if len(times) > 8 else ''}); use a period that appears in the {time!r} column"
        )
    return first
