"""Scenario discovery with PRIM: the parameter region where a case of interest concentrates.

The Patient Rule Induction Method (Friedman & Fisher 1999, "Bump hunting in high-dimensional
data", Statistics and Computing 9:123-143) as used for scenario discovery by Bryant & Lempert
(2010, Technological Forecasting & Social Change 77:34-49)::

    res = prim(X, y, label="firms_served is missed")   # X: design parameters, y: bool per run
    res.trajectory                  # box, coverage, density, mass, n_restricted per peel
    res.to_frame()                  # limits of the chosen box, one row a restricted parameter
    print(res.describe("zh"))       # the rule in plain words
    res.select(12)                  # another box on the trajectory

Conventions
-----------
* Peeling: from the box holding all runs, each step removes the ``alpha`` share of the runs
  in the box at the bottom or top of one numeric parameter, or one category of a categorical
  or boolean parameter, choosing the peel by ``objective``: ``"original"`` (Friedman & Fisher:
  the highest density left in the box) or ``"lenient1"`` (density gain per unit of mass
  removed, the EMA Workbench default).  Tied values are peeled together, so at least one
  distinct value goes.  Peeling stops when no peel keeps the box's mass >= ``min_mass``.
* Limits are inclusive and equal to the smallest / largest value of that parameter left in
  the box, so "x <= upper" reproduces the box exactly on the data.
* Coverage = cases in box / all cases; density = cases in box / runs in box; mass = runs in
  box / all runs (Bryant & Lempert 2010).
* Chosen box (default): among boxes with density >= ``threshold``, the one with the highest
  coverage (ties: the higher density, i.e. the more peeled).  If none reaches the threshold,
  the box with the highest density, flagged ``threshold_met = False``.
* Pasting (optional, Friedman & Fisher sec. 5): the chosen box is grown back by ``alpha`` of
  its runs along one limit at a time while that raises the density.
* Quasi-p-value of a restricted parameter (Bryant & Lempert 2010, sec. 3.3; as in the EMA
  Workbench): one-sided binomial probability of at least the box's number of cases among its
  runs, at the density of the box with that restriction removed.  Small values mean the
  restriction is unlikely to be an artefact of sampling noise; it is not a formal test.

PRIM is deterministic: no seed.  Bad input raises
:class:`~changjing.simulate.errors.SimulateError` naming the parameter, what was expected and
the value received.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from ..errors import SimulateError

from .peeling import (
    Objective,
    _check_fraction,
    _Data,
    _encode,
    _Limits,
    _mask,
    _paste,
    _peel,
    _restricted,
)

__all__ = ["PrimBox", "PrimResult", "prim"]



# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PrimBox:
    """One box: its statistics and the limits of its restricted parameters.

    ``limits`` has one row a restricted parameter: ``param, kind, lower, upper, categories,
    qp_value`` (``lower``/``upper`` inclusive, NaN for categorical; ``categories`` the tuple of
    allowed values, None for numeric).
    """

    index: int
    coverage: float
    density: float
    mass: float
    n_in_box: int
    n_cases_in_box: int
    limits: pd.DataFrame
    pasted: bool = False


@dataclass(frozen=True, eq=False)
class PrimResult:
    """The peeling trajectory and the chosen box of a :func:`prim` run.

    ``trajectory`` has one row a box: ``box, coverage, density, mass, n_restricted, n_in_box,
    n_cases_in_box``; box 0 holds all runs.  ``chosen`` is the index of the selected box.
    """

    trajectory: pd.DataFrame
    chosen: int
    threshold_met: bool
    threshold: float
    alpha: float
    min_mass: float
    objective: str
    paste: bool
    label: str | None
    n_runs: int
    n_cases: int
    _data: _Data = field(repr=False, compare=False)
    _boxes: list[_Limits] = field(repr=False, compare=False)

    # -- boxes --------------------------------------------------------------------------------
    def _limits_of(self, i: int) -> tuple[_Limits, bool]:
        lim = self._boxes[i]
        if self.paste:
            return _paste(self._data, lim, self._boxes[0], self.alpha), True
        return lim, False

    def _index(self, i: int | None) -> int:
        if i is None:
            return self.chosen
        last = len(self._boxes) - 1
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -last - 1 <= i <= last:
            raise SimulateError(f"box index: expected an integer in 0..{last} (the trajectory "
                                f"has {last + 1} boxes), got {i!r}")
        return int(i) % (last + 1)

    def box(self, i: int | None = None) -> PrimBox:
        """Box ``i`` of the trajectory (default: the chosen box), pasted if ``paste`` was set."""
        i = self._index(i)
        d = self._data
        lim, pasted = self._limits_of(i)
        m = _mask(d, lim)
        nb, kb = int(m.sum()), int(d.y[m].sum())
        rows: list[tuple[str, str, float, float, tuple[Any, ...] | None, float]] = []
        for kdim in _restricted(d, lim, self._boxes[0]):
            s = d.slot[kdim]
            mj = _mask(d, lim, skip=kdim)
            qp = _quasi_p(kb, nb, int(d.y[mj].sum()), int(mj.sum()))
            if d.kinds[kdim] == "numeric":
                rows.append((d.names[kdim], "numeric", float(lim.lo[s]), float(lim.hi[s]),
                             None, qp))
            else:
                allowed = tuple(c for c, a in zip(d.categories[s], lim.allowed[s]) if a)
                rows.append((d.names[kdim], "categorical", np.nan, np.nan, allowed, qp))
        limits = pd.DataFrame(rows, columns=["param", "kind", "lower", "upper", "categories",
                                             "qp_value"])
        return PrimBox(index=i, coverage=kb / self.n_cases, density=kb / nb, mass=nb / self.n_runs,
                       n_in_box=nb, n_cases_in_box=kb, limits=limits, pasted=pasted)

    def select(self, i: int) -> PrimResult:
        """The same result with box ``i`` chosen (negative indices count from the end)."""
        i = self._index(i)
        met = bool(self.trajectory.density.iloc[i] >= self.threshold)
        return dataclasses.replace(self, chosen=i, threshold_met=met)

    def in_box(self, X: pd.DataFrame, i: int | None = None) -> np.ndarray:
        """Which rows of ``X`` (same columns as the data PRIM was run on) fall in box ``i``."""
        if not isinstance(X, pd.DataFrame):
            raise SimulateError(f"X: expected a DataFrame, got {type(X).__name__}")
        lim = self.box(i).limits
        m = np.ones(len(X), dtype=bool)
        for row in lim.itertuples():
            if row.param not in X.columns:
                raise SimulateError(f"X: missing column {row.param!r} restricted by the box")
            if row.kind == "numeric":
                v = X[row.param].to_numpy(dtype=float)
                m &= (v >= row.lower) & (v <= row.upper)
            else:
                m &= X[row.param].isin(row.categories).to_numpy()
        return m

    # -- reporting ----------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Limits of the chosen box, one row a restricted parameter, with the box statistics
        repeated on each row (``box, coverage, density, mass``)."""
        b = self.box()
        out = b.limits.copy()
        out.insert(0, "box", b.index)
        out["coverage"], out["density"], out["mass"] = b.coverage, b.density, b.mass
        return out

    def summary(self) -> str:
        b = self.box()
        head = (f"PRIM scenario discovery: {self.n_cases} of {self.n_runs} runs are cases of "
                f"interest (base density {self.n_cases / self.n_runs:.3f}); "
                f"{len(self.trajectory)} boxes (alpha={self.alpha}, min_mass={self.min_mass}, "
                f"objective={self.objective}).")
        pick = (f"Chosen box {b.index}{' (pasted)' if b.pasted else ''}: coverage "
                f"{b.coverage:.3f}, density {b.density:.3f}, mass {b.mass:.3f}, "
                f"{len(b.limits)} restricted parameter(s)")
        if not self.threshold_met:
            pick += f" — no box reaches the density threshold {self.threshold}"
        lines = [head, pick + "."]
        if len(b.limits):
            tab = b.limits.copy()
            tab["categories"] = tab["categories"].map(lambda c: "" if c is None else
                                                      ", ".join(map(str, c)))
            lines.append(tab.to_string(index=False))
            weak = b.limits.param[b.limits.qp_value > 0.05].tolist()
            if weak:
                lines.append(f"Quasi-p-value > 0.05 (restriction may be sampling noise): "
                             f"{', '.join(weak)}.")
        lines.append(self.describe("en"))
        return "\n".join(lines)

    def describe(self, lang: Literal["en", "zh"] = "en", label: str | None = None) -> str:
        """The chosen box as a sentence, in English (``"en"``) or Chinese (``"zh"``).

        ``label`` says what the case of interest is, e.g. ``"firms_served is missed"`` /
        ``"firms_served 未达标"``; default: the ``label`` given to :func:`prim`, else a generic
        phrase.
        """
        if lang not in ("en", "zh"):
            raise SimulateError(f"lang: expected 'en' or 'zh', got {lang!r}")
        b = self.box()
        label = label or self.label or ("the case of interest occurs" if lang == "en"
                                        else "出现关注情形")
        full, d = self._boxes[0], self._data
        conds = []
        for r in b.limits.itertuples():
            s = d.slot[d.names.index(r.param)]
            lo_hi = (full.lo[s], full.hi[s]) if r.kind == "numeric" else (0.0, 0.0)
            conds.append(_condition(r, lang, *lo_hi))

        def pct(v: float) -> str:
            return f"{100 * v:.0f}%"

        if lang == "en":
            where = " and ".join(conds) if conds else "any parameter values (no restriction)"
            text = (f"{label} in {pct(b.density)} of the runs (density, {b.n_cases_in_box} of "
                    f"{b.n_in_box}) that have {where}; these runs cover {pct(b.coverage)} of "
                    f"all {self.n_cases} such cases (coverage) and are {pct(b.mass)} of all "
                    f"runs (mass).")
            if not self.threshold_met:
                text += f" No box reached the density threshold {pct(self.threshold)}."
        else:
            where = " 且 ".join(conds) if conds else "任意参数取值（无限制）"
            text = (f"在 {where} 的运行中，{label}的比例为 {pct(b.density)}（密度，"
                    f"{b.n_cases_in_box}/{b.n_in_box}）；这些运行涵盖全部 {self.n_cases} 个此类"
                    f"情形的 {pct(b.coverage)}（覆盖率），占全部运行的 {pct(b.mass)}（质量）。")
            if not self.threshold_met:
                text += f"没有任何框达到密度阈值 {pct(self.threshold)}。"
        return text


