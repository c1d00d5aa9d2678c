"""Synthetic difference-in-differences on California's Proposition 99.

Published values: Arkhangelsky, Athey, Hirshberg, Imbens & Wager (2021, AER 111(12), Table 1):
SDID -15.6 (placebo SE 8.4); R ``synthdid`` (README example) prints "point estimate: -15.60".
The paper's Figure 1 puts all time weight on 1986-1988.  Second method for the estimator's
form: with uniform weights SDID is the plain DiD (-27.3, the same table).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.impact import synthetic_did
from changjing.evaluate.impact.sdid import _tau, sdid_weights

KW = dict(unit="state", time="year", outcome="cigsale", treated_from="treated_from")


def test_prop99_matches_synthdid(prop99_long):
    r = synthetic_did(prop99_long, se="placebo", n_reps=40, seed=1, **KW)
    assert r.estimate == pytest.approx(-15.6038, abs=5e-4)
    tw = r.diagnostics["time_weights"]
    assert set(tw.loc[tw.weight > 1e-6, "time"]) == {1986, 1987, 1988}
    assert r.diagnostics["unit_weights"]["weight"].sum() == pytest.approx(1.0)
    assert 4 < r.se < 16  # paper: 8.4 with 200 placebo draws; 40 draws here
    assert r.settings["se"] == "placebo" and r.settings["seed"] == 1


def test_uniform_weights_give_plain_did(prop99_long):
    wide = prop99_long.pivot(index="state", columns="year", values="cigsale")
    y = np.vstack([wide.drop(index="California").to_numpy(), wide.loc[["California"]].to_numpy()])
    t0 = int(np.sum(wide.columns < 1989))
    n0 = y.shape[0] - 1
    tau = _tau(y, n0, t0, np.full(n0, 1 / n0), np.full(t0, 1 / t0))
    assert tau == pytest.approx(-27.3, abs=0.05)


def test_sdid_speed_50_by_40():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 40)).cumsum(axis=1) + rng.normal(size=(50, 1)) * 5
    start = time.perf_counter()
    sdid_weights(y, 45, 30)
    assert time.perf_counter() - start < 1.0


def test_sdid_recovers_effect_and_jackknife_bootstrap(prop99_long):
    rng = np.random.default_rng(4)
    n, periods = 30, 12
    fe = rng.normal(size=n)[:, None] * 3
    trend = np.linspace(0, 2, periods)[None, :]
    y = fe + trend + rng.normal(scale=0.3, size=(n, periods))
    treated = np.arange(n) >= 25
    y[np.ix_(treated, np.arange(1, periods + 1) >= 8)] += 1.5
    frame = pd.DataFrame({"state": np.repeat(np.arange(n), periods),
                          "year": np.tile(np.arange(1, periods + 1), n), "cigsale": y.ravel(),
                          "treated_from": np.repeat(np.where(treated, 8, 0), periods)})
    jk = synthetic_did(frame, se="jackknife", **KW)
    bs = synthetic_did(frame, se="bootstrap", n_reps=30, seed=2, **KW)
    assert jk.estimate == pytest.approx(bs.estimate)
    for r in (jk, bs):
        assert r.ci_low < 1.5 < r.ci_high
    with pytest.raises(InputError, match="placebo"):
        synthetic_did(prop99_long, se="jackknife", **KW)
