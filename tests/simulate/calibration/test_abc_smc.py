"""ABC-SMC against posteriors known in closed form, and parameter recovery coverage."""

from __future__ import annotations

import numpy as np
import pytest
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
    # 90 % nominal: binomial(40, 0.9) is below 31 with probability 0.5 %
    assert stats.binom.cdf(30, n, 0.9) < 0.006
    assert hits >= 31, hits


def test_bad_settings():
    with pytest.raises(ValueError, match="quantile"):
        abc_smc([Prior("a", "x", "uniform", 0, 1)], lambda *a: np.zeros(2), quantile=1.5)
