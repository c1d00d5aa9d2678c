"""Entropy, CRITIC and standard-deviation weights: published examples, oracle, invariants."""

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.scoring import critic_weights, entropy_weights, std_weights


def test_entropy_xu_2004():
    """Xu, X. (2004) EJOR 156(2):530-532, example: weights .4630 .3992 .1378 .0000."""
    X = [[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]]
    np.testing.assert_allclose(entropy_weights(X).weights, [0.4630, 0.3992, 0.1378, 0.0], atol=5e-5)


def test_entropy_zavadskas_podvezko_2016():
    """Zavadskas & Podvezko (2016) IJITDM 15(2):267-283: .1146 .1981 .4185 .2689."""
    X = [[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]]
    np.testing.assert_allclose(
        entropy_weights(X).weights, [0.1146, 0.1981, 0.4185, 0.2689], atol=5e-5
    )


def test_entropy_lee_chang_2018():
    """Lee & Chang (2018) RSER 92:883-896, renewable energy in Taiwan (printed to 3 digits)."""
    X = [
        [4550, 30, 6.74, 20, 15, 5, 85, 150, 0.87, 4.76],
        [3005, 60.86, 2.4, 35, 27, 4, 26, 200, 0.17, 4.51],
        [2040, 14.85, 1.7, 90, 25, 5, 26, 500, 0.27, 4.19],
        [3370, 99.4, 3.25, 25.3, 54, 3, 45, 222, 0.21, 3.78],
        [3920, 112.6, 4.93, 11.4, 71.7, 2, 50, 100, 0.25, 4.11],
    ]
    expected = [0.026, 0.154, 0.089, 0.199, 0.115, 0.04, 0.08, 0.123, 0.172, 0.002]
    np.testing.assert_allclose(entropy_weights(X).weights, expected, atol=5e-4)


def _entropy_loops(X):
    X = np.asarray(X, float)
    m, n = X.shape
    d = []
    for j in range(n):
        col = X[:, j]
        p = col / col.sum()
        e = -sum(pi * np.log(pi) for pi in p if pi > 0) / np.log(m)
        d.append(1 - e)
    d = np.array(d)
    return d / d.sum()


def test_entropy_matches_loop_reimplementation_and_handles_zeros():
    rng = np.random.default_rng(5)
    for _ in range(20):
        X = rng.random((int(rng.integers(3, 30)), int(rng.integers(2, 8)))) * 100
        X[rng.random(X.shape) < 0.1] = 0.0  # zeros: the limit 0 ln 0 = 0, no NaN
        w = entropy_weights(X).weights
        np.testing.assert_allclose(w, _entropy_loops(X), rtol=1e-10)
        assert np.all(w >= 0) and w.sum() == pytest.approx(1)


def test_entropy_negative_values_shift_or_refuse():
    X = np.array([[-2.0, 1.0], [0.0, 3.0], [5.0, 2.0]])
    with pytest.raises(InputError, match="'C1' has negative values"):
        entropy_weights(X, shift="none")
    res = entropy_weights(X)  # auto shift, recorded
    assert res.details["shift"][0] == pytest.approx(2 + 1e-4 * 7)
    assert res.details["shift"][1] == 0
    assert np.all(np.isfinite(res.weights)) and res.weights.sum() == pytest.approx(1)


def test_entropy_scale_invariance_and_constant_column():
    rng = np.random.default_rng(2)
    X = rng.random((10, 4)) + 0.1
    w = entropy_weights(X).weights
    np.testing.assert_allclose(entropy_weights(X * [1, 10, 1000, 0.01]).weights, w, rtol=1e-12)
    X[:, 2] = 7.0
    assert entropy_weights(X).weights[2] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(SpecError, match="constant"):
        entropy_weights(np.ones((4, 3)))


CRITIC_TUS = np.array(
    [
        [5000, 3, 3, 4, 3, 2],
        [680, 5, 3, 2, 2, 1],
        [2000, 3, 2, 3, 4, 3],
        [600, 4, 3, 1, 2, 2],
        [800, 2, 4, 3, 3, 4],
    ]
)


