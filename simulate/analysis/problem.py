"""The uncertain-parameter space of a sensitivity analysis and the checks every method shares:
argument validation and the design matrix (X as floats, columns by name, values in bounds)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError

@dataclass(frozen=True)
class Problem:
    """Uncertain parameters and their uniform ranges.

    ``names`` are the parameter (column) names; ``bounds`` one ``(low, high)`` per name, in the
    parameter's own unit, with ``low < high``.  Inputs are treated as independent and uniform.
    """

    names: list[str]
    bounds: list[tuple[float, float]]

    def __post_init__(self) -> None:
        names = list(self.names)
        if not names:
            raise SimulateError("Problem.names: expected at least one parameter name, got []")
        for n in names:
            if not isinstance(n, str) or not n:
                raise SimulateError(f"Problem.names: expected non-empty strings, got {n!r}")
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise SimulateError(f"Problem.names: names must be unique, got duplicates {dupes}")
        bounds = list(self.bounds)
        if len(bounds) != len(names):
            raise SimulateError(f"Problem.bounds: expected one (low, high) per name "
                                f"({len(names)}), got {len(bounds)}")
        clean = []
        for n, b in zip(names, bounds):
            try:
                lo, hi = (float(v) for v in b)
            except (TypeError, ValueError):
                raise SimulateError(f"Problem.bounds[{n!r}]: expected a pair (low, high) of "
                                    f"numbers, got {b!r}") from None
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise SimulateError(f"Problem.bounds[{n!r}]: expected finite low < high, "
                                    f"got ({lo}, {hi})")
            clean.append((lo, hi))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "bounds", clean)

    @classmethod
    def from_bounds(cls, bounds: dict[str, tuple[float, float]]) -> Problem:
        """From ``{name: (low, high)}`` (the form used by ``changjing.simulate.designs``)."""
        if not isinstance(bounds, dict):
            raise SimulateError(f"bounds: expected a mapping name -> (low, high), got "
                                f"{type(bounds).__name__}")
        return cls(list(bounds), list(bounds.values()))

    @property
    def num_vars(self) -> int:
        return len(self.names)

    def to_salib(self) -> dict[str, Any]:
        """The SALib problem dict: ``{"num_vars", "names", "bounds"}``."""
        return {"num_vars": self.num_vars, "names": list(self.names),
                "bounds": [[lo, hi] for lo, hi in self.bounds]}



def _check_problem(problem: Any) -> Problem:
    if not isinstance(problem, Problem):
        raise SimulateError(f"problem: expected a Problem(names, bounds), got "
                            f"{type(problem).__name__}")
    return problem


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SimulateError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(seed)


def _check_int(value: Any, name: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise SimulateError(f"{name}: expected an integer >= {low}, got {value!r}")
    return int(value)


def _check_conf(conf_level: Any) -> float:
    if not isinstance(conf_level, (int, float)) or not 0.0 < float(conf_level) < 1.0:
        raise SimulateError(f"conf_level: expected a number in (0, 1), got {conf_level!r}")
    return float(conf_level)


def _design_matrix(problem: Problem, X: Any) -> np.ndarray:
    """X as a float matrix in problem order; columns checked by name, values within bounds."""
    if not isinstance(X, pd.DataFrame):
        raise SimulateError(f"X: expected a DataFrame with columns {problem.names}, got "
                            f"{type(X).__name__}")
    missing = [n for n in problem.names if n not in X.columns]
    if missing:
        import difflib
        hints = []
        for m in missing:
            close = difflib.get_close_matches(m, [str(c) for c in X.columns], 1)
            hints.append(f"{m!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise SimulateError(f"X: missing parameter column(s) {', '.join(hints)}; "
                            f"X has {list(X.columns)}")
    arr = np.empty((len(X), problem.num_vars))
    for j, (n, (lo, hi)) in enumerate(zip(problem.names, problem.bounds)):
        col = X[n]
        if col.dtype.kind not in "biuf":
            raise SimulateError(f"X[{n!r}]: expected numbers, got dtype {col.dtype}")
        v = col.to_numpy(dtype=float)
        bad = ~np.isfinite(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SimulateError(f"X[{n!r}]: expected finite numbers, got {v[i]!r} at row {i}")
        tol = 1e-9 * (hi - lo)
        out = (v < lo - tol) | (v > hi + tol)
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise SimulateError(f"X[{n!r}]: value {v[i]!r} at row {i} is outside the problem "
                                f"bounds [{lo}, {hi}] — was X made for another problem?")
        arr[:, j] = v
    return arr
