"""Attraction of innovative firms from outside the city (新引进创新型企业).

Interested firms arrive in each domain d at a Poisson rate that responds, with a constant
elasticity, to the market opportunity the city has published there recently (scenarios
released in the last ``opportunity_memory_months`` months, this month included, that have not
failed since):

    rate_d = arrivals_per_month * (O_d / opportunity_reference_yuan) ** opportunity_elasticity * dt

An interested firm settles with probability ``conversion_with_incentive`` when the funder's
attraction envelope can pay an incentive (which it then pays; the firm counts as served) and
``conversion_without_incentive`` otherwise.  Settled firms join the population as start-ups.
Counts and decisions are keyed to (domain, month, arrival), so policy arms share them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from .firms import SERVICE_BITS, add_firms
from .keyed import poisson_quantile
from .scenarios import FAILED

if TYPE_CHECKING:
    from .model import ScenarioModel


def recent_opportunity(model: ScenarioModel) -> np.ndarray:
    """Yuan of opportunity per domain published in the memory window (not failed)."""
    cfg, book = model.config.attraction, model.book
    recent = np.flatnonzero((book.released > model.month - cfg.opportunity_memory_months)
                            & (book.stage != FAILED))
    return np.bincount(book.domain[recent], weights=book.value[recent],
                       minlength=model.n_domains)


def arrival_rate(model: ScenarioModel, opportunity: np.ndarray) -> np.ndarray:
    cfg = model.config.attraction
    rel = opportunity / cfg.opportunity_reference_yuan
    return cfg.arrivals_per_month * rel ** cfg.opportunity_elasticity * model.dt_months


def attract(model: ScenarioModel) -> int:
    """Arrivals this step; returns the number of firms that settled."""
    cfg = model.config.attraction
    rate = arrival_rate(model, recent_opportunity(model))
    incentive = model.config.funding.incentive_yuan_per_firm
    settled_domains, paid = [], []
    # Poisson counts by inversion of keyed uniforms, all domains at once
    counts = poisson_quantile(model.keyed.uniform("arrivals", np.arange(model.n_domains),
                                                  model.month), rate)
    if not counts.any():
        return 0
    # every arrival's settle draw, keyed to (domain, month, arrival), in one call
    doms = np.repeat(np.arange(model.n_domains), counts)
    j = np.arange(doms.size) - np.repeat(np.cumsum(counts) - counts, counts)
    u_all = model.keyed.uniform("settle", doms, model.month, j).tolist()
    ledger = model.funder.ledger
    for d, u in zip(doms.tolist(), u_all, strict=True):   # a handful of arrivals a month
        can_pay = ledger.can_commit("attraction", incentive)
        p = cfg.conversion_with_incentive if can_pay else cfg.conversion_without_incentive
        if u < p:
            settled_domains.append(d)
            paid.append(can_pay and model.funder.offer_incentive())
    if not settled_domains:
        return 0
    rng = model.keyed.generator("arriving_firms", model.month)
    new = add_firms(model.firms, model.config.firms, np.array(settled_domains, dtype=np.int8),
                    model.zones.zones_for, model.markets, rng)
    model.register_arrivals(new)
    served = new[np.array(paid[: new.size], dtype=bool)]
    model.firms.served[served] = True
    model.firms.served_via[served] |= SERVICE_BITS["attraction_incentive"]
    model.services["attraction_incentive"] += int(served.size)
    return int(new.size)
