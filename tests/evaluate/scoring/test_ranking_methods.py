"""TOPSIS, VIKOR, GRA, weighted sum: published examples, re-implementations, invariants."""

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.scoring import (
    grey_relational,
    normalise,
    target_score,
    topsis,
    vikor,
    weighted_sum,
)

# Hwang & Yoon (1981), Multiple Attribute Decision Making, Springer LNEMS 186: fighter
# aircraft selection (4 aircraft; max speed, ferry range, max payload, acquisition cost,
# reliability, maneuverability), weights .2 .1 .1 .1 .2 .3, cost = acquisition cost.
AIRCRAFT = [
    [2.0, 1500, 20000, 5.5, 5, 9],
    [2.5, 2700, 18000, 6.5, 3, 5],
    [1.8, 2000, 21000, 4.5, 7, 7],
    [2.2, 1800, 20000, 5.0, 5, 5],
]
AIRCRAFT_W = [0.2, 0.1, 0.1, 0.1, 0.2, 0.3]
AIRCRAFT_D = ["benefit", "benefit", "benefit", "cost", "benefit", "benefit"]


def test_topsis_hwang_yoon_1981_aircraft():
    """Printed: ideal (.1168 .0659 .0531 .0414 .1347 .2012), S+ (.0545 .1197 .0580 .1009),
    S- (.0983 .0439 .0920 .0458), C* (.643 .268 .613 .312).  The book rounds the
    intermediates to 4 digits before dividing, so C*(A3) = .0920/.1500 = .613 there while
    the unrounded value is .6135; we compare to the printed digits +-1 in the last place."""
    r = topsis(AIRCRAFT, AIRCRAFT_W, AIRCRAFT_D, normalisation="vector")
    np.testing.assert_allclose(r.ideal, [0.1168, 0.0659, 0.0531, 0.0414, 0.1347, 0.2012], atol=1e-4)
    np.testing.assert_allclose(r.d_plus, [0.0545, 0.1197, 0.0580, 0.1009], atol=1.5e-4)
    np.testing.assert_allclose(r.d_minus, [0.0983, 0.0439, 0.0920, 0.0458], atol=1.5e-4)
    np.testing.assert_allclose(r.closeness, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert r.rank.tolist() == [1, 4, 2, 3]


def _topsis_loops(X, w, benefit, norm):
    X = np.asarray(X, float)
    m, n = X.shape
    N = np.empty_like(X)
    for j in range(n):
        if norm == "vector":
            N[:, j] = X[:, j] / np.sqrt(sum(x * x for x in X[:, j]))
        else:
            lo, hi = X[:, j].min(), X[:, j].max()
            N[:, j] = (X[:, j] - lo) / (hi - lo) if benefit[j] else (hi - X[:, j]) / (hi - lo)
    V = N * w
    b = benefit if norm == "vector" else [True] * n
    ideal = [V[:, j].max() if b[j] else V[:, j].min() for j in range(n)]
    anti = [V[:, j].min() if b[j] else V[:, j].max() for j in range(n)]
    out = []
    for i in range(m):
        dp = np.sqrt(sum((V[i, j] - ideal[j]) ** 2 for j in range(n)))
        dm = np.sqrt(sum((V[i, j] - anti[j]) ** 2 for j in range(n)))
        out.append(dm / (dp + dm))
    return np.array(out)


@pytest.mark.parametrize("norm", ["vector", "minmax"])
def test_topsis_matches_reimplementation_and_invariants(norm):
    rng = np.random.default_rng(21)
    for _ in range(25):
        m, n = int(rng.integers(3, 30)), int(rng.integers(2, 7))
        X = rng.random((m, n)) * 10 + 0.1
        w = rng.random(n)
        w /= w.sum()
        benefit = rng.random(n) < 0.6
        r = topsis(X, w, np.where(benefit, "benefit", "cost"), normalisation=norm)
        np.testing.assert_allclose(r.closeness, _topsis_loops(X, w, benefit, norm), rtol=1e-10)
        assert np.all((r.closeness >= 0) & (r.closeness <= 1))
        # scale invariance: multiplying a column by a positive constant changes nothing
        X2 = X * (rng.random(n) * 100 + 0.01)
        r2 = topsis(X2, w, np.where(benefit, "benefit", "cost"), normalisation=norm)
        np.testing.assert_allclose(r2.closeness, r.closeness, rtol=1e-9)


def test_topsis_matches_pymcdm_vector():
    methods = pytest.importorskip("pymcdm.methods")
    normalizations = pytest.importorskip("pymcdm.normalizations")
    rng = np.random.default_rng(4)
    X = rng.random((15, 5)) + 0.1
    w = np.array([0.1, 0.2, 0.3, 0.25, 0.15])
    types = np.array([1, -1, 1, 1, -1])
    ours = topsis(X, w, types, normalisation="vector").closeness
    theirs = methods.TOPSIS(normalizations.vector_normalization)(X, w, types)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_topsis_missing_values_policy():
    from .test_mutation_kills_topsis import _renormalised_loops

    X = np.array(AIRCRAFT, float)
    X[1, 2] = np.nan
    with pytest.raises(InputError, match="missing value at row 1, column 'C3'"):
        topsis(X, AIRCRAFT_W, AIRCRAFT_D)
    r = topsis(X, AIRCRAFT_W, AIRCRAFT_D, nan_policy="renormalise")
    # the promised rule: the gap drops out of that alternative's distances with its weights
    # re-normalised over the criteria present; column norms and ideals use the values present
    benefit = [d == "benefit" for d in AIRCRAFT_D]
    ref = _renormalised_loops(X, np.array(AIRCRAFT_W), benefit)
    np.testing.assert_allclose(r.closeness, ref[:, 0], rtol=1e-12)


def test_vikor_papathanasiou_ploskas_2018():
    """Papathanasiou & Ploskas (2018), Multiple Criteria Decision Aid, Springer, ch. 2
    (VIKOR) example, v = (n+1)/(2n) = 0.625: published Q = .640 1.000 .693 .271 .000 .693,
    A3 and A6 tied.  The authors' code (VIKOR.py, functions ``SR`` and ``Q``) rounds S and
    R to three decimals before forming Q, and Q to three decimals; that is where the tie
    comes from (unrounded, A6 = .6939 > A3 = .6929).  So: S and R to the published
    rounding, the book's procedure applied to them gives the published Q exactly, tie
    included, and the unrounded Q is within the rounding's reach of it."""
    X = [[8, 7, 2, 1], [5, 3, 7, 5], [7, 5, 6, 4], [9, 9, 7, 3], [11, 10, 3, 7], [6, 9, 5, 4]]
    r = vikor(X, [0.4, 0.3, 0.1, 0.2], "benefit", v=0.625)
    published_q = [0.640, 1.000, 0.693, 0.271, 0.000, 0.693]
    S, R = np.round(r.S, 3), np.round(r.R, 3)
    book_q = np.round(0.625 * (S - S.min()) / (S.max() - S.min())
                      + 0.375 * (R - R.min()) / (R.max() - R.min()), 3)
    assert book_q.tolist() == published_q
    np.testing.assert_allclose(r.Q, published_q, atol=1.5e-3)
    # published order A5, A4, A1, {A3, A6}, A2: the tie is broken by the unrounded Q here
    assert r.rank[[4, 3, 0, 1]].tolist() == [1, 2, 3, 6]
    assert sorted(r.rank[[2, 5]].tolist()) == [4, 5]
    assert r.compromise == [4] and r.advantage and r.stability


def _vikor_loops(X, w, benefit, v):
    X = np.asarray(X, float)
    m, n = X.shape
    S, R = np.zeros(m), np.zeros(m)
    for i in range(m):
        terms = []
        for j in range(n):
            best = X[:, j].max() if benefit[j] else X[:, j].min()
            worst = X[:, j].min() if benefit[j] else X[:, j].max()
            terms.append(w[j] * (best - X[i, j]) / (best - worst))
        S[i], R[i] = sum(terms), max(terms)
    return v * (S - S.min()) / (S.max() - S.min()) + (1 - v) * (R - R.min()) / (R.max() - R.min())


def test_vikor_matches_reimplementation_and_pymcdm():
    rng = np.random.default_rng(9)
    for _ in range(20):
        m, n = int(rng.integers(3, 25)), int(rng.integers(2, 7))
        X = rng.random((m, n))
        w = rng.random(n)
        w /= w.sum()
        benefit = rng.random(n) < 0.5
        v = float(rng.random())
        r = vikor(X, w, np.where(benefit, "benefit", "cost"), v=v)
        np.testing.assert_allclose(r.Q, _vikor_loops(X, w, benefit, v), atol=1e-12)
        assert np.all((r.Q >= 0) & (r.Q <= 1))
    methods = pytest.importorskip("pymcdm.methods")
    types = np.where(benefit, 1, -1)
    np.testing.assert_allclose(r.Q, methods.VIKOR(v=v)(X, w, types), atol=1e-10)


def test_vikor_compromise_set_when_advantage_fails():
    # two nearly identical leaders: C1 fails -> both in the compromise set
    X = [[10, 10], [9.99, 10], [1, 1], [2, 1]]
    r = vikor(X, [0.5, 0.5], "benefit")
    assert not r.advantage
    assert set(r.compromise) >= {0, 1}


def test_gra_yildirim_onder_2015():
    """Yıldırım & Önder (eds., 2015), Çok Kriterli Karar Verme Yöntemleri, 2nd ed., Dora,
    grey relational analysis example (as reproduced in JMcDM's tests): grades
    .525 .70071 .54643 .57628 .65095, alternative 2 best."""
    X = np.array(
        [
            [105000.0, 120000, 150000, 115000, 135000],
            [105.0, 110, 120, 105, 115],
            [10.0, 15, 12, 20, 15],
            [4.0, 4, 3, 4, 5],
            [300.0, 500, 550, 600, 400],
            [10.0, 8, 12, 9, 9],
        ]
    ).T
    r = grey_relational(
        X,
        [0.05, 0.20, 0.10, 0.15, 0.10, 0.40],
        ["cost", "benefit", "cost", "benefit", "benefit", "cost"],
    )
    np.testing.assert_allclose(
        r.grade, [0.525, 0.7007142857, 0.5464285714, 0.5762820513, 0.6509523810], atol=1e-9
    )
    assert r.rank[1] == 1


def _gra_loops(X, w, benefit, rho):
    X = np.asarray(X, float)
    m, n = X.shape
    Z = np.empty_like(X)
    for j in range(n):
        lo, hi = X[:, j].min(), X[:, j].max()
        Z[:, j] = (X[:, j] - lo) / (hi - lo) if benefit[j] else (hi - X[:, j]) / (hi - lo)
    D = [[abs(1 - Z[i, j]) for j in range(n)] for i in range(m)]
    dmin = min(min(r) for r in D)
    dmax = max(max(r) for r in D)
    return np.array(
        [
            sum(w[j] * (dmin + rho * dmax) / (D[i][j] + rho * dmax) for j in range(n))
            for i in range(m)
        ]
    )


def test_gra_matches_reimplementation_and_invariants():
    rng = np.random.default_rng(13)
    for _ in range(20):
        m, n = int(rng.integers(3, 25)), int(rng.integers(2, 7))
        X = rng.random((m, n)) * 50
        w = rng.random(n)
        w /= w.sum()
        benefit = rng.random(n) < 0.5
        rho = float(rng.uniform(0.1, 1))
        r = grey_relational(X, w, np.where(benefit, "benefit", "cost"), rho=rho)
        np.testing.assert_allclose(r.grade, _gra_loops(X, w, benefit, rho), rtol=1e-10)
        assert np.all((r.coefficients > 0) & (r.coefficients <= 1))
        # positive affine change of a column leaves min–max and so the grades unchanged
        X2 = X * 3 + 7
        np.testing.assert_allclose(
            grey_relational(X2, w, np.where(benefit, "benefit", "cost"), rho=rho).grade, r.grade
        )


def test_weighted_sum_closed_form_and_bounds():
    X = np.array([[1.0, 10], [2, 30], [3, 20]])
    r = weighted_sum(X, [0.5, 0.5], ["benefit", "cost"])
    # minmax: col1 (0, .5, 1); col2 cost (1, 0, .5)
    np.testing.assert_allclose(r.score, [0.5, 0.25, 0.75])
    assert r.rank.tolist() == [2, 3, 1]
    X[0, 1] = np.nan
    r2 = weighted_sum(X, [0.5, 0.5], ["benefit", "cost"], nan_policy="renormalise")
    # row 0 keeps only criterion 1 with weight 1; column 2 min/max from the rows present
    np.testing.assert_allclose(r2.score, [0.0, 0.25, 1.0])


def test_normalisations_closed_forms():
    X = np.array([[1.0, 4.0], [3.0, 0.0], [5.0, 2.0]])
    np.testing.assert_allclose(
        normalise(X, "minmax", ["benefit", "cost"]), [[0, 0], [0.5, 1], [1, 0.5]]
    )
    v = normalise(X, "vector", ["benefit", "cost"])
    np.testing.assert_allclose(v[:, 0], X[:, 0] / np.sqrt(35))
    np.testing.assert_allclose(v[:, 1], 1 - X[:, 1] / np.sqrt(20))
    z = normalise(X, "zscore", ["benefit", "cost"])
    np.testing.assert_allclose(z[:, 0], [-1, 0, 1])
    np.testing.assert_allclose(z[:, 1], [-1, 1, 0])
    # target (中间型): 1 at the target, 0 at the farthest
    np.testing.assert_allclose(target_score([5, 7, 8, 11], target=7), [0.5, 1, 0.75, 0])
    # interval (区间型): 1 inside [3, 6]
    np.testing.assert_allclose(target_score([1, 3, 5, 6, 10], interval=[3, 6]), [0.5, 1, 1, 1, 0])
    with pytest.raises(SpecError, match="did you mean 'minmax'"):
        normalise(X, "minmx", "benefit")


def test_methods_refuse_bad_weights_and_shapes():
    X = np.ones((3, 2)) + np.arange(6).reshape(3, 2)
    with pytest.raises(SpecError, match=r"weights\[1\]: weights must be >= 0, got -0.5"):
        topsis(X, [1.5, -0.5], "benefit")
    with pytest.raises(SpecError, match="expected 2 weights"):
        vikor(X, [1.0], "benefit")
    with pytest.raises(SpecError, match=r"v: must be in \[0.0, 1.0\], got 1.5"):
        vikor(X, [0.5, 0.5], "benefit", v=1.5)
    with pytest.raises(InputError, match="2-D"):
        weighted_sum([1, 2, 3], [1], "benefit")


def test_rank_ties_share_best_rank():
    from changjing.evaluate.scoring._common import rank_desc

    assert rank_desc(np.array([0.5, 0.9, 0.5, 0.1, 0.9])).tolist() == [3, 1, 3, 5, 1]
