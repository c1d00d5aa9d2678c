"""AHP: Saaty's published examples, both random-index tables, invariants, group AHP."""

import warnings

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import RANDOM_INDEX, ahp_weights, group_ahp, random_index

# Saaty, T. L. (1990). How to make a decision: the analytic hierarchy process. European
# Journal of Operational Research 48, 9-26: the "choosing a house" criteria matrix (Table 1)
# and its priority vector, lambda_max, CI and CR as printed there.
HOUSE = [
    [1, 5, 3, 7, 6, 6, "1/3", "1/4"],
    ["1/5", 1, "1/3", 5, 3, 3, "1/5", "1/7"],
    ["1/3", 3, 1, 6, 3, 4, 6, "1/5"],
    ["1/7", "1/5", "1/6", 1, "1/3", "1/4", "1/7", "1/8"],
    ["1/6", "1/3", "1/3", 3, 1, "1/2", "1/5", "1/6"],
    ["1/6", "1/3", "1/4", 4, 2, 1, "1/5", "1/6"],
    [3, 5, "1/6", 7, 5, 5, 1, "1/2"],
    [4, 7, 5, 8, 6, 6, 2, 1],
]
# Saaty (1980), The Analytic Hierarchy Process, ch. 2: relative wealth of seven nations
# (US, USSR, China, France, UK, Japan, W. Germany), printed eigenvector and lambda_max 7.61.
WEALTH = [
    [1, 4, 9, 6, 6, 5, 5],
    ["1/4", 1, 7, 5, 5, 3, 4],
    ["1/9", "1/7", 1, "1/5", "1/5", "1/7", "1/5"],
    ["1/6", "1/5", 5, 1, 1, "1/3", "1/3"],
    ["1/6", "1/5", 5, 1, 1, "1/3", "1/3"],
    ["1/5", "1/3", 7, 3, 3, 1, 2],
    ["1/5", "1/4", 5, 3, 3, "1/2", 1],
]


def test_saaty_1990_house_example():
    """Saaty (1990) EJOR 48:9-26, Table 1: weights .173 .054 .188 .018 .031 .036 .167 .333,
    lambda_max = 9.669, CI = 0.238, CR = 0.169 (so it is refused by default)."""
    with pytest.raises(SpecError, match=r"CR = 0\.169"):
        ahp_weights(HOUSE)
    res = ahp_weights(HOUSE, on_inconsistent="ignore")
    np.testing.assert_allclose(
        res.weights, [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333], atol=5e-4
    )
    assert round(res.lambda_max, 3) == 9.669
    assert round(res.ci, 3) == 0.238
    assert round(res.cr, 3) == 0.169


def test_saaty_1990_size_of_house_alternatives():
    """Saaty (1990), Table 3, 'size of house' for houses A, B, C: .754 .181 .065."""
    res = ahp_weights([[1, 6, 8], ["1/6", 1, 4], ["1/8", "1/4", 1]], on_inconsistent="ignore")
    np.testing.assert_allclose(res.weights, [0.754, 0.181, 0.065], atol=5e-4)


def test_saaty_1980_wealth_of_nations():
    """Saaty (1980) ch. 2: eigenvector .427 .230 .021 .052 .052 .123 .094, lambda_max 7.61."""
    res = ahp_weights(WEALTH)
    np.testing.assert_allclose(
        res.weights, [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094], atol=5e-4
    )
    assert round(res.lambda_max, 2) == 7.61
    assert res.consistent


def test_random_index_tables_recorded_and_differ():
    """Saaty (1980) vs 许树柏 (1988): RI(3) is 0.58 vs 0.52, RI(4) 0.90 vs 0.89."""
    assert random_index(3, "saaty") == 0.58 and random_index(3, "chinese") == 0.52
    assert random_index(4, "saaty") == 0.90 and random_index(4, "chinese") == 0.89
    assert len(RANDOM_INDEX["saaty"]) == len(RANDOM_INDEX["chinese"]) == 15
    A = [[1, 2, 5], ["1/2", 1, 2], ["1/5", "1/2", 1]]
    s, c = ahp_weights(A, ri_table="saaty"), ahp_weights(A, ri_table="chinese")
    assert s.ci == pytest.approx(c.ci)
    assert c.cr == pytest.approx(s.cr * 0.58 / 0.52)
    assert s.provenance()["ri_table"] == "saaty" and "Saaty" in s.provenance()["ri_source"]
    with pytest.raises(SpecError, match="did you mean 'chinese'"):
        random_index(3, "chinse")


@pytest.mark.parametrize("method", ["eigen", "geometric"])
def test_consistent_matrix_gives_exact_weights_and_cr_zero(method):
    """A_ij = w_i / w_j is perfectly consistent: weights recovered, lambda_max = n, CR = 0."""
    rng = np.random.default_rng(3)
    for n in range(2, 11):
        w = rng.random(n) + 0.05
        w /= w.sum()
        res = ahp_weights(np.outer(w, 1 / w), method=method)
        np.testing.assert_allclose(res.weights, w, rtol=1e-10)
        assert res.lambda_max == pytest.approx(n, abs=1e-9)
        assert res.cr == pytest.approx(0.0, abs=1e-9)


