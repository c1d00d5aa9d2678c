"""Conventions evaluators use, each an explicit option: published examples, closed forms.

Where no published worked example could be obtained the expected value is a hand
computation whose derivation is written next to it.
"""

from fractions import Fraction as F

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import (
    ahp_weights,
    critic_weights,
    entropy_weights,
    fuzzy_evaluation,
    grey_relational,
    grey_topsis,
    group_ahp,
    trapezoidal_membership,
    weighted_sum,
)
from changjing.evaluate.scoring.combine import combine_weights, game_theory_coefficients
from changjing.evaluate.scoring.normalise import normalise

from .test_objective_weights import CRITIC_TUS

# Tuş & Aytaç Adalı (2019) Opsearch 56(2):528-538, Table 2
CRITIC_TUS_WEIGHTS = [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]


# ----------------------------------------------------------------------------- CRITIC
def test_critic_constant_column_gets_zero_and_leaves_published_weights():
    """Diakoulaki et al. (1995): C_j = σ_j Σ_k (1 − r_jk).  A constant column has σ = 0 and
    no correlation; it must get weight 0 and the other weights must stay the published
    ones (Tuş & Aytaç Adalı 2019, .157 .249 .168 .121 .154 .151)."""
    X = np.column_stack([CRITIC_TUS[:, :3], np.full(5, 7.0), CRITIC_TUS[:, 3:]])
    w = critic_weights(X, "benefit").weights
    assert w[3] == 0.0
    np.testing.assert_allclose(np.delete(w, 3), CRITIC_TUS_WEIGHTS, atol=5e-4)
    np.testing.assert_allclose(
        np.delete(w, 3), critic_weights(CRITIC_TUS, "benefit").weights, rtol=1e-12
    )


def test_critic_entropy_contrast_is_divergence_times_conflict():
    """Entropy–CRITIC: C_j = (1 − e_j) Σ_k (1 − r_jk), e_j the entropy of the min–max
    normalised column.  Built here from the two independently tested pieces: the conflict
    of plain CRITIC and raw-share entropy of the normalised matrix."""
    plain = critic_weights(CRITIC_TUS, "benefit")
    z = (CRITIC_TUS - CRITIC_TUS.min(0)) / (CRITIC_TUS.max(0) - CRITIC_TUS.min(0))
    e = entropy_weights(z).details["entropy"]
    c = (1 - e) * plain.details["conflict"]
    res = critic_weights(CRITIC_TUS, "benefit", contrast="entropy")
    np.testing.assert_allclose(res.weights, c / c.sum(), rtol=1e-12)
    assert res.method == "critic-entropy"
    with pytest.raises(SpecError, match="did you mean 'entropy'"):
        critic_weights(CRITIC_TUS, "benefit", contrast="entropi")


# ----------------------------------------------------------------------------- entropy
def test_entropy_standardised_closed_form():
    """Standardise-first 熵权法 by hand, offset 0 (3 alternatives, ln 3 normaliser):
    benefit column 1, 2, 3 -> z = 0, 1/2, 1 -> shares 0, 1/3, 2/3
        e1 = −(1/3 ln 1/3 + 2/3 ln 2/3) / ln 3 = 0.579380...
    cost column 10, 20, 40 -> z = 1, 2/3, 0 -> shares 3/5, 2/5, 0
        e2 = −(3/5 ln 3/5 + 2/5 ln 2/5) / ln 3 = 0.612602...
    w = (1 − e) / Σ(1 − e)."""
    X = [[1, 10], [2, 20], [3, 40]]
    e1 = -(1 / 3 * np.log(1 / 3) + 2 / 3 * np.log(2 / 3)) / np.log(3)
    e2 = -(0.6 * np.log(0.6) + 0.4 * np.log(0.4)) / np.log(3)
    d = np.array([1 - e1, 1 - e2])
    res = entropy_weights(X, convention="standardised", directions=["benefit", "cost"], offset=0)
    np.testing.assert_allclose(res.details["entropy"], [e1, e2], rtol=1e-12)
    np.testing.assert_allclose(res.weights, d / d.sum(), rtol=1e-12)
    # the default shift 1e-4 moves the weights by O(offset) only
    shifted = entropy_weights(X, convention="standardised", directions=["benefit", "cost"])
    np.testing.assert_allclose(shifted.weights, d / d.sum(), atol=5e-3)
    assert shifted.details["convention"] == "standardised"
    assert shifted.details["offset"] == 1e-4
    # raw convention on the same data differs (direction ignored, no zero shares)
    raw = entropy_weights(X)
    assert raw.details["convention"] == "raw"
    assert not np.allclose(raw.weights, res.weights, atol=0.02)


