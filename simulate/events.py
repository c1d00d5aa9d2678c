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
    dom = book.domain[idx]
    open_slots = np.maximum(book.slots[idx] - book.filled[idx], 0).astype(np.float64)
    w_dom = model.domain_weight
    demand = np.bincount(dom, weights=open_slots, minlength=model.n_domains) * w_dom
    months_left = 12 - model.calendar_month_index % 12
    n_events = model.funder.hold_events(months_left, wanted=demand.sum() > 0)
    per_domain = allocate(n_events, demand)
    k = cfg.funding.firms_per_event
    if k == 0 or not per_domain.any():
        return per_domain
    # eligible suppliers of d: the capable suppliers of d (sorted by TRL, shared with the
    # matching of this step) with the TRL the open scenarios need, not busy
    pools = supplier_pools(model)
    # the lowest TRL an open scenario of each domain requires, all domains at once
    need_trl = np.full(model.n_domains, 127, dtype=np.int64)
    has_open = open_slots > 0
    np.minimum.at(need_trl, dom[has_open], book.req_trl[idx][has_open])
    firm_hash = _firm_hash(model)
    zone_priority = cfg.policy.zone_priority
    for d in np.flatnonzero(per_domain).tolist():
        pool_trl, pool_idx, pool_theme = pools[d]
        cut = int(np.searchsorted(pool_trl, need_trl[d], side="left"))
        pool, on_theme = pool_idx[cut:], pool_theme[cut:]
        # (in TRL order: draws are keyed to the firm and the invited set does not depend on
        # the order)
        free = ~firms.busy[pool]
        pool, on_theme = pool[free], on_theme[free]
        if pool.size == 0:
            continue
        n_ev = int(per_domain[d])
        take = min(k, pool.size)
        if take < pool.size:
            # keyed to (firm, month, domain, event): the firm's hash continued with one key
            # for (month, domain, event), every event of the domain in one pass (pool x
            # events).  Efraimidis–Spirakis: the k largest u^(1/w) are a weighted sample
            # without replacement.
            step_keys = model.keyed.key("event_invite_step", model.month, d,
                                        np.arange(n_ev))
            u = to_uniform(hash_more(firm_hash[pool][None, :], step_keys[:, None]))
            score = np.log(np.maximum(u, 1e-300))
            if zone_priority > 0:
                score /= np.where(on_theme, zone_priority, 1.0)
            else:                                  # weight 0: never invited
                score[:, on_theme] = -np.inf
            chosen = np.argpartition(score, score.shape[1] - take, axis=1)[:, -take:]
            guests_all = [pool[c] for c in chosen]
        else:
            guests_all = [pool] * n_ev             # everyone eligible is invited
        for guests in guests_all:
            firms.served[guests] = True
            firms.served_via[guests] |= SERVICE_BITS["matchmaking_event"]
            model.services["matchmaking_event"] += int(guests.size)
    return per_domain


def _firm_hash(model: ScenarioModel) -> np.ndarray:
    """hash_keys("event_invite", firm) for every firm slot, computed once per model: the
    invitation draws continue it with one key, the hash of (month, domain, event)."""
    cached = getattr(model, "_event_firm_hash", None)
    if cached is None:
        cached = model.keyed.key("event_invite", np.arange(model.firms.capacity))
        model._event_firm_hash = cached
    return cached


Pool = tuple[np.ndarray, np.ndarray, np.ndarray]


