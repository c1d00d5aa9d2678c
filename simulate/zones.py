"""Candidate super-scenario zones (全区域) and the rule that makes one a super scenario.

Each zone has a theme (scenarios_data/programme.toml: the eight super scenarios of [QD2026]
and the low-altitude economy base, each with the domains its theme covers; unnamed further
candidate zones cover every domain).  A zone becomes a super scenario once

* at least ``min_demonstrations`` scenarios *on its theme* (located in the zone, of a domain
  the theme covers) have been demonstrated, and
* at least ``min_adopters`` firms located in the zone have adopted a demonstrated technology of
  a theme domain;

the status, once reached, is kept.  Unrelated pilots that happen to sit in a zone do not count.
"""

from __future__ import annotations

import numpy as np
from .programme import Zone


class Zones:
    def __init__(self, zones: list[Zone], n_domains: int) -> None:
        self.zones = zones
        self.n = len(zones)
        self.demonstrations = np.zeros(self.n, dtype=np.int64)   # on-theme demonstrations
        self.adopters = np.zeros(self.n, dtype=np.int64)         # on-theme adopters located here
        self.is_super = np.zeros(self.n, dtype=bool)
        self.super_since = np.full(self.n, -(10**6), dtype=np.int64)
        # theme[z, d]: zone z's theme covers domain d
        self.theme = np.zeros((self.n, n_domains), dtype=bool)
        for i, z in enumerate(zones):
            self.theme[i, list(z.domains)] = True
        # zones_for[d]: zones whose theme covers domain d (may be empty)
        self.zones_for = [np.flatnonzero(self.theme[:, d]).astype(np.int16)
                          for d in range(n_domains)]

    def on_theme(self, zone: np.ndarray, domain: np.ndarray) -> np.ndarray:
        """True where ``zone`` is a candidate zone whose theme covers ``domain``."""
        zone = np.asarray(zone)
        ok = zone >= 0
        out = np.zeros(zone.shape, dtype=bool)
        out[ok] = self.theme[zone[ok], np.asarray(domain)[ok]]
        return out

    def draw_for(self, domain: int, zone_share: float, u_zone: float, u_pick: float) -> int:
        """A zone for one new need: with probability ``zone_share`` one of the zones whose
        theme covers its domain (uniformly), else −1 (elsewhere in the city)."""
        choices = self.zones_for[int(domain)]
        if u_zone >= zone_share or choices.size == 0:
            return -1
        return int(choices[int(u_pick * choices.size)])

    def add_demonstrations(self, zone: np.ndarray, domain: np.ndarray) -> None:
        on = self.on_theme(zone, domain)
        np.add.at(self.demonstrations, np.asarray(zone)[on], 1)

    def add_adopters(self, firm_zone: np.ndarray, firm_domain: np.ndarray) -> None:
        """Count firms that just adopted a demonstrated technology (incremental form of the
        recount in :meth:`update`: firms never un-adopt)."""
        located = self.on_theme(firm_zone, firm_domain)
        self.adopters += np.bincount(np.asarray(firm_zone)[located], minlength=self.n)[: self.n]

    def update_status(self, month: int, min_demonstrations: int, min_adopters: int) -> None:
        """Zones that reach both thresholds become super scenarios (and stay so)."""
        now = (self.demonstrations >= min_demonstrations) & (self.adopters >= min_adopters)
        newly = now & ~self.is_super
        self.super_since[newly] = month
        self.is_super |= now

    def update(self, firm_zone: np.ndarray, firm_domain: np.ndarray, adopted_demonstrated:
               np.ndarray, month: int, min_demonstrations: int, min_adopters: int) -> None:
        located = adopted_demonstrated & self.on_theme(firm_zone, firm_domain)
        self.adopters = np.bincount(firm_zone[located], minlength=self.n)[: self.n]
        self.update_status(month, min_demonstrations, min_adopters)