def test_entropy_standardised_direction_and_constant_column():
    X = np.array([[1, 10, 5], [2, 20, 5], [3, 40, 5], [7, 25, 5]], float)
    a = entropy_weights(X, convention="standardised", directions=["benefit", "cost", "benefit"])
    b = entropy_weights(X, convention="standardised", directions=["benefit", "benefit", "benefit"])
    assert a.weights[2] == 0.0 and b.weights[2] == 0.0
    assert not np.allclose(a.weights, b.weights)  # direction enters the standardised form
    with pytest.raises(SpecError, match="directions"):
        entropy_weights(X, convention="standardised")
    with pytest.raises(SpecError, match="did you mean 'standardised'"):
        entropy_weights(X, convention="standardized")


# ----------------------------------------------------------------------------- AHP

AHP_INCONSISTENT = [[1, 3, 5], [F(1, 3), 1, 2], [F(1, 5), F(1, 2), 1]]


def test_ahp_sum_method_by_hand():
    """和法 by hand: column sums 23/15, 9/2, 8; normalised columns (15, 5, 3)/23,
    (2/3, 2/9, 1/9), (5/8, 1/4, 1/8); weights are the row means."""
    w = [
        (F(15, 23) + F(2, 3) + F(5, 8)) / 3,
        (F(5, 23) + F(2, 9) + F(1, 4)) / 3,
        (F(3, 23) + F(1, 9) + F(1, 8)) / 3,
    ]
    A = np.array(AHP_INCONSISTENT, dtype=float)
    res = ahp_weights(A, method="sum")
    np.testing.assert_allclose(res.weights, np.array(w, dtype=float), rtol=1e-12)
    # λmax = mean((A w)_i / w_i), CI = (λ − 3)/2, CR = CI / 0.58 (Saaty)
    wf = np.array(w, dtype=float)
    lam = np.mean(A @ wf / wf)
    assert res.lambda_max == pytest.approx(lam, rel=1e-12)
    assert res.cr == pytest.approx((lam - 3) / 2 / 0.58, rel=1e-12)
    assert res.provenance()["method"] == "ahp-sum"
    assert ahp_weights(A, method="arithmetic").method == "sum"


def test_ahp_root_method_by_hand():
    """根法 by hand: row products 15, 2/3, 1/10; weights ∝ their cube roots."""
    g = np.cbrt([15.0, 2 / 3, 1 / 10])
    res = ahp_weights(np.array(AHP_INCONSISTENT, float), method="root")
    assert res.method == "geometric"
    np.testing.assert_allclose(res.weights, g / g.sum(), rtol=1e-12)


def test_ahp_methods_agree_on_consistent_matrix():
    """a_ij = w_i / w_j with w = (4, 2, 1)/7: every priority method returns w, λmax = n."""
    A = [[1, 2, 4], [F(1, 2), 1, 2], [F(1, 4), F(1, 2), 1]]
    for m in ("eigen", "geometric", "sum"):
        res = ahp_weights(A, method=m)
        np.testing.assert_allclose(res.weights, [4 / 7, 2 / 7, 1 / 7], rtol=1e-12)
        assert res.lambda_max == pytest.approx(3.0)
    with pytest.raises(SpecError, match="did you mean 'sum'"):
        ahp_weights(A, method="sun")


def test_ahp_custom_ri_table():
    A = np.array(AHP_INCONSISTENT, float)
    chinese = ahp_weights(A, ri_table="chinese")
    same = ahp_weights(A, ri_table=[0, 0, 0.52, 0.89, 1.12])
    assert same.cr == pytest.approx(chinese.cr, rel=1e-12)
    assert same.ri_table == "custom"
    prov = same.provenance()
    assert prov["ri_table"] == "custom" and "0.52" in prov["ri_source"]
    # CR scales with 1/RI: a table with RI(3) = 0.5149 (e.g. a 10^6-matrix simulation)
    other = ahp_weights(A, ri_table={3: 0.5149})
    assert other.cr == pytest.approx(chinese.ci / 0.5149, rel=1e-12)
    with pytest.raises(SpecError, match="covers n = 1..2"):
        ahp_weights(A, ri_table=[0, 0])
    with pytest.raises(SpecError, match="ri_table"):
        ahp_weights(A, ri_table=[0, 0, -1])


