"""Conventions checked against an independent implementation's documented results.

JMcDM (Satman, Yıldırım & Kuruca, Julia; Journal of Open Source Software 2021;
https://github.com/jbytecode/JMcDM) publishes its expected outputs in its test suite.  Its
AHP is the 和法 (normalised-column average, λmax = mean((A w)ᵢ / wᵢ), Saaty's RI 1.41 for n = 8) and
its trapezoidal fuzzy number the usual four-point membership.  The numbers below are the
ones printed in those test files (file and test set named at each test); the code is ours.
Also checked here: R ahpsurvey's README and vignette on its `city200` survey (group AHP,
AIJ and AIP), a published 根法 table, two Chinese journal papers (standardise-first 熵权法
and grey-TOPSIS: 赵洪山 & 李静璇 2022; 博弈论组合赋权: 侯克鹏 & 王黎蝶 2021) and the
documented example outputs of the R package mathmodels; each test names its source and,
where the source uses another convention, the option that reproduces it.
"""

import numpy as np
import pytest
from changjing.evaluate.scoring import (
    ahp_weights,
    combine_weights,
    critic_weights,
    entropy_weights,
    grey_relational,
    grey_topsis,
    group_ahp,
    trapezoidal_membership,
)
from changjing.evaluate.scoring.combine import game_theory_coefficients

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


# ------------------------------------------- standardise-first entropy and grey-TOPSIS
# 赵洪山, 李静璇 (2022), 基于PSR和改进灰色TOPSIS的园区客户能效评估模型, 中国电力 55(3),
# DOI 10.11930/j.issn.1004-9649.202010084.  Table 2 ("标准化能效指标数据"): 10 customers,
# 8 indicators already made benefit-oriented and vector-normalised (4 decimals); the
# 功率因数 column (the fifth) is dropped by their PCA screening (section 5.1), leaving 7.
ZHAO_TABLE2 = np.array(
    [
        [0.0000, 0.3619, 0.3279, 0.1582, 0.3134, 0.0921, 0.3978, 0.2981],
        [0.3771, 0.3655, 0.4392, 0.5742, 0.3167, 0.2866, 0.2428, 0.4472],
        [0.2963, 0.3645, 0.2156, 0.1601, 0.3267, 0.4912, 0.4578, 0.2981],
        [0.2107, 0.3541, 0.2380, 0.4563, 0.3300, 0.0461, 0.3950, 0.1491],
        [0.2489, 0.3197, 0.5087, 0.4487, 0.3234, 0.4503, 0.3744, 0.2981],
        [0.3567, 0.3725, 0.4075, 0.2243, 0.3234, 0.4912, 0.3835, 0.4472],
        [0.3796, 0.0000, 0.1247, 0.2491, 0.3134, 0.0870, 0.2890, 0.0000],
        [0.3719, 0.1359, 0.2996, 0.2444, 0.3267, 0.0000, 0.1431, 0.1491],
        [0.3662, 0.3723, 0.0000, 0.1350, 0.2634, 0.4503, 0.1611, 0.4472],
        [0.3463, 0.2813, 0.2574, 0.1407, 0.3200, 0.1075, 0.0000, 0.2981],
    ]
)
ZHAO_Z = np.delete(ZHAO_TABLE2, 4, axis=1)
ZHAO_W = [0.0734, 0.0813, 0.1044, 0.3278, 0.2106, 0.1002, 0.1023]  # section 5.1


def test_entropy_standardise_first_matches_zhao_li_2022():
    """熵权法 on the 7 screened columns of Table 2: the paper prints W = 0.0734, 0.0813,
    0.1044, 0.3278, 0.2106, 0.1002, 0.1023 (section 5.1).  Those are the weights of the
    standardise-first convention (direction-aware min–max, then shares; offset 0 with
    0·ln 0 = 0), to the printed 4 decimals (the second is 0.081356 from the rounded
    table, so the check is to 1e-4).  Shares of the table values themselves (the raw
    convention, which the paper's formula (13) describes) land visibly off: 0.0977,
    0.1083, 0.1389, 0.1055, 0.2802, ... (0.22 too low on the fourth column)."""
    res = entropy_weights(ZHAO_Z, convention="standardised", directions="benefit", offset=0.0)
    np.testing.assert_allclose(res.weights, ZHAO_W, atol=1e-4)
    assert res.details["convention"] == "standardised"
    raw = entropy_weights(ZHAO_Z).weights
    assert np.max(np.abs(raw - ZHAO_W)) > 0.2


