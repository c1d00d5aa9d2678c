"""Scenario labs (场景实验室): capacity-limited testbeds certified in batches and funded by
annual grants; a pilot hosted in a lab is cheaper and more likely to succeed."""

from __future__ import annotations

import numpy as np
from .config import DOMAINS, LabsSection
from .ledger import BudgetLedger


class LabNetwork:
    """Labs in certification order.  A lab's domain is keyed to its certification number, so
    the first k labs are the same in every policy arm.  Grants are paid, and pilots assigned,
    in certification order (older labs first): a documented rule, not a random choice."""

    def __init__(self, cfg: LabsSection, domain_shares: np.ndarray, keyed, initial: int) -> None:
        self.cfg = cfg
        self._cdf = np.cumsum(domain_shares / domain_shares.sum())
        self._keyed = keyed
        self.domain = np.empty(0, dtype=np.int8)
        self.busy = np.empty(0, dtype=np.int16)
        self.funded = np.empty(0, dtype=bool)   # grant paid this year → may host pilots
        self.certified_total = 0
        self.certify(initial)

    @property
    def n(self) -> int:
        return self.domain.shape[0]

    def certify(self, k: int) -> None:
        u = self._keyed.uniform("lab_domain", np.arange(self.certified_total,
                                                         self.certified_total + k))
        doms = np.minimum(np.searchsorted(self._cdf, u, side="right"),
                          len(DOMAINS) - 1).astype(np.int8)
        self.domain = np.concatenate([self.domain, doms])
        self.busy = np.concatenate([self.busy, np.zeros(k, dtype=np.int16)])
        self.funded = np.concatenate([self.funded, np.zeros(k, dtype=bool)])
        self.certified_total += k

    def fund_year(self, ledger: BudgetLedger, share_of_year: float = 1.0,
                  which: np.ndarray | None = None) -> None:
        """Commit and pay the grants of the given labs (all by default) while money lasts."""
        which = np.arange(self.n) if which is None else which
        grant = self.cfg.grant_yuan_per_year * share_of_year
        self.funded[which] = False
        if grant <= 0:
            self.funded[which] = True
            return
        affordable = int(min(which.size, ledger.accounts["lab_grants"].available // grant))
        if affordable:
            ledger.commit("lab_grants", affordable * grant)
            ledger.pay("lab_grants", affordable * grant)
            self.funded[which[:affordable]] = True

    def certify_batch(self, ledger: BudgetLedger, months_left_in_year: int) -> int:
        """Certify a new batch if this year's lab envelope can fund it; returns labs added."""
        share = months_left_in_year / 12.0
        grant = self.cfg.grant_yuan_per_year * share
        k = self.cfg.batch_size
        if grant > 0:
            k = int(min(k, ledger.accounts["lab_grants"].available // grant))
        if k <= 0:
            return 0
        start = self.n
        self.certify(k)
        self.fund_year(ledger, share, np.arange(start, self.n))
        return k

    def assign(self, domain: int) -> int:
        """A funded lab of ``domain`` with free capacity (−1 if none); marks it busier."""
        free = np.flatnonzero((self.domain == domain) & self.funded
                              & (self.busy < self.cfg.capacity))
        if free.size == 0:
            return -1
        lab = int(free[0])
        self.busy[lab] += 1
        return lab

    def free(self, labs: np.ndarray) -> None:
        labs = labs[labs >= 0]
        np.subtract.at(self.busy, labs, 1)
