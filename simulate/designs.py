"""Experimental designs over uncertain parameters: one small function per design.

Every function returns a DataFrame with one column per parameter and one row per design
point, in the order the matching analysis expects (SALib's order for Sobol and Morris, so that
``changjing.simulate.analysis.sensitivity`` can analyse the outputs).  Bounds are
``{name: (low, high)}``; all randomness comes from ``seed``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def _problem(bounds: Mapping[str, tuple[float, float]]) -> dict[str, Any]:
    return {"num_vars": len(bounds), "names": list(bounds),
            "bounds": [list(map(float, b)) for b in bounds.values()]}


def grid(values: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Full factorial over the listed values (first parameter varies slowest)."""
    names = list(values)
    rows = list(itertools.product(*(values[n] for n in names)))
    return pd.DataFrame(rows, columns=names)


def lhs(bounds: Mapping[str, tuple[float, float]], samples: int, seed: int) -> pd.DataFrame:
    """Latin hypercube (McKay, Beckman & Conover 1979) of ``samples`` points, scipy.stats.qmc."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(bounds), seed=np.random.default_rng(seed)).random(samples)
    lo = np.array([b[0] for b in bounds.values()])
    hi = np.array([b[1] for b in bounds.values()])
    return pd.DataFrame(qmc.scale(unit, lo, hi), columns=list(bounds))


def sobol(bounds: Mapping[str, tuple[float, float]], samples: int, seed: int,
          second_order: bool = False) -> pd.DataFrame:
    """Saltelli's scheme on a scrambled Sobol' sequence (SALib): N(D+2) points, or N(2D+2)
    with second-order indices; ``samples`` = N must be a power of 2."""
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(_problem(bounds), samples, calc_second_order=second_order,
                            scramble=True, seed=seed)
    return pd.DataFrame(x, columns=list(bounds))


def morris(bounds: Mapping[str, tuple[float, float]], trajectories: int, levels: int,
           seed: int) -> pd.DataFrame:
    """Morris (1991) elementary-effects trajectories (SALib): trajectories x (D+1) points."""
    from SALib.sample import morris as morris_sample

    x = morris_sample.sample(_problem(bounds), trajectories, num_levels=levels, seed=seed)
    return pd.DataFrame(x, columns=list(bounds))