def test_grey_topsis_matches_zhao_li_2022():
    """Grey-TOPSIS of Table 4 (ρ = 0.5, the weights W above): S⁺ (grade to the positive
    ideal), S⁻ (to the negative) and D = S⁺ / (S⁻ + S⁺) for the 10 customers, ranking
    2 > 5 > 6 > 3 > 9 > 4 > 1 > 10 > 8 > 7.

    Conventions needed (recorded): the table is used as given (``values="raw"``: the
    paper's data are already dimensionless and benefit-oriented, so no min–max), the
    positive reference is the column maximum (the paper's (15)), and the negative
    reference is 0 in every column: the printed S⁻ are reproduced with 0, not with the
    column minima of (15) (the 平均负载率 column's minimum is 0.1350; with it customer 1's
    S⁻ would be 0.6938, not 0.6211).  Agreement is to 1e-4, the rounding of the table."""
    s_pos = [0.5204, 0.8349, 0.6827, 0.5985, 0.7611, 0.7517, 0.4705, 0.4771, 0.6360, 0.4827]
    s_neg = [0.6211, 0.4177, 0.5085, 0.5534, 0.4190, 0.4559, 0.6751, 0.6601, 0.5812, 0.6530]
    d = [0.4559, 0.6665, 0.5731, 0.5196, 0.6449, 0.6225, 0.4107, 0.4196, 0.5225, 0.4250]
    res = grey_topsis(ZHAO_Z, ZHAO_W, "benefit", values="raw", negative=np.zeros(7))
    np.testing.assert_allclose(res.grade_positive, s_pos, atol=1e-4)
    np.testing.assert_allclose(res.grade_negative, s_neg, atol=1e-4)
    np.testing.assert_allclose(res.closeness, d, atol=1e-4)
    assert res.rank.tolist() == [7, 1, 4, 6, 2, 3, 10, 9, 5, 8]
    assert res.reference == "given (raw)"
    # the default raw references (column best and worst) differ from the paper on S⁻ only
    default = grey_topsis(ZHAO_Z, ZHAO_W, "benefit", values="raw")
    np.testing.assert_allclose(default.grade_positive, res.grade_positive, rtol=1e-12)
    assert default.grade_negative[0] == pytest.approx(0.6938, abs=1e-4)
    # min–max normalising first (the default convention) gives other grades
    assert np.max(np.abs(grey_topsis(ZHAO_Z, ZHAO_W, "benefit").closeness - d)) > 5e-3


# ------------------------------------------------------------------- 博弈论组合赋权
# 侯克鹏, 王黎蝶 (2021), 基于改进的FAHP-CRITIC法与云理论的露天矿边坡危险性评估模型,
# 安全与环境学报 21(6): 2443-2451, DOI 10.13637/j.issn.1009-6094.2020.1302, section 4.1:
# the FAHP (subjective) weights w1, the CRITIC (objective) weights w2 of 11 indicators.
HOU_W1 = [0.1691, 0.0764, 0.0828, 0.0533, 0.2469, 0.0828, 0.0763, 0.0553, 0.0553, 0.0111, 0.0887]
HOU_W2 = [0.0209, 0.0495, 0.0565, 0.0390, 0.0351, 0.1682, 0.1766, 0.1899, 0.0209, 0.1217, 0.1217]
HOU_WSTAR = [0.0943, 0.0628, 0.0695, 0.0461, 0.1400, 0.1259, 0.1269, 0.1232, 0.0379, 0.0669, 0.1054]


