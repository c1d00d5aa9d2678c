"""Random numbers keyed to the entity they decide about (common random numbers by design).

A draw that decides something about one scenario, owner, lab or month is a pure function of
(root seed, purpose, entity keys) — not of its position in a shared stream.  Two policy arms
run with the same seed therefore see the same number for the same decision, and differ only
where the policy makes them differ: one extra scenario in one arm shifts nothing else.

* :func:`uniform` — vectorised U[0, 1) from a SplitMix64 hash of the keys (Steele, Lea &
  Flood 2014, the finaliser used to seed xoshiro generators), for yes/no decisions and picks;
* :func:`poisson_quantile` and inverse distribution functions turn such uniforms into counts
  and attributes (every owner's needs of a month in one vectorised call);
* :func:`generator` — a numpy ``Generator`` seeded from the same keys, for a batch of draws
  from other distributions (an owner's temperament, the arriving firms of a month).

Firm-level draws each step (diffusion) come from fixed-size blocks instead (``diffusion.py``):
position in the block is the firm index, which is the same key.
"""

from __future__ import annotations

import functools
import math
import zlib
from typing import Any

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def purpose_key(purpose: str) -> int:
    """A stable 32-bit key for a purpose name (the same on every platform and run)."""
    return zlib.crc32(purpose.encode("utf-8"))


_MASK = 0xFFFFFFFFFFFFFFFF
_M1_INT, _M2_INT, _GOLD_INT = int(_M1), int(_M2), int(_GOLD)


_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic is intended; array
    arithmetic on unsigned integers wraps without a warning).  After the first operation the
    array is the function's own, so the rest works in place."""
    z = z + _GOLD
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


_SMALL = 1 << 16
_MIXED_SMALL = _mix(np.arange(_SMALL, dtype=np.uint64))   # _mix of the keys 0 .. 65535


def _mix_key(a: np.ndarray) -> np.ndarray:
    """``_mix`` of an array of keys: looked up for small non-negative integers (counters,
    owner and slot numbers), computed otherwise — the same values."""
    if a.dtype.kind in "iu" and 0 < a.size <= 4096 and a.dtype != np.uint64:
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi < _SMALL:
            return _MIXED_SMALL[a]
    return _mix(_as_u64(a))


def _as_u64(a: np.ndarray) -> np.ndarray:
    """Keys as uint64: a key is taken as a 64-bit two's-complement integer (a view when
    they are 64-bit already)."""
    if a.dtype == np.uint64:
        return a
    if a.dtype != np.int64:
        a = a.astype(np.int64)
    return a.view(np.uint64)


def _mix_int(z: int) -> int:
    """The same finaliser on one Python int (64-bit wrap by masking).  A scalar key costs a
    few integer operations instead of a dozen numpy calls on one-element arrays."""
    z = (z + _GOLD_INT) & _MASK
    z = ((z ^ (z >> 30)) * _M1_INT) & _MASK
    z = ((z ^ (z >> 27)) * _M2_INT) & _MASK
    return z ^ (z >> 31)


@functools.lru_cache(maxsize=4096)
def _prefix(seed: int, purpose: str) -> int:
    """Hash of (seed, purpose): the same for every draw of a purpose, so computed once."""
    return _mix_int(_mix_int(seed & _MASK) ^ purpose_key(purpose))


