"""Morris (1991) elementary-effects screening on one-at-a-time trajectories, via SALib."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError
from .problem import Problem, _check_conf, _check_int, _check_problem, _check_seed, _design_matrix
from .replicates import _attrs, _noise_warning, _outputs, _swamp_warning, seed_columns, seed_share_interval

_MORRIS_CONVENTIONS = {
    "method": "morris",
    "sampler": "SALib.sample.morris: Morris (1991) one-at-a-time trajectories on a p-level grid",
    "elementary_effect": "dy / delta with delta = p/(2(p-1)) in the unit-scaled input space",
    "mu_star": "mean |elementary effect| (Campolongo et al. 2007)",
    "sigma": "sd of elementary effects, ddof=1",
    "conf": "z(conf_level) * bootstrap sd of mu_star (normal approximation half-width)",
    "seed_share": "noise_share_of_means: pooled within-point variance / R over the variance of "
                  "the replicate means; percentile bootstrap over design points",
    "seed_mu_star": "mean |elementary effect| of seed noise alone: sqrt(2/pi) * "
                    "sqrt(2 * within_var / R) / delta",
    "seed_swamps": "mu_star - seed_mu_star <= seed_mu_star",
    "software": "SALib.analyze.morris",
}



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

    Seed columns follow: ``seed_share, seed_share_low, seed_share_high`` (share of the
    replicate means' variance due to the seed, percentile bootstrap interval), ``seed_mu_star``
    (the mu_star that seed noise alone gives: an elementary effect of noise is the difference
    of two means with noise variance within/R each, divided by the step delta, and the mean
    absolute value of a normal variable is sqrt(2/pi) sd) and ``seed_swamps``
    (``mu_star - seed_mu_star <= seed_mu_star``; an "increase replications" RuntimeWarning
    names such parameters).
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
    interval = seed_share_interval(rep, n_boot=n_boot, conf_level=conf_level, seed=seed)
    delta = levels / (2.0 * (levels - 1))
    floor = (None if rep.within_var is None else
             float(np.sqrt(2 / np.pi) * np.sqrt(2 * rep.within_var
                                                * np.mean(1.0 / rep.n_replicates)) / delta))
    mu_star = out["mu_star"].to_numpy()
    cols = seed_columns(mu_star - (floor or 0.0), floor, rep.noise_share_of_means, interval)
    for k, v in cols.items():
        out[k] = v
    out.insert(out.columns.get_loc("seed_swamps"), "seed_mu_star",
               np.nan if floor is None else floor)
    _swamp_warning(problem.names, cols["seed_swamps"], rep, "mu_star")
    out.attrs.update(_attrs(_MORRIS_CONVENTIONS, problem, rep, trajectories=r, levels=levels,
                            n_boot=n_boot, conf_level=conf_level, seed=seed))
    out.attrs["noise"].update(interval)
    return out
