"""The seed's share of output variance next to Sobol'/Morris indices: its value against a toy
model whose signal and noise variances are known in closed form, its bootstrap interval
against the spread over independent repetitions, and the "increase replications" flag."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.analysis import (
    Problem,
    morris_analyze,
    morris_sample,
    replicate_means,
    sensitivity_table,
    sobol_analyze,
    sobol_sample,
)
from changjing.simulate.analysis.replicates import (
    replications_needed,
    seed_noise_table,
    seed_share_interval,
)

# y = x1 + 2 x2 + 0.3 x3 with x_i ~ U(0, 1): Var = (1 + 4 + 0.09) / 12.
COEF = np.array([1.0, 2.0, 0.3])
V = float((COEF ** 2).sum() / 12)
NOISE_VAR = 1.3 * V          # single-run seed share 1.3 / 2.3
R = 4                        # seed share of the means (1.3/4) / (1 + 1.3/4)
PROBLEM = Problem(["x1", "x2", "x3"], [(0.0, 1.0)] * 3)


def noisy_runs(X: pd.DataFrame, reps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    signal = X.to_numpy() @ COEF
    return signal[:, None] + rng.normal(0, np.sqrt(NOISE_VAR), (len(X), reps))


def test_seed_share_matches_the_known_noise_share_within_monte_carlo_error():
    X = sobol_sample(PROBLEM, 1024, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol_analyze(PROBLEM, X, noisy_runs(X, R, seed=2), seed=3, n_boot=400)
    noise = res.attrs["noise"]
    single = NOISE_VAR / (V + NOISE_VAR)
    of_means = (NOISE_VAR / R) / (V + NOISE_VAR / R)
    # 5120 design points x 4 replicates: MC sd of either share is below 0.01.
    assert noise["noise_share"] == pytest.approx(single, abs=0.03)
    assert noise["noise_share_low"] <= single <= noise["noise_share_high"]
    assert res.seed_share.to_numpy() == pytest.approx(of_means, abs=0.03)
    assert (res.seed_share_low <= of_means).all() and (of_means <= res.seed_share_high).all()
    # Percentile intervals of the indices bracket the point estimates.
    assert (res.S1_low <= res.S1).all() and (res.S1 <= res.S1_high).all()
    assert (res.ST_low <= res.ST).all() and (res.ST <= res.ST_high).all()


def test_bootstrap_interval_width_matches_spread_over_independent_repetitions():
    """Second method for the interval: the sd of the seed share over 40 independent
    repetitions of the whole experiment, against the bootstrap's half-width / z."""
    rng = np.random.default_rng(11)
    X = pd.DataFrame(rng.uniform(size=(400, 3)), columns=PROBLEM.names)
    shares, halves = [], []
    for rep in range(40):
        summary = replicate_means(noisy_runs(X, R, seed=100 + rep))
        ci = seed_share_interval(summary, n_boot=400, seed=rep)
        shares.append(summary.noise_share_of_means)
        halves.append((ci["noise_share_of_means_high"] - ci["noise_share_of_means_low"]) / 2)
    sd_over_reps = float(np.std(shares, ddof=1))
    sd_bootstrap = float(np.mean(halves)) / 1.96
    assert sd_bootstrap == pytest.approx(sd_over_reps, rel=0.35)


def test_flags_indices_the_seed_swamps_and_warns_to_increase_replications():
    """With seed share 0.245 of the means, x1 (own share 1/12 / (1.325 V) = 0.148) and x3
    (0.013) are swamped; x2 (0.593) is not.  With 4R replicates the share is 0.075 and x1's own
    share 1/12 / (1.081 V) = 0.185 clears it; x3's (0.016) does not."""
    X = sobol_sample(PROBLEM, 1024, seed=1)
    with pytest.warns(RuntimeWarning, match=r"increase replications.*x1, x3"):
        res = sobol_analyze(PROBLEM, X, noisy_runs(X, R, seed=2), seed=3, n_boot=200)
    assert list(res.seed_swamps) == [True, False, True]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        more = sobol_analyze(PROBLEM, X, noisy_runs(X, 4 * R, seed=2), seed=3, n_boot=200)
    assert list(more.seed_swamps) == [False, False, True]


def test_replications_needed_follows_from_the_seed_share_formula():
    """(w/R) / (V + w/R) <= 0.1  <=>  R >= 9 w / V; with w = 1.3 V that is R >= 11.7 -> 12."""
    X = pd.DataFrame(np.random.default_rng(5).uniform(size=(40000, 3)), columns=PROBLEM.names)
    summary = replicate_means(noisy_runs(X, R, seed=6))
    assert replications_needed(summary) == 12
    assert replications_needed(replicate_means(noisy_runs(X, 1, seed=6))) is None


def test_morris_noise_floor_is_the_mu_star_of_pure_noise():
    """Second method: Morris on an output that is noise alone gives mu_star close to the
    closed-form floor sqrt(2/pi) sqrt(2 s^2 / R) / delta, so every parameter is flagged; a
    parameter with a real effect far above the floor is not."""
    prob = Problem(["a", "b"], [(0.0, 1.0), (0.0, 1.0)])
    X = morris_sample(prob, 400, levels=4, seed=1)
    rng = np.random.default_rng(2)
    pure = rng.normal(0, 1, (len(X), R))
    with pytest.warns(RuntimeWarning, match="increase replications"):
        res = morris_analyze(prob, X, pure, seed=3, n_boot=100)
    floor = np.sqrt(2 / np.pi) * np.sqrt(2 * 1.0 / R) / (4 / 6)
    assert res.seed_mu_star.iloc[0] == pytest.approx(floor, rel=0.05)
    assert res.mu_star.to_numpy() == pytest.approx(floor, rel=0.1)
    assert res.seed_swamps.all()
    strong = pure + 10 * X[["a"]].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = morris_analyze(prob, X, strong, seed=3, n_boot=100)
    assert list(res.seed_swamps) == [False, True]


def test_single_replicate_leaves_seed_columns_empty_and_table_summarises():
    X = sobol_sample(PROBLEM, 256, seed=1)
    res = sobol_analyze(PROBLEM, X, X.to_numpy() @ COEF, seed=1, n_boot=50)
    assert res.seed_share.isna().all() and not res.seed_swamps.any()
    runs = pd.DataFrame({"point": np.repeat(np.arange(len(X)), R),
                         "served": noisy_runs(X, R, seed=2).ravel()})
    tab = sensitivity_table("sobol", PROBLEM, X, runs, ["served"], seed=1, n_boot=50)
    summary = seed_noise_table(tab)
    assert list(summary.columns) == ["output", "noise_share", "seed_share", "seed_share_low",
                                     "seed_share_high", "swamped", "note"]
    assert summary.swamped.iloc[0] == "x1, x3"
    assert "increase replications" in summary.note.iloc[0]
