"""Ranking robustness: how often does each alternative keep its rank when weights move?

Weights are perturbed by Monte Carlo draws from a Dirichlet distribution centred on the
base weights, W ~ Dirichlet(κ w) (mean w; larger concentration κ means smaller
perturbations: the standard deviation of w_j is sqrt(w_j (1 − w_j) / (κ + 1))).
Criteria with zero base weight stay at zero.  Alternatively pass ``weight_draws`` (e.g.
weights recomputed from bootstrap resamples of the experts).

For every draw the alternatives are re-scored with the *same* method and re-ranked
(competition ranks: exact ties share the best rank, so tied alternatives do not count as
rank changes).  Reported per
alternative: the base rank, the share of draws with exactly the base rank, the share
within ± ``tolerance`` places, the share in the top *k*, and the mean, standard deviation,
minimum and maximum rank.  Everything is streamed over chunks of draws, so 100 000
alternatives × 1 000 draws need no (alternatives × draws) matrix in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ..blas import blas_threads
from ..errors import SpecError
from . import gra as _gra
from . import topsis as _topsis
from . import vikor as _vikor
from . import weighted_sum as _wsm
from ._common import (
    as_directions,
    as_matrix,
    as_weights,
    did_you_mean,
    nan_mask,
)
from .normalise import normalise

METHODS = ("weighted_sum", "topsis", "vikor", "gra")


@dataclass
class RobustnessResult:
    base_rank: np.ndarray
    p_same_rank: np.ndarray
    p_within: np.ndarray
    p_top_k: np.ndarray
    mean_rank: np.ndarray
    sd_rank: np.ndarray
    min_rank: np.ndarray
    max_rank: np.ndarray
    n_draws: int
    tolerance: int
    top_k: int
    concentration: float | None
    seed: int | None
    method: str
    alternatives: list = field(default_factory=list)
    rank_p05: np.ndarray | None = None
    rank_p95: np.ndarray | None = None
    n_draws_interval: int = 0

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "alternative": self.alternatives,
                "base_rank": self.base_rank,
                "p_same_rank": self.p_same_rank,
                f"p_within_{self.tolerance}": self.p_within,
                f"p_top_{self.top_k}": self.p_top_k,
                "mean_rank": self.mean_rank,
                "sd_rank": self.sd_rank,
                "min_rank": self.min_rank,
                "max_rank": self.max_rank,
                "rank_p05": self.rank_p05,
                "rank_p95": self.rank_p95,
            }
        )

    def provenance(self) -> dict:
        return {
            "method": self.method,
            "n_draws": self.n_draws,
            "tolerance": self.tolerance,
            "top_k": self.top_k,
            "concentration": self.concentration,
            "seed": self.seed,
            "rank_interval": "5th-95th percentile of the competition rank over "
            f"{self.n_draws_interval} draws (inverted CDF: both ends are ranks that occurred)",
            "distribution": "dirichlet(concentration * weights)"
            if self.concentration
            else "supplied weight draws",
        }

    def summary(self) -> str:
        stable = float(np.mean(self.p_same_rank))
        order = np.argsort(self.base_rank, kind="stable")[:10]
        lines = [
            f"Rank robustness ({self.method}), {self.n_draws} weight draws"
            + (f", Dirichlet concentration {self.concentration}" if self.concentration else ""),
            f"  mean share of draws keeping the exact rank: {stable:.3f}",
        ]
        lines += [
            f"  rank {self.base_rank[i]:>4d}  {str(self.alternatives[i]):<20s} "
            f"same {self.p_same_rank[i]:.3f}  within±{self.tolerance} {self.p_within[i]:.3f}"
            f"  ranks {self.min_rank[i]}–{self.max_rank[i]}"
            for i in order
        ]
        return "\n".join(lines)


def scorer(
    X: Any,
    directions: Any,
    *,
    method: str = "weighted_sum",
    normalisation: str | None = None,
    v: float = 0.5,
    rho: float = 0.5,
    nan_policy: str = "raise",
) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping weight rows W (draws × criteria) to scores (alternatives × draws),
    larger is better, sharing the computations that do not depend on the weights."""
    arr, rows, cols = as_matrix(X, allow_nan=True)
    present = nan_mask(arr, nan_policy, "X", rows, cols)
    benefit = as_directions(directions, arr.shape[1])
    if method == "weighted_sum":
        Z = normalise(arr, normalisation or "minmax", np.where(benefit, "benefit", "cost"))
        return lambda W: _wsm._sums(Z, W, present)
    if method == "topsis":
        gp, gm, _, _ = _topsis._prepare(arr, benefit, normalisation or "vector")
        return lambda W: _topsis._closeness(gp, gm, W, present)[0]
    if method == "vikor":
        G = _vikor._prepare(arr, benefit)
        return lambda W: 1.0 - _vikor._sqr(G, W, present, v)[2]
    if method == "gra":
        xi = _gra.coefficients(arr, benefit, rho)
        return lambda W: _gra._grades(xi, W, present)
    raise SpecError(
        f"method: expected one of {METHODS}, got {method!r}{did_you_mean(method, METHODS)}"
    )


