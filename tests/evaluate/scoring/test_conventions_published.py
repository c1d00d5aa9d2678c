"""Conventions checked against an independent implementation's documented results.

JMcDM (Satman, Yıldırım & Kuruca, Julia; Journal of Open Source Software 2021;
https://github.com/jbytecode/JMcDM) publishes its expected outputs in its test suite.  Its
AHP is the 和法 (normalised-column average, λmax = mean((A w)ᵢ / wᵢ), Saaty's RI 1.41 for n = 8) and
its trapezoidal fuzzy number the usual four-point membership.  The numbers below are the
ones printed in those test files (file and test set named at each test); the code is ours.
Also checked here: R ahpsurvey's README and vignette on its `city200` survey (group AHP,
AIJ and AIP) and a published 根法 table; each test names its source.
"""

import numpy as np
import pytest
from changjing.evaluate.scoring import (
    ahp_weights,
    critic_weights,
    entropy_weights,
    grey_relational,
    group_ahp,
    trapezoidal_membership,
)

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


# JMcDM test/mcdm/testgra.jl, test set "Grey Relational Analysis" (repository commit
# 87bbb34e0dc0468ddb311310f0a7b54d1d374633): 5 alternatives × 6 criteria, directions
# (min, max, min, max, max, min), weights (.05, .20, .10, .15, .10, .40), ρ = 0.5.
GRA_X = np.column_stack(
    [
        [105000.0, 120000, 150000, 115000, 135000],
        [105.0, 110, 120, 105, 115],
        [10.0, 15, 12, 20, 15],
        [4.0, 4, 3, 4, 5],
        [300.0, 500, 550, 600, 400],
        [10.0, 8, 12, 9, 9],
    ]
)
GRA_DIRECTIONS = ["cost", "benefit", "cost", "benefit", "benefit", "cost"]
GRA_W = [0.05, 0.20, 0.10, 0.15, 0.10, 0.40]
GRA_GRADES = [0.525, 0.7007142857142857, 0.5464285714285715, 0.5762820512820512, 0.650952380952381]


def test_gra_ideal_reference_matches_jmcdm():
    """JMcDM testgra.jl: grades 0.525, 0.70071, 0.54643, 0.57628, 0.65095 (tol 1e-4 there),
    best the second alternative."""
    res = grey_relational(GRA_X, GRA_W, GRA_DIRECTIONS)
    np.testing.assert_allclose(res.grade, GRA_GRADES, atol=1e-9)
    assert int(np.argmax(res.grade)) == 1


def test_gra_given_reference_sequence_reproduces_jmcdm():
    """The same published grades with the reference sequence given explicitly as the
    column bests x₀ = (105000, 120, 10, 5, 600, 8) on normalised values (the reference is
    normalised with the alternatives, so it maps to 1 in every column).  A reference
    outside the data range moves the grades (the option is not a no-op)."""
    x0 = [105000.0, 120, 10, 5, 600, 8]
    res = grey_relational(GRA_X, GRA_W, GRA_DIRECTIONS, reference=x0)
    np.testing.assert_allclose(res.grade, GRA_GRADES, atol=1e-9)
    assert res.reference == "given (normalised)"
    other = grey_relational(GRA_X, GRA_W, GRA_DIRECTIONS, reference=[100000.0, 130, 8, 6, 700, 6])
    assert np.max(np.abs(other.grade - GRA_GRADES)) > 1e-3


def test_critic_with_cost_and_negative_values_matches_jmcdm():
    """JMcDM test/mcdm/testcritic.jl "CRITIC" (commit 87bbb34e): a 3 × 4 matrix with a
    cost column and negative values, directions (max, max, min, max); weights
    0.16883925, 0.418444976, 0.249124763, 0.163591012 (tol 1e-4 there) and information
    C_j = σ_j Σ_k (1 − r_jk) ("scores") 1.0380664664796384, 2.572718248762683,
    1.5316754449023655, 1.005800182228836.  The information matches to 1e-9; the printed
    weights are C_j / Σ C_k rounded elsewhere (they are off that ratio by up to 1.6e-6),
    so they are checked to 2e-6."""
    X = [
        [12.9918, 0.7264, -1.1009, 1.598139592],
        [4.1201, 5.8824, 3.4483, 1.021563567],
        [4.1039, 0.0000, -0.5076, 0.984469444],
    ]
    res = critic_weights(X, ["benefit", "benefit", "cost", "benefit"])
    np.testing.assert_allclose(
        res.details["information"],
        [1.0380664664796384, 2.572718248762683, 1.5316754449023655, 1.005800182228836],
        atol=1e-9,
    )
    np.testing.assert_allclose(
        res.weights, [0.16883925, 0.418444976, 0.249124763, 0.163591012], atol=2e-6
    )