def hash_keys(seed: int, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
    """uint64 hash of (seed, purpose, keys...) broadcast over the key arrays.

    Scalar keys are folded in with Python integers and array keys with numpy; both compute
    the same 64-bit values (a key is taken as a 64-bit two's-complement integer)."""
    h = _prefix(int(seed), purpose)
    arr: np.ndarray | None = None
    for k in keys:
        if not isinstance(k, (np.ndarray, list, tuple)) or np.ndim(k) == 0:
            c = _mix_int(int(k) & _MASK)
            if arr is None:
                h = _mix_int(h ^ c)
            else:
                arr = _mix(arr ^ np.uint64(c))
        else:
            a = _mix_key(np.asarray(k))
            arr = _mix((np.uint64(h) if arr is None else arr) ^ a)
    return np.array([h], dtype=np.uint64) if arr is None else arr


def hash_more(h: np.ndarray, *keys: np.ndarray | int) -> np.ndarray:
    """Continue a hash from :func:`hash_keys` with more keys:
    ``hash_more(hash_keys(s, p, a), b) == hash_keys(s, p, a, b)`` (a shared prefix of many
    draws, e.g. the invitations of one domain's events in a month, is hashed once)."""
    arr = np.asarray(h, dtype=np.uint64)
    for k in keys:
        if not isinstance(k, (np.ndarray, list, tuple)) or np.ndim(k) == 0:
            arr = _mix(arr ^ np.uint64(_mix_int(int(k) & _MASK)))
        else:
            arr = _mix(arr ^ _mix_key(np.asarray(k)))
    return arr


def to_uniform(h: np.ndarray) -> np.ndarray:
    """U[0, 1) from hashes (53 random bits), as :func:`uniform` makes them."""
    return (h >> _S11).astype(np.float64) * 2.0**-53


def uniform(seed: int, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
    """U[0, 1) for each entity: 53 random bits of the keys' hash."""
    if not any(isinstance(k, (np.ndarray, list, tuple)) for k in keys):
        return np.array([uniform_scalar(seed, purpose, *keys)])  # type: ignore[arg-type]
    return (hash_keys(seed, purpose, *keys) >> _S11).astype(np.float64) * 2.0**-53


def uniform_scalar(seed: int, purpose: str, *keys: int) -> float:
    """:func:`uniform` of scalar keys, as a float (the same value, without numpy)."""
    h = _prefix(int(seed), purpose)
    for k in keys:
        h = _mix_int(h ^ _mix_int(int(k) & _MASK))
    return (h >> 11) * 2.0**-53


def poisson_quantile(u: np.ndarray, mu: np.ndarray | float) -> np.ndarray:
    """Poisson(mu) by inversion of a uniform: the smallest k with P(K <= k) > u (int64).

    Lets a keyed uniform stand for a Poisson count, so that many counts (every owner's needs
    of a month, every domain's arrivals) come from one vectorised draw."""
    u = np.asarray(u, dtype=np.float64)
    if np.ndim(mu) == 0:                 # one rate: its table, cached
        return np.searchsorted(_poisson_cdf(float(mu)), u, side="right").astype(np.int64)
    if np.size(mu) == u.size <= 16:
        # a few counts (the domains' arrivals of a month, at rates that change every month):
        # the distribution function summed only as far as each uniform needs it, with the
        # same terms in the same order as _poisson_cdf (so the same counts)
        mus = np.broadcast_to(np.asarray(mu, dtype=np.float64), u.shape).ravel().tolist()
        flat = [_poisson_scalar(ui, mi) for ui, mi in zip(u.ravel().tolist(), mus,
                                                          strict=True)]
        return np.array(flat, dtype=np.int64).reshape(u.shape)
    mu_arr = np.broadcast_to(np.asarray(mu, dtype=np.float64), u.shape)
    out = np.zeros(u.shape, dtype=np.int64)
    for m in np.unique(mu_arr):          # a few distinct rates (owner kinds, domains)
        rows = mu_arr == m
        out[rows] = np.searchsorted(_poisson_cdf(float(m)), u[rows], side="right")
    return out


def _poisson_scalar(u: float, mu: float) -> int:
    """``searchsorted(_poisson_cdf(mu), u, side="right")`` for one uniform, summing the
    distribution function only up to the count (cached tables when the rate has one)."""
    if mu <= 0:
        return 0
    cached = _poisson_cdf_cached(mu)
    if cached is not None:
        return int(np.searchsorted(cached, u, side="right"))
    top = int(mu + 12.0 * math.sqrt(mu) + 25.0)
    log_mu, cdf = math.log(mu), 0.0
    for k in range(top):
        cdf += math.exp(k * log_mu - mu - math.lgamma(k + 1.0))
        if cdf > u:
            return k
    return top


def _poisson_cdf_cached(mu: float) -> np.ndarray | None:
    """The cached table of ``mu`` if :func:`_poisson_cdf` has one (no new entry)."""
    return _CDF_SEEN.get(mu)


_CDF_SEEN: dict[float, np.ndarray] = {}


@functools.lru_cache(maxsize=4096)
def _poisson_cdf(mu: float) -> np.ndarray:
    """P(K <= k) for k = 0, 1, ... until the tail is below 1e-16 of it."""
    if mu <= 0:
        return np.ones(1)
    top = int(mu + 12.0 * math.sqrt(mu) + 25.0)
    pmf = [math.exp(k * math.log(mu) - mu - math.lgamma(k + 1.0)) for k in range(top)]
    cdf = np.cumsum(pmf)
    cdf.flags.writeable = False
    if len(_CDF_SEEN) < 4096:
        _CDF_SEEN[mu] = cdf
    return cdf


def generator(seed: int, purpose: str, *keys: int) -> np.random.Generator:
    """A generator for one entity's draws (independent of every other entity's)."""
    words = [int(seed) & 0xFFFFFFFF, (int(seed) >> 32) & 0xFFFFFFFF, purpose_key(purpose)]
    words += [int(k) & 0xFFFFFFFF for k in keys]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


class KeyedRandom:
    """The model's keyed draws, bound to its root seed: ``model.keyed.uniform("success", ids)``."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)

    def uniform(self, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
        return uniform(self.seed, purpose, *keys)

    def uniform_scalar(self, purpose: str, *keys: int) -> float:
        return uniform_scalar(self.seed, purpose, *keys)

    def generator(self, purpose: str, *keys: int) -> np.random.Generator:
        return generator(self.seed, purpose, *keys)

    def hash_keys(self, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
        """64-bit entity keys for many entities at once (``key`` broadcast over arrays)."""
        return hash_keys(self.seed, purpose, *keys)

    def key(self, purpose: str, *keys: np.ndarray | int) -> Any:
        """A 64-bit entity key (e.g. a scenario's), for keying its later draws: a
        ``np.uint64`` for scalar keys, an array of them when a key is an array."""
        h = hash_keys(self.seed, purpose, *keys)
        return h if any(isinstance(k, (np.ndarray, list, tuple)) for k in keys) else h[0]
