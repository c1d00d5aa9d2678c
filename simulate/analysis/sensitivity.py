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

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError
from .morris import _MORRIS_CONVENTIONS, morris_analyze, morris_sample
from .problem import Problem, _check_problem
from .replicates import ReplicateSummary, replicate_means
from .sobol import _SOBOL_CONVENTIONS, sobol_analyze, sobol_sample, sobol_second_order

__all__ = ["Problem", "ReplicateSummary", "morris_analyze", "morris_sample", "replicate_means",
           "sensitivity_table", "sobol_analyze", "sobol_sample", "sobol_second_order"]


def sensitivity_table(method: str, problem: Problem, X: pd.DataFrame, runs: pd.DataFrame,
                      outputs: list[str], *, seed: int, point: str = "point",
                      **options: Any) -> pd.DataFrame:
    """Indices for several outputs of a long run table, stacked in one tidy frame.

    ``method`` is ``"sobol"`` or ``"morris"``; ``runs`` has one row a run with the design-point
    id column ``point`` (matching ``X.index``) and one column per output; ``options`` go to
    :func:`sobol_analyze` / :func:`morris_analyze`.  Columns: ``output``, the method's index
    and seed columns (``seed_share`` with its bootstrap interval, ``seed_swamps``),
    ``noise_share``, ``noise_share_of_means`` and ``note`` (which carries the "increase
    replications" warning when the seed swamps an index).  An output that is constant
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
    seed_cols = ["seed_share", "seed_share_low", "seed_share_high"]
    cols = (["S1", "S1_conf", "ST", "ST_conf", "S1_low", "S1_high", "ST_low", "ST_high",
             *seed_cols, "seed_swamps"] if method == "sobol"
            else ["mu", "mu_star", "mu_star_conf", "sigma", *seed_cols, "seed_mu_star",
                  "seed_swamps"])
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
            res = pd.DataFrame({"param": problem.names, **{c: np.nan for c in cols},
                                "seed_swamps": False})
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