def _consistent(w):
    w = np.asarray(w, float)
    return w[:, None] / w[None, :]


def test_group_ahp_aip_means_by_hand():
    """AIP (Forman & Peniwati 1998): expert priorities wa = (4, 2, 1)/7, wb = (1, 1, 1)/3,
    expert weights 3:1.  Arithmetic: 0.75 wa + 0.25 wb.  Geometric: wa^.75 wb^.25,
    re-normalised."""
    wa, wb = np.array([4, 2, 1]) / 7, np.ones(3) / 3
    mats = [_consistent(wa), _consistent(wb)]
    ar = group_ahp(mats, expert_weights=[3, 1], aggregation="aip", mean="arithmetic")
    np.testing.assert_allclose(ar.weights, 0.75 * wa + 0.25 * wb, rtol=1e-12)
    ge = group_ahp(mats, expert_weights=[3, 1], aggregation="aip", mean="geometric")
    g = wa**0.75 * wb**0.25
    np.testing.assert_allclose(ge.weights, g / g.sum(), rtol=1e-12)
    assert ge.aggregate is None and ge.cr == pytest.approx(0.0, abs=1e-12)
    prov = ge.provenance()
    assert prov["aggregation"] == "aip" and prov["mean"] == "geometric"
    assert "AIP" in ge.summary()


def test_group_ahp_aij_equals_geometric_aip_on_consistent_matrices():
    """For consistent matrices the geometric AIJ and geometric AIP coincide
    (Forman & Peniwati 1998, EJOR 108:165-169): the aggregate matrix is itself consistent
    with ratios of the geometric mean priorities."""
    rng = np.random.default_rng(3)
    ws = rng.random((4, 5)) + 0.1
    mats = [_consistent(w) for w in ws]
    ew = [1, 2, 3, 4]
    aij = group_ahp(mats, expert_weights=ew)
    aip = group_ahp(mats, expert_weights=ew, aggregation="aip")
    np.testing.assert_allclose(aij.weights, aip.weights, rtol=1e-10)
    with pytest.raises(SpecError, match="geometric mean"):
        group_ahp(mats, mean="arithmetic")
    with pytest.raises(SpecError, match="did you mean 'aip'"):
        group_ahp(mats, aggregation="aipp")


# ----------------------------------------------------------------------------- combination


def test_game_theory_combination_closed_form():
    """博弈论组合赋权, two sources, by Cramer's rule on the first-order conditions
    [ss so; so oo] α = [ss; oo]:  α₁ = (ss·oo − so·oo)/D, α₂ = (ss·oo − so·ss)/D,
    D = ss·oo − so².  With s = (.5, .3, .2), o = (.2, .3, .5): ss = oo = .38, so = .29,
    α₁ = α₂ -> w = (s + o)/2 by symmetry."""
    s, o = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(combine_weights(s, o, method="game_theory"), (s + o) / 2)
    s, o = np.array([0.6, 0.3, 0.1]), np.array([0.3, 0.3, 0.4])
    ss, oo, so = s @ s, o @ o, s @ o
    D = ss * oo - so**2
    a = np.array([(ss * oo - so * oo) / D, (ss * oo - so * ss) / D])
    a_star = a / a.sum()
    np.testing.assert_allclose(game_theory_coefficients(s, o), a_star, rtol=1e-12)
    np.testing.assert_allclose(
        combine_weights(s, o, method="game_theory"), a_star[0] * s + a_star[1] * o, rtol=1e-12
    )
    # both α > 0 here, so the |α| variant coincides
    np.testing.assert_allclose(
        combine_weights(s, o, method="game_theory_abs"),
        combine_weights(s, o, method="game_theory"),
        rtol=1e-12,
    )


