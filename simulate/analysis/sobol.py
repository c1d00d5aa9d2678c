"""Sobol' indices (variance-based, first/total/second order) on a Saltelli design, via SALib."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError
from .problem import Problem, _check_conf, _check_int, _check_problem, _check_seed, _design_matrix
from .replicates import _attrs, _noise_warning, _outputs, _swamp_warning, seed_columns, seed_share_interval

_SOBOL_CONVENTIONS = {
    "method": "sobol",
    "sampler": "SALib.sample.sobol: Saltelli (2002) cross-sampling on a scrambled Sobol' sequence",
    "S1_estimator": "Saltelli et al. (2010) Table 2 (b)",
    "ST_estimator": "Jansen (1999) = Saltelli et al. (2010) Table 2 (f)",
    "S2_estimator": "Saltelli (2002)",
    "variance": "output standardised; variance of A and B rows, ddof=0",
    "conf": "z(conf_level) * bootstrap sd over base points (normal approximation half-width)",
    "interval": "*_low, *_high: percentile bootstrap interval over the same resamples",
    "seed_share": "noise_share_of_means: pooled within-point variance / R over the variance of "
                  "the replicate means; percentile bootstrap over design points",
    "seed_swamps": "ST - seed_share <= seed_share (seed noise enters every ST like an "
                   "interaction, so a parameter's own part is ST - seed_share)",
    "software": "SALib.analyze.sobol",
}


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
    problem order), then ``S1_low, S1_high, ST_low, ST_high`` (percentile bootstrap
    intervals at ``conf_level``) and the seed columns ``seed_share, seed_share_low,
    seed_share_high, seed_swamps`` (see :func:`~.replicates.seed_columns`; NaN/False with one
    replicate per point).  With replicates, noise of variance s^2/R in the means adds
    ``seed_share`` to every ST in expectation (Jansen's estimator reads it as an interaction),
    so a parameter is flagged — and an "increase replications" RuntimeWarning is raised —
    when ``ST - seed_share <= seed_share``.  ``attrs`` records conventions, ``n_base``, ``n_boot``, ``conf_level``,
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
                                  conf_level=conf_level, seed=np.random.default_rng(seed),
                                  keep_resamples=True)
    out = pd.DataFrame({"param": problem.names,
                        "S1": np.asarray(res["S1"], dtype=float),
                        "S1_conf": np.asarray(res["S1_conf"], dtype=float),
                        "ST": np.asarray(res["ST"], dtype=float),
                        "ST_conf": np.asarray(res["ST_conf"], dtype=float)})
    alpha = (1.0 - conf_level) / 2
    for name in ("S1", "ST"):
        lo, hi = np.nanquantile(np.asarray(res[f"{name}_conf_all"], dtype=float),
                                [alpha, 1 - alpha], axis=0)
        out[f"{name}_low"], out[f"{name}_high"] = lo, hi
    interval = seed_share_interval(rep, n_boot=n_boot, conf_level=conf_level, seed=seed)
    share = rep.noise_share_of_means
    st = out["ST"].to_numpy()
    cols = seed_columns(st - (share or 0.0), share, share, interval)
    for k, v in cols.items():
        out[k] = v
    _swamp_warning(problem.names, cols["seed_swamps"], rep, "the total-order index")
    extra: dict[str, Any] = {"n_base": n, "n_boot": n_boot, "conf_level": conf_level,
                             "seed": seed, "second_order": bool(second_order)}
    if second_order:
        S2, S2c = np.asarray(res["S2"]), np.asarray(res["S2_conf"])
        D = problem.num_vars
        extra["S2"] = [{"param_1": problem.names[j], "param_2": problem.names[k],
                        "S2": float(S2[j, k]), "S2_conf": float(S2c[j, k])}
                       for j in range(D) for k in range(j + 1, D)]
    out.attrs.update(_attrs(_SOBOL_CONVENTIONS, problem, rep, **extra))
    out.attrs["noise"].update(interval)
    return out


def sobol_second_order(indices: pd.DataFrame) -> pd.DataFrame:
    """Second-order indices from a :func:`sobol_analyze` result made with ``second_order``:
    a tidy frame ``param_1, param_2, S2, S2_conf`` (one row a pair)."""
    recs = indices.attrs.get("S2") if isinstance(indices, pd.DataFrame) else None
    if recs is None:
        raise SimulateError("indices: no second-order indices; call sobol_analyze(..., "
                            "second_order=True) on a design sampled with second_order=True")
    return pd.DataFrame.from_records(recs, columns=["param_1", "param_2", "S2", "S2_conf"])
