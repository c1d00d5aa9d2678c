"""Rank robustness under Dirichlet weight perturbations."""

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import rank_robustness, topsis, vikor, weighted_sum
from changjing.evaluate.scoring.robustness import dirichlet_draws


def test_dominating_alternative_always_keeps_rank():
    X = np.array([[10.0, 10, 10], [5, 6, 4], [4, 5, 6], [1, 1, 1]])
    for method in ("weighted_sum", "topsis", "vikor", "gra"):
        r = rank_robustness(X, [0.3, 0.3, 0.4], "benefit", method=method, n_draws=300, seed=1)
        assert r.base_rank[0] == 1 and r.p_same_rank[0] == 1.0
        assert r.base_rank[3] == 4 and r.p_same_rank[3] == 1.0
        assert r.max_rank[0] == 1 and r.min_rank[3] == 4
        assert np.all((r.p_same_rank >= 0) & (r.p_same_rank <= r.p_within + 1e-12))


def test_base_ranks_agree_with_methods():
    rng = np.random.default_rng(2)
    X = rng.random((40, 5))
    w = rng.random(5)
    d = ["benefit", "cost", "benefit", "benefit", "cost"]
    r = rank_robustness(X, w, d, method="topsis", n_draws=10)
    assert r.base_rank.tolist() == topsis(X, w, d).rank.tolist()
    r = rank_robustness(X, w, d, method="vikor", n_draws=10)
    assert r.base_rank.tolist() == vikor(X, w, d).rank.tolist()
    r = rank_robustness(X, w, d, method="weighted_sum", n_draws=10)
    assert r.base_rank.tolist() == weighted_sum(X, w, d).rank.tolist()


def test_near_tie_is_unstable_and_concentration_matters():
    # alternatives 0 and 1 swap order depending on the weights; 2 is far behind
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    loose = rank_robustness(X, [0.51, 0.49], "benefit", n_draws=4000, concentration=10, seed=3)
    tight = rank_robustness(X, [0.51, 0.49], "benefit", n_draws=4000, concentration=10000, seed=3)
    # P(w1 > 0.5) under Beta(5.1, 4.9) is about 0.52; with kappa = 1e4 about 0.98
    from scipy.stats import beta

    assert loose.p_same_rank[0] == pytest.approx(beta.sf(0.5, 5.1, 4.9), abs=0.03)
    assert tight.p_same_rank[0] == pytest.approx(beta.sf(0.5, 5100, 4900), abs=0.01)
    assert loose.p_same_rank[2] == 1.0


def test_reproducible_and_streaming_invariant():
    rng = np.random.default_rng(5)
    X = rng.random((200, 6))
    w = rng.random(6)
    a = rank_robustness(X, w, "benefit", n_draws=250, seed=42)
    b = rank_robustness(X, w, "benefit", n_draws=250, seed=42, chunk=7, n_jobs=2)
    np.testing.assert_array_equal(a.p_same_rank, b.p_same_rank)
    np.testing.assert_array_equal(a.mean_rank, b.mean_rank)
    np.testing.assert_array_equal(a.sd_rank, b.sd_rank)
    c = rank_robustness(X, w, "benefit", n_draws=250, seed=43)
    assert not np.array_equal(a.mean_rank, c.mean_rank)
    np.testing.assert_array_equal(a.rank_p95, b.rank_p95)
    assert a.to_frame().shape == (200, 11) and "Rank robustness" in a.summary()


def test_dirichlet_draws_mean_and_zero_weights():
    rng = np.random.default_rng(0)
    w = np.array([0.5, 0.3, 0.2, 0.0])
    W = dirichlet_draws(w, 20000, 50.0, rng)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert np.all(W[:, 3] == 0)
    np.testing.assert_allclose(W.mean(axis=0), w, atol=0.003)
    # sd of a Dirichlet component: sqrt(w(1-w)/(kappa+1))
    assert W[:, 0].std() == pytest.approx(np.sqrt(0.25 / 51), rel=0.05)


def test_supplied_weight_draws_and_errors():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    r = rank_robustness(X, [0.5, 0.5], "benefit", weight_draws=[[0.9, 0.1], [0.1, 0.9]])
    assert r.n_draws == 2 and r.concentration is None
    with pytest.raises(SpecError, match="weight_draws"):
        rank_robustness(X, [0.5, 0.5], "benefit", weight_draws=[[1, 2, 3]])
    with pytest.raises(SpecError, match="did you mean 'topsis'"):
        rank_robustness(X, [0.5, 0.5], "benefit", method="topsys")


@pytest.mark.parametrize("method", ["weighted_sum", "topsis", "vikor", "gra"])
def test_streamed_robustness_equals_brute_force_loop(method):
    """Independent check: re-run the public method for every weight draw and rank."""
    from changjing.evaluate.scoring import grey_relational

    rng = np.random.default_rng(17)
    X = rng.random((25, 4))
    w = np.array([0.4, 0.3, 0.2, 0.1])
    d = ["benefit", "cost", "benefit", "benefit"]
    W = dirichlet_draws(w, 120, 30.0, np.random.default_rng(99))
    res = rank_robustness(X, w, d, method=method, weight_draws=W, tolerance=1, top_k=5)
    fn = {
        "weighted_sum": lambda ww: weighted_sum(X, ww, d).score,
        "topsis": lambda ww: topsis(X, ww, d).closeness,
        "vikor": lambda ww: -vikor(X, ww, d).Q,
        "gra": lambda ww: grey_relational(X, ww, d).grade,
    }[method]
    base = np.argsort(np.argsort(-fn(w))) + 1
    ranks = np.array([np.argsort(np.argsort(-fn(ww))) + 1 for ww in W]).T
    np.testing.assert_array_equal(res.base_rank, base)
    np.testing.assert_allclose(res.p_same_rank, (ranks == base[:, None]).mean(axis=1))
    np.testing.assert_allclose(res.p_within, (np.abs(ranks - base[:, None]) <= 1).mean(axis=1))
    np.testing.assert_allclose(res.p_top_k, (ranks <= 5).mean(axis=1))
    np.testing.assert_allclose(res.mean_rank, ranks.mean(axis=1))
    np.testing.assert_allclose(res.sd_rank, ranks.std(axis=1), atol=1e-9)
    np.testing.assert_array_equal(res.max_rank, ranks.max(axis=1))