def test_game_theory_negative_coefficient_variants():
    """s nearly parallel to o but longer: α₂ < 0 (s = (.9, .05, .05), o = (.8, .1, .1):
    ss = .815, oo = .66, so = .73, α₂ ∝ ss·oo − so·ss = .815(.66 − .73) < 0)."""
    s, o = np.array([0.9, 0.05, 0.05]), np.array([0.8, 0.1, 0.1])
    with pytest.raises(SpecError, match="game_theory_abs"):
        combine_weights(s, o, method="game_theory")
    w = combine_weights(s, o, method="game_theory_abs")
    assert np.all(w >= 0) and w.sum() == pytest.approx(1)
    np.testing.assert_allclose(combine_weights(s, s, method="game_theory"), s)


# ----------------------------------------------------------------------------- x / max


def test_weighted_sum_max_normalisation_by_hand():
    """x / max (benefit) and min / x (cost), Hwang & Yoon (1981) linear scale transformation.
    Benefit 2, 4, 8 -> .25, .5, 1; cost 10, 20, 40 -> 1, .5, .25.
    Weights .6/.4: scores .55, .5, .7."""
    X = [[2, 10], [4, 20], [8, 40]]
    Z = normalise(X, "max", ["benefit", "cost"])
    np.testing.assert_allclose(Z, [[0.25, 1], [0.5, 0.5], [1, 0.25]])
    res = weighted_sum(X, [0.6, 0.4], ["benefit", "cost"], normalisation="max")
    np.testing.assert_allclose(res.score, [0.55, 0.5, 0.7])
    assert res.rank.tolist() == [2, 3, 1] and res.normalisation == "max"
    with pytest.raises(SpecError, match="minimum -1"):
        normalise([[-1, 1], [2, 3]], "max", ["benefit", "cost"])
    with pytest.raises(SpecError, match="> 0"):
        normalise([[1, 0], [2, 3]], "max", ["benefit", "cost"])


# ----------------------------------------------------------------------------- GRA
def test_gra_given_reference_raw_by_hand():
    """Deng's grade on raw values against x0 = (1, 1):
    X = [[1, 0.5], [0.8, 1], [0.5, 0.9]] -> Δ = [[0, .5], [.2, 0], [.5, .1]],
    Δmin = 0, Δmax = .5, ρ = .5: ξ = .25 / (Δ + .25) =
    [[1, 1/3], [.25/.45, 1], [1/3, .25/.35]]; equal weights -> row means."""
    X = np.array([[1, 0.5], [0.8, 1], [0.5, 0.9]])
    res = grey_relational(X, [0.5, 0.5], "benefit", reference=[1, 1], values="raw")
    xi = np.array([[1, 1 / 3], [0.25 / 0.45, 1], [1 / 3, 0.25 / 0.35]])
    np.testing.assert_allclose(res.coefficients, xi, rtol=1e-12)
    np.testing.assert_allclose(res.grade, xi.mean(axis=1), rtol=1e-12)
    assert res.reference == "given (raw)"


def test_gra_given_reference_normalised_by_hand():
    """Reference (6, 30) normalised together with X = [[2, 10], [4, 40], [10, 20]]:
    column 1 range 2..10 -> z0 = .5, z = 0, .25, 1; column 2 (cost) range 10..40 ->
    z0 = 1/3, z = 1, 0, 2/3.  Δ = [[.5, 2/3], [.25, 1/3], [.5, 1/3]], Δmin = .25,
    Δmax = 2/3, ρ = .5: ξ = (.25 + 1/3) / (Δ + 1/3)."""
    X = [[2, 10], [4, 40], [10, 20]]
    res = grey_relational(X, [0.5, 0.5], ["benefit", "cost"], reference=[6, 30])
    D = np.array([[0.5, 2 / 3], [0.25, 1 / 3], [0.5, 1 / 3]])
    xi = (0.25 + 1 / 3) / (D + 1 / 3)
    np.testing.assert_allclose(res.coefficients, xi, rtol=1e-12)
    # the reference itself, were it an alternative, would have grade 1
    own = grey_relational(
        np.vstack([X, [6, 30]]), [0.5, 0.5], ["benefit", "cost"], reference=[6, 30]
    )
    assert own.grade[-1] == pytest.approx(1.0)
    # reference = the ideal reproduces the default grades
    ideal = grey_relational(X, [0.5, 0.5], ["benefit", "cost"], reference=[10, 10])
    np.testing.assert_allclose(
        ideal.grade, grey_relational(X, [0.5, 0.5], ["benefit", "cost"]).grade, rtol=1e-12
    )
    with pytest.raises(SpecError, match="reference"):
        grey_relational(X, [0.5, 0.5], "benefit", reference=[1])
    with pytest.raises(SpecError, match="did you mean 'raw'"):
        grey_relational(X, [0.5, 0.5], "benefit", reference=[1, 1], values="rwa")