def _power_iteration(A, iters=2000):
    w = np.ones(len(A)) / len(A)
    for _ in range(iters):
        w = A @ w
        w /= w.sum()
    return w, float(np.mean((A @ w) / w))


def test_eigenvector_agrees_with_power_iteration_on_random_matrices():
    """Independent re-implementation: power iteration on random Saaty-scale matrices."""
    rng = np.random.default_rng(11)
    scale = np.array([1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9])
    for _ in range(30):
        n = int(rng.integers(3, 9))
        A = np.ones((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                A[i, j] = rng.choice(scale)
                A[j, i] = 1 / A[i, j]
        res = ahp_weights(A, on_inconsistent="ignore")
        w, lam = _power_iteration(A)
        np.testing.assert_allclose(res.weights, w, atol=1e-9)
        assert res.lambda_max == pytest.approx(lam, abs=1e-8)
        assert np.all(res.weights >= 0) and res.weights.sum() == pytest.approx(1)


def test_inconsistent_matrix_warns_when_allowed_and_names_judgement():
    A = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
    with pytest.raises(SpecError, match="most inconsistent judgement"):
        ahp_weights(A, labels=["a", "b", "c"], name="criteria")
    with pytest.warns(UserWarning, match="CR ="):
        res = ahp_weights(A, on_inconsistent="warn")
    assert res.cr > 0.1 and not res.consistent


def test_bad_matrices_are_refused_with_position():
    with pytest.raises(SpecError, match=r"not reciprocal at \[0\]\[1\]"):
        ahp_weights([[1, 3], [3, 1]])
    with pytest.raises(SpecError, match="diagonal"):
        ahp_weights([[2, 3], ["1/3", 1]])
    with pytest.raises(SpecError, match="positive"):
        ahp_weights([[1, -3], ["1/3", 1]])
    with pytest.raises(SpecError, match="square"):
        ahp_weights([[1, 3, 2], ["1/3", 1, 1]])
    with pytest.raises(SpecError, match="fraction"):
        ahp_weights([[1, "x"], ["1/3", 1]])
    # 0.333 for 1/3 is accepted and replaced by the exact reciprocal
    res = ahp_weights([[1, 3], [0.333, 1]])
    np.testing.assert_allclose(res.weights, [0.75, 0.25])


def test_geometric_mean_close_to_eigenvector_for_near_consistent():
    res_e = ahp_weights(WEALTH)
    res_g = ahp_weights(WEALTH, method="geometric")
    np.testing.assert_allclose(res_e.weights, res_g.weights, atol=0.01)
    # geometric mean = row products ** (1/n), normalised (closed form)
    A = res_e.matrix
    g = np.prod(A, axis=1) ** (1 / len(A))
    np.testing.assert_allclose(res_g.weights, g / g.sum(), rtol=1e-12)


def test_group_ahp_geometric_mean_and_each_expert_cr():
    e1 = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    e2 = [[1, 2, 4], ["1/2", 1, 3], ["1/4", "1/3", 1]]
    e3 = [[1, 4, 6], ["1/4", 1, 1], ["1/6", 1, 1]]
    res = group_ahp([e1, e2, e3], labels=["x", "y", "z"])
    assert len(res.experts) == 3
    for e, m in zip(res.experts, (e1, e2, e3)):
        assert e.cr == pytest.approx(ahp_weights(m).cr)
    # aggregate judgement (0,1) = cube root of 3*2*4
    assert res.aggregate.matrix[0, 1] == pytest.approx((3 * 2 * 4) ** (1 / 3))
    assert res.aggregate.matrix[1, 0] == pytest.approx(1 / (3 * 2 * 4) ** (1 / 3))
    prov = res.provenance()
    assert len(prov["expert_cr"]) == 3 and prov["ri_table"] == "saaty"
    # identical experts aggregate to the same matrix
    same = group_ahp([e1, e1])
    np.testing.assert_allclose(same.weights, ahp_weights(e1).weights)
    # expert weights: all weight on expert 2 reproduces expert 2
    only2 = group_ahp([e1, e2, e3], expert_weights=[0, 1, 0])
    np.testing.assert_allclose(only2.weights, ahp_weights(e2).weights)
    assert "Group AHP" in res.summary() and len(res.to_frame()) == 4


def test_group_ahp_refuses_inconsistent_expert():
    bad = [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]]
    good = [[1, 3, 5], ["1/3", 1, 2], ["1/5", "1/2", 1]]
    with pytest.raises(SpecError, match=r"panel\[1\]"):
        group_ahp([good, bad], name="panel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = group_ahp([good, bad], on_inconsistent="warn")
    assert res.experts[1].cr > 0.1
