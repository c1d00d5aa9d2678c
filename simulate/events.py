"""Matchmaking events (供需对接活动) of the 发布对接 stage: where they go and whom they serve.

Each step the funder paces its matchmaking envelope over the rest of the fiscal year and can
afford some events (``Funder.affordable_events``).  They are held only where there is something
to match:

1. **Where.** Events go to domains in proportion to the open supplier slots of released
   scenarios there, weighted by ``policy.domain_priority`` (largest-remainder rounding, ties
   to the lower domain index).  With no open slot anywhere, no event is held and the money
   stays in the envelope.
2. **Whom.** An event for domain d invites ``funding.firms_per_event`` firms from the eligible
   suppliers of d: supplier types, capability ≥ ``lifecycle.min_capability``, TRL at least the
   lowest requirement among d's open scenarios, not busy in a pilot.  Invitations are a
   weighted draw without replacement (Efraimidis & Spirakis 2006) with weight
   ``policy.zone_priority`` for firms located in a zone whose theme covers d and 1 otherwise,
   keyed to (firm, month, domain, event) so that arms share their draws.  Attendees are
   *served* (in-depth matchmaking service).
3. **Effect.** Each event raises the match hazard of d's released scenarios in the month by
   ``funding.event_match_gain`` (``lifecycle.match``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from .firms import SERVICE_BITS
from .keyed import hash_more, to_uniform
from .scenarios import RELEASE

if TYPE_CHECKING:
    from .model import ScenarioModel


def allocate(n_events: int, demand: np.ndarray) -> np.ndarray:
    """Split ``n_events`` over domains in proportion to ``demand`` (largest remainder)."""
    out = np.zeros(demand.shape[0], dtype=np.int64)
    total = float(demand.sum())
    if n_events <= 0 or total <= 0:
        return out
    exact = n_events * demand / total
    out[:] = np.floor(exact).astype(np.int64)
    left = n_events - int(out.sum())
    if left:
        rem = exact - out
        order = np.lexsort((np.arange(rem.size), -rem))  # largest remainder, then index
        out[order[:left]] += 1
    return out


def hold_events(model: ScenarioModel) -> np.ndarray:
    """Hold this step's events; returns events per domain (and marks attendees served)."""
    book, cfg, firms = model.book, model.config, model.firms
    idx = book.in_stage(RELEASE)
    open_slots = np.maximum(book.slots[idx] - book.filled[idx], 0).astype(np.float64)
    w_dom = np.array(list(cfg.policy.domain_priority.values()))
    demand = np.bincount(book.domain[idx], weights=open_slots,
                         minlength=model.n_domains) * w_dom
    months_left = 12 - model.calendar_month_index % 12
    n_events = model.funder.hold_events(months_left, wanted=demand.sum() > 0)
    per_domain = allocate(n_events, demand)
    k = cfg.funding.firms_per_event
    if k == 0 or not per_domain.any():
        return per_domain
    # eligible suppliers of d: the capable suppliers of d (sorted by TRL, shared with the
    # matching of this step) with the TRL the open scenarios need, not busy
    pools = supplier_pools(model)
    # theme[zone, d] with a last row of False for "elsewhere" (zone −1)
    theme = np.vstack([model.zones.theme, np.zeros((1, model.n_domains), dtype=bool)])
    firm_hash = _firm_hash(model)
    for d in np.flatnonzero(per_domain):
        in_d = idx[book.domain[idx] == d]
        need = int(book.req_trl[in_d][open_slots[book.domain[idx] == d] > 0].min())
        pool_trl, pool_idx = pools[int(d)]
        pool = pool_idx[np.searchsorted(pool_trl, need, side="left"):]
        # (in TRL order: draws are keyed to the firm and the invited set does not depend on
        # the order)
        pool = pool[~firms.busy[pool]]
        if pool.size == 0:
            continue
        take = min(k, pool.size)
        if take < pool.size:
            weight = np.where(theme[firms.zone[pool], d], cfg.policy.zone_priority, 1.0)
            positive, w_div = weight > 0, np.maximum(weight, 1e-12)
            prefix = hash_more(firm_hash[pool], model.month, int(d))
        for j in range(int(per_domain[d])):
            if take < pool.size:
                # keyed to (firm, month, domain, event).  Efraimidis–Spirakis: the k largest
                # u^(1/w) are a weighted sample without replacement.
                u = to_uniform(hash_more(prefix, j))
                score = np.where(positive, np.log(np.maximum(u, 1e-300)) / w_div, -np.inf)
                guests = pool[np.argpartition(-score, take - 1)[:take]]
            else:
                guests = pool                       # everyone eligible is invited
            firms.served[guests] = True
            firms.served_via[guests] |= SERVICE_BITS["matchmaking_event"]
            model.services["matchmaking_event"] += int(guests.size)
    return per_domain


def _firm_hash(model: ScenarioModel) -> np.ndarray:
    """hash_keys("event_invite", firm) for every firm slot, computed once per model: the
    invitation draws continue it with (month, domain, event)."""
    cached = getattr(model, "_event_firm_hash", None)
    if cached is None:
        cached = model.keyed.hash_keys("event_invite", np.arange(model.firms.capacity))
        model._event_firm_hash = cached
    return cached


def supplier_pools(model: ScenarioModel) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per domain: capable supplier firms sorted by TRL (``lifecycle._supplier_pools``).

    Kept until a firm arrives or the columns they depend on change (TRL rises with each
    successful pilot, so most months reuse them): the cache holds a copy of those columns and
    compares it, which costs far less than the sort."""
    firms, n = model.firms, model.firms.n
    cols = (firms.type[:n], firms.domain[:n], firms.trl[:n], firms.capability[:n])
    cached = model._supplier_pools
    if (cached is not None and cached[0] == (n, model.config.lifecycle.min_capability)
            and all(np.array_equal(a, b) for a, b in zip(cached[1][:2], cols[:2],
                                                           strict=True))
            and np.array_equal(cached[1][3], cols[3])):
        changed = np.flatnonzero(cached[1][2] != cols[2])
        if changed.size == 0:
            return cached[2]
        # TRL rose for a few suppliers: re-sort only their domains' pools by (TRL, index),
        # the order a full rebuild gives
        pools = list(cached[2])
        for d in np.unique(firms.domain[changed]):
            members = pools[d][1]
            members = members[np.lexsort((members, firms.trl[members]))]
            pools[d] = (firms.trl[members], members)
        model._supplier_pools = (cached[0], tuple(c.copy() for c in cols), pools)
        return pools
    from .lifecycle import _supplier_pools

    pools = _supplier_pools(model)
    model._supplier_pools = ((n, model.config.lifecycle.min_capability),
                             tuple(c.copy() for c in cols), pools)
    return pools
