"""Demonstrated technologies and their Bass-type diffusion through the firm population.

Each successful supplier in a demonstrated scenario contributes one technology to the
:class:`TechnologyRegistry`.  Potential adopters (the Bass market potential m of their
domain) adopt with a per-step hazard

    h_i = (p + q * I_i) * dt          ("linear": the discrete Bass recursion), or
    h_i = 1 - exp(-(p + q * I_i) * dt) ("exponential"),

where p, q are annual rates, dt is the step in years and the internal influence I_i mixes the
adopting share of firm i's network neighbours with the adopting share of its domain
(``network_weight``).  An adopter takes one of its domain's demonstrated technologies at
random and pays its current cost, which falls along a learning curve
(cost = cost0 * (1 + adopters)^(-b), b = -log2(1 - learning_rate)); a firm whose finance limit
is below that cost waits.  With one domain, ``network_weight = 0``, no cost and seeded
adopters, the expected adopting share follows F(t+1) = F + (p + qF)(1 - F) exactly.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from changjing.simulate.config import DiffusionSection
from changjing.simulate.firms import FirmPopulation


class TechnologyRegistry:
    def __init__(self) -> None:
        self.supplier = np.empty(0, dtype=np.int64)
        self.domain = np.empty(0, dtype=np.int8)
        self.zone = np.empty(0, dtype=np.int16)
        self.scenario = np.empty(0, dtype=np.int64)
        self.demo_month = np.empty(0, dtype=np.int64)
        self.procured = np.empty(0, dtype=bool)
        self.adopters = np.empty(0, dtype=np.int64)
        self.promoted_month = np.empty(0, dtype=np.int64)  # -10**6: not promoted

    @property
    def n(self) -> int:
        return self.supplier.shape[0]

    def add(self, suppliers: np.ndarray, domain: np.ndarray, zone: np.ndarray,
            scenario: np.ndarray, month: int) -> None:
        k = suppliers.shape[0]
        self.supplier = np.concatenate([self.supplier, suppliers])
        self.domain = np.concatenate([self.domain, domain.astype(np.int8)])
        self.zone = np.concatenate([self.zone, zone.astype(np.int16)])
        self.scenario = np.concatenate([self.scenario, scenario])
        self.demo_month = np.concatenate([self.demo_month, np.full(k, month)])
        self.procured = np.concatenate([self.procured, np.zeros(k, dtype=bool)])
        self.adopters = np.concatenate([self.adopters, np.zeros(k, dtype=np.int64)])
        self.promoted_month = np.concatenate([self.promoted_month, np.full(k, -(10**6))])

    def update_promotion(self, month: int, min_adopters: int) -> None:
        """A technology is promoted into application once it has been demonstrated and then
        procured by its owner or adopted by at least ``min_adopters`` other firms."""
        now = self.procured | (self.adopters >= min_adopters)
        newly = now & (self.promoted_month == -(10**6))
        self.promoted_month[newly] = month

    def promoted_since(self, month: int) -> int:
        return int(np.count_nonzero(self.promoted_month >= month))


def seed_adopters(firms: FirmPopulation, share: float, rng: np.random.Generator) -> None:
    """Docking set-up: mark a share of each domain's potential adopters as adopters."""
    pot = np.flatnonzero(firms.potential[: firms.n])
    pick = pot[rng.random(pot.size) < share]
    firms.adopted[pick] = True
    firms.adopted_tech[pick] = -1


def diffusion_step(firms: FirmPopulation, network: sp.csr_matrix, degree: np.ndarray,
                   techs: TechnologyRegistry, cfg: DiffusionSection, dt_years: float,
                   n_domains: int, rng: np.random.Generator) -> np.ndarray:
    """Advance adoption by one step; returns the indices of new adopters."""
    cap = firms.capacity
    # Fixed-size draws whatever the state: policy arms stay on common random numbers.
    u_adopt = rng.random(cap)
    u_choice = rng.random(cap)
    n = firms.n
    dom = firms.domain[:n].astype(np.int64)
    pot = firms.potential[:n]
    adopted = firms.adopted[:n]
    m = np.bincount(dom[pot], minlength=n_domains).astype(np.float64)
    a = np.bincount(dom[pot & adopted], minlength=n_domains).astype(np.float64)
    share_domain = np.divide(a, m, out=np.zeros(n_domains), where=m > 0)
    n_tech = np.bincount(techs.domain.astype(np.int64), minlength=n_domains)
    open_domain = n_tech > 0 if cfg.require_demonstration else np.ones(n_domains, dtype=bool)
    internal = share_domain[dom]
    if cfg.network_weight > 0 and network.nnz:
        deg = degree[:n]
        nbr = (network @ firms.adopted.astype(np.float64))[:n]
        share_nbr = np.divide(nbr, deg, out=internal.copy(), where=deg > 0)
        internal = cfg.network_weight * share_nbr + (1 - cfg.network_weight) * internal
    rate = (cfg.p_per_year + cfg.q_per_year * internal) * dt_years
    hazard = np.minimum(rate, 1.0) if cfg.hazard == "linear" else -np.expm1(-rate)
    candidates = pot & ~adopted & open_domain[dom] & (u_adopt[:n] < hazard)
    new = np.flatnonzero(candidates)
    if new.size == 0:
        return new
    if techs.n == 0:
        firms.adopted[new] = True
        return new
    # Pick a technology of the adopter's domain at random, then check affordability.
    order = np.argsort(techs.domain, kind="stable")
    starts = np.searchsorted(techs.domain[order], np.arange(n_domains))
    counts = n_tech
    d_new = dom[new]
    has = counts[d_new] > 0
    if not has.all():  # domains without technology (docking seeds) adopt without one
        firms.adopted[new[~has]] = True
        new_free, new = new[~has], new[has]
        d_new = d_new[has]
    else:
        new_free = new[:0]
    choice = order[starts[d_new] + (u_choice[new] * counts[d_new]).astype(np.int64)]
    b = -np.log2(1.0 - cfg.learning_rate)
    cost = cfg.adoption_cost_yuan * (1.0 + techs.adopters[choice]) ** (-b)
    ok = firms.finance[new] >= cost
    new, choice = new[ok], choice[ok]
    firms.adopted[new] = True
    firms.adopted_tech[new] = choice
    techs.adopters += np.bincount(choice, minlength=techs.n)
    return np.concatenate([new_free, new])
