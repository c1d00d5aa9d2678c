"""Fuzzy comprehensive evaluation, grades and weight combination (closed forms)."""

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import (
    assign_grades,
    combine_weights,
    fuzzy_evaluation,
    membership_matrix,
)

R = np.array(
    [[0.2, 0.5, 0.2, 0.1], [0.7, 0.2, 0.1, 0.0], [0.0, 0.4, 0.5, 0.1], [0.2, 0.3, 0.5, 0.0]]
)
A = np.array([0.1, 0.2, 0.3, 0.4])


def test_fuzzy_operators_hand_computed():
    """b_k worked by hand for a 4-factor, 4-grade judgement matrix."""
    b = fuzzy_evaluation(R, A, operator="M(^,v)").B[0]
    # k=0: max(min(.1,.2), min(.2,.7), min(.3,0), min(.4,.2)) = .2
    np.testing.assert_allclose(b, [0.2, 0.3, 0.4, 0.1])
    b = fuzzy_evaluation(R, A, operator="M(.,+)").B[0]
    np.testing.assert_allclose(
        b,
        [
            0.02 + 0.14 + 0 + 0.08,
            0.05 + 0.04 + 0.12 + 0.12,
            0.02 + 0.02 + 0.15 + 0.2,
            0.01 + 0 + 0.03 + 0,
        ],
    )
    b = fuzzy_evaluation(R, A, operator="M(.,v)").B[0]
    np.testing.assert_allclose(b, [0.14, 0.12, 0.2, 0.03])
    b = fuzzy_evaluation(R, A, operator="M(^,+)").B[0]
    np.testing.assert_allclose(
        b, [0.1 + 0.2 + 0 + 0.2, 0.1 + 0.2 + 0.3 + 0.3, 0.1 + 0.1 + 0.3 + 0.4, 0.1 + 0 + 0.1 + 0]
    )
    # the unicode operator names are accepted too
    res = fuzzy_evaluation(R, A, operator="M(∧,∨)", grade_labels=["优", "良", "中", "差"])
    assert res.grade_labels[res.grade[0]] == "中"
    assert res.B_normalised.sum() == pytest.approx(1)


def test_fuzzy_weighted_average_equals_weighted_sum_of_memberships():
    rng = np.random.default_rng(3)
    Rm = rng.random((50, 5, 4))
    Rm /= Rm.sum(axis=2, keepdims=True)
    w = rng.random(5)
    w /= w.sum()
    res = fuzzy_evaluation(Rm, w, operator="M(.,+)", grade_values=[95, 80, 65, 40])
    np.testing.assert_allclose(res.B, np.einsum("j,ijk->ik", w, Rm))
    np.testing.assert_allclose(res.score, res.B @ [95, 80, 65, 40])
    assert np.all(res.grade == np.argmax(res.B, axis=1))


def test_membership_from_grade_centres():
    centres = [0.9, 0.75, 0.6, 0.3]  # best grade first
    M = membership_matrix(np.array([[0.95], [0.9], [0.825], [0.45], [0.1]]), centres)[:, 0, :]
    np.testing.assert_allclose(
        M, [[1, 0, 0, 0], [1, 0, 0, 0], [0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5], [0, 0, 0, 1]]
    )
    rng = np.random.default_rng(0)
    M = membership_matrix(rng.random((20, 3)), centres)
    np.testing.assert_allclose(M.sum(axis=2), 1.0)
    with pytest.raises(SpecError, match="strictly monotone"):
        membership_matrix([[0.5]], [0.9, 0.95, 0.3])


def test_fuzzy_ties_go_to_worse_grade():
    res = fuzzy_evaluation(np.array([[0.5, 0.5, 0.0]]), [1.0])
    assert res.grade[0] == 1


def test_grades_default_and_percentile():
    g = assign_grades([95, 85, 84.9, 70, 60, 59.9, np.nan])
    assert g.tolist() == ["优秀", "优秀", "良好", "良好", "合格", "不合格", ""]
    g = assign_grades([1, 2, 3, 4, 5], cutoffs=[80, 40], labels=["A", "B", "C"], basis="percentile")
    assert g.tolist() == ["C", "C", "B", "B", "A"]  # percentiles 0 25 50 75 100
    with pytest.raises(SpecError, match="strictly decreasing"):
        assign_grades([1], cutoffs=[60, 70, 85])
    with pytest.raises(SpecError, match="4 labels need 3 cutoffs"):
        assign_grades([1], cutoffs=[60, 70])


def test_combine_weights():
    s, o = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    np.testing.assert_allclose(combine_weights(s, o, alpha=0.7), 0.7 * s + 0.3 * o)
    m = combine_weights(s, o, method="multiplicative")
    np.testing.assert_allclose(m, s * o / (s * o).sum())
    assert combine_weights(s, o, alpha=1.0) == pytest.approx(s)
    with pytest.raises(SpecError, match=r"alpha: must be in \[0.0, 1.0\], got 2"):
        combine_weights(s, o, alpha=2)
    with pytest.raises(SpecError, match="no criterion in common"):
        combine_weights([1, 0], [0, 1], method="multiplicative")