def test_critic_tus_aytac_adali_2019():
    """Tuş & Aytaç Adalı (2019) Opsearch 56(2):528-538, CRITIC weights
    .157 .249 .168 .121 .154 .151.  The printed weights are reproduced with every column
    min–max normalised as a benefit column (as the paper's table and crispyn's
    reproduction do); treating column 1 (price) as a cost changes its correlations' signs
    and therefore the weights, which we check too."""
    w = critic_weights(CRITIC_TUS, "benefit").weights
    np.testing.assert_allclose(w, [0.157, 0.249, 0.168, 0.121, 0.154, 0.151], atol=5e-4)
    w_dir = critic_weights(CRITIC_TUS, ["cost"] + ["benefit"] * 5).weights
    assert not np.allclose(w_dir, w, atol=1e-3)


def _critic_loops(X, benefit):
    X = np.asarray(X, float)
    Z = np.empty_like(X)
    for j in range(X.shape[1]):
        lo, hi = X[:, j].min(), X[:, j].max()
        Z[:, j] = (X[:, j] - lo) / (hi - lo) if benefit[j] else (hi - X[:, j]) / (hi - lo)
    r = np.corrcoef(Z, rowvar=False)
    c = np.array(
        [
            Z[:, j].std(ddof=1) * sum(1 - r[j, k] for k in range(X.shape[1]))
            for j in range(X.shape[1])
        ]
    )
    return c / c.sum()


def test_critic_matches_reimplementation_and_pymcdm():
    rng = np.random.default_rng(8)
    for _ in range(20):
        X = rng.random((int(rng.integers(4, 40)), int(rng.integers(2, 8))))
        benefit = rng.random(X.shape[1]) < 0.6
        dirs = np.where(benefit, "benefit", "cost")
        w = critic_weights(X, dirs).weights
        np.testing.assert_allclose(w, _critic_loops(X, benefit), rtol=1e-10)
        assert np.all(w >= 0) and w.sum() == pytest.approx(1)
    weights = pytest.importorskip("pymcdm.weights")
    X = rng.random((12, 5))
    np.testing.assert_allclose(
        critic_weights(X, "benefit").weights, weights.critic_weights(X), rtol=1e-8
    )


def test_std_weights_salabun_2020():
    """Sałabun, Wątróbski & Shekhovtsov (2020) Symmetry 12(9):1549, std weights .217 .294 .488
    (computed on the raw [0, 1] columns)."""
    X = [
        [0.619, 0.449, 0.447],
        [0.862, 0.466, 0.006],
        [0.458, 0.698, 0.771],
        [0.777, 0.631, 0.491],
        [0.567, 0.992, 0.968],
    ]
    np.testing.assert_allclose(
        std_weights(X, normalise="none").weights, [0.217, 0.294, 0.488], atol=5e-4
    )
    # min–max first: the closed form sd(z)/sum sd(z)
    Z = (np.array(X) - np.min(X, 0)) / np.ptp(X, 0)
    s = Z.std(0, ddof=1)
    np.testing.assert_allclose(std_weights(X).weights, s / s.sum(), rtol=1e-12)


def test_objective_weights_refuse_bad_input():
    with pytest.raises(InputError, match="non-finite"):
        entropy_weights([[1, np.nan], [2, 3]])
    with pytest.raises(SpecError, match="directions are required"):
        critic_weights(np.ones((4, 2)), None)
    with pytest.raises(SpecError, match="did you mean 'benefit'"):
        critic_weights(np.random.default_rng(0).random((4, 2)), ["benfit", "cost"])


def test_entropy_and_std_match_pymcdm_on_positive_matrices():
    weights = pytest.importorskip("pymcdm.weights")
    rng = np.random.default_rng(31)
    for _ in range(5):
        X = rng.random((15, 6)) * 10 + 0.5
        np.testing.assert_allclose(
            entropy_weights(X).weights, weights.entropy_weights(X), rtol=1e-9
        )
        np.testing.assert_allclose(
            std_weights(X, normalise="none").weights,
            weights.standard_deviation_weights(X),
            rtol=1e-9,
        )
