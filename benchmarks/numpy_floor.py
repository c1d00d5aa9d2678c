"""The plain-numpy floor: the discrete Bass process of the docking set-up, and nothing else.

Kept only as a yardstick for benchmarks/test_bench_model.py (the docking configuration of the
model against the least a numpy program must do for the same process).  Firms get a domain
(the model's domain shares) and 1 % are seeded as adopters; each step one uniform per firm
and a recount of adopters per domain give the hazard p + q F_d of the discrete Bass
recursion, F(t+1) = F + (p + qF)(1 - F) in expectation.  Returns the adopters per domain
after each step (steps x domains), as the model's time series reports them.
"""

from __future__ import annotations

import numpy as np


def numpy_bass(n: int, steps: int, p: float, q: float, seed_share: float,
               domain_shares: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cdf = np.cumsum(domain_shares) / np.sum(domain_shares)
    k = cdf.size
    domain = np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), k - 1)
    size = np.bincount(domain, minlength=k)
    adopted = rng.random(n) < seed_share
    out = np.empty((steps, k), dtype=np.int64)
    for t in range(steps):
        share = np.bincount(domain[adopted], minlength=k) / np.maximum(size, 1)
        adopted |= rng.random(n) < (p + q * share)[domain]
        out[t] = np.bincount(domain[adopted], minlength=k)
    return out
