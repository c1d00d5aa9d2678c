"""Candidate super-scenario zones (全区域) and the rule that makes one a super scenario.

A zone becomes a super scenario once it has at least ``min_demonstrations`` successfully
demonstrated scenarios *and* at least ``min_adopters`` adopting firms located in it; the
status, once reached, is kept.
"""

from __future__ import annotations

import numpy as np
from changjing.simulate.programme import Zone


class Zones:
    def __init__(self, zones: list[Zone], n_domains: int) -> None:
        self.zones = zones
        self.n = len(zones)
        self.demonstrations = np.zeros(self.n, dtype=np.int64)
        self.adopters = np.zeros(self.n, dtype=np.int64)
        self.is_super = np.zeros(self.n, dtype=bool)
        self.super_since = np.full(self.n, -(10**6), dtype=np.int64)
        # zones_for[d]: zones whose theme includes domain d (fallback: all zones)
        self.zones_for = []
        for d in range(n_domains):
            match = [i for i, z in enumerate(zones) if d in z.domains]
            self.zones_for.append(np.array(match or list(range(self.n)), dtype=np.int16))

    def draw_for(self, domains: np.ndarray, zone_share: float,
                 rng: np.random.Generator) -> np.ndarray:
        """A zone for each new need: with probability ``zone_share`` one of the zones whose
        theme covers its domain, else −1 (elsewhere in the city)."""
        k = domains.shape[0]
        u = rng.random(k)
        pick = rng.random(k)
        out = np.full(k, -1, dtype=np.int16)
        if self.n == 0:
            return out
        for i in np.flatnonzero(u < zone_share):
            choices = self.zones_for[int(domains[i])]
            out[i] = choices[int(pick[i] * choices.size)]
        return out

    def update(self, firm_zone: np.ndarray, adopted: np.ndarray, month: int,
               min_demonstrations: int, min_adopters: int) -> None:
        located = (firm_zone >= 0) & adopted
        self.adopters = np.bincount(firm_zone[located], minlength=self.n)[: self.n]
        now = (self.demonstrations >= min_demonstrations) & (self.adopters >= min_adopters)
        newly = now & ~self.is_super
        self.super_since[newly] = month
        self.is_super |= now
