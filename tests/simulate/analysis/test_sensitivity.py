"""Sobol' and Morris sensitivity: analytic test functions, noise share, invariants, errors."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.analysis.sensitivity import (
    Problem,
    morris_analyze,
    morris_sample,
    replicate_means,
    sensitivity_table,
    sobol_analyze,
    sobol_sample,
    sobol_second_order,
)
from changjing.simulate.errors import SimulateError

PI = math.pi
ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1


def ishigami(x: np.ndarray) -> np.ndarray:
    return (np.sin(x[:, 0]) + ISHIGAMI_A * np.sin(x[:, 1]) ** 2
            + ISHIGAMI_B * x[:, 2] ** 4 * np.sin(x[:, 0]))


def ishigami_analytic() -> tuple[np.ndarray, np.ndarray, float, float]:
    """Closed form (Ishigami & Homma 1990; Saltelli et al. 2008, Primer, sec. 4.x):
    V1 = (1 + b*pi^4/5)^2 / 2, V2 = a^2/8, V13 = 8 b^2 pi^8 / 225,
    V = a^2/8 + b*pi^4/5 + b^2*pi^8/18 + 1/2."""
    a, b = ISHIGAMI_A, ISHIGAMI_B
    V = a**2 / 8 + b * PI**4 / 5 + b**2 * PI**8 / 18 + 0.5
    V1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    V2 = a**2 / 8
    V13 = 8 * b**2 * PI**8 / 225
    S1 = np.array([V1, V2, 0.0]) / V
    ST = np.array([V1 + V13, V2, V13]) / V
    return S1, ST, V13 / V, V


@pytest.fixture(scope="module")
def ishigami_problem() -> Problem:
    return Problem(["x1", "x2", "x3"], [(-PI, PI)] * 3)


def test_ishigami_closed_form_matches_published_values():
    """The closed form used below reproduces the published 4-digit values (a=7, b=0.1):
    S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437."""
    S1, ST, _, _ = ishigami_analytic()
    np.testing.assert_allclose(S1, [0.3139, 0.4424, 0.0], atol=6e-5)
    np.testing.assert_allclose(ST, [0.5576, 0.4424, 0.2437], atol=6e-5)


def test_sobol_ishigami_first_total_and_second_order(ishigami_problem):
    """Ishigami & Homma (1990): estimates within their 95% bootstrap CI (widened 1.5x for
    the normal approximation) and within 0.03 of the analytic indices; S2(x1,x3) = V13/V
    and the other pairs 0."""
    X = sobol_sample(ishigami_problem, 2048, seed=11, second_order=True)
    assert len(X) == 2048 * (2 * 3 + 2)
    res = sobol_analyze(ishigami_problem, X, ishigami(X.to_numpy()), seed=5,
                        second_order=True, n_boot=300)
    S1, ST, S13, _ = ishigami_analytic()
    assert list(res.columns) == ["param", "S1", "S1_conf", "ST", "ST_conf", "S1_low", "S1_high",
                                 "ST_low", "ST_high", "seed_share", "seed_share_low",
                                 "seed_share_high", "seed_swamps"]
    assert list(res.param) == ["x1", "x2", "x3"]
    for col, truth in (("S1", S1), ("ST", ST)):
        err = np.abs(res[col].to_numpy() - truth)
        assert (err < 0.03).all(), (col, res[col].tolist())
        assert (err <= 1.5 * res[f"{col}_conf"].to_numpy() + 1e-3).all(), (col, err)
    s2 = sobol_second_order(res).set_index(["param_1", "param_2"])
    assert abs(s2.loc[("x1", "x3"), "S2"] - S13) < 0.05
    assert abs(s2.loc[("x1", "x2"), "S2"]) < 0.05
    assert abs(s2.loc[("x2", "x3"), "S2"]) < 0.05


def test_sobol_g_function_against_closed_form():
    """Sobol' G-function, Saltelli et al. (2008, The Primer, sec. 3.x / 4.x) with
    a = (0, 1, 4.5, 9, 99, 99, 99, 99): V_i = 1/(3(1+a_i)^2), V = prod(1+V_i) - 1,
    S_i = V_i/V, ST_i = V_i prod_{j!=i}(1+V_j)/V.  Also the invariants ST >= S1 (up to CI),
    sum S1 <= 1 and sum ST >= 1 (up to CI)."""
    a = np.array([0, 1, 4.5, 9, 99, 99, 99, 99])
    D = a.size
    Vi = 1 / (3 * (1 + a) ** 2)
    V = np.prod(1 + Vi) - 1
    S1_true = Vi / V
    ST_true = np.array([Vi[i] * np.prod(np.delete(1 + Vi, i)) / V for i in range(D)])
    problem = Problem([f"x{i}" for i in range(D)], [(0.0, 1.0)] * D)
    X = sobol_sample(problem, 4096, seed=2)
    x = X.to_numpy()
    y = np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)
    res = sobol_analyze(problem, X, y, seed=3, n_boot=200)
    np.testing.assert_allclose(res.S1, S1_true, atol=0.03)
    np.testing.assert_allclose(res.ST, ST_true, atol=0.03)
    assert (res.ST + res.ST_conf >= res.S1 - res.S1_conf).all()
    assert res.S1.sum() <= 1 + res.S1_conf.sum()
    assert res.ST.sum() >= 1 - res.ST_conf.sum()
    # ranking: the first four factors in order of decreasing importance
    assert list(res.sort_values("ST", ascending=False).param[:4]) == ["x0", "x1", "x2", "x3"]


def test_sobol_replicates_shrink_indices_by_the_noise_share(ishigami_problem):
    """Ishigami plus Gaussian seed noise (sd s), R replicates per point.  Derived closed forms
    for the indices of the replicate means, where the means carry noise of variance s^2/R
    independent across rows: S1_i = V_i / (V + s^2/R) (the noise terms of Saltelli's
    estimator have mean zero) and ST_i = (V_Ti + s^2/R) / (V + s^2/R) (Jansen's squared
    difference picks the noise up as if it were an interaction); single-run noise share
    s^2 / (V + s^2)."""
    X = sobol_sample(ishigami_problem, 8192, seed=4)
    f = ishigami(X.to_numpy())
    s, R = 4.0, 4
    rng = np.random.default_rng(9)
    Y = f[:, None] + rng.normal(0, s, size=(f.size, R))
    S1, ST, _, V = ishigami_analytic()
    res = sobol_analyze(ishigami_problem, X, Y, seed=1, n_boot=200)
    e = s**2 / R
    np.testing.assert_allclose(res.S1, S1 * V / (V + e), atol=0.03)
    np.testing.assert_allclose(res.ST, (ST * V + e) / (V + e), atol=0.03)
    assert (np.abs(res.S1 - S1 * V / (V + e)) <= 1.5 * res.S1_conf).all()
    noise = res.attrs["noise"]
    assert noise["replicates_min"] == noise["replicates_max"] == R
    assert abs(noise["noise_share"] - s**2 / (V + s**2)) < 0.03
    assert abs(noise["noise_share_of_means"] - (s**2 / R) / (V + s**2 / R)) < 0.03
    assert abs(noise["within_var"] - s**2) < 0.3
    json.dumps(res.attrs)  # the recorded conventions are JSON-serialisable


def test_long_frame_equals_wide_array(ishigami_problem):
    """A long (point, replicate, value) frame in shuffled order gives the same indices as the
    (n_points, R) array."""
    X = sobol_sample(ishigami_problem, 256, seed=1)
    rng = np.random.default_rng(0)
    Y = ishigami(X.to_numpy())[:, None] + rng.normal(0, 1, (len(X), 3))
    long = pd.DataFrame({"point": np.repeat(np.arange(len(X)), 3),
                         "replicate": np.tile(np.arange(3), len(X)),
                         "firms_served": Y.ravel()}).sample(frac=1, random_state=3)
    wide = sobol_analyze(ishigami_problem, X, Y, seed=7, n_boot=50)
    lng = sobol_analyze(ishigami_problem, X, long, seed=7, n_boot=50)
    pd.testing.assert_frame_equal(wide, lng)
    assert wide.attrs["noise"] == pytest.approx(lng.attrs["noise"])
    # design-point ids are matched to X.index, not to row positions
    X2 = X.set_axis(np.arange(len(X)) * 10 + 1000)
    long2 = long.assign(point=long.point * 10 + 1000)
    pd.testing.assert_frame_equal(sobol_analyze(ishigami_problem, X2, long2, seed=7, n_boot=50),
                                  wide)


def test_sobol_is_reproducible_including_seed_zero(ishigami_problem):
    """Same seed -> identical samples and bootstrap intervals (SALib alone would leave an int
    seed of 0 unseeded)."""
    X1 = sobol_sample(ishigami_problem, 128, seed=0)
    X2 = sobol_sample(ishigami_problem, 128, seed=0)
    pd.testing.assert_frame_equal(X1, X2)
    y = ishigami(X1.to_numpy())
    r1 = sobol_analyze(ishigami_problem, X1, y, seed=0, n_boot=100)
    r2 = sobol_analyze(ishigami_problem, X1, y, seed=0, n_boot=100)
    pd.testing.assert_frame_equal(r1, r2)
    r3 = sobol_analyze(ishigami_problem, X1, y, seed=1, n_boot=100)
    assert not np.allclose(r1.S1_conf, r3.S1_conf)
    assert not sobol_sample(ishigami_problem, 128, seed=1).equals(X1)


def test_noise_share_pure_noise_and_deterministic():
    """Pure-noise output: the seed share is ~1 (its expectation is exactly 1); an output that
    is the same for every replicate: exactly 0."""
    rng = np.random.default_rng(1)
    noise = replicate_means(rng.normal(size=(2000, 5)))
    assert abs(noise.noise_share - 1.0) < 0.05
    assert noise.noise_share_of_means > 0.9
    det = replicate_means(np.repeat(rng.normal(size=(2000, 1)), 5, axis=1))
    assert det.noise_share < 1e-12 and det.noise_share_of_means < 1e-12
    single = replicate_means(rng.normal(size=50))
    assert single.noise_share is None and single.within_var is None


def test_noise_share_unbalanced_long_frame_matches_pooled_anova():
    """Unequal replicates: within variance is the pooled (ANOVA) mean square, computed here by
    a groupby."""
    rng = np.random.default_rng(2)
    reps = rng.integers(2, 6, size=40)
    df = pd.DataFrame({"point": np.repeat(np.arange(40), reps)})
    df["y"] = rng.normal(size=len(df)) + df.point * 0.1
    res = replicate_means(df, output="y")
    g = df.groupby("point").y
    pooled = ((df.y - g.transform("mean")) ** 2).sum() / (len(df) - 40)
    assert res.within_var == pytest.approx(pooled)
    assert res.noise_share == pytest.approx(pooled / df.y.var())
    np.testing.assert_allclose(res.means, g.mean().to_numpy())


def test_swamped_indices_warn(ishigami_problem):
    X = sobol_sample(ishigami_problem, 64, seed=1)
    Y = np.random.default_rng(0).normal(size=(len(X), 2))
    with pytest.warns(RuntimeWarning, match="swamped by noise"):
        sobol_analyze(ishigami_problem, X, Y, seed=1, n_boot=20)


def test_morris_linear_function_is_exact():
    """y = sum c_i x_i: every elementary effect is c_i*(hi_i - lo_i) (effects per unit of the
    normalised range), so mu = c_i*range, mu_star = |c_i|*range, sigma = 0 exactly."""
    c = np.array([3.0, -2.0, 0.0, 0.5])
    bounds = [(0.0, 2.0), (1.0, 5.0), (-1.0, 1.0), (1e7, 5e7)]
    problem = Problem(["a", "b", "c", "budget"], bounds)
    X = morris_sample(problem, 12, levels=6, seed=4)
    assert len(X) == 12 * 5
    y = X.to_numpy() @ c
    res = morris_analyze(problem, X, y, seed=1)
    width = np.array([hi - lo for lo, hi in bounds])
    np.testing.assert_allclose(res.mu, c * width, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.mu_star, np.abs(c) * width, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(res.sigma, 0.0, atol=1e-6)
    assert res.attrs["levels"] == 6 and res.attrs["trajectories"] == 12


def test_morris_nonlinear_screening():
    """y = x1^2 + x1*x2 on [0,1]^3 (x3 inert): mu_star(x3) = 0, sigma > 0 for the nonlinear and
    interacting x1, x2; Morris mu_star agrees in ranking with Sobol' ST."""
    problem = Problem(["x1", "x2", "x3"], [(0.0, 1.0)] * 3)
    X = morris_sample(problem, 40, seed=2)
    x = X.to_numpy()
    res = morris_analyze(problem, X, x[:, 0] ** 2 + x[:, 0] * x[:, 1], seed=2)
    assert res.mu_star[2] == 0.0 and res.sigma[2] == 0.0
    assert res.sigma[0] > 0 and res.sigma[1] > 0
    assert res.mu_star[0] > res.mu_star[1] > 0
    assert (res.mu_star_conf >= 0).all()


