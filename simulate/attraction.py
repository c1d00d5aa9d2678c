"""Attraction of innovative firms from outside the city (新引进创新型企业).

Interested firms arrive in each domain at a Poisson rate that grows with the market
opportunity the city has published there recently (scenarios released in the last
``opportunity_memory_months``, whatever has become of them since, except failures):

    rate_d = arrivals_per_month * ln(1 + recent_opportunity_d / 1e8 yuan) * dt.

An interested firm settles with one probability unaided and a higher one when the funder can
pay an attraction incentive; settled firms join the population as start-ups, and those paid an
incentive count as served.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from changjing.simulate.firms import add_firms
from changjing.simulate.scenarios import FAILED

if TYPE_CHECKING:
    from changjing.simulate.model import ScenarioModel


def attract(model: ScenarioModel) -> int:
    """Arrivals this step; returns the number of firms that settled."""
    cfg, book = model.config.attraction, model.book
    rng = model.streams["attraction"]
    recent = np.flatnonzero((book.released >= model.month - cfg.opportunity_memory_months)
                            & (book.stage != FAILED))
    opportunity = np.bincount(book.domain[recent], weights=book.value[recent],
                              minlength=model.n_domains)
    rate = cfg.arrivals_per_month * np.log1p(opportunity / 1e8) * model.dt_months
    arrivals = rng.poisson(rate)
    domains = np.repeat(np.arange(model.n_domains), arrivals).astype(np.int8)
    u = rng.random(domains.size)
    settled = np.zeros(domains.size, dtype=bool)
    paid = np.zeros(domains.size, dtype=bool)
    incentive = model.config.funding.incentive_yuan_per_firm
    for i in range(domains.size):  # a handful of arrivals a month
        can_pay = model.funder.ledger.can_commit("attraction", incentive)
        p = cfg.conversion_with_incentive if can_pay else cfg.conversion_without_incentive
        if u[i] < p:
            settled[i] = True
            paid[i] = can_pay and model.funder.offer_incentive()
    new = add_firms(model.firms, model.config.firms, domains[settled], model.zones.n,
                    model.streams["arrivals"])
    served = new[paid[settled][: new.size]]
    model.firms.served[served] = True
    model.services["attraction_incentive"] += int(served.size)
    return int(new.size)
