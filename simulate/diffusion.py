"""Demonstrated technologies and their diffusion, technology by technology, through markets.

Each supplier of a successful pilot brings one technology to the :class:`TechnologyRegistry`.
A technology belongs to its supplier's *market*: the supplier's industry (default,
``diffusion.market_scope = "industry"``; the industries of each domain action are listed in
scenarios_data/programme.toml) or its whole domain (``"domain"``, the docking set-up).
Potential adopters of a market (the Bass market potential m) that have not adopted adopt one of
its technologies with the per-step hazard

    h_i = (p + q * I_i) * dt              ("linear": the discrete Bass recursion), or
    h_i = 1 - exp(-(p + q * I_i) * dt)    ("exponential"),

p, q annual, dt the step in years; p is raised by ``local_demonstration_gain`` for a firm
located in a zone where a technology of its market was demonstrated.  Internal influence stays inside the market:
``I_i = w * (adopting share of i's neighbours in the same market) + (1 - w) * (adopting share of
the market's potential adopters)``, ``w = network_weight``; neighbours in other markets carry no
word of mouth about this market's technologies (a firm with no same-market neighbour uses the
market share alone).  Which technology a new adopter takes follows the source of its hazard:

* external influence (share p / (p + q I_i)) — one of the market's technologies uniformly;
* word of mouth from the network — the technology of a randomly drawn adopting neighbour;
* word of mouth in the market — a technology drawn in proportion to its adopters,

so technologies of one market compete and a demonstration lifts its own technology, not every
technology of its domain.  The adopter pays the technology's current price, which falls along a
learning curve with that technology's adopters (price = cost0 * (1 + adopters)^(-b),
b = -log2(1 - learning_rate)); a firm whose finance limit (what it can put into one project)
is below the price waits, and a supplier never adopts its own technology.  Payments are
recorded as the technology's revenue.

Docking: one market per domain, ``network_weight = 0``, no price, seeded adopters and no
demonstration requirement give E[F(t+1)] = F + (p + qF)(1 - F) per market exactly.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from .config import DiffusionSection
from .firms import FirmPopulation

NOT_PROMOTED = -(10**6)


class TechnologyRegistry:
    """Column-wise record of demonstrated technologies (one row a technology)."""

    def __init__(self) -> None:
        self.supplier = np.empty(0, dtype=np.int64)
        self.domain = np.empty(0, dtype=np.int8)
        self.market = np.empty(0, dtype=np.int64)
        self.zone = np.empty(0, dtype=np.int16)
        self.scenario = np.empty(0, dtype=np.int64)
        self.demo_month = np.empty(0, dtype=np.int64)
        self.procured = np.empty(0, dtype=bool)
        self.adopters = np.empty(0, dtype=np.int64)       # independent adopting firms
        self.revenue = np.empty(0, dtype=np.float64)      # yuan paid by adopters
        self.promoted_month = np.empty(0, dtype=np.int64)

    @property
    def n(self) -> int:
        return self.supplier.shape[0]

    def add(self, suppliers: np.ndarray, domain: np.ndarray, market: np.ndarray,
            zone: np.ndarray, scenario: np.ndarray, month: int) -> None:
        k = suppliers.shape[0]

        def cat(name: str, values: np.ndarray) -> None:
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.asarray(values).astype(old.dtype)]))

        cat("supplier", suppliers)
        cat("domain", domain)
        cat("market", market)
        cat("zone", zone)
        cat("scenario", scenario)
        cat("demo_month", np.full(k, month))
        cat("procured", np.zeros(k, dtype=bool))
        cat("adopters", np.zeros(k, dtype=np.int64))
        cat("revenue", np.zeros(k))
        cat("promoted_month", np.full(k, NOT_PROMOTED))

    def update_promotion(self, month: int, min_adopters: int) -> None:
        """A technology is promoted into application (应用推广) once it has been demonstrated and
        then procured by its owner (先试后转) or adopted by ``min_adopters`` independent firms."""
        now = self.procured | (self.adopters >= min_adopters)
        newly = now & (self.promoted_month == NOT_PROMOTED)
        self.promoted_month[newly] = month

    def promoted_since(self, month: int) -> int:
        return int(np.count_nonzero(self.promoted_month >= month))


def same_market_network(network: sp.csr_matrix, market: np.ndarray) -> sp.csr_matrix:
    """The network's ties between firms of the same market (built once: markets are fixed).

    Filters the CSR arrays in place of a COO round trip: row order and the sorted column
    order within a row are kept.  (The model draws the same-market ties directly with
    ``build_network(..., within=market)``, which gives the same matrix.)"""
    if network.nnz == 0:
        return network                 # no ties (docking): nothing to filter
    indptr, indices = network.indptr, network.indices
    rows = np.repeat(np.arange(network.shape[0], dtype=indices.dtype), np.diff(indptr))
    keep = market[rows] == market[indices]
    counts = np.bincount(rows[keep], minlength=network.shape[0])
    new_indptr = np.zeros(network.shape[0] + 1, dtype=indptr.dtype)
    np.cumsum(counts, out=new_indptr[1:])
    out = sp.csr_matrix((network.data[keep], indices[keep], new_indptr), shape=network.shape)
    out.has_sorted_indices = network.has_sorted_indices
    return out


def seed_adopters(firms: FirmPopulation, share: float, rng: np.random.Generator) -> np.ndarray:
    """Docking set-up: mark a share of the potential adopters as (technology-less) adopters."""
    pot = np.flatnonzero(firms.potential[: firms.n])
    pick = pot[rng.random(pot.size) < share]
    firms.adopted[pick] = True
    firms.adopted_tech[pick] = -1
    return pick


class Diffusion:
    """Adoption state kept across steps, so that a step costs one draw and a few passes.

    Held here, updated by the new adopters of each step rather than recounted: potential
    adopters and adopters per market, adopting same-market neighbours per firm, and the
    zone x market table of local demonstrations (extended as technologies are demonstrated).
    Firms adopt only through :meth:`step` (and :func:`seed_adopters` before the first step);
    arrivals are announced with :meth:`add_firms`.

    ``market`` is each firm slot's market (kept as the platform integer: a gather with it is
    faster than with a narrow integer, which numpy converts first); ``network`` holds
    same-market ties only (see :func:`same_market_network`), symmetric.
    """

    def __init__(self, firms: FirmPopulation, market: np.ndarray, n_markets: int,
                 network: sp.csr_matrix, n_zones: int = 0) -> None:
        self.firms, self.n_markets, self.n_zones = firms, n_markets, n_zones
        self.market = np.asarray(market, dtype=np.intp)
        self.network = network
        n = firms.n
        pot, adopted = firms.potential[:n], firms.adopted[:n]
        mkt = self.market[:n]
        self.m = np.bincount(mkt[pot], minlength=n_markets).astype(np.int64)
        self.a = np.bincount(mkt[pot & adopted], minlength=n_markets).astype(np.int64)
        # potential adopters that have not adopted (kept as they adopt or arrive)
        self.waiting = firms.potential & ~firms.adopted
        self.uses_network = network.nnz > 0
        if self.uses_network:
            self.degree = np.diff(network.indptr).astype(np.float64)
            self.nbr = network @ firms.adopted.astype(np.float64)   # adopting neighbours
        # zone_row: the firm's zone, or n_zones for "elsewhere"; shown[zone_row, market]
        self.zone_row = np.where(firms.zone >= 0, firms.zone, n_zones).astype(np.intp)
        self.shown = np.zeros((n_zones + 1, n_markets), dtype=bool)
        self.shown_any = np.zeros(n_markets, dtype=bool)   # shown in some zone
        self._techs_seen = 0

    def add_firms(self, idx: np.ndarray) -> None:
        """Firms that just arrived (they join no network ties)."""
        firms = self.firms
        self.zone_row[idx] = np.where(firms.zone[idx] >= 0, firms.zone[idx], self.n_zones)
        self.waiting[idx] = firms.potential[idx] & ~firms.adopted[idx]
        pot = idx[firms.potential[idx]]
        self.m += np.bincount(self.market[pot], minlength=self.n_markets)
        self.a += np.bincount(self.market[pot[firms.adopted[pot]]], minlength=self.n_markets)

    def _see_technologies(self, techs: TechnologyRegistry) -> None:
        k = self._techs_seen
        if techs.n > k:
            placed = techs.zone[k:] >= 0
            self.shown[techs.zone[k:][placed], techs.market[k:][placed]] = True
            self.shown_any[techs.market[k:][placed]] = True
            self._techs_seen = techs.n

    def step(self, techs: TechnologyRegistry, cfg: DiffusionSection, dt_years: float,
             rng: np.random.Generator) -> np.ndarray:
        """Advance adoption by one step; returns the indices of new adopters.

        One uniform per firm slot and step, the firm index as key (a fixed-size block: common
        random numbers).  A firm adopts when u < h_i; then v = u / h_i is again uniform on
        [0, 1) and independent of the decision, and picks the source of the adoption and the
        technology (:func:`_take_technologies`).  The hazard is computed exactly only for
        firms under a per-market upper bound of it (a firm above the bound cannot adopt), so
        the per-firm work covers the few candidates, not the population.
        """
        firms, n_markets = self.firms, self.n_markets
        u = rng.random(firms.capacity)
        n = firms.n
        mkt = self.market[:n]
        share_market = np.divide(self.a, self.m, out=np.zeros(n_markets), where=self.m > 0)
        n_tech = np.bincount(techs.market, minlength=n_markets)
        open_market = n_tech > 0 if cfg.require_demonstration else np.ones(n_markets, bool)
        p, q, w = cfg.p_per_year, cfg.q_per_year, cfg.network_weight
        use_net = w > 0 and self.uses_network
        local = cfg.local_demonstration_gain > 0 and self.n_zones > 0 and techs.n > 0
        if local:
            self._see_technologies(techs)
        # upper bound of the rate per market: the neighbours' share is at most 1
        p_max = p * (1 + cfg.local_demonstration_gain * self.shown_any) if local else p
        internal_max = (w + (1 - w) * share_market) if use_net else share_market
        h_max = _hazard((p_max + q * internal_max) * dt_years, cfg.hazard)
        h_max[~open_market] = -1.0                      # closed market: nobody adopts
        cand = np.flatnonzero((u[:n] < h_max[mkt]) & self.waiting[:n])
        if cand.size == 0:
            return cand
        m_c = mkt[cand]
        internal = share_market[m_c]
        share_nbr = internal
        if use_net:
            deg = self.degree[cand]
            share_nbr = np.divide(self.nbr[cand], deg, out=internal.copy(), where=deg > 0)
            internal = w * share_nbr + (1 - w) * internal
        if use_net or local:
            p_i = (p * (1 + cfg.local_demonstration_gain * self.shown[self.zone_row[cand], m_c])
                   if local else np.full(cand.size, p))
            hazard = _hazard((p_i + q * internal) * dt_years, cfg.hazard)
            hit = u[cand] < hazard
        else:   # mean field within markets: the bound is the hazard (docking)
            p_i = np.full(cand.size, p)
            hazard = h_max[m_c]
            hit = np.ones(cand.size, dtype=bool)
        new, v = cand[hit], u[cand][hit] / hazard[hit]
        if new.size:
            # Markets without technologies (docking: no demonstration required) adopt
            # without one.
            free = n_tech[m_c[hit]] == 0
            done = [new[free]]
            firms.adopted[new[free]] = True
            rest = ~free
            if rest.any():
                done.append(_take_technologies(
                    firms, mkt, new[rest], v[rest], share_nbr[hit][rest], internal[hit][rest],
                    p_i[hit][rest], self.network, techs, cfg, n_markets))
            new = np.concatenate(done) if len(done) > 1 else done[0]
            self._adopted(new)
        return new

    def _adopted(self, new: np.ndarray) -> None:
        """Update the counts for firms that just adopted (all potential adopters)."""
        self.a += np.bincount(self.market[new], minlength=self.n_markets)
        self.waiting[new] = False
        if self.uses_network and new.size:
            indptr, indices = self.network.indptr, self.network.indices
            starts, stops = indptr[new], indptr[new + 1]
            lens = stops - starts
            total = int(lens.sum())
            if total:
                # the neighbours of every new adopter, without a Python loop
                offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
                np.add.at(self.nbr, indices[offsets + np.arange(total)], 1.0)


def _hazard(rate: np.ndarray, form: str) -> np.ndarray:
    return np.minimum(rate, 1.0) if form == "linear" else -np.expm1(-rate)


def diffusion_step(firms: FirmPopulation, market: np.ndarray, n_markets: int,
                   network: sp.csr_matrix, degree: np.ndarray, techs: TechnologyRegistry,
                   cfg: DiffusionSection, dt_years: float,
                   rng: np.random.Generator, n_zones: int = 0) -> np.ndarray:
    """One step from scratch (state recounted from the firm arrays); the model keeps a
    :class:`Diffusion` across steps instead.  ``degree`` is accepted for compatibility (it
    equals the row sums of ``network``).  Returns the indices of new adopters."""
    return Diffusion(firms, market, n_markets, network, n_zones).step(techs, cfg, dt_years, rng)


def _take_technologies(firms: FirmPopulation, mkt: np.ndarray, new: np.ndarray,
                       u: np.ndarray, share_nbr: np.ndarray, internal: np.ndarray,
                       p: np.ndarray, network: sp.csr_matrix, techs: TechnologyRegistry,
                       cfg: DiffusionSection, n_markets: int) -> np.ndarray:
    """Choose each new adopter's technology by the source of its hazard; charge the price."""
    q, w = cfg.q_per_year, cfg.network_weight
    total = p + q * internal
    cut_ext = np.divide(p, total, out=np.ones_like(total), where=total > 0)
    cut_net = cut_ext + np.divide(q * w * share_nbr, total, out=np.zeros_like(total),
                                  where=total > 0)
    order = np.argsort(techs.market, kind="stable")       # technologies grouped by market
    starts = np.searchsorted(techs.market[order], np.arange(n_markets))
    counts = np.bincount(techs.market, minlength=n_markets)
    m_new = mkt[new]
    choice = np.full(new.size, -1, dtype=np.int64)

    # External influence: uniform among the market's technologies.
    ext = u < cut_ext
    v = np.divide(u, cut_ext, out=np.zeros_like(u), where=cut_ext > 0)
    choice[ext] = order[starts[m_new[ext]] + (v[ext] * counts[m_new[ext]]).astype(np.int64)]

    # Network word of mouth: the technology of a random adopting same-market neighbour.
    net = ~ext & (u < cut_net)
    if net.any():
        v = (u - cut_ext) / np.maximum(cut_net - cut_ext, 1e-300)
        indptr, indices = network.indptr, network.indices
        for k in np.flatnonzero(net):           # the few adopters of this step, not all firms
            i = new[k]
            nbrs = indices[indptr[i]:indptr[i + 1]]
            src = nbrs[firms.adopted[nbrs] & (firms.adopted_tech[nbrs] >= 0)]
            if src.size:
                choice[k] = firms.adopted_tech[src[int(v[k] * src.size)]]

    # Market word of mouth (and network picks that found only technology-less adopters):
    # a technology in proportion to its adopters, uniform while none has any.
    rest = choice < 0
    if rest.any():
        v = np.where(net, (u - cut_ext) / np.maximum(cut_net - cut_ext, 1e-300),  # U[0,1) too
                     (u - cut_net) / np.maximum(1 - cut_net, 1e-300))[rest]
        v = np.clip(v, 0.0, np.nextafter(1.0, 0.0))
        weights = techs.adopters[order].astype(np.float64)
        cum = np.cumsum(weights)
        base = np.concatenate([[0.0], cum])
        mr = m_new[rest]
        lo, hi = base[starts[mr]], base[starts[mr] + counts[mr]]
        picked = np.where(hi > lo,
                          np.searchsorted(cum, lo + v * (hi - lo), side="right"),
                          starts[mr] + (v * counts[mr]).astype(np.int64))
        picked = np.clip(picked, starts[mr], starts[mr] + counts[mr] - 1)
        choice[rest] = order[picked]

    # A supplier does not adopt its own technology; the price falls with adopters.
    own = techs.supplier[choice] == new
    b = -np.log2(1.0 - cfg.learning_rate)
    price = cfg.adoption_cost_yuan * (1.0 + techs.adopters[choice]) ** (-b)
    ok = ~own & (firms.finance[new] >= price)
    new, choice, price = new[ok], choice[ok], price[ok]
    firms.adopted[new] = True
    firms.adopted_tech[new] = choice
    techs.adopters += np.bincount(choice, minlength=techs.n)
    techs.revenue += np.bincount(choice, weights=price, minlength=techs.n)
    return new