def test_entropy_raw_shares_matches_jmcdm():
    """JMcDM test/mcdm/testentropy.jl "Entropy" (commit 87bbb34e): 熵权法 on the raw
    shares p_ij = x_ij / Σ_i x_ij (convention="raw") of a 6 × 8 matrix; weights
    0.29967360960, 0.44136733892, 0.07009088720, 0.02123823711, 0.04902292895,
    0.02308037885, 0.04776330969, 0.04776330969."""
    X = np.column_stack(
        [
            [2.0, 4, 3, 5, 4, 3],
            [1, 1, 2, 1, 2, 2],
            [4, 5, 6, 5, 5, 6],
            [7, 6, 6, 7, 6, 6],
            [6, 7, 5, 6, 7, 6],
            [6, 7, 6, 7, 7, 6],
            [7, 6, 8, 7, 6, 6],
            [3000, 3500, 4000, 3000, 3000, 3500],
        ]
    )
    res = entropy_weights(X, convention="raw")
    np.testing.assert_allclose(
        res.weights,
        [0.29967360960, 0.44136733892, 0.07009088720, 0.02123823711, 0.04902292895,
         0.02308037885, 0.04776330969, 0.04776330969],
        atol=1e-9,
    )  # fmt: skip


def test_ahp_geometric_mean_matches_published_table():
    """根法 (row geometric mean).  Worked table posted by Alia Khouri, python-list mailing
    list, 18 Oct 2011, "Eigenvectors and the Nth Root of Row Product in AHP" (found as a
    stored page, reproduced in the nvidia/Nemotron-CC-Math-v1 corpus): for the 4 × 4 matrix
    below the n-th roots of the row products are 0.293, 1.316, 2.279, 1.136 and the
    normalised priorities 0.058, 0.262, 0.454, 0.226 (3 decimals).  The table's total
    5.024 is the sum of the rounded roots (unrounded 5.0252); the priorities are the
    unrounded ratios.  The eigenvector differs in the third decimal (0.0576, 0.2663, ...),
    so the check separates the two methods."""
    A = [[1, 1 / 3, 1 / 9, 1 / 5], [3, 1, 1, 1], [9, 1, 1, 3], [5, 1, 1 / 3, 1]]
    roots = np.prod(np.array(A), axis=1) ** (1 / 4)
    # the table truncates the roots to 3 decimals (2.27951 is shown as 2.279)
    np.testing.assert_array_equal(np.floor(roots * 1000) / 1000, [0.293, 1.316, 2.279, 1.136])
    res = ahp_weights(A, method="geometric")
    np.testing.assert_allclose(res.weights, [0.058, 0.262, 0.454, 0.226], atol=5e-4)
    assert res.provenance()["method"] == "ahp-geometric"
    assert ahp_weights(A, method="root").weights == pytest.approx(res.weights, abs=1e-15)
    eig = ahp_weights(A).weights
    assert np.max(np.abs(np.round(eig, 3) - [0.058, 0.262, 0.454, 0.226])) >= 1e-3


# ---------------------------------------------------------------- group AHP by priorities
# ahpsurvey (Cho 2019, R; github frankiecho/ahpsurvey, commit 70be66d7) ships `city200`, a
# simulated survey of 200 decision-makers comparing five attributes; it is saved unchanged
# in data/city200.csv (see data/README.md).
CITY_ATTS = ["cult", "fam", "house", "jobs", "trans"]


def _city200_matrices() -> list[np.ndarray]:
    """ahpsurvey's ahp.mat(city200, atts, negconvert = TRUE): a survey value v < 0 in
    column A_B means A is -v times as important as B; v > 0 means B is v times A."""
    import pandas as pd
    from pathlib import Path

    df = pd.read_csv(Path(__file__).parent / "data" / "city200.csv")
    mats = []
    for row in df.to_numpy(dtype=float):
        a = np.where(row < 0, -row, 1.0 / row)
        M = np.ones((5, 5))
        M[np.triu_indices(5, 1)] = a  # columns are in upper-triangle row order
        M.T[np.triu_indices(5, 1)] = 1.0 / a
        mats.append(M)
    return mats