def dirichlet_draws(
    weights: Any, n_draws: int, concentration: float, rng: np.random.Generator
) -> np.ndarray:
    """Weight draws (n_draws × criteria) from Dirichlet(concentration · w); zeros stay zero."""
    w = np.asarray(weights, dtype=float)
    if not concentration > 0:
        raise SpecError(f"concentration: must be > 0, got {concentration}")
    pos = w > 0
    W = np.zeros((n_draws, w.size))
    if pos.sum() == 1:
        W[:, pos] = 1.0
    else:
        W[:, pos] = rng.dirichlet(concentration * w[pos], size=n_draws)
    return W


def hierarchical_draws(
    criterion_weights: Any,
    local_weights: list,
    n_draws: int,
    concentration: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Global weight draws that keep the hierarchy: criteria ~ Dirichlet(κ c), then each
    criterion's indicators ~ Dirichlet(κ l_c) independently; global = c_k × l_c,j.

    Each level moves as a Dirichlet of its own concentration κ: a criterion's total has
    standard deviation sqrt(c_k (1 − c_k) / (κ + 1)) and an indicator's share within its
    criterion sqrt(l (1 − l) / (κ + 1)).  Flat draws over the leaves, Dirichlet(κ g), give
    the same criterion totals but shares within criterion k of concentration κ c_k only —
    the lighter the criterion, the more its own (e.g. AHP) judgements are scrambled.
    Columns are in the order of ``local_weights`` concatenated.
    """
    C = dirichlet_draws(criterion_weights, n_draws, concentration, rng)
    blocks = [
        C[:, [k]] * dirichlet_draws(lw, n_draws, concentration, rng)
        for k, lw in enumerate(local_weights)
    ]
    return np.concatenate(blocks, axis=1)


_Q_MAX = 4294967295.0  # 2**32 - 1: scores are bucketed on 32 bits before the exact sort


def _ranks(S: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best; exact ties share the best rank: 1, 2, 2, 4) down each
    column of S (alternatives × draws); NaN ranks last.  Returned as the transposed view of
    a (draws × alternatives) array.

    Ranking 100 000 scores by argsort + gather + scatter cost ~9 ms CPU per draw on the
    2-core test machine; this costs ~3.5 ms, bit-identical ranks: the
    scores of a draw are bucketed on 32 bits (an order-preserving affine map of [min, max]
    onto 0 … 2³² − 1), ordered by two passes of numpy's O(n) radix sort on 16-bit digits,
    and then only scores that share a bucket (a few per draw, ≲ 10⁻⁹ of the range apart)
    can still be out of order: adjacent inversions are swapped until none is left (a
    stable sort of the row if a bucket holds more than a handful).  The ranks depend on
    the scores only, not on how they were sorted.
    """
    K = -S.T  # one row per draw, smaller key = better
    nan = np.isnan(K)
    has_nan = bool(nan.any())
    if has_nan:
        K = np.where(nan, np.inf, K)
    K = np.ascontiguousarray(K)
    d, m = K.shape
    lo = K.min(axis=1, keepdims=True)  # NaN is +inf here: only an all-NaN row has lo = inf
    hi = (np.where(nan, -np.inf, K) if has_nan else K).max(axis=1, keepdims=True)
    if has_nan:
        lo, hi = np.where(np.isfinite(lo), lo, 0.0), np.where(np.isfinite(hi), hi, 0.0)
    span = np.where(hi > lo, hi - lo, 1.0)
    with np.errstate(invalid="ignore"):
        q = (K - lo) * (_Q_MAX / span)
    if has_nan:
        q[nan] = _Q_MAX
    q = np.minimum(q, _Q_MAX, out=q).astype(np.uint32)  # monotone in K
    low16, high16 = (q & 0xFFFF).astype(np.uint16), (q >> 16).astype(np.uint16)
    R = np.empty((d, m), dtype=np.int32)
    first = np.arange(1, m + 1, dtype=np.int32)
    # row by row: 1-D take/scatter are 2-3x faster than take_/put_along_axis
    for i in range(d):
        a = np.argsort(low16[i], kind="stable")  # radix sort (16-bit keys)
        order = a.take(np.argsort(high16[i].take(a), kind="stable"))
        sk = K[i].take(order)
        _sort_within_buckets(sk, order)
        pos = first
        if m > 1:
            same = sk[1:] == sk[:-1]
            if same.any():  # ties: every member gets the position of the first
                pos = first.copy()
                pos[1:][same] = 0
                np.maximum.accumulate(pos, out=pos)
        R[i, order] = pos
    return R.T


def _sort_within_buckets(sk: np.ndarray, order: np.ndarray, passes: int = 8) -> None:
    """Finish sorting ``sk`` in place (``order`` follows), given that only small groups of
    neighbours can be out of order: odd–even transposition (swap the inverted adjacent
    pairs (j, j+1) of even j, then of odd j) on the inverted pairs and the neighbours of the
    last swaps only; a stable sort if a group needs more than ``passes`` passes."""
    m = sk.size
    cand = np.flatnonzero(sk[1:] < sk[:-1])  # j of the inverted pairs (j, j+1)
    for half in range(2 * passes):
        if not cand.size:
            return
        j = cand[(cand & 1) == (half & 1)]
        if j.size:
            sk[j], sk[j + 1] = sk[j + 1], sk[j]  # fancy indexing copies the right side
            order[j], order[j + 1] = order[j + 1], order[j]
            cand = np.unique(np.concatenate([cand, j - 1, j + 1]))
            cand = cand[(cand >= 0) & (cand < m - 1)]
        cand = cand[sk[cand + 1] < sk[cand]]
    if cand.size:
        p = np.argsort(sk, kind="stable")
        sk[:] = sk[p]
        order[:] = order[p]


def _inverted_cdf(R: np.ndarray, qs: tuple[float, ...]) -> tuple[np.ndarray, ...]:
    """Row quantiles by the inverted CDF (the smallest value with share >= q below or at
    it — always a rank that occurred), via one partial sort."""
    d = R.shape[1]
    ks = [min(d - 1, max(0, int(np.ceil(q * d)) - 1)) for q in qs]
    P = np.partition(R, sorted(set(ks)), axis=1)
    return tuple(P[:, k].astype(np.int64) for k in ks)


def _n_jobs(n_jobs: int | None) -> int:
    import os

    if n_jobs is None:
        return 1
    if n_jobs == -1:
        return max(1, os.cpu_count() or 1)
    if n_jobs < 1:
        raise SpecError(f"n_jobs: expected a positive integer or -1, got {n_jobs}")
    return int(n_jobs)


def rank_robustness(
    X: Any,
    weights: Any,
    directions: Any,
    *,
    method: str = "weighted_sum",
    n_draws: int = 1000,
    concentration: float = 100.0,
    seed: int | None = 0,
    weight_draws: Any = None,
    tolerance: int = 0,
    top_k: int | None = None,
    normalisation: str | None = None,
    v: float = 0.5,
    rho: float = 0.5,
    nan_policy: str = "raise",
    chunk: int | None = None,
    n_jobs: int | None = None,
) -> RobustnessResult:
    """Share of weight perturbations under which each alternative keeps its rank.

    ``n_jobs``: threads over chunks of draws (None or 1: one; -1: every core).  The
    result does not depend on it.
    """
    arr, rows, _ = as_matrix(X, allow_nan=True)
    m, n = arr.shape
    w = as_weights(weights, n)
    f = scorer(
        arr,
        directions,
        method=method,
        normalisation=normalisation,
        v=v,
        rho=rho,
        nan_policy=nan_policy,
    )
    if weight_draws is not None:
        W = np.asarray(weight_draws, dtype=float)
        if W.ndim != 2 or W.shape[1] != n:
            raise SpecError(f"weight_draws: expected shape (draws, {n}), got {W.shape}")
        W = W / W.sum(axis=1, keepdims=True)
        kappa, used_seed = None, None
    else:
        if int(n_draws) < 1:
            raise SpecError(f"n_draws: must be >= 1, got {n_draws}")
        if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SpecError(f"seed: expected a non-negative integer or None, got {seed!r}")
        rng = np.random.default_rng(seed)
        W = dirichlet_draws(w, int(n_draws), float(concentration), rng)
        kappa, used_seed = float(concentration), seed
    tolerance = int(tolerance)
    if tolerance < 0:
        raise SpecError(f"tolerance: must be >= 0, got {tolerance}")
    k = int(top_k) if top_k is not None else max(1, int(np.ceil(0.1 * m)))
    if not 1 <= k <= m:
        raise SpecError(f"top_k: must be in [1, {m}], got {top_k}")
    base = _ranks(f(w[None, :]))[:, 0]
    d = W.shape[0]
    # chunk so that one (alternatives × draws) block stays around 16 MB
    step = chunk or max(1, min(d, int(2_000_000 // max(m, 1))))

    # the rank interval needs the ranks themselves: keep the first draws (iid, so a random
    # sample of them) up to ~20 million ranks
    keep_d = int(min(d, max(1, 20_000_000 // max(m, 1))))

    def work(start: int):
        R = _ranks(f(W[start : start + step])).T  # (draws × alternatives), contiguous
        same_ = (R == base).sum(axis=0)
        within_ = same_ if tolerance == 0 else (np.abs(R - base) <= tolerance).sum(axis=0)
        Rf = R.astype(np.float64)
        return (
            R[: max(0, min(step, keep_d - start))].copy(),
            same_,
            within_,
            (R <= k).sum(axis=0),
            R.sum(axis=0, dtype=np.int64),
            (Rf * Rf).sum(axis=0),  # exact: ranks² < 2⁵³ / draws
            R.min(axis=0),
            R.max(axis=0),
        )

    starts = range(0, d, step)
    jobs = _n_jobs(n_jobs)
    if jobs > 1 and len(starts) > 1:
        # numpy's sort and BLAS release the GIL; integer counts make the sums order-free
        from concurrent.futures import ThreadPoolExecutor

        with blas_threads(1), ThreadPoolExecutor(max_workers=jobs) as pool:
            # one BLAS thread per worker: the pool already fills the cores, and a
            # multi-threaded BLAS on top of it oversubscribes them (1.6–1.8× slower)
            parts = list(pool.map(work, starts))
    else:
        parts = [work(s0) for s0 in starts]
    kept = np.ascontiguousarray(np.concatenate([p[0] for p in parts], axis=0).T)
    parts = [p[1:] for p in parts]
    p05, p95 = _inverted_cdf(kept, (0.05, 0.95))
    same = np.sum([p[0] for p in parts], axis=0).astype(float)
    within = np.sum([p[1] for p in parts], axis=0).astype(float)
    topk = np.sum([p[2] for p in parts], axis=0).astype(float)
    s1 = np.sum([p[3] for p in parts], axis=0).astype(float)
    s2 = np.sum([p[4] for p in parts], axis=0)
    lo = np.min([p[5] for p in parts], axis=0).astype(np.int64)
    hi = np.max([p[6] for p in parts], axis=0).astype(np.int64)
    mean = s1 / d
    sd = np.sqrt(np.maximum(s2 / d - mean**2, 0.0))
    return RobustnessResult(
        base,
        same / d,
        within / d,
        topk / d,
        mean,
        sd,
        lo,
        hi,
        d,
        tolerance,
        k,
        kappa,
        used_seed,
        method,
        rows,
        p05,
        p95,
        int(kept.shape[1]),
    )
