"""Conventions checked against an independent implementation's documented results.

JMcDM (Satman, Yıldırım & Kuruca, Julia; Journal of Open Source Software 2021;
https://github.com/jbytecode/JMcDM) publishes its expected outputs in its test suite.  Its
AHP is the 和法 (normalised-column average, λmax = mean((A w)ᵢ / wᵢ), Saaty's RI 1.41 for n = 8) and
its trapezoidal fuzzy number the usual four-point membership.  The numbers below are the
ones printed in those test files (file and test set named at each test); the code is ours.
"""

import numpy as np
import pytest
from changjing.evaluate.scoring import ahp_weights, trapezoidal_membership

# JMcDM test/mcdm/testahp.jl, test sets "AHP - Consistency" and "AHP": the 8 × 8 criteria
# matrix K and the 4 × 4 comparisons A1..A8 of the alternatives under each criterion.
K = [
    [1, 7, 1 / 5, 1 / 8, 1 / 2, 1 / 3, 1 / 5, 1],
    [1 / 7, 1, 1 / 8, 1 / 9, 1 / 4, 1 / 5, 1 / 9, 1 / 8],
    [5, 8, 1, 1 / 3, 4, 2, 1, 1],
    [8, 9, 3, 1, 7, 5, 3, 3],
    [2, 4, 1 / 4, 1 / 7, 1, 1 / 2, 1 / 5, 1 / 5],
    [3, 5, 1 / 2, 1 / 5, 2, 1, 1 / 3, 1 / 3],
    [5, 9, 1, 1 / 3, 5, 3, 1, 1],
    [1, 8, 1, 1 / 3, 5, 3, 1, 1],
]
ALTERNATIVES = [
    [[1, 3, 1 / 5, 2], [1 / 3, 1, 1 / 7, 1 / 3], [5, 7, 1, 4], [1 / 2, 3, 1 / 4, 1]],
    [[1, 1 / 2, 4, 5], [2, 1, 6, 7], [1 / 4, 1 / 6, 1, 3], [1 / 5, 1 / 7, 1 / 3, 1]],
    [[1, 1 / 2, 1 / 6, 3], [2, 1, 1 / 4, 5], [6, 4, 1, 9], [1 / 3, 1 / 5, 1 / 9, 1]],
    [[1, 7, 1 / 4, 2], [1 / 7, 1, 1 / 9, 1 / 5], [4, 9, 1, 5], [1 / 2, 5, 1 / 5, 1]],
    [[1, 6, 2, 3], [1 / 6, 1, 1 / 4, 1 / 3], [1 / 2, 4, 1, 2], [1 / 3, 3, 1 / 2, 1]],
    [[1, 1 / 4, 1 / 2, 1 / 7], [4, 1, 2, 1 / 3], [2, 1 / 2, 1, 1 / 5], [7, 3, 5, 1]],
    [[1, 3, 7, 1], [1 / 3, 1, 4, 1 / 3], [1 / 7, 1 / 4, 1, 1 / 7], [1, 3, 7, 1]],
    [[1, 2, 5, 8], [1 / 2, 1, 3, 6], [1 / 5, 1 / 3, 1, 3], [1 / 8, 1 / 6, 1 / 3, 1]],
]


def test_ahp_sum_method_matches_jmcdm_consistency():
    """JMcDM testahp.jl "AHP - Consistency": λmax 8.72642777111301, CI 0.10377539587328702,
    CR 0.07359957154133831 and the ratios (A w)ᵢ / wᵢ (printed to 1e-5 there)."""
    res = ahp_weights(K, method="sum", ri_table="saaty")
    assert res.lambda_max == pytest.approx(8.72642777111301, abs=1e-9)
    assert res.ci == pytest.approx(0.10377539587328702, abs=1e-9)
    assert res.cr == pytest.approx(0.07359957154133831, abs=1e-9)
    A = np.array(K, dtype=float)
    pc = A @ res.weights / res.weights
    np.testing.assert_allclose(
        pc,
        [8.40982182534543, 8.227923797501001, 8.95201017080425, 8.848075127995905,
         8.860427038870013, 8.941497805932498, 8.946071053879708, 8.62559534857526],
        atol=1e-9,
    )  # fmt: skip
    # the eigenvector method on the same matrix lands elsewhere (the convention matters)
    assert abs(ahp_weights(K).lambda_max - res.lambda_max) > 1e-3


def test_ahp_sum_method_hierarchy_matches_jmcdm_scores():
    """JMcDM testahp.jl "AHP": with 和法 at both levels the four alternatives score
    0.2801050, 0.1482273, 0.3813036, 0.1903641 (best: the third)."""
    w = ahp_weights(K, method="sum").weights
    local = np.column_stack(
        [ahp_weights(A, method="sum", on_inconsistent="ignore").weights for A in ALTERNATIVES]
    )
    scores = local @ w
    np.testing.assert_allclose(scores, [0.2801050, 0.1482273, 0.3813036, 0.1903641], atol=1e-6)
    assert int(np.argmax(scores)) == 2


def test_trapezoidal_membership_matches_jmcdm_observe():
    """JMcDM test/fuzzy/testtrapezoidal.jl "Observe": Trapezoidal(1, 2, 5, 11) observed at
    0, 1.5, 3, 4, 6, 23412 gives 0, 0.5, 1, 1, 0.8333333333333334, 0."""
    x = np.array([[0.0], [1.5], [3.0], [4.0], [6.0], [23412.0]])
    # two grades so the call is a valid grade set; the first is JMcDM's trapezoid
    mem = trapezoidal_membership(x, [[1, 2, 5, 11], [11, 12, 13, 14]])[:, 0, 0]
    np.testing.assert_allclose(mem, [0, 0.5, 1, 1, 0.8333333333333334, 0], atol=1e-12)