def test_game_theory_combination_matches_hou_wang_2021():
    """Section 4.1.3: w1·w1ᵀ = 0.13187272, w1·w2ᵀ = 0.07394352, w2·w2ᵀ = 0.13443172;
    α₁ = 0.6364, α₂ = 0.6485; normalised α* = 0.4953, 0.5047; combined weights
    w* = α*₁ w1 + α*₂ w2 = 0.0943, 0.0628, ... (4 decimals).

    The paper's w1 sums to 0.998 (its fourth entry, 0.0533, is the normalised initial
    weight 0.2240 that gives 0.0553 for x8 and x9), and its Gram entries are those of
    the vector as printed, so the system was solved with it.  Convention difference:
    ``combine_weights`` first rescales each input to sum 1.  On the rescaled w1 our
    α* = 0.49525, 0.50475 — the printed 0.4953, 0.5047 to 6e-5 (the printed α₁, α₂ solve
    the printed system only to 2e-4, so the check is to 1e-4); α*·(w1, w2) on the vectors
    as printed then gives the printed w* to rounding; our combined weights (of the
    rescaled w1, re-normalised) differ from the printed ones by at most 2.5e-4.  The
    |α| variant (``game_theory_abs``) coincides here because both α are positive."""
    s, o = np.array(HOU_W1), np.array(HOU_W2)
    assert s @ s == pytest.approx(0.13187272, abs=5e-9)
    assert s @ o == pytest.approx(0.07394352, abs=5e-9)
    assert o @ o == pytest.approx(0.13443172, abs=5e-9)
    a = game_theory_coefficients(s, o)
    np.testing.assert_allclose(a, [0.4953, 0.5047], atol=1e-4)
    np.testing.assert_allclose(a[0] * s + a[1] * o, HOU_WSTAR, atol=5e-5 + 1e-12)
    w = combine_weights(s, o, method="game_theory")
    np.testing.assert_allclose(w, HOU_WSTAR, atol=2.5e-4)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(game_theory_coefficients(s, o, method="game_theory_abs"), a)
    np.testing.assert_allclose(combine_weights(s, o, method="game_theory_abs"), w)
    # the other combinations on the same vectors land elsewhere
    assert np.max(np.abs(combine_weights(s, o, method="multiplicative") - HOU_WSTAR)) > 0.02


# ------------------------------------------------ R package mathmodels (an independent
# implementation): Jingxin Zhang, github zhjx19/mathmodels, commit 8bf5e8f; the numbers
# are the outputs printed under "Examples" on its pkgdown reference pages
# (docs/reference/entropy_weight.html, critic_weight.html, combine_weights.html,
# grey_analysis.html), i.e. the R calls named in each test.
MM_X = np.array([[3.0, 10], [5, 20], [2, 15], [7, 25]])  # x1 "+", x2 "-"
MM_DIRS = ["benefit", "cost"]


def test_entropy_raw_vs_standardise_first_matches_mathmodels():
    """``entropy_weight(X, index = c("+", "-"))`` prints w = 0.5452618, 0.4547382: the
    standardise-first 熵权法, each column rescaled by direction to [ε, 1 − ε] with
    ε = 0.002 (its ``epsilon``) before the shares.  Rescaling to [ε, 1 − ε] gives the same
    shares as min–max plus ``offset`` = ε / (1 − 2ε), which is how our option selects it.
    On the raw values the same data give 0.6624, 0.3376 — the [0.662, 0.338] against
    [0.545, 0.455] contrast the issue quotes.  Our default offset (1e-4) lands 5e-5 away,
    so the check also pins the offset."""
    eps = 0.002
    res = entropy_weights(
        MM_X, convention="standardised", directions=MM_DIRS, offset=eps / (1 - 2 * eps)
    )
    np.testing.assert_allclose(res.weights, [0.5452618, 0.4547382], atol=5e-8)
    np.testing.assert_allclose(entropy_weights(MM_X).weights, [0.6624, 0.3376], atol=5e-5)
    near = entropy_weights(MM_X, convention="standardised", directions=MM_DIRS).weights
    assert 1e-5 < np.max(np.abs(near - res.weights)) < 1e-4


