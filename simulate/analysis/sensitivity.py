"""Global sensitivity analysis of sweep outputs: Sobol' indices and Morris screening.

A thin, checked layer over SALib (Herman & Usher 2017), shaped for a *stochastic* model whose
design points are each run with R seeds.  One pair of functions per method, same shape::

    problem = Problem(["annual_budget_yuan", "selection_strictness"], [(1e7, 5e7), (0.2, 0.9)])
    X = sobol_sample(problem, n=1024, seed=1)             # DataFrame, one row a design point
    Y = ...                                               # (len(X),) or (len(X), R) or long frame
    indices = sobol_analyze(problem, X, Y, seed=1)        # DataFrame: param, S1, S1_conf, ST, ST_conf

Conventions (also recorded in ``result.attrs`` of every returned index frame):

* Sobol' design: SALib's cross-sampling design (Saltelli 2002) built on a scrambled Sobol'
  sequence (``SALib.sample.sobol``, scipy ``qmc.Sobol``); rows are grouped per base point as
  A, AB_1..AB_D, [BA_1..BA_D,] B, so the row count is ``n*(D+2)`` (first and total order) or
  ``n*(2D+2)`` (with second order).  Row order matters and is verified on analysis.
* Estimators (SALib ``analyze.sobol``): first order S1 by Saltelli et al. (2010, Table 2 (b)),
  total order ST by Jansen (1999) (= Saltelli et al. 2010, Table 2 (f)), second order S2 by
  Saltelli (2002).  Output is standardised first; variances are over the A and B rows (ddof 0).
* Confidence: ``*_conf`` is the half-width of a normal-approximation interval,
  ``z(conf_level) * sd`` of the index over ``n_boot`` bootstrap resamples of the base points
  (bootstrap drawn from ``numpy.random.default_rng(seed)``).
* Morris: elementary effects per unit of the *normalised* input range (SALib convention), so
  for y = c*x on [lo, hi] the effect is c*(hi - lo).  ``mu_star`` is the mean |effect|
  (Campolongo et al. 2007), ``sigma`` its standard deviation (ddof 1), ``mu_star_conf`` a
  bootstrap half-width as above.
* Simulation noise: with R > 1 replicates per point the indices are computed on the replicate
  means, and ``attrs["noise"]`` reports the seed share of variance (see :func:`replicate_means`).

Errors for bad input are :class:`~changjing.simulate.errors.SimulateError` (a ValueError)
naming the parameter, what was expected and the value received.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from changjing.simulate.errors import SimulateError

__all__ = ["Problem", "ReplicateSummary", "morris_analyze", "morris_sample", "replicate_means",
           "sensitivity_table", "sobol_analyze", "sobol_sample", "sobol_second_order"]

_SOBOL_CONVENTIONS = {
    "method": "sobol",
    "sampler": "SALib.sample.sobol: Saltelli (2002) cross-sampling on a scrambled Sobol' sequence",
    "S1_estimator": "Saltelli et al. (2010) Table 2 (b)",
    "ST_estimator": "Jansen (1999) = Saltelli et al. (2010) Table 2 (f)",
    "S2_estimator": "Saltelli (2002)",
    "variance": "output standardised; variance of A and B rows, ddof=0",
    "conf": "z(conf_level) * bootstrap sd over base points (normal approximation half-width)",
    "software": "SALib.analyze.sobol",
}
_MORRIS_CONVENTIONS = {
    "method": "morris",
    "sampler": "SALib.sample.morris: Morris (1991) one-at-a-time trajectories on a p-level grid",
    "elementary_effect": "dy / delta with delta = p/(2(p-1)) in the unit-scaled input space",
    "mu_star": "mean |elementary effect| (Campolongo et al. 2007)",
    "sigma": "sd of elementary effects, ddof=1",
    "conf": "z(conf_level) * bootstrap sd of mu_star (normal approximation half-width)",
    "software": "SALib.analyze.morris",
}


# --------------------------------------------------------------------------------------------
# Problem
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Replicates and the seed share of variance
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReplicateSummary:
    """Replicate means per design point and how much of the output variance is seed noise.

    * ``means`` — mean output per design point, ordered by ``point_ids``.
    * ``n_replicates`` — replicates per point.
    * ``within_var`` — pooled within-point (seed) variance, ddof 1 per point.
    * ``total_var`` — variance of all single runs, ddof 1.
    * ``noise_share`` — ``within_var / total_var``: the share of a single run's variance due to
      the seed (≈ 1: the parameters hardly matter next to noise; 0: deterministic).
    * ``noise_share_of_means`` — ``mean(within_var / R_i) / var(means)``: the share of the
      variance of the analysed means that is still noise; indices computed on the means are
      shrunk by about ``1 - noise_share_of_means``.  Shares are capped at 1.

    Both shares are ``None`` when every point has a single replicate (noise not estimable).
    """

    means: np.ndarray
    point_ids: np.ndarray
    n_replicates: np.ndarray
    within_var: float | None
    total_var: float
    noise_share: float | None
    noise_share_of_means: float | None

    def to_dict(self) -> dict[str, Any]:
        """Scalars only (JSON-friendly), for manifests and ``DataFrame.attrs``."""
        return {"n_points": int(self.means.size),
                "replicates_min": int(self.n_replicates.min()),
                "replicates_max": int(self.n_replicates.max()),
                "within_var": self.within_var, "total_var": self.total_var,
                "noise_share": self.noise_share,
                "noise_share_of_means": self.noise_share_of_means}


def replicate_means(Y: Any, *, point: str = "point", output: str | None = None,
                    name: str = "Y") -> ReplicateSummary:
    """Average replicates per design point and measure the seed share of variance.

    ``Y`` is one of

    * a 1-D array, one value a design point (no replicates: shares are ``None``);
    * a 2-D array of shape ``(n_points, R)``, one column a replicate (seed);
    * a long DataFrame with a design-point id column ``point`` and an output column
      ``output`` (which may be omitted when it is the only other numeric column besides an
      optional ``replicate``/``seed`` column).  Point ids are sorted; replicates may be unequal.
    """
    if isinstance(Y, pd.DataFrame):
        ids, values = _long_frame(Y, point, output, name)
        _finite(values, name)
        codes, uniq = pd.factorize(ids, sort=True)
        counts = np.bincount(codes)
        sums = np.bincount(codes, weights=values)
        means = sums / counts
        resid2 = np.bincount(codes, weights=(values - means[codes]) ** 2)
        point_ids = np.asarray(uniq)
    else:
        arr = np.asarray(Y, dtype=float) if _numeric_like(Y) else None
        if arr is None or arr.ndim not in (1, 2) or arr.size == 0:
            shape = getattr(Y, "shape", type(Y).__name__)
            raise SimulateError(f"{name}: expected a non-empty numeric array of shape (n_points,) "
                                f"or (n_points, R), or a long DataFrame; got {shape}")
        _finite(arr, name)
        if arr.ndim == 1:
            arr = arr[:, None]
        counts = np.full(arr.shape[0], arr.shape[1])
        means = arr.mean(axis=1)
        resid2 = ((arr - means[:, None]) ** 2).sum(axis=1)
        values = arr.ravel()
        point_ids = np.arange(arr.shape[0])
    total_var = float(values.var(ddof=1)) if values.size > 1 else 0.0
    dof = int((counts - 1).sum())
    if dof == 0:
        within = share = share_means = None
    else:
        within = float(resid2.sum() / dof)
        # Per-point noise variance of a mean is within/R_i; points with R_i = 1 carry it too.
        noise_of_means = float(np.mean(within / counts))
        var_means = float(means.var(ddof=1)) if means.size > 1 else 0.0
        share = _share(within, total_var)
        share_means = _share(noise_of_means, var_means)
    return ReplicateSummary(means=means, point_ids=point_ids, n_replicates=counts,
                            within_var=within, total_var=total_var, noise_share=share,
                            noise_share_of_means=share_means)


def _share(noise: float, total: float) -> float:
    if total <= 0.0:
        return 0.0 if noise <= 0.0 else 1.0
    return float(min(1.0, noise / total))


def _numeric_like(Y: Any) -> bool:
    try:
        return np.asarray(Y).dtype.kind in "biuf"
    except (TypeError, ValueError):  # ragged lists and the like
        return False


def _finite(values: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise SimulateError(f"{name}: expected finite numbers, got {values[tuple(where)]!r} "
                            f"at position {tuple(int(i) for i in where)} "
                            f"({int(bad.sum())} non-finite value(s) in all)")


def _long_frame(Y: pd.DataFrame, point: str, output: str | None,
                name: str) -> tuple[np.ndarray, np.ndarray]:
    if point not in Y.columns:
        raise SimulateError(f"{name}: a long frame needs a design-point id column {point!r} "
                            f"(argument point=); columns are {list(Y.columns)}")
    if output is None:
        skip = {point, "replicate", "replication", "seed", "run_id", "arm_index"}
        cands = [c for c in Y.columns if c not in skip and Y[c].dtype.kind in "biuf"]
        if len(cands) != 1:
            raise SimulateError(f"{name}: say which column holds the output (argument output=); "
                                f"numeric candidates are {cands}")
        output = cands[0]
    if output not in Y.columns:
        raise SimulateError(f"{name}: output column {output!r} not found; columns are "
                            f"{list(Y.columns)}")
    if Y[output].dtype.kind not in "biuf":
        raise SimulateError(f"{name}: output column {output!r} must be numeric, got dtype "
                            f"{Y[output].dtype}")
    if Y[point].isna().any():
        raise SimulateError(f"{name}: design-point id column {point!r} has missing values "
                            f"(first at row {int(np.flatnonzero(Y[point].isna())[0])})")
    return Y[point].to_numpy(), Y[output].to_numpy(dtype=float)


# --------------------------------------------------------------------------------------------
# Shared checks
# --------------------------------------------------------------------------------------------

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


def _outputs(Y: Any, index: pd.Index, *, point: str, output: str | None,
             name: str = "Y") -> ReplicateSummary:
    """Replicate means aligned with the rows of X (a long frame's ``point`` ids are matched
    to ``X.index``; arrays are taken in row order)."""
    n_rows = len(index)
    rep = replicate_means(Y, point=point, output=output, name=name)
    if rep.means.size != n_rows:
        raise SimulateError(f"{name}: expected {n_rows} design points (one per row of X), got "
                            f"{rep.means.size}")
    if isinstance(Y, pd.DataFrame):
        ids = pd.Index(rep.point_ids)
        if not index.is_unique or not ids.isin(index).all():
            unknown = ids[~ids.isin(index)][:5].tolist()
            raise SimulateError(f"{name}: design-point ids in column {point!r} must match the "
                                f"index of X (one id a row; a fresh sample has 0..{n_rows - 1}); "
                                f"ids not in X.index: {unknown}")
        order = ids.get_indexer(index)
        rep = dataclasses.replace(rep, means=rep.means[order], point_ids=rep.point_ids[order],
                                  n_replicates=rep.n_replicates[order])
    spread = float(np.ptp(rep.means))
    if spread <= 1e-12 * max(1.0, float(np.abs(rep.means).max())):
        raise SimulateError(f"{name}: the output is constant ({rep.means[0]!r}) over all "
                            f"{n_rows} design points; sensitivity indices are undefined")
    return rep


def _attrs(conv: dict[str, Any], problem: Problem, rep: ReplicateSummary,
           **extra: Any) -> dict[str, Any]:
    out = dict(conv)
    out.update(extra)
    out["problem"] = problem.to_salib()
    out["noise"] = rep.to_dict()
    return out


def _noise_warning(rep: ReplicateSummary) -> None:
    if rep.noise_share_of_means is not None and rep.noise_share_of_means > 0.5:
        warnings.warn(f"seed noise is {rep.noise_share_of_means:.0%} of the variance of the "
                      "replicate means: sensitivity indices are swamped by noise; add replicates",
                      RuntimeWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# Sobol'
# --------------------------------------------------------------------------------------------

def sobol_sample(problem: Problem, n: int, seed: int, second_order: bool = False) -> pd.DataFrame:
    """Sobol'/Saltelli design: ``n*(D+2)`` rows (``n*(2D+2)`` with ``second_order``).

    ``n`` is the number of base points and must be a power of 2 (the balance properties of the
    Sobol' sequence hold only then).  ``seed`` scrambles the sequence.  Columns are
    ``problem.names``; keep the row order — :func:`sobol_analyze` relies on it.
    """
    from SALib.sample import sobol as salib_sobol

    problem = _check_problem(problem)
    n = _check_int(n, "n", 2)
    if n & (n - 1):
        lo = 1 << (n.bit_length() - 1)
        raise SimulateError(f"n: expected a power of 2 for the Sobol' sequence, got {n}; "
                            f"use {lo} or {lo * 2}")
    seed = _check_seed(seed)
    arr = salib_sobol.sample(problem.to_salib(), n, calc_second_order=bool(second_order),
                             scramble=True, seed=seed)
    X = pd.DataFrame(arr, columns=problem.names)
    X.attrs.update({"design": "sobol", "n_base": n, "second_order": bool(second_order),
                    "seed": seed})
    return X


def _check_saltelli_rows(x: np.ndarray, D: int, second_order: bool) -> int:
    """Verify the A, AB_j, [BA_j], B block structure; return the number of base points."""
    step = 2 * D + 2 if second_order else D + 2
    if x.shape[0] % step:
        other = "without" if second_order else "with"
        raise SimulateError(f"X: a Sobol' design for {D} parameters "
                            f"{'with' if second_order else 'without'} second order has "
                            f"n*{step} rows; got {x.shape[0]} (was it sampled {other} "
                            f"second_order?)")
    n = x.shape[0] // step
    blocks = x.reshape(n, step, D)
    A, B = blocks[:, 0, :], blocks[:, step - 1, :]
    eye = np.eye(D, dtype=bool)
    for j in range(D):
        want = np.where(eye[j], B, A)
        if not np.allclose(blocks[:, 1 + j, :], want, rtol=0, atol=1e-12 * (1 + np.abs(want))):
            raise SimulateError(
                "X: rows are not in Sobol'/Saltelli order (A, AB_1..AB_D, "
                f"{'BA_1..BA_D, ' if second_order else ''}B per base point): row "
                f"{1 + j} of a block should equal row 0 except column {j}. Pass X and Y in the "
                "order sobol_sample produced (sort results by design-point id), and the same "
                "second_order flag")
        if second_order:
            want = np.where(eye[j], A, B)
            if not np.allclose(blocks[:, 1 + D + j, :], want, rtol=0,
                               atol=1e-12 * (1 + np.abs(want))):
                raise SimulateError(f"X: rows are not in Saltelli order: BA_{j + 1} rows do "
                                    "not match; pass X in the order sobol_sample produced")
    return n


def sobol_analyze(problem: Problem, X: pd.DataFrame, Y: Any, *, seed: int,
                  second_order: bool = False, n_boot: int = 1000, conf_level: float = 0.95,
                  point: str = "point", output: str | None = None) -> pd.DataFrame:
    """First- and total-order Sobol' indices with bootstrap confidence half-widths.

    ``X`` is the frame from :func:`sobol_sample` (row order kept); ``Y`` one output per row, or
    ``(len(X), R)`` replicates, or a long frame (``point`` = design-point id matching
    ``X.index``, ``output`` column) — see :func:`replicate_means`.  Indices are computed on
    replicate means.

    Returns a DataFrame with columns ``param, S1, S1_conf, ST, ST_conf`` (one row a parameter,
    problem order).  ``attrs`` records conventions, ``n_base``, ``n_boot``, ``conf_level``,
    ``seed``, the noise summary and, with ``second_order``, ``S2`` as records (see
    :func:`sobol_second_order`).  Warns (RuntimeWarning) when seed noise is more than half of
    the variance of the replicate means.
    """
    from SALib.analyze import sobol as salib_sobol

    problem = _check_problem(problem)
    seed = _check_seed(seed)
    n_boot = _check_int(n_boot, "n_boot", 2)
    conf_level = _check_conf(conf_level)
    x = _design_matrix(problem, X)
    n = _check_saltelli_rows(x, problem.num_vars, bool(second_order))
    rep = _outputs(Y, X.index, point=point, output=output)
    _noise_warning(rep)
    # A Generator, not the int: SALib seeds its bootstrap only when `seed` is truthy, so an
    # int seed of 0 would silently use numpy's global state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant sub-samples in resamples
        res = salib_sobol.analyze(problem.to_salib(), rep.means,
                                  calc_second_order=bool(second_order), num_resamples=n_boot,
                                  conf_level=conf_level, seed=np.random.default_rng(seed))
    out = pd.DataFrame({"param": problem.names,
                        "S1": np.asarray(res["S1"], dtype=float),
                        "S1_conf": np.asarray(res["S1_conf"], dtype=float),
                        "ST": np.asarray(res["ST"], dtype=float),
                        "ST_conf": np.asarray(res["ST_conf"], dtype=float)})
    extra: dict[str, Any] = {"n_base": n, "n_boot": n_boot, "conf_level": conf_level,
                             "seed": seed, "second_order": bool(second_order)}
    if second_order:
        S2, S2c = np.asarray(res["S2"]), np.asarray(res["S2_conf"])
        D = problem.num_vars
        extra["S2"] = [{"param_1": problem.names[j], "param_2": problem.names[k],
                        "S2": float(S2[j, k]), "S2_conf": float(S2c[j, k])}
                       for j in range(D) for k in range(j + 1, D)]
    out.attrs.update(_attrs(_SOBOL_CONVENTIONS, problem, rep, **extra))
    return out


def sobol_second_order(indices: pd.DataFrame) -> pd.DataFrame:
    """Second-order indices from a :func:`sobol_analyze` result made with ``second_order``:
    a tidy frame ``param_1, param_2, S2, S2_conf`` (one row a pair)."""
    recs = indices.attrs.get("S2") if isinstance(indices, pd.DataFrame) else None
    if recs is None:
        raise SimulateError("indices: no second-order indices; call sobol_analyze(..., "
                            "second_order=True) on a design sampled with second_order=True")
    return pd.DataFrame.from_records(recs, columns=["param_1", "param_2", "S2", "S2_conf"])


# --------------------------------------------------------------------------------------------
# Morris
# --------------------------------------------------------------------------------------------

def morris_sample(problem: Problem, trajectories: int, levels: int = 4, *,
                  seed: int) -> pd.DataFrame:
    """Morris (1991) design: ``trajectories*(D+1)`` rows on a ``levels``-level grid.

    Each trajectory moves one parameter at a time by ``delta = levels/(2(levels-1))`` of its
    range.  ``levels`` must be even (Morris's recommendation, so that all levels are equally
    likely).  Keep the row order — :func:`morris_analyze` relies on it.
    """
    from SALib.sample import morris as salib_morris

    problem = _check_problem(problem)
    trajectories = _check_int(trajectories, "trajectories", 2)
    levels = _check_int(levels, "levels", 2)
    if levels % 2:
        raise SimulateError(f"levels: expected an even number of grid levels (e.g. 4, 6, 8), "
                            f"got {levels}")
    seed = _check_seed(seed)
    arr = salib_morris.sample(problem.to_salib(), trajectories, num_levels=levels, seed=seed)
    X = pd.DataFrame(arr, columns=problem.names)
    X.attrs.update({"design": "morris", "trajectories": trajectories, "levels": levels,
                    "seed": seed})
    return X


def _morris_levels(problem: Problem, x: np.ndarray, levels: int | None) -> tuple[int, int]:
    """Check the trajectory structure; return (number of trajectories, levels)."""
    D = problem.num_vars
    if x.shape[0] % (D + 1):
        raise SimulateError(f"X: a Morris design for {D} parameters has trajectories*{D + 1} "
                            f"rows; got {x.shape[0]}")
    r = x.shape[0] // (D + 1)
    lo = np.array([b[0] for b in problem.bounds])
    width = np.array([b[1] - b[0] for b in problem.bounds])
    unit = ((x - lo) / width).reshape(r, D + 1, D)
    step = np.diff(unit, axis=1)                      # (r, D, D): one row a move
    moved = np.abs(step) > 1e-9
    if not (moved.sum(axis=2) == 1).all() or not (moved.sum(axis=1) == 1).all():
        raise SimulateError("X: rows are not Morris trajectories (each step must move exactly "
                            "one parameter, each parameter once per trajectory); pass X in the "
                            "order morris_sample produced (sort results by design-point id), "
                            "as sampled (before any integer rounding)")
    deltas = np.abs(step[moved])
    delta = float(deltas.mean())
    if np.ptp(deltas) > 1e-6:
        raise SimulateError(f"X: Morris steps differ in size ({deltas.min():.6g} to "
                            f"{deltas.max():.6g} of the range); expected one grid step. "
                            "Integer rounding or a log scale applied after sampling changes "
                            "the steps: pass X as sampled (log scale: log values and log "
                            "bounds)")
    inferred = round(2 * delta / (2 * delta - 1)) if delta > 0.5 else None
    if inferred is None or abs(inferred / (2 * (inferred - 1)) - delta) > 1e-6:
        raise SimulateError(f"X: Morris step {delta:.6g} of the range does not match any grid "
                            "p/(2(p-1)); was X made by morris_sample?")
    if levels is not None and levels != inferred:
        raise SimulateError(f"levels: X was sampled with {inferred} levels (step "
                            f"{delta:.4g} of the range), got levels={levels}")
    return r, inferred


def morris_analyze(problem: Problem, X: pd.DataFrame, Y: Any, *, seed: int,
                   levels: int | None = None, n_boot: int = 1000, conf_level: float = 0.95,
                   point: str = "point", output: str | None = None) -> pd.DataFrame:
    """Morris screening measures: columns ``param, mu, mu_star, mu_star_conf, sigma``.

    ``X`` is the frame from :func:`morris_sample` (row order kept); ``levels`` is inferred from
    the step size in X (and checked if given).  ``Y`` as in :func:`sobol_analyze`.  Effects
    are per unit of the normalised range (y = c*x on [lo, hi] gives mu_star = |c|*(hi-lo)).
    """
    from SALib.analyze import morris as salib_morris

    problem = _check_problem(problem)
    seed = _check_seed(seed)
    n_boot = _check_int(n_boot, "n_boot", 2)
    conf_level = _check_conf(conf_level)
    if levels is not None:
        levels = _check_int(levels, "levels", 2)
    x = _design_matrix(problem, X)
    r, levels = _morris_levels(problem, x, levels)
    rep = _outputs(Y, X.index, point=point, output=output)
    _noise_warning(rep)
    res = salib_morris.analyze(problem.to_salib(), x, rep.means, num_resamples=n_boot,
                               conf_level=conf_level, num_levels=levels,
                               seed=np.random.default_rng(seed))
    out = pd.DataFrame({"param": problem.names,
                        "mu": np.asarray(res["mu"], dtype=float),
                        "mu_star": np.asarray(res["mu_star"], dtype=float),
                        "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
                        "sigma": np.asarray(res["sigma"], dtype=float)})
    out.attrs.update(_attrs(_MORRIS_CONVENTIONS, problem, rep, trajectories=r, levels=levels,
                            n_boot=n_boot, conf_level=conf_level, seed=seed))
    return out



# --------------------------------------------------------------------------------------------
# Several outputs at once
# --------------------------------------------------------------------------------------------

def sensitivity_table(method: str, problem: Problem, X: pd.DataFrame, runs: pd.DataFrame,
                      outputs: list[str], *, seed: int, point: str = "point",
                      **options: Any) -> pd.DataFrame:
    """Indices for several outputs of a long run table, stacked in one tidy frame.

    ``method`` is ``"sobol"`` or ``"morris"``; ``runs`` has one row a run with the design-point
    id column ``point`` (matching ``X.index``) and one column per output; ``options`` go to
    :func:`sobol_analyze` / :func:`morris_analyze`.  Columns: ``output``, the method's index
    columns, ``noise_share``, ``noise_share_of_means`` and ``note``.  An output that is constant
    over all design points gets one row per parameter with NaN indices and ``note`` saying so
    (rather than failing the whole table); every other problem raises.
    """
    funcs: dict[str, Any] = {"sobol": sobol_analyze, "morris": morris_analyze}
    if method not in funcs:
        raise SimulateError(f"method: expected 'sobol' or 'morris', got {method!r}")
    if not isinstance(runs, pd.DataFrame):
        raise SimulateError(f"runs: expected a long DataFrame of runs, got {type(runs).__name__}")
    missing = [o for o in outputs if o not in runs.columns]
    if missing:
        raise SimulateError(f"outputs: column(s) {missing} not in runs; runs has "
                            f"{list(runs.columns)}")
    problem = _check_problem(problem)
    frames = []
    cols = (["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol"
            else ["mu", "mu_star", "mu_star_conf", "sigma"])
    for out in outputs:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", RuntimeWarning)
                res = funcs[method](problem, X, runs[[point, out]], seed=seed, point=point,
                                    output=out, **options)
            noise = res.attrs["noise"]
            notes = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
            if noise["noise_share"] is None:
                notes.append("one replicate per design point: the seed share is not estimable")
            note = "; ".join(notes)
        except SimulateError as exc:
            if "constant" not in str(exc):
                raise
            res = pd.DataFrame({"param": problem.names, **{c: np.nan for c in cols}})
            noise = {"noise_share": None, "noise_share_of_means": None}
            note = str(exc).split(": ", 1)[1]
        res = res.copy()
        res.attrs = {}
        res.insert(0, "output", out)
        res["noise_share"] = noise["noise_share"]
        res["noise_share_of_means"] = noise["noise_share_of_means"]
        res["note"] = note
        frames.append(res)
    table = pd.concat(frames, ignore_index=True)
    table.attrs.update({**(_SOBOL_CONVENTIONS if method == "sobol" else _MORRIS_CONVENTIONS),
                        "seed": seed, "problem": problem.to_salib(), **options})
    return table