def test_morris_level_mismatch_and_order_checked():
    problem = Problem(["a", "b"], [(0.0, 1.0), (0.0, 1.0)])
    X = morris_sample(problem, 10, levels=4, seed=0)
    y = X.a.to_numpy()
    with pytest.raises(SimulateError, match="sampled with 4 levels.*levels=6"):
        morris_analyze(problem, X, y, seed=0, levels=6)
    shuffled = X.sample(frac=1, random_state=1).reset_index(drop=True)
    with pytest.raises(SimulateError, match="not Morris trajectories"):
        morris_analyze(problem, shuffled, y, seed=0)
    with pytest.raises(SimulateError, match="levels: expected an even"):
        morris_sample(problem, 10, levels=5, seed=0)


def test_sobol_shuffled_rows_are_refused(ishigami_problem):
    """Sweep results come back in completion order; analysing them unsorted gives wrong
    indices silently in SALib, so the design structure is verified."""
    X = sobol_sample(ishigami_problem, 64, seed=1)
    y = ishigami(X.to_numpy())
    perm = np.random.default_rng(0).permutation(len(X))
    with pytest.raises(SimulateError, match="not in Sobol'/Saltelli order"):
        sobol_analyze(ishigami_problem, X.iloc[perm], y[perm], seed=0)
    with pytest.raises(SimulateError, match="same second_order flag"):
        sobol_analyze(ishigami_problem, X, y, seed=0, second_order=True)