def test_individual_priorities_match_ahpsurvey_readme():
    """ahpsurvey README, head(output$indpref) of ahp(city200, ..., negconvert = TRUE)
    (eigenvector priorities): decision-makers 1 and 4 are 0.1709466 0.4587181 0.08547330
    0.2507636 0.03409845 and 0.1242495 0.4634863 0.06162027 0.3159930 0.03465092."""
    mats = _city200_matrices()
    w1 = ahp_weights(mats[0], labels=CITY_ATTS).weights
    w4 = ahp_weights(mats[3], labels=CITY_ATTS).weights
    np.testing.assert_allclose(
        w1, [0.1709466, 0.4587181, 0.08547330, 0.2507636, 0.03409845], atol=1e-7
    )
    np.testing.assert_allclose(
        w4, [0.1242495, 0.4634863, 0.06162027, 0.3159930, 0.03465092], atol=1e-7
    )


def test_group_ahp_aip_geometric_matches_ahpsurvey_readme():
    """AIP, geometric mean of the 200 eigenvector priority vectors (ahpsurvey's default
    ahp(..., method = "eigen", aggmethod = "geometric", agg = TRUE)); README output$aggpref
    0.15261018 0.44827276 0.07052519 0.27579123 0.03965027, SD.AggPref 0.033564038
    0.057695635 0.008844754 0.053734270 0.006700507.

    Convention difference: ahpsurvey reports the geometric means *without* re-normalising
    (they sum to 0.98685); ours divide by that sum so the group weights sum to 1.  The
    ratios are the same, so the published vector divided by its sum is what we return.
    ahpsurvey's eigenvector is 11 power-iteration steps, so agreement is to ~2e-7."""
    mats = _city200_matrices()
    published = np.array([0.15261018, 0.44827276, 0.07052519, 0.27579123, 0.03965027])
    res = group_ahp(
        mats, aggregation="aip", mean="geometric", check_experts=False, labels=CITY_ATTS
    )
    np.testing.assert_allclose(res.weights, published / published.sum(), atol=5e-7)
    P = np.stack([e.weights for e in res.experts])
    np.testing.assert_allclose(
        P.std(axis=0, ddof=1),
        [0.033564038, 0.057695635, 0.008844754, 0.053734270, 0.006700507],
        atol=1e-7,
    )
    # AIJ (aggregated judgements) gives a different vector on the same survey
    aij = group_ahp(mats, check_experts=False, on_inconsistent="ignore").weights
    assert np.max(np.abs(aij - res.weights)) > 1e-3


def test_group_ahp_aip_arithmetic_sum_method_matches_ahpsurvey_vignette():
    """ahpsurvey vignette (vignettes/my-vignette.html, "Aggregated preference weights"):
    ahp.aggpref(cityahp, atts, method = "arithmetic") - each decision-maker's 和法
    priorities, then their arithmetic mean - prints 0.1620 0.4367 0.0761 0.2827 0.0424."""
    res = group_ahp(
        _city200_matrices(),
        method="sum",
        aggregation="aip",
        mean="arithmetic",
        check_experts=False,
        labels=CITY_ATTS,
    )
    np.testing.assert_allclose(res.weights, [0.1620, 0.4367, 0.0761, 0.2827, 0.0424], atol=5e-5)
    assert "arithmetic" in res.provenance()["method"]


def test_group_ahp_aij_matrix_matches_ahpsurvey_vignette():
    """AIJ: ahpsurvey vignette ("Aggregated individual judgements"),
    ahp.aggjudge(ahp.mat(city200, atts, negconvert = TRUE), atts, aggmethod = "geometric")
    prints the element-wise geometric mean of the 200 matrices (3 decimals, the last
    column to 3 significant digits)."""
    published = np.array(
        [
            [1.000, 0.220, 3.093, 0.488, 4.64],
            [4.541, 1.000, 6.461, 1.704, 6.15],
            [0.323, 0.155, 1.000, 0.249, 2.93],
            [2.048, 0.587, 4.019, 1.000, 7.04],
            [0.216, 0.163, 0.342, 0.142, 1.00],
        ]
    )
    res = group_ahp(_city200_matrices(), check_experts=False, labels=CITY_ATTS)
    tol = np.full((5, 5), 5e-4)
    tol[:, 4] = 5e-3
    assert np.all(np.abs(res.aggregate.matrix - published) <= tol + 1e-12)