def _fmt(v: float) -> str:
    """3 significant digits, exponent without '+' or leading zeros (3.2e7, 1.5e-3)."""
    if float(v).is_integer() and abs(v) < 1e6:
        return str(int(v))
    mant, _, exp = f"{v:.3g}".partition("e")
    return f"{mant}e{int(exp)}" if exp else mant


def _condition(r: Any, lang: str, full_lo: float, full_hi: float) -> str:
    le = "<=" if lang == "en" else "≤"
    ge = ">=" if lang == "en" else "≥"
    if r.kind == "numeric":
        if r.lower > full_lo and r.upper < full_hi:
            return f"{_fmt(r.lower)} {le} {r.param} {le} {_fmt(r.upper)}"
        if r.lower > full_lo:
            return f"{r.param} {ge} {_fmt(r.lower)}"
        return f"{r.param} {le} {_fmt(r.upper)}"
    vals = [str(c) for c in r.categories]
    if lang == "en":
        return f"{r.param} = {vals[0]}" if len(vals) == 1 else \
            f"{r.param} in {{{', '.join(vals)}}}"
    return f"{r.param} 为 {vals[0]}" if len(vals) == 1 else f"{r.param} 取 {'、'.join(vals)} 之一"


def _quasi_p(k_box: int, n_box: int, k_relaxed: int, n_relaxed: int) -> float:
    from scipy.stats import binom

    p = k_relaxed / n_relaxed
    return float(binom.sf(k_box - 1, n_box, p))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------