@pytest.mark.parametrize("make, match", [
    (lambda: Problem([], []), "Problem.names"),
    (lambda: Problem(["a", "a"], [(0, 1), (0, 1)]), "duplicates \\['a'\\]"),
    (lambda: Problem(["a"], [(1, 0)]), "Problem.bounds\\['a'\\].*low < high.*\\(1.0, 0.0\\)"),
    (lambda: Problem(["a"], [(0, 1), (0, 1)]), "one \\(low, high\\) per name \\(1\\), got 2"),
    (lambda: sobol_sample(Problem(["a"], [(0, 1)]), 1000, seed=1), "power of 2.*1000.*512"),
    (lambda: sobol_sample(Problem(["a"], [(0, 1)]), 64, seed=-1), "seed.*-1"),
])
def test_bad_arguments_name_parameter_and_value(make, match):
    with pytest.raises(SimulateError, match=match):
        make()


def test_bad_outputs_are_reported(ishigami_problem):
    X = sobol_sample(ishigami_problem, 16, seed=1)
    y = ishigami(X.to_numpy())
    with pytest.raises(SimulateError, match="expected 80 design points.*got 79"):
        sobol_analyze(ishigami_problem, X, y[:-1], seed=0)
    bad = y.copy()
    bad[7] = np.nan
    with pytest.raises(SimulateError, match="finite.*nan.*position \\(7,\\)"):
        sobol_analyze(ishigami_problem, X, bad, seed=0)
    with pytest.raises(SimulateError, match="constant"):
        sobol_analyze(ishigami_problem, X, np.ones(len(X)), seed=0)
    with pytest.raises(SimulateError, match="missing parameter column.*'x3'.*did you mean"):
        sobol_analyze(ishigami_problem, X.rename(columns={"x3": "x_3"}), y, seed=0)
    with pytest.raises(SimulateError, match="outside the problem bounds"):
        sobol_analyze(ishigami_problem, X * 2, y, seed=0)
    with pytest.raises(SimulateError, match="conf_level.*1.5"):
        sobol_analyze(ishigami_problem, X, y, seed=0, conf_level=1.5)
    long = pd.DataFrame({"point": np.arange(len(X)) + 1, "y": y})
    with pytest.raises(SimulateError, match="must match the index of X.*\\[80\\]"):
        sobol_analyze(ishigami_problem, X, long, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(SimulateError, match="say which column"):
            replicate_means(pd.DataFrame({"point": [0, 1], "a": [1.0, 2.0], "b": [1.0, 2.0]}))


def test_sensitivity_table_stacks_outputs_and_flags_constant_ones(ishigami_problem):
    """Several indicators from one long run table (as a sweep store returns it): each block
    equals the single-output analysis; a constant indicator gets NaN indices with a note
    instead of failing the table."""
    X = sobol_sample(ishigami_problem, 128, seed=2)
    rng = np.random.default_rng(4)
    f = ishigami(X.to_numpy())
    runs = pd.DataFrame({"run_id": np.arange(2 * len(X)),
                         "point": np.tile(np.arange(len(X)), 2),
                         "replication": np.repeat([0, 1], len(X)),
                         "firms_served": np.tile(f, 2) + rng.normal(0, 1, 2 * len(X)),
                         "super_scenarios": 0.0})
    tab = sensitivity_table("sobol", ishigami_problem, X, runs,
                            ["firms_served", "super_scenarios"], seed=3, n_boot=50)
    assert list(tab.columns) == ["output", "param", "S1", "S1_conf", "ST", "ST_conf", "S1_low",
                                 "S1_high", "ST_low", "ST_high", "seed_share", "seed_share_low",
                                 "seed_share_high", "seed_swamps", "noise_share",
                                 "noise_share_of_means", "note"]
    one = sobol_analyze(ishigami_problem, X, runs, output="firms_served", seed=3, n_boot=50)
    got = tab[tab.output == "firms_served"].reset_index(drop=True)
    pd.testing.assert_frame_equal(got[list(one.columns)], one, check_like=True)
    assert got.noise_share.iloc[0] == pytest.approx(one.attrs["noise"]["noise_share"])
    const = tab[tab.output == "super_scenarios"]
    assert const.S1.isna().all() and const.note.str.contains("constant").all()
    with pytest.raises(SimulateError, match="outputs.*'firms_attracted'"):
        sensitivity_table("sobol", ishigami_problem, X, runs, ["firms_attracted"], seed=1)
    with pytest.raises(SimulateError, match="method.*'fast'"):
        sensitivity_table("fast", ishigami_problem, X, runs, ["firms_served"], seed=1)


def test_problem_from_bounds_matches_salib_dict():
    p = Problem.from_bounds({"budget": (1e7, 5e7), "strictness": (0.2, 0.9)})
    assert p.to_salib() == {"num_vars": 2, "names": ["budget", "strictness"],
                            "bounds": [[1e7, 5e7], [0.2, 0.9]]}