def test_critic_std_and_entropy_contrast_match_mathmodels():
    """``critic_weight(X, index)`` prints 0.5075187, 0.4924813 (σ of the min–max
    columns); ``critic_weight(X, index, method = "entropy")`` prints 0.5455552,
    0.4544448: entropy divergence as the contrast, after replacing the exact 0s and 1s
    of each min–max column by ε = 0.002 and 1 − ε (its ``epsilon``).  That replacement is
    our ``epsilon=0.002``; with ``epsilon=0`` (0·ln 0 = 0) the weights are 0.54520,
    0.45480 — 3.6e-4 away, a convention difference, not a bug."""
    np.testing.assert_allclose(
        critic_weights(MM_X, MM_DIRS).weights, [0.5075187, 0.4924813], atol=5e-8
    )
    res = critic_weights(MM_X, MM_DIRS, contrast="entropy", epsilon=0.002)
    np.testing.assert_allclose(res.weights, [0.5455552, 0.4544448], atol=5e-8)
    assert res.details["epsilon"] == 0.002
    plain = critic_weights(MM_X, MM_DIRS, contrast="entropy").weights
    assert np.max(np.abs(plain - res.weights)) > 3e-4


def test_combinations_match_mathmodels():
    """``combine_weights(w_subj, w_obj, type = ...)`` with w_subj = (.4, .3, .2, .1),
    w_obj = (.25, .2, .3, .25): "game_linear" (the linear-system 博弈论组合赋权, α from
    the Gram system, normalised to sum 1) prints 0.3735683 0.2823789 0.2176211 0.1264317;
    "linear" with alpha = 0.6 prints 0.34 0.26 0.24 0.16; "multiplicative" prints
    0.4081633 0.2448980 0.2448980 0.1020408.  (Its "game" type is the normalised geometric
    mean √(s·o), not a game-theory method; we do not offer it.)"""
    s, o = [0.4, 0.3, 0.2, 0.1], [0.25, 0.2, 0.3, 0.25]
    np.testing.assert_allclose(
        combine_weights(s, o, method="game_theory"),
        [0.3735683, 0.2823789, 0.2176211, 0.1264317],
        atol=5e-8,
    )
    np.testing.assert_allclose(
        combine_weights(s, o, method="linear", alpha=0.6), [0.34, 0.26, 0.24, 0.16], atol=1e-12
    )
    np.testing.assert_allclose(
        combine_weights(s, o, method="multiplicative"),
        [0.4081633, 0.2448980, 0.2448980, 0.1020408],
        atol=5e-8,
    )


def test_gra_raw_values_given_reference_matches_mathmodels():
    """``grey_corr(ref, cmp, rho = 0.5)`` with ref = (0.9, 0.8, 0.7) and comparison
    sequences x1 = (0.9, 0.7, 0.8), x2 = (0.8, 0.9, 0.7), x3 = (0.7, 0.8, 0.9) prints
    0.6666667 0.6666667 0.5555556: Deng's grade on the values as given (Δ = |x − x₀|,
    two-level min and max, mean over the points) — our ``values="raw"`` with the
    reference given and equal weights.  (Its ``grey_corr_topsis`` example is not used:
    it applies the per-criterion references along the alternatives, which only runs
    because the example is 3 × 3.)"""
    cmp = np.array([[0.9, 0.7, 0.8], [0.8, 0.9, 0.7], [0.7, 0.8, 0.9]])  # one row per x
    res = grey_relational(
        cmp, np.full(3, 1 / 3), "benefit", reference=[0.9, 0.8, 0.7], values="raw"
    )
    np.testing.assert_allclose(res.grade, [2 / 3, 2 / 3, 5 / 9], atol=5e-8)
    assert res.reference == "given (raw)"


def test_gra_raw_values_to_given_reference_matches_zhao_li_2022():
    """赵洪山 & 李静璇 (2022) Table 4, S⁺: the weighted grey relational grade of each
    customer's (already normalised) indicators to the reference sequence of column
    maxima, on the values as given — our ``grey_relational(values="raw",
    reference=...)``; printed to 4 decimals (checked to 1e-4, the table's rounding)."""
    s_pos = [0.5204, 0.8349, 0.6827, 0.5985, 0.7611, 0.7517, 0.4705, 0.4771, 0.6360, 0.4827]
    res = grey_relational(ZHAO_Z, ZHAO_W, "benefit", reference=ZHAO_Z.max(axis=0), values="raw")
    np.testing.assert_allclose(res.grade, s_pos, atol=1e-4)
