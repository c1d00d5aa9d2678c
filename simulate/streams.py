"""Named, independent random streams derived from one root seed.

Each process of the model (firm generation, solicitation, matching, diffusion, …) draws from its
own ``numpy.random.Generator``, spawned from ``SeedSequence(seed)`` with a key derived from the
stream's name.  A change in how much one process draws therefore never shifts another's
numbers, which keeps policy arms on common random numbers; diffusion also draws a fixed-size
block per step for the same reason.  Seeds are plain ``int`` (see docs/model.md).
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    """``streams["matching"]`` → the Generator for that process, created on first use."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._streams:
            key = zlib.crc32(name.encode("utf-8"))  # stable across runs and platforms
            seq = np.random.SeedSequence(self.seed, spawn_key=(key,))
            self._streams[name] = np.random.Generator(np.random.PCG64(seq))
        return self._streams[name]
