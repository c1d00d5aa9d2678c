"""PRIM's box algorithm (Friedman & Fisher 1999) on encoded data: the input checks and the
numeric/categorical encoding, box limits, peeling one ``alpha`` share at a time, and pasting.

Reporting a box (coverage, density, quasi-p-values, the rule in words) is in
:mod:`.prim`; the conventions are listed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import SimulateError

Objective = Literal["original", "lenient1"]


# --------------------------------------------------------------------------------------------
# Encoded data and box limits
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Data:
    names: list[str]            # all dims, X column order
    kinds: list[str]            # "numeric" | "categorical" per dim
    num: np.ndarray             # (n, n_numeric) float
    cat: np.ndarray             # (n, n_categorical) int codes
    categories: list[list[Any]]  # per categorical dim, in code order
    slot: list[int]             # index of each dim within num or cat
    y: np.ndarray               # bool


@dataclass(frozen=True)
class _Limits:
    lo: np.ndarray              # per numeric dim
    hi: np.ndarray
    allowed: list[np.ndarray]   # per categorical dim: bool per category

    def copy(self) -> _Limits:
        return _Limits(self.lo.copy(), self.hi.copy(), [a.copy() for a in self.allowed])


def _mask(d: _Data, lim: _Limits, skip: int | None = None) -> np.ndarray:
    """Runs inside the limits; ``skip`` drops the constraint of one dim (index into names)."""
    m = np.ones(d.y.size, dtype=bool)
    for k, kind in enumerate(d.kinds):
        if k == skip:
            continue
        s = d.slot[k]
        if kind == "numeric":
            x = d.num[:, s]
            m &= (x >= lim.lo[s]) & (x <= lim.hi[s])
        else:
            m &= lim.allowed[s][d.cat[:, s]]
    return m


def _restricted(d: _Data, lim: _Limits, full: _Limits) -> list[int]:
    out = []
    for k, kind in enumerate(d.kinds):
        s = d.slot[k]
        if kind == "numeric":
            if lim.lo[s] > full.lo[s] or lim.hi[s] < full.hi[s]:
                out.append(k)
        elif not lim.allowed[s].all():
            out.append(k)
    return out


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------

def _check_y(y: Any, n: int, index: pd.Index) -> np.ndarray:
    if isinstance(y, pd.Series) and len(y) == n and not y.index.equals(index):
        raise SimulateError("y: a Series whose index differs from X.index (values are matched "
                            "by position); align it (y.reindex(X.index)) or pass y.to_numpy()")
    if isinstance(y, (pd.Series, pd.Index)):
        if y.isna().any():
            i = int(np.flatnonzero(y.isna().to_numpy())[0])
            raise SimulateError(f"y: expected True/False for every run, got a missing value at "
                                f"position {i}")
        arr = y.to_numpy()
    else:
        arr = np.asarray(y)
    if arr.ndim != 1:
        raise SimulateError(f"y: expected a 1-D boolean array (one value a run), got shape "
                            f"{arr.shape}")
    if arr.size != n:
        raise SimulateError(f"y: expected one value per row of X ({n}), got {arr.size}")
    if arr.dtype.kind == "b":
        out = arr.astype(bool)
    elif arr.dtype.kind in "iuf" or arr.dtype == object:
        ok = np.array([isinstance(v, (bool, np.bool_)) or (
            isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1))
            for v in arr.tolist()], dtype=bool) if arr.size else np.ones(0, bool)
        if not ok.all():
            i = int(np.flatnonzero(~ok)[0])
            raise SimulateError(f"y: expected booleans (True = case of interest, e.g. target "
                                f"missed) or 0/1, got {arr.tolist()[i]!r} at position {i}")
        out = arr.astype(float).astype(bool)
    else:
        raise SimulateError(f"y: expected booleans (True = case of interest) or 0/1, got dtype "
                            f"{arr.dtype}")
    if not out.any():
        raise SimulateError(f"y: no case of interest (all {n} values are False); PRIM needs at "
                            "least one True")
    if out.all():
        raise SimulateError(f"y: every one of the {n} runs is a case of interest (all True); "
                            "there is nothing to separate")
    return out


def _encode(X: Any, y: Any) -> _Data:
    if not isinstance(X, pd.DataFrame):
        raise SimulateError(f"X: expected a pandas DataFrame of design parameters, got "
                            f"{type(X).__name__}")
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise SimulateError(f"X: expected at least 2 runs and 1 parameter, got shape {X.shape}")
    names = [str(c) for c in X.columns]
    if len(set(names)) != len(names):
        dupes = sorted({c for c in names if names.count(c) > 1})
        raise SimulateError(f"X: column names must be unique, got duplicates {dupes}")
    yb = _check_y(y, len(X), X.index)
    kinds: list[str] = []
    num: list[np.ndarray] = []
    cat: list[np.ndarray] = []
    cats, slot = [], []
    for name, col in zip(names, X.columns):
        s = X[col]
        miss = s.isna().to_numpy()
        if miss.any():
            i = int(np.flatnonzero(miss)[0])
            raise SimulateError(f"X[{name!r}]: missing value (NaN) at row {i} (index "
                                f"{X.index[i]!r}); PRIM needs a value for every run "
                                f"({int(miss.sum())} missing in this column)")
        if s.dtype.kind in "iuf":
            v = s.to_numpy(dtype=float)
            bad = ~np.isfinite(v)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise SimulateError(f"X[{name!r}]: expected finite numbers, got {v[i]!r} at "
                                    f"row {i}")
            kinds.append("numeric")
            slot.append(len(num))
            num.append(v)
        elif s.dtype.kind in "bOSU" or isinstance(s.dtype, (pd.CategoricalDtype,
                                                             pd.StringDtype, pd.BooleanDtype)):
            try:
                codes, uniq = pd.factorize(s, sort=True)
            except TypeError:  # mixed types that cannot be ordered: order of appearance
                codes, uniq = pd.factorize(s, sort=False)
            kinds.append("categorical")
            slot.append(len(cat))
            cat.append(codes.astype(np.int64))
            cats.append(list(uniq.tolist() if hasattr(uniq, "tolist") else uniq))
        else:
            raise SimulateError(f"X[{name!r}]: expected numbers, booleans or categories, got "
                                f"dtype {s.dtype}")
    n = len(X)
    return _Data(names=names, kinds=kinds,
                 num=np.column_stack(num) if num else np.empty((n, 0)),
                 cat=np.column_stack(cat) if cat else np.empty((n, 0), dtype=np.int64),
                 categories=cats, slot=slot, y=yb)


def _check_fraction(value: Any, name: str, low: float, high: float, *, low_open: bool = True,
                    high_open: bool = True) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    v = float(value) if ok else float("nan")
    if ok:
        ok = (v > low if low_open else v >= low) and (v < high if high_open else v <= high)
    if not ok:
        rng = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise SimulateError(f"{name}: expected a number in {rng}, got {value!r}")
    return v


# --------------------------------------------------------------------------------------------
# Peeling and pasting
# --------------------------------------------------------------------------------------------

def _peel(d: _Data, alpha: float, min_mass: float,
          objective: str) -> tuple[list[_Limits], list[np.ndarray]]:
    n = d.y.size
    y = d.y
    full = _Limits(d.num.min(axis=0) if d.num.shape[1] else np.empty(0),
                   d.num.max(axis=0) if d.num.shape[1] else np.empty(0),
                   [np.ones(len(c), dtype=bool) for c in d.categories])
    lim = full.copy()
    in_box = np.ones(n, dtype=bool)
    boxes, masks = [full.copy()], [in_box.copy()]
    min_n = min_mass * n
    while True:
        idx = np.flatnonzero(in_box)
        nb = idx.size
        yb = y[idx]
        kb = int(yb.sum())
        d_old = kb / nb
        k = max(1, int(alpha * nb))
        best = None  # ((score, runs kept, -candidate order), candidate); ties: keep more
        order = 0
        for kdim, kind in enumerate(d.kinds):
            s = d.slot[kdim]
            if kind == "numeric":
                x = d.num[idx, s]
                xmin, xmax = x.min(), x.max()
                if xmin == xmax:
                    continue
                tl = np.partition(x, k)[k] if k < nb else xmax
                tu = np.partition(x, nb - 1 - k)[nb - 1 - k] if k < nb else xmin
                removes = [("lo", x < tl if tl > xmin else x <= xmin),
                           ("hi", x > tu if tu < xmax else x >= xmax)]
                for side, rem in removes:
                    keep = ~rem
                    cand = (side, kdim, s, keep, x)
                    best, order = _consider(best, order, keep, yb, nb, d_old, n, min_n,
                                            objective, cand)
            else:
                codes = d.cat[idx, s]
                present = np.flatnonzero(np.bincount(codes, minlength=len(d.categories[s])))
                if present.size < 2:
                    continue
                for c in present:
                    keep = codes != c
                    cand = ("cat", kdim, s, keep, int(c))
                    best, order = _consider(best, order, keep, yb, nb, d_old, n, min_n,
                                            objective, cand)
        if best is None:
            break
        side, kdim, s, keep, extra = best[1]
        if side == "lo":
            lim.lo[s] = extra[keep].min()
        elif side == "hi":
            lim.hi[s] = extra[keep].max()
        else:
            lim.allowed[s][extra] = False
        new = np.zeros(n, dtype=bool)
        new[idx[keep]] = True
        in_box = new
        boxes.append(lim.copy())
        masks.append(in_box.copy())
    return boxes, masks


def _consider(best: tuple | None, order: int, keep: np.ndarray, yb: np.ndarray, nb: int,
              d_old: float, n: int, min_n: float, objective: str,
              cand: tuple) -> tuple[tuple | None, int]:
    """Score one candidate peel; keep it if it beats ``best``."""
    n_keep = int(keep.sum())
    order += 1
    if n_keep == 0 or n_keep == nb or n_keep < min_n:
        return best, order
    d_new = float(yb[keep].sum()) / n_keep
    if objective == "original":
        score = d_new
    else:  # lenient1: gain per unit of mass removed
        score = (d_new - d_old) / ((nb - n_keep) / n)
    key = (score, n_keep, -order)
    if best is None or key > best[0]:
        best = (key, cand)
    return best, order


def _paste(d: _Data, lim: _Limits, full: _Limits, alpha: float) -> _Limits:
    lim = lim.copy()
    y = d.y
    m = _mask(d, lim)
    while True:
        nb = int(m.sum())
        dens = y[m].sum() / nb
        k = max(1, int(alpha * nb))
        best = None
        for kdim in _restricted(d, lim, full):
            s = d.slot[kdim]
            others = _mask(d, lim, skip=kdim)
            if d.kinds[kdim] == "numeric":
                x = d.num[:, s]
                below = x[others & (x < lim.lo[s])]
                above = x[others & (x > lim.hi[s])]
                cands = []
                if below.size:
                    new_lo = np.sort(below)[::-1][min(k, below.size) - 1]
                    cands.append(("lo", new_lo, others & (x >= new_lo) & (x <= lim.hi[s])))
                if above.size:
                    new_hi = np.sort(above)[min(k, above.size) - 1]
                    cands.append(("hi", new_hi, others & (x >= lim.lo[s]) & (x <= new_hi)))
            else:
                allowed = lim.allowed[s]
                cands = []
                for c in np.flatnonzero(~allowed):
                    a = allowed.copy()
                    a[c] = True
                    cands.append(("cat", int(c), others & a[d.cat[:, s]]))
            for side, value, mm in cands:
                dn = y[mm].sum() / mm.sum()
                if dn > dens + 1e-12 and (best is None or dn > best[0]):
                    best = (dn, kdim, side, value, mm)
        if best is None:
            return lim
        _, kdim, side, value, m = best
        s = d.slot[kdim]
        if side == "lo":
            lim.lo[s] = value
        elif side == "hi":
            lim.hi[s] = value
        else:
            lim.allowed[s][value] = True
