"""Random numbers keyed to the entity they decide about (common random numbers by design).

A draw that decides something about one scenario, owner, lab or month is a pure function of
(root seed, purpose, entity keys) — not of its position in a shared stream.  Two policy arms
run with the same seed therefore see the same number for the same decision, and differ only
where the policy makes them differ: one extra scenario in one arm shifts nothing else.

* :func:`uniform` — vectorised U[0, 1) from a SplitMix64 hash of the keys (Steele, Lea &
  Flood 2014, the finaliser used to seed xoshiro generators), for yes/no decisions and picks;
* :func:`generator` — a numpy ``Generator`` seeded from the same keys, for a small batch of
  draws from other distributions (a new scenario's attributes, an arriving firm).

Firm-level draws each step (diffusion) come from fixed-size blocks instead (``diffusion.py``):
position in the block is the firm index, which is the same key.
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def purpose_key(purpose: str) -> int:
    """A stable 32-bit key for a purpose name (the same on every platform and run)."""
    return zlib.crc32(purpose.encode("utf-8"))


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on uint64 arrays (wrapping arithmetic is intended)."""
    with np.errstate(over="ignore"):
        z = z + _GOLD
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def hash_keys(seed: int, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
    """uint64 hash of (seed, purpose, keys...) broadcast over the key arrays."""
    h = _mix(np.array([(int(seed) & 0xFFFFFFFFFFFFFFFF)], dtype=np.uint64))
    h = _mix(h ^ np.uint64(purpose_key(purpose)))
    for k in keys:
        arr = np.asarray(k).astype(np.int64).astype(np.uint64)
        h = _mix(h ^ _mix(arr))
    return h


def uniform(seed: int, purpose: str, *keys: np.ndarray | int) -> np.ndarray:
    """U[0, 1) for each entity: 53 random bits of the keys' hash."""
    return (hash_keys(seed, purpose, *keys) >> np.uint64(11)).astype(np.float64) * 2.0**-53


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

    def generator(self, purpose: str, *keys: int) -> np.random.Generator:
        return generator(self.seed, purpose, *keys)

    def key(self, purpose: str, *keys: int) -> np.uint64:
        """A 64-bit entity key (e.g. a scenario's), for keying its later draws."""
        return hash_keys(self.seed, purpose, *keys)[0]
