"""ABC-SMC against posteriors known in closed form, and parameter recovery coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from changjing.simulate.calibration.abc_smc import Prior, abc_smc, weighted_quantile


def normal_model(y_obs: np.ndarray, noise: float = 1.0):
    """y_k ~ N(theta_k, noise^2), one draw per coordinate; distance = RMS error."""
    def evaluate(gen, batch, z, seeds):
        out = np.empty(len(z))
        for i, (row, seed) in enumerate(zip(z, seeds, strict=True)):
            y = row + noise * np.random.default_rng(seed).standard_normal(row.size)
            out[i] = np.sqrt(np.mean((y - y_obs) ** 2))
        return out
    return evaluate


def posterior_moments(gen):
    w = gen.weights
    mean = w @ gen.z
    sd = np.sqrt(w @ (gen.z - mean) ** 2)
    return mean, sd


def test_flat_prior_normal_posterior():
    """Flat prior, one N(theta, 1) observation: the posterior is N(y_obs, 1) (Gelman et al.,
    Bayesian Data Analysis, 3rd ed., sec. 2.5); ABC adds about eps^2/3 to the variance."""
    y_obs = np.array([1.3])
    priors = [Prior("theta", "x", "uniform", -10, 10)]
    gens = abc_smc(priors, normal_model(y_obs), particles=400, generations=7, root_seed=3)
    last = gens[-1]
    mean, sd = posterior_moments(last)
    expected_sd = np.sqrt(1 + last.epsilon**2 / 3)
    assert abs(mean[0] - 1.3) < 0.15
    assert abs(sd[0] - expected_sd) / expected_sd < 0.15
    assert last.epsilon < 0.3
    eps = [g.epsilon for g in gens]
    assert all(b < a for a, b in zip(eps[1:], eps[2:], strict=False))   # shrinking tolerance


def test_informative_normal_prior_shrinks_toward_prior_mean():
    """Prior N(0, 1), one observation y = 2 with unit noise: posterior N(1, 1/2)."""
    priors = [Prior("theta", "x", "normal", -8, 8, mu=0.0, sigma=1.0)]
    gens = abc_smc(priors, normal_model(np.array([2.0])), particles=500, generations=8,
                   root_seed=5)
    mean, sd = posterior_moments(gens[-1])
    eps = gens[-1].epsilon
    # with kernel width eps the likelihood variance is 1 + eps^2/3
    v_lik = 1 + eps**2 / 3
    post_var = 1 / (1 + 1 / v_lik)
    assert abs(mean[0] - 2.0 * post_var / v_lik) < 0.12
    assert abs(sd[0] - np.sqrt(post_var)) < 0.1


def test_identical_whatever_the_batch_evaluation_order():
    priors = [Prior("a", "x", "uniform", -5, 5), Prior("b", "y", "loguniform", 0.1, 10)]
    ev = normal_model(np.array([0.5, 2.0]))
    g1 = abc_smc(priors, ev, particles=100, generations=3, root_seed=11)

    def reversed_eval(gen, batch, z, seeds):     # evaluate the batch back to front
        return ev(gen, batch, z[::-1], seeds[::-1])[::-1]
    g2 = abc_smc(priors, reversed_eval, particles=100, generations=3, root_seed=11)
    np.testing.assert_array_equal(g1[-1].z, g2[-1].z)
    np.testing.assert_array_equal(g1[-1].weights, g2[-1].weights)


def test_resume_continues_exactly():
    priors = [Prior("a", "x", "uniform", -5, 5)]
    ev = normal_model(np.array([0.5]))
    full = abc_smc(priors, ev, particles=100, generations=4, root_seed=2)
    part = abc_smc(priors, ev, particles=100, generations=2, root_seed=2)
    resumed = abc_smc(priors, ev, particles=100, generations=4, root_seed=2, completed=part)
    np.testing.assert_array_equal(full[-1].z, resumed[-1].z)


def test_credible_intervals_cover_the_truth_at_about_the_nominal_rate():
    """Parameter recovery: 90 % intervals from data simulated at known thetas.

    The exact posterior is known: a uniform(-4, 4) prior and y ~ N(theta, 1) give N(y, 1)
    truncated to [-4, 4].  Coverage alone cannot catch intervals that are too wide (40 of 40
    is a plausible count for 90 % intervals: 0.9^40 = 1.5 %), so each ABC interval is also
    compared with the exact one: its endpoints within 0.9 (about 4 Monte-Carlo SDs of a 5 %
    quantile of ~100 effective particles, sd ~ 0.2) and the mean width ratio within
    0.9-1.25 (ABC's tolerance may widen it a little, never halve or double it)."""
    from scipy import stats

    rng = np.random.default_rng(0)
    priors = [Prior("theta", "x", "uniform", -4, 4)]
    hits, n, ratios = 0, 40, []
    for rep in range(n):
        truth = rng.uniform(-3, 3)
        y_obs = truth + rng.standard_normal(1)
        gens = abc_smc(priors, normal_model(y_obs), particles=150, generations=5,
                       root_seed=100 + rep)
        lo, hi = weighted_quantile(gens[-1].z[:, 0], gens[-1].weights, [0.05, 0.95])
        y = float(y_obs[0])
        exact_lo, exact_hi = stats.truncnorm(-4 - y, 4 - y, loc=y, scale=1).ppf([0.05, 0.95])
        assert abs(lo - exact_lo) < 0.9 and abs(hi - exact_hi) < 0.9, (rep, lo, hi)
        ratios.append((hi - lo) / (exact_hi - exact_lo))
        hits += lo <= truth <= hi
    assert 0.9 <= np.mean(ratios) <= 1.25, np.mean(ratios)
    # 90 % nominal: binomial(40, 0.9) is below 31 with probability 0.5 % (0.00506); a
    # coverage of 0.55 would still reach 31 with probability 0.3 % (the band's power)
    assert stats.binom.cdf(30, n, 0.9) < 0.006
    assert stats.binom.sf(30, n, 0.55) < 0.005
    assert hits >= 31, hits


def test_bad_settings():
    with pytest.raises(ValueError, match="quantile"):
        abc_smc([Prior("a", "x", "uniform", 0, 1)], lambda *a: np.zeros(2), quantile=1.5)


# ---------------------------------------------------------------- v2: defects and public API

from changjing.simulate.calibration import abc_smc as engine  # noqa: E402
from changjing.simulate.calibration.abc_smc import (  # noqa: E402
    abc,
    recovery,
    recovery_summary,
)


def test_integer_prior_gives_its_end_values_the_same_mass():
    """Every integer of [15, 17] has prior mass 1/3 (rounding a U(15, 17) gave 1/4, 1/2, 1/4)."""
    for prior in (Prior.uniform("n", 15, 17, integer=True),
                  Prior.loguniform("n", 15, 17, integer=True)):
        x = prior.sample(np.random.default_rng(1), 60_000)
        shares = np.array([(x == v).mean() for v in (15, 16, 17)])
        assert set(np.unique(x)) == {15.0, 16.0, 17.0}
        # log-uniform on [14.5, 17.5]: the mass of v is log((v + .5) / (v - .5)) / log(17.5/14.5)
        expect = (np.full(3, 1 / 3) if prior.dist == "uniform" else
                  np.log([15.5 / 14.5, 16.5 / 15.5, 17.5 / 16.5]) / np.log(17.5 / 14.5))
        np.testing.assert_allclose(shares, expect, atol=0.01)


def test_generation_below_min_acceptance_is_dropped():
    """Generation 1 accepts 40 % of each batch of 100: filling 100 particles takes 300
    proposals, acceptance 1/3 < min_acceptance 0.45, so it is dropped (docstring)."""
    def evaluate(gen, batch, z, seeds):
        if gen == 0:
            return np.arange(len(z), dtype=float)
        return np.where(np.arange(len(z)) < 40, 0.0, np.inf)

    why: list[str] = []
    gens = engine.abc_smc([Prior.uniform("a", 0, 1)], evaluate, particles=100, generations=3,
                          min_acceptance=0.45, stop=why)
    assert len(gens) == 1 and why == ["acceptance"]


def beta_binomial(n: int):
    def simulate(theta, seed):
        return np.array([np.random.default_rng(seed).binomial(n, theta[0])], dtype=float)
    return simulate


def test_beta_binomial_exact_match_with_whole_number_distances():
    """k ~ Binomial(20, p), p ~ U(0, 1), distance |k - k_obs| (whole numbers).  The schedule
    must not stall at a tied quantile: it reaches ε = 0 (exact match), where the ABC posterior
    is the exact posterior Beta(1 + k, 1 + n - k) (Gelman et al., BDA3, sec. 2.4)."""
    n, k = 20, 7
    res = abc([Prior.uniform("p", 0, 1)], beta_binomial(n), [k],
              distance=lambda s, o: float(abs(s[0] - o[0])), particles=400, generations=12,
              seed=4)
    eps = [g.epsilon for g in res.generations]
    assert all(b < a for a, b in zip(eps[1:], eps[2:], strict=False))
    assert eps[-1] == 0 and res.stop_reason == "min_epsilon"
    post = stats.beta(1 + k, 1 + n - k)
    s = res.summary().iloc[0]
    assert abs(s["mean"] - post.mean()) < 0.02
    assert abs(s["sd"] - post.std()) / post.std() < 0.15
    assert abs(s.q05 - post.ppf(0.05)) < 0.03 and abs(s.q95 - post.ppf(0.95)) < 0.03


def normal_simulator(theta, seed):
    return theta + np.random.default_rng(seed).standard_normal(theta.size)


def test_public_api_normal_mean_and_regression_adjustment():
    """Flat prior, y ~ N(theta, 1), y_obs = 1.3: posterior N(1.3, 1).  Stopped early (3
    generations, wide ε), the plain ABC posterior is too wide (var ≈ 1 + ε²/3); the
    regression adjustment of Beaumont et al. (2002) is exact for this linear-Gaussian model."""
    res = abc([Prior.uniform("theta", -10, 10)], normal_simulator, [1.3], particles=600,
              generations=3, seed=3)
    assert res.stop_reason == "generations" and res.epsilon > 0.8
    plain = res.summary().iloc[0]
    adj = res.summary(adjusted=True).iloc[0]
    assert plain["sd"] > 1.1                                  # ε-widened
    assert abs(adj["mean"] - 1.3) < 0.12
    assert abs(adj["sd"] - 1.0) < 0.1
    assert res.simulations == sum(g.simulations for g in res.generations)
    again = abc([Prior.uniform("theta", -10, 10)], normal_simulator, [1.3], particles=600,
                generations=3, seed=3)
    np.testing.assert_array_equal(res.values, again.values)   # seeded


def test_stops_when_the_tolerance_stalls_and_reports_it():
    """A distance with a floor of 0.5: the tolerance stops falling and sampling stops."""
    res = abc([Prior.uniform("a", -1, 1)], lambda th, s: np.array([0.5 + 1e-4 * abs(th[0])]),
              [0.0], particles=100, generations=20, min_decrease=0.01, seed=1)
    assert res.stop_reason == "stalled" and len(res.generations) < 20
    assert res.converged


def test_recovery_reports_coverage_of_known_truths():
    """Simulation-based calibration of the normal mean: 90 % intervals cover about 90 %."""
    rows = recovery([Prior.uniform("theta", -4, 4)], normal_simulator, 30, seed=2,
                    particles=150, generations=5)
    s = recovery_summary(rows).iloc[0]
    assert s.truths == 30
    # binomial(30, 0.9) has a 99 % range of about 22..30
    assert 22 / 30 <= s.coverage_90 <= 1
    assert s.median_abs_error < 0.15


def test_public_api_is_exported():
    import changjing.simulate.calibration as cal

    for name in ("abc", "Prior", "recovery", "recovery_summary", "ABCResult"):
        assert hasattr(cal, name)


def test_schedule_stops_at_the_tolerance_floor_without_undershooting_it():
    """The quantile schedule of the normal model falls below 0.9 within a few generations;
    with min_epsilon = 0.9 the last generation runs at exactly 0.9 (not below) and stops."""
    res = abc([Prior.uniform("theta", -10, 10)], normal_simulator, [1.3], particles=200,
              generations=15, min_epsilon=0.9, seed=3)
    eps = [g.epsilon for g in res.generations]
    assert res.stop_reason == "min_epsilon" and eps[-1] == 0.9
    assert all(e > 0.9 for e in eps[:-1])


def test_observation_tolerance_matches_the_uniform_ball_variance():
    """A uniform d-ball of radius r has per-coordinate variance r^2 / (d + 2); the RMS
    tolerance eps = sqrt((d + 2) / d) (radius eps * sqrt(d)) gives variance 1 (checked by
    sampling the ball)."""
    from changjing.simulate.calibration import observation_tolerance

    rng = np.random.default_rng(0)
    for d in (1, 3, 6):
        r = observation_tolerance(d) * np.sqrt(d)
        g = rng.standard_normal((200_000, d))
        ball = g / np.linalg.norm(g, axis=1, keepdims=True) * r * rng.uniform(
            size=(200_000, 1)) ** (1 / d)
        assert abs(ball.var(axis=0).mean() - 1.0) < 0.02
    assert abs(observation_tolerance(3) - np.sqrt(5 / 3)) < 1e-12
