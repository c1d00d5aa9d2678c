"""Conventions evaluators use, each an explicit option: published examples, closed forms.

Where no published worked example could be obtained the expected value is a hand
computation whose derivation is written next to it.
"""

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import critic_weights, entropy_weights

# Tuş & Aytaç Adalı (2019) Opsearch 56(2):528-538, Table 2 (also in test_objective_weights)
CRITIC_TUS = np.array(
    [
        [5000, 3, 3, 4, 3, 2],
        [680, 5, 3, 2, 2, 1],
        [2000, 3, 2, 3, 4, 3],
        [600, 4, 3, 1, 2, 2],
        [800, 2, 4, 3, 3, 4],
    ],
    dtype=float,
)
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
