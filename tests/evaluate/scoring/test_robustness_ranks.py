"""The bucketed radix ranking of robustness draws equals the definition of competition
ranks, rank_i = 1 + #{j : s_j > s_i} (NaN last), on inputs chosen to stress it."""

import numpy as np
import pytest
from changjing.evaluate.scoring.robustness import _ranks


def _definition(S):
    out = np.empty(S.shape, dtype=np.int64)
    for d in range(S.shape[1]):
        s = np.where(np.isnan(S[:, d]), -np.inf, S[:, d])
        out[:, d] = 1 + (s[None, :] > s[:, None]).sum(axis=1)
    return out


def _cases():
    rng = np.random.default_rng(11)
    crowded = rng.random((600, 6))
    crowded[:250] = 0.5 + rng.random((250, 6)) * 1e-13  # hundreds of scores in one bucket
    pairs = rng.random((2000, 4))
    pairs[1::2] = pairs[::2] + 1e-13  # many groups of two in one bucket
    ties = np.round(rng.random((400, 5)) * 8)  # few distinct values: large tied groups
    ties[::9] = np.nan
    extreme = rng.random((257, 3))
    extreme[5], extreme[6] = 1e300, -1e300
    return {
        "random": rng.random((3000, 9)),
        "crowded bucket": crowded,
        "adjacent pairs": pairs,
        "ties and NaN": ties,
        "extreme range": extreme,
        "all NaN": np.full((4, 2), np.nan),
        "one alternative": np.array([[0.3, np.nan]]),
        "constant": np.ones((6, 3)),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_ranks_equal_the_definition(name):
    S = _cases()[name]
    assert np.array_equal(_ranks(S), _definition(S))
