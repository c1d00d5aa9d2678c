"""TOPSIS conventions that the published examples leave open (tools/mutation.py topsis).

Each value is computed by hand here (small matrices whose normalised values are exact), or
by the plain-loop re-implementation below, written from the module's stated conventions:
vector x/‖x‖₂ or min-max normalisation, ideals over the values present, and with
``nan_policy="renormalise"`` each alternative's weights re-normalised over its present cells.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.scoring import topsis


def _renormalised_loops(X, w, benefit):
    """Vector TOPSIS with gaps: norms and ideals over present values; per alternative the
    weights of its present criteria divided by their sum."""
    X = np.asarray(X, float)
    m, n = X.shape
    N = np.full_like(X, np.nan)
    for j in range(n):
        col = [x for x in X[:, j] if not math.isnan(x)]
        norm = math.sqrt(sum(x * x for x in col))
        for i in range(m):
            if not math.isnan(X[i, j]):
                N[i, j] = X[i, j] / norm
    best = [max(v for v in N[:, j] if not math.isnan(v)) if benefit[j]
            else min(v for v in N[:, j] if not math.isnan(v)) for j in range(n)]
    worst = [min(v for v in N[:, j] if not math.isnan(v)) if benefit[j]
             else max(v for v in N[:, j] if not math.isnan(v)) for j in range(n)]
    out = []
    for i in range(m):
        js = [j for j in range(n) if not math.isnan(N[i, j])]
        total = sum(w[j] for j in js)
        dp = math.sqrt(sum((w[j] / total) ** 2 * (N[i, j] - best[j]) ** 2 for j in js))
        dm = math.sqrt(sum((w[j] / total) ** 2 * (N[i, j] - worst[j]) ** 2 for j in js))
        out.append((dm / (dp + dm), dp, dm))
    return np.array(out)


def test_renormalised_gaps_match_the_loop_definition():
    rng = np.random.default_rng(5)
    for _ in range(10):
        X = rng.random((7, 4)) * 5 + 0.5
        X[rng.random(X.shape) < 0.2] = np.nan
        X[:, 0] = np.where(np.isnan(X[:, 0]), 1.0, X[:, 0])     # every row keeps one value
        w = np.array([0.4, 0.3, 0.2, 0.1])
        benefit = [True, False, True, True]
        r = topsis(X, w, ["benefit", "cost", "benefit", "benefit"], nan_policy="renormalise")
        ref = _renormalised_loops(X, w, benefit)
        np.testing.assert_allclose(r.closeness, ref[:, 0], rtol=1e-10)
        np.testing.assert_allclose(r.d_plus, ref[:, 1], rtol=1e-10, atol=1e-15)
        np.testing.assert_allclose(r.d_minus, ref[:, 2], rtol=1e-10, atol=1e-15)


def test_renormalised_by_hand():
    """Two benefit criteria, weights .75/.25.  Columns (3, 4, nan) and (0, 3, 4): norms 5 and
    5, so N = (.6, .8, -) and (0, .6, .8).  C has only criterion 2 (weight 1 after
    re-normalisation): d+ = 0, d- = .8, C = 1.  A: d+ = sqrt(.75²·.2² + .25²·.8²) = .25,
    d- = sqrt(.25²·0 + 0) = 0 → C = 0."""
    X = [[3.0, 0.0], [4.0, 3.0], [np.nan, 4.0]]
    r = topsis(X, [0.75, 0.25], "benefit", nan_policy="renormalise")
    assert r.d_plus[2] == pytest.approx(0.0, abs=1e-15)
    assert r.d_minus[2] == pytest.approx(0.8)
    assert r.closeness[2] == pytest.approx(1.0)
    assert r.d_plus[0] == pytest.approx(math.sqrt(0.75**2 * 0.2**2 + 0.25**2 * 0.8**2))
    assert r.d_minus[0] == pytest.approx(0.0, abs=1e-15)
    assert r.closeness.tolist() == pytest.approx([0.0, r.closeness[1], 1.0])
    # B: d+ = sqrt(.25²·.2²) = .05, d- = sqrt(.75²·.2² + .25²·.6²) = sqrt(.045)
    dm = math.sqrt(0.75**2 * 0.2**2 + 0.25**2 * 0.6**2)
    assert r.closeness[1] == pytest.approx(dm / (0.05 + dm))


def test_only_the_alternative_without_spread_is_refused():
    """A's one present value lies in a constant column: it is at its ideal and anti-ideal at
    once (d+ = d- = 0) and is named; the rest could be ranked, but the result would not be."""
    X = [[2.0, np.nan], [2.0, 1.0], [2.0, 3.0]]
    with pytest.raises(InputError, match="'0'|alternative 0"):
        topsis(X, [0.5, 0.5], "benefit", nan_policy="renormalise")


def test_all_constant_columns_are_refused():
    with pytest.raises(InputError, match="ideal and the anti-ideal"):
        topsis([[1.0, 2.0], [1.0, 2.0]], [0.5, 0.5], "benefit")


@pytest.mark.parametrize("norm", ["vector", "minmax"])
def test_the_middle_alternative_is_halfway(norm):
    """x = 1, 2, 3 on one criterion: the middle one is equally far from both ideals, C = ½
    (an equal distance to both ideals is not a tie to refuse)."""
    r = topsis([[1.0], [2.0], [3.0]], [1.0], "benefit", normalisation=norm)
    assert r.closeness.tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert r.rank.tolist() == [3, 2, 1]


def test_ideals_are_weighted_normalised_values():
    """Vector: columns (3, 4) and (6, 8) both normalise to (.6, .8); weights .25/.75,
    criterion 2 a cost.  Ideal = (.25·.8, .75·.6), anti-ideal = (.25·.6, .75·.8)."""
    r = topsis([[3.0, 6.0], [4.0, 8.0]], [0.25, 0.75], ["benefit", "cost"])
    np.testing.assert_allclose(r.ideal, [0.2, 0.45])
    np.testing.assert_allclose(r.anti_ideal, [0.15, 0.6])
    # A: d+ = .25·.2 = .05, d- = .75·.2 = .15 → C = .75; B mirror → .25
    np.testing.assert_allclose(r.d_plus, [0.05, 0.15])
    np.testing.assert_allclose(r.closeness, [0.75, 0.25])


def test_vector_norm_below_one_still_divides():
    """Column (.3, .4): norm .5 < 1, N = (.6, .8) — the same closeness as for (3, 4)."""
    small = topsis([[0.3, 1.0], [0.4, 2.0]], [0.5, 0.5], "benefit")
    large = topsis([[3.0, 1.0], [4.0, 2.0]], [0.5, 0.5], "benefit")
    np.testing.assert_allclose(small.ideal, large.ideal)
    np.testing.assert_allclose(small.ideal, [0.5 * 0.8, 0.5 * 2 / math.sqrt(5)])


def test_zero_and_constant_columns_drop_out():
    """A column of zeros (vector) or a constant column (min-max) adds nothing to either
    distance: the closeness equals that of the matrix without it."""
    X = np.array([[1.0, 4.0], [2.0, 1.0], [3.0, 2.0]])
    for norm, fill in (("vector", 0.0), ("minmax", 7.0)):
        with_col = np.column_stack([X, np.full(3, fill)])
        a = topsis(with_col, [0.3, 0.3, 0.4], "benefit", normalisation=norm)
        b = topsis(X, [0.3, 0.3], "benefit", normalisation=norm)
        assert np.all(np.isfinite(a.closeness))
        assert a.ideal[2] == 0.0 and a.anti_ideal[2] == 0.0   # normalised to 0, not 0/0
        np.testing.assert_allclose(a.closeness, b.closeness, rtol=1e-12)


def test_minmax_by_hand_with_an_offset_and_a_cost():
    """Min-max: benefit (10, 12, 14) → (0, .5, 1); cost (5, 9, 7) → (1, 0, .5); weights ½.
    Ideal (½, ½), anti (0, 0): A (0, ½): d+ = ½, d- = ½ → ½; B (¼, 0): d+ = √(1/16 + 1/4),
    d- = ¼; C (½, ¼): d+ = ¼, d- = √(1/4 + 1/16)."""
    r = topsis([[10.0, 5.0], [12.0, 9.0], [14.0, 7.0]], [0.5, 0.5], ["benefit", "cost"],
               normalisation="minmax")
    s = math.sqrt(1 / 16 + 1 / 4)
    np.testing.assert_allclose(r.closeness, [0.5, 0.25 / (s + 0.25), s / (s + 0.25)])
    np.testing.assert_allclose(r.ideal, [0.5, 0.5])
    np.testing.assert_allclose(r.anti_ideal, [0.0, 0.0])


def test_unknown_normalisation_suggests_the_name():
    with pytest.raises(SpecError, match="vector"):
        topsis([[1.0], [2.0]], [1.0], "benefit", normalisation="vectr")


def test_summary_lists_at_most_twenty_in_rank_order():
    X = np.arange(1.0, 23.0)[:, None]
    r = topsis(X, [1.0], "benefit")
    lines = r.summary().splitlines()
    assert lines[0].startswith("TOPSIS (vector normalisation), 22 alternatives")
    assert len(lines) == 21
    assert lines[1].split()[0] == "1" and "C = 1.0000" in lines[1]
    frame = r.to_frame()
    assert list(frame.columns) == ["alternative", "closeness", "d_plus", "d_minus", "rank"]
    assert frame["rank"].tolist() == list(range(22, 0, -1))