class SupplierPools:
    """Per domain: the capable supplier firms (supplier type, capability ≥
    ``lifecycle.min_capability``) sorted by (TRL, index), with their TRL and whether a zone
    whose theme covers the domain hosts them.

    Kept across steps and brought up to date when asked: firms that arrived are inserted, and
    firms whose TRL changed (each successful pilot) are moved to their new place — the order a
    full rebuild gives.  A firm's type, domain, capability and zone are fixed once it exists
    (``firms.py``); TRL changes are found by comparing with a copy of the TRL column."""

    def __init__(self, model: ScenarioModel) -> None:
        firms, n = model.firms, model.firms.n
        self.min_cap = model.config.lifecycle.min_capability
        self.n = n
        self.trl = firms.trl[:n].copy()
        self.theme = np.vstack([model.zones.theme,
                                np.zeros((1, model.n_domains), dtype=bool)])
        ok = self._eligible(model, np.arange(n))
        members = np.flatnonzero(ok)
        # one stable sort by (domain, TRL, index) instead of one pass per domain: a 16-bit
        # key, which numpy sorts by radix
        key = firms.domain[members].astype(np.int16) * 16 + firms.trl[members]
        members = members[np.argsort(key, kind="stable")]
        bounds = np.searchsorted(firms.domain[members], np.arange(model.n_domains + 1))
        self.keys: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * model.n_domains
        self.pools: list[Pool] = [self._pool(model, members[a:b], d) for d, (a, b) in
                                  enumerate(zip(bounds[:-1], bounds[1:], strict=True))]

    def _eligible(self, model: ScenarioModel, firms_idx: np.ndarray) -> np.ndarray:
        f = model.firms
        return model.supplier_type_mask[f.type[firms_idx]] & (
            f.capability[firms_idx] >= self.min_cap)

    def _pool(self, model: ScenarioModel, members: np.ndarray, d: int) -> Pool:
        f = model.firms
        self.keys[d] = (f.trl[members].astype(np.int64) << 32) | members
        return f.trl[members], members, self.theme[f.zone[members], d]

    def update(self, model: ScenarioModel) -> list[Pool]:
        firms, n = model.firms, model.firms.n
        trl = firms.trl[:n]
        changed = np.flatnonzero(self.trl != trl[: self.n])
        if changed.size == 0 and n == self.n:
            return self.pools
        changed = changed[self._eligible(model, changed)]
        arrived = np.arange(self.n, n)
        arrived = arrived[self._eligible(model, arrived)]
        moved = np.concatenate([changed, arrived])
        moved_dom = firms.domain[moved]
        old_key = (self.trl[changed].astype(np.int64) << 32) | changed
        new_key = (trl[moved].astype(np.int64) << 32) | moved
        n_changed = changed.size
        for d in np.unique(moved_dom).tolist():
            pool_trl, members, on_theme = self.pools[d]
            key = self.keys[d]
            in_d = np.flatnonzero(moved_dom == d)
            gone = in_d[in_d < n_changed]
            if gone.size:          # take the firms whose TRL changed out of their old place
                keep = np.ones(members.size, dtype=bool)
                keep[np.searchsorted(key, old_key[gone])] = False
                pool_trl, members, on_theme, key = (pool_trl[keep], members[keep],
                                                    on_theme[keep], key[keep])
            # and put them (and the arrivals) where (TRL, index) puts them
            in_d = in_d[np.argsort(new_key[in_d])]
            new = moved[in_d]
            at = np.searchsorted(key, new_key[in_d]) + np.arange(new.size)
            slot = np.ones(members.size + new.size, dtype=bool)
            slot[at] = False
            cols = []
            for old, add in ((pool_trl, trl[new]), (members, new),
                             (on_theme, self.theme[firms.zone[new], d]),
                             (key, new_key[in_d])):
                out = np.empty(slot.size, dtype=old.dtype)
                out[at] = add
                out[slot] = old
                cols.append(out)
            self.pools[d] = (cols[0], cols[1], cols[2])
            self.keys[d] = cols[3]
        self.trl = trl.copy()
        self.n = n
        return self.pools


def supplier_pools(model: ScenarioModel) -> list[Pool]:
    """Per domain: (TRL, firm, on-theme) of the capable suppliers sorted by (TRL, index)
    (:class:`SupplierPools`, kept on the model and shared by events and matching).  A change of
    the capability threshold rebuilds them."""
    cached = model._supplier_pools
    if cached is None or cached.min_cap != model.config.lifecycle.min_capability \
            or cached.n > model.firms.n:
        cached = SupplierPools(model)
        model._supplier_pools = cached
        return cached.pools
    return cached.update(model)
