"""Every policy lever moves the indicator it targets, in the documented direction.

Paired runs on common random numbers (the same seed in both arms; draws keyed to entities,
see simulate/keyed.py), 8 000 firms (unless a lever's base says otherwise), 36 months,
10 paired seeds (or the lever's ``reps``).  The sign must be significant: the mean paired
difference is at least 2.5 standard errors from zero in the documented direction.  The levers,
targets and mechanisms are listed in simulate/levers.py and docs/model.md ("Levers").
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from changjing.simulate import Config, run
from changjing.simulate.levers import LEVERS

BASE = {"firms.n": 8000}
# slow: 13 levers x 2 arms x 10-20 paired runs (minutes); `python -m pytest` still runs them
pytestmark = pytest.mark.slow


@functools.lru_cache(maxsize=None)
def _final(overrides: tuple, seed: int) -> dict:
    cfg = Config().with_overrides(dict(BASE) | _thaw(overrides))
    return run(cfg, seed=seed).timeseries.iloc[-1].to_dict()


def _freeze(d: dict) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in d.items()))


def _thaw(t: tuple) -> dict:
    import ast

    return {k: ast.literal_eval(v) for k, v in t}


@pytest.mark.parametrize("lever", LEVERS, ids=[lv.name for lv in LEVERS])
def test_lever_moves_its_indicator(lever):
    base = _freeze(lever.base)
    changed = _freeze(lever.base | lever.change)
    d = np.array([_final(changed, s)[lever.indicator] - _final(base, s)[lever.indicator]
                  for s in range(lever.reps)], dtype=float)
    se = d.std(ddof=1) / np.sqrt(lever.reps)
    z = d.mean() / se if se > 0 else np.sign(d.mean()) * np.inf
    assert lever.sign * z > 2.5, (f"{lever.name}: {lever.indicator} moved {d.mean():+.2f} "
                                  f"(z = {z:.1f}); documented sign {lever.sign:+d}")