def prim(X: pd.DataFrame, y: Any, *, alpha: float = 0.05, min_mass: float = 0.05,
         threshold: float = 0.8, paste: bool = False, objective: Objective = "lenient1",
         label: str | None = None) -> PrimResult:
    """Find the box of design parameters where the case of interest ``y`` concentrates.

    Parameters
    ----------
    X : DataFrame
        Design parameters, one row a run; numeric columns are peeled by quantile, boolean,
        object, string and categorical columns by category.  No missing values.
    y : array of bool (or 0/1), one per row of X
        True for the case of interest (e.g. a target missed).
    alpha : float in (0, 0.5)
        Share of the box's runs removed per peel (Friedman & Fisher recommend 0.05-0.1).
    min_mass : float in (0, 1)
        Smallest share of all runs a box may hold; peeling stops there.
    threshold : float in (0, 1]
        Density the default chosen box must reach (see module notes).
    paste : bool
        Paste the selected box(es) after peeling.
    objective : "original" | "lenient1"
        Peel selection criterion (module notes).
    label : str, optional
        What the case of interest is, for :meth:`PrimResult.describe`.
    """
    alpha = _check_fraction(alpha, "alpha", 0.0, 0.5)
    min_mass = _check_fraction(min_mass, "min_mass", 0.0, 1.0)
    threshold = _check_fraction(threshold, "threshold", 0.0, 1.0, high_open=False)
    if objective not in ("original", "lenient1"):
        raise SimulateError(f"objective: expected 'original' or 'lenient1', got {objective!r}")
    d = _encode(X, y)
    boxes, masks = _peel(d, alpha, min_mass, objective)
    n, K = d.y.size, int(d.y.sum())
    full = boxes[0]
    nb = np.array([m.sum() for m in masks])
    kb = np.array([d.y[m].sum() for m in masks])
    traj = pd.DataFrame({"box": np.arange(len(boxes)), "coverage": kb / K, "density": kb / nb,
                         "mass": nb / n,
                         "n_restricted": [len(_restricted(d, b, full)) for b in boxes],
                         "n_in_box": nb, "n_cases_in_box": kb})
    ok = traj.density.to_numpy() >= threshold
    if ok.any():
        cand = traj[ok]
        chosen = int(cand.sort_values(["coverage", "density", "box"]).box.iloc[-1])
    else:
        chosen = int(traj.sort_values(["density", "coverage", "box"],
                                      ascending=[True, True, False]).box.iloc[-1])
    return PrimResult(trajectory=traj, chosen=chosen, threshold_met=bool(ok.any()),
                      threshold=threshold, alpha=alpha, min_mass=min_mass, objective=objective,
                      paste=bool(paste), label=label, n_runs=n, n_cases=K, _data=d,
                      _boxes=boxes)