def test_grey_topsis_by_hand():
    """Grey-TOPSIS on z = [[0, 1], [.5, 0], [1, .5]] (already min–max: X equals z):
    to the positive ideal Δ⁺ = 1 − z, to the negative ideal Δ⁻ = z, both with Δmin 0,
    Δmax 1, ρ .5: ξ = .5 / (Δ + .5).  Equal weights; C = γ⁺ / (γ⁺ + γ⁻)."""
    Z = np.array([[0, 1], [0.5, 0], [1, 0.5]])
    res = grey_topsis(Z, [0.5, 0.5], "benefit")
    gp = (0.5 / (1 - Z + 0.5)).mean(axis=1)
    gn = (0.5 / (Z + 0.5)).mean(axis=1)
    np.testing.assert_allclose(res.grade_positive, gp, rtol=1e-12)
    np.testing.assert_allclose(res.closeness, gp / (gp + gn), rtol=1e-12)
    assert res.rank.tolist() == [2, 3, 1]


def test_grey_topsis_given_references_by_hand():
    """Given references.  Normalised: X = [[1], [3]] with positive reference 5 and the
    default negative 0: min–max over {5, 1, 3} maps X to 0, .5 and the reference to 1;
    Δ⁺ = 1, .5 (Δmin .5, Δmax 1) gives ξ⁺ = 1/1.5, 1; Δ⁻ = 0, .5 has its own Δmin 0,
    Δmax .5, so ξ⁻ = .25 / (Δ⁻ + .25) = 1, 1/3.
    Raw: values as given, default references the column best/worst (cost flips them)."""
    res = grey_topsis([[1.0], [3.0]], [1.0], "benefit", positive=[5.0])
    np.testing.assert_allclose(res.grade_positive, [1 / 1.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(res.grade_negative, [1.0, 1 / 3], rtol=1e-12)
    assert res.reference == "given (normalised)"
    raw = grey_topsis([[1.0], [3.0], [2.0]], [1.0], "cost", values="raw")
    # cost: best 1, worst 3; Δ⁺ = 0, 2, 1 and Δ⁻ = 2, 0, 1 (Δmax 2): ξ = 1 / (Δ + 1)
    np.testing.assert_allclose(raw.grade_positive, [1.0, 1 / 3, 0.5], rtol=1e-12)
    np.testing.assert_allclose(raw.grade_negative, [1 / 3, 1.0, 0.5], rtol=1e-12)
    assert raw.rank.tolist() == [1, 3, 2] and raw.reference == "ideals (raw)"
    with pytest.raises(SpecError, match="negative: expected 2 finite values"):
        grey_topsis([[1.0, 2], [2, 3]], [0.5, 0.5], "benefit", negative=[0])
    with pytest.raises(SpecError, match="did you mean 'raw'"):
        grey_topsis([[1.0, 2], [2, 3]], [0.5, 0.5], "benefit", values="rwa")


def test_critic_entropy_epsilon_replaces_endpoints():
    """epsilon only touches the exact 0 and 1 cells of each min–max column; with a
    column 0, .5, 1 the shares become ε, .5, 1 − ε over 1.5.  It is refused with the
    σ contrast and outside [0, 0.5)."""
    X = np.array([[0.0, 1.0], [0.5, 0.2], [1.0, 0.0]])
    e = 0.01
    res = critic_weights(X, "benefit", contrast="entropy", epsilon=e)
    p = np.array([e, 0.5, 1 - e]) / 1.5
    div = 1 + (p * np.log(p)).sum() / np.log(3)
    np.testing.assert_allclose(res.details["contrast"][0], div, rtol=1e-12)
    with pytest.raises(SpecError, match="only used with contrast='entropy'"):
        critic_weights(X, "benefit", epsilon=e)
    with pytest.raises(SpecError, match="epsilon"):
        critic_weights(X, "benefit", contrast="entropy", epsilon=0.5)


# ----------------------------------------------------------------------------- fuzzy
def test_trapezoidal_membership_by_hand():
    """Grades best first: 好 (70, 80, inf, inf), 中 (50, 60, 70, 80), 差 (−inf, −inf, 50, 60).
    x = 55: 好 0, 中 (55 − 50)/10 = .5, 差 (60 − 55)/10 = .5;  x = 65: (0, 1, 0);
    x = 78: 好 (78 − 70)/10 = .8, 中 (80 − 78)/10 = .2;  x = 95: (1, 0, 0)."""
    inf = np.inf
    T = [[70, 80, inf, inf], [50, 60, 70, 80], [-inf, -inf, 50, 60]]
    R = trapezoidal_membership([[55], [65], [78], [95]], T)
    np.testing.assert_allclose(
        R[:, 0, :], [[0, 0.5, 0.5], [0, 1, 0], [0.8, 0.2, 0], [1, 0, 0]], atol=1e-12
    )
    res = fuzzy_evaluation(R, [1.0], grade_labels=["好", "中", "差"])
    # the 中/差 tie at x = 55 goes to the worse grade (the module's conservative rule)
    assert [res.grade_labels[k] for k in res.grade] == ["差", "中", "好", "好"]
    with pytest.raises(SpecError, match="a <= b <= c <= d"):
        trapezoidal_membership([1.0], [[0, 2, 1, 3], [1, 2, 3, 4]])


def test_docs_side_by_side_entropy_numbers():
    """The raw / standardised example printed in docs/evaluate_scoring.md (Conventions)."""
    from .conftest import ROOT

    text = (ROOT / "docs" / "evaluate_scoring.md").read_text(encoding="utf-8")
    X = [[1, 10], [2, 20], [3, 40]]
    raw = entropy_weights(X).weights
    std = entropy_weights(X, convention="standardised", directions=["benefit", "cost"], offset=0)
    assert f"{raw[0]:.3f}, {raw[1]:.3f} — `entropy_weights(X)`" in text
    assert f"{std.weights[0]:.3f}, {std.weights[1]:.3f} — `entropy_weights(X, convention" in text


# ----------------------------------------------------------------------------- oracles
def test_custom_ri_table_reproduces_pymcdm_cr():
    """pymcdm's AHP uses the RI of Tummala & Ling (1998, Theory and Decision 44:221-230),
    stored as ``AHP.RI_M``; supplying that table as ``ri_table`` must give its CR."""
    subjective = pytest.importorskip(
        "pymcdm.weights.subjective", reason="pymcdm (optional test oracle) is not installed"
    )
    A = np.array(AHP_INCONSISTENT, float)
    oracle = subjective.AHP(matrix=A)
    ours = ahp_weights(A, ri_table=list(subjective.AHP.RI_M))
    np.testing.assert_allclose(ours.weights, oracle(), rtol=1e-8)
    assert ours.cr == pytest.approx(oracle.get_cr(), rel=1e-8)


def test_max_normalisation_matches_pymcdm_linear_normalization():
    """pymcdm's ``linear_normalization(x, cost)``: x/max for profits, min/x for costs."""
    norms = pytest.importorskip(
        "pymcdm.normalizations", reason="pymcdm (optional test oracle) is not installed"
    )
    methods = pytest.importorskip("pymcdm.methods")
    rng = np.random.default_rng(4)
    X = rng.random((9, 4)) * 10 + 0.5
    dirs = ["benefit", "cost", "cost", "benefit"]
    Z = normalise(X, "max", dirs)
    for j, d in enumerate(dirs):
        np.testing.assert_allclose(Z[:, j], norms.linear_normalization(X[:, j], d == "cost"))
    w = np.array([0.1, 0.2, 0.3, 0.4])
    pref = methods.WSM(normalization_function=norms.linear_normalization)(
        X, w, np.array([1 if d == "benefit" else -1 for d in dirs])
    )
    np.testing.assert_allclose(
        weighted_sum(X, w, dirs, normalisation="max").score, pref, rtol=1e-10
    )
