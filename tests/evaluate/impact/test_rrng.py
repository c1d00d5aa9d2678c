"""The emulation of R's generator in ``_rrng.py`` against values R prints.

``set.seed(123); runif(3)`` = 0.2875775 0.7883051 0.4089769 and ``set.seed(123); rnorm(3)`` =
-0.56047565 -0.23017749 1.55870831 (R >= 3.6 defaults: Mersenne-Twister, Inversion,
Rejection; the values R prints for these calls, widely quoted in R tutorials);
``set.seed(42); sample(10, 3)`` = 1 5 10.
``sample(prob=)`` is checked end to end by test_dose_contdid.py (contdid README's ``head(df)``
after 5,000 weighted draws, 5,000 uniforms and 30,000 normals).
"""

import numpy as np
import pytest

from ._rrng import RMersenne, _revsort


def test_runif_rnorm_sample_match_r():
    assert RMersenne(123).runif(3) == pytest.approx([0.2875775, 0.7883051, 0.4089769], abs=5e-8)
    assert RMersenne(123).rnorm(3) == pytest.approx([-0.56047565, -0.23017749, 1.55870831],
                                                    abs=5e-9)
    assert [v + 1 for v in RMersenne(42).sample(10, 3)] == [1, 5, 10]
    # rnorm(n, mean = m) recycles the means, one draw each
    a = RMersenne(7).rnorm(3, mean=[0.0, 10.0, -5.0])
    b = RMersenne(7).rnorm(3)
    assert np.subtract(a, b) == pytest.approx([0.0, 10.0, -5.0], abs=1e-12)


def test_revsort_sorts_decreasing_and_carries_the_permutation():
    rng = np.random.default_rng(0)
    for n in (2, 3, 5, 8, 13):
        a = list(rng.integers(0, 4, size=n).astype(float))
        ib = list(range(n))
        orig = list(a)
        _revsort(a, ib)
        assert a == sorted(orig, reverse=True)
        assert [orig[i] for i in ib] == a


def test_sample_prob_frequencies():
    draws = RMersenne(1).sample_prob(3, 20000, [0.2, 0.3, 0.5])
    freq = np.bincount(draws, minlength=3) / 20000
    assert freq == pytest.approx([0.2, 0.3, 0.5], abs=0.015)
