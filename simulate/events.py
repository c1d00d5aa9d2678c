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
        cached = model.keyed.key("event_invite", np.arange(model.firms.capacity))
        model._event_firm_hash = cached
    return cached


def supplier_pools(model: ScenarioModel) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per domain: capable supplier firms sorted by TRL (``lifecycle._supplier_pools``).

    Kept across steps and brought up to date: firms that arrived are added and the domains
    whose suppliers' TRL rose (each successful pilot) are re-sorted by (TRL, index), the
    order a rebuild gives.  The cache holds a copy of the columns the pools depend on and
    compares it; a change of type, domain or capability of a present firm, or of the
    capability threshold, rebuilds them."""
    firms, n = model.firms, model.firms.n
    min_cap = model.config.lifecycle.min_capability
    cols = (firms.type[:n], firms.domain[:n], firms.capability[:n], firms.trl[:n])
    cached = model._supplier_pools
    if cached is not None and cached[0][1] == min_cap and cached[0][0] <= n:
        old_n, old_cols, pools = cached[0][0], cached[1], list(cached[2])
        if all(np.array_equal(a, b[:old_n]) for a, b in zip(old_cols[:3], cols[:3],
                                                             strict=True)):
            changed = np.flatnonzero(old_cols[3] != cols[3][:old_n])
            arrived = np.arange(old_n, n)
            arrived = arrived[model.supplier_type_mask[firms.type[arrived]]
                              & (firms.capability[arrived] >= min_cap)]
            for d in np.union1d(firms.domain[changed], firms.domain[arrived]):
                members = np.concatenate([pools[d][1], arrived[firms.domain[arrived] == d]])
                members = members[np.lexsort((members, firms.trl[members]))]
                pools[d] = (firms.trl[members], members)
            model._supplier_pools = ((n, min_cap), tuple(c.copy() for c in cols), pools)
            return pools
    from .lifecycle import _supplier_pools

    pools = _supplier_pools(model)
    model._supplier_pools = ((n, min_cap), tuple(c.copy() for c in cols), pools)
    return pools
