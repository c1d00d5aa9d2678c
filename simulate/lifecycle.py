"""The five lifecycle stages as step functions on the model's scenario book.

场景征集 solicitation happens in :meth:`ScenarioOwner.submit_needs`; the functions here move
scenarios through 遴选打磨 selection & refinement, 发布对接 release & matchmaking,
落地示范 implementation & demonstration and 跟踪评估 tracking & evaluation.  Each acts on all
scenarios of a stage at once; the only per-item loops run over the few scenarios that change
state in a step, never over firms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from changjing.simulate.scenarios import (
    COMPLETED,
    EVALUATION,
    FAILED,
    IMPLEMENTATION,
    RELEASE,
    SELECTION,
    SOLICITATION,
)

if TYPE_CHECKING:
    from changjing.simulate.model import ScenarioModel


def priority(model: ScenarioModel, idx: np.ndarray) -> np.ndarray:
    """Release and subsidy order: quality x domain weight x zone weight (levers)."""
    book, pol = model.book, model.config.policy
    w_dom = np.array(list(pol.domain_priority.values()))[book.domain[idx]]
    w_zone = np.where(book.zone[idx] >= 0, pol.zone_priority, 1.0)
    return book.quality[idx] * w_dom * w_zone


def select(model: ScenarioModel) -> None:
    """遴选打磨: screen needs submitted before this step; refine the ones that pass."""
    book, m, cfg = model.book, model.month, model.config
    idx = book.in_stage(SOLICITATION)
    idx = idx[book.stage_since[idx] < m]
    passed = book.quality[idx] >= cfg.policy.selection_strictness
    book.move(idx[~passed], FAILED, m, "not_selected")
    book.move(idx[passed], SELECTION, m)
    book.set("ready", idx[passed], m + cfg.lifecycle.refine_months)


def release(model: ScenarioModel) -> None:
    """发布对接 (publication): periodic lists of refined scenarios, best-priority first."""
    book, m, cfg = model.book, model.month, model.config
    rng = model.streams["selection"]
    lc = cfg.lifecycle
    idx = book.in_stage(SELECTION)
    due = idx[book.ready[idx] == m]          # refinement ends now: some are withdrawn
    drop = rng.random(due.size) < lc.refine_dropout
    book.move(due[drop], FAILED, m, "withdrawn")
    idx = book.in_stage(SELECTION)
    waited = idx[(book.ready[idx] <= m) & (m - book.ready[idx] >= lc.release_max_wait_months)]
    book.move(waited, FAILED, m, "not_released")
    if model.calendar_month_index % lc.release_interval_months != 0:
        return
    idx = book.in_stage(SELECTION)
    ready = idx[book.ready[idx] <= m]
    order = np.lexsort((ready, -priority(model, ready)))  # ties by age: stable, seed-free
    chosen = ready[order[: cfg.policy.release_per_batch]]
    open_release(model, chosen)


def open_release(model: ScenarioModel, idx: np.ndarray) -> None:
    book, m = model.book, model.month
    book.move(idx, RELEASE, m)
    book.set("released", idx, m)
    book.set("deadline", idx, m + model.config.lifecycle.match_window_months)
    model.opportunity_released += float(book.value[idx].sum())


def match(model: ScenarioModel, events: int) -> None:
    """发布对接 (matchmaking): fill supplier slots of released scenarios under search friction.

    The hazard of filling an open slot is ``match_rate * (1 + event_gain * events)`` per month.
    A supplier is a firm of the scenario's domain whose TRL meets the requirement, capable
    enough and not already in a pilot; partners are drawn uniformly from that pool.
    """
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    rng = model.streams["matching"]
    lc = cfg.lifecycle
    idx = book.in_stage(RELEASE)
    if idx.size:
        lam = lc.match_rate_per_month * (1 + cfg.funding.event_match_gain * events)
        p_slot = -np.expm1(-lam * model.dt_months)
        open_slots = book.slots[idx] - book.filled[idx]
        wanted = rng.binomial(np.maximum(open_slots, 0), p_slot)
        todo = idx[wanted > 0]
        if todo.size:
            pools = _supplier_pools(model)
            for s, k in zip(todo, wanted[wanted > 0], strict=True):
                pool_trl, pool_idx = pools[int(book.domain[s])]
                start = np.searchsorted(pool_trl, book.req_trl[s], side="left")
                candidates = pool_idx[start:]
                for _ in range(int(k)):
                    firm = _draw_free(candidates, firms.busy, rng)
                    if firm < 0:
                        break
                    firms.busy[firm] = True
                    firms.served[firm] = True
                    model.services["pilot_supplier"] += 1
                    book.supplier_scn.append(int(s))
                    book.supplier_firm.append(int(firm))
                    book.filled[s] += 1
    idx = book.in_stage(RELEASE)
    full = book.filled[idx] >= book.slots[idx]
    expired = book.deadline[idx] <= m
    book.move(idx[expired & (book.filled[idx] == 0)], FAILED, m, "unmatched")
    start_pilots(model, idx[full | (expired & (book.filled[idx] > 0))])


def _supplier_pools(model: ScenarioModel) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per domain: capable supplier firms sorted by TRL (for a searchsorted TRL cut)."""
    firms, n = model.firms, model.firms.n
    ok = model.supplier_type_mask[firms.type[:n]] & (
        firms.capability[:n] >= model.config.lifecycle.min_capability)
    pools = []
    for d in range(model.n_domains):
        members = np.flatnonzero(ok & (firms.domain[:n] == d))
        order = np.argsort(firms.trl[members], kind="stable")
        pools.append((firms.trl[members][order], members[order]))
    return pools


def _draw_free(candidates: np.ndarray, busy: np.ndarray, rng: np.random.Generator) -> int:
    """A uniformly drawn non-busy firm from ``candidates`` (−1 if none)."""
    if candidates.size == 0:
        return -1
    for _ in range(8):  # rejection first: busy firms are rare
        firm = int(candidates[rng.integers(candidates.size)])
        if not busy[firm]:
            return firm
    free = candidates[~busy[candidates]]
    return int(free[rng.integers(free.size)]) if free.size else -1


def start_pilots(model: ScenarioModel, idx: np.ndarray) -> None:
    """落地示范 (start): fund matched scenarios — owner share, subsidy, suppliers' share."""
    if idx.size == 0:
        return
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    rng = model.streams["pilots"]
    lo, hi = cfg.lifecycle.pilot_months
    durations = rng.integers(lo, hi + 1, size=idx.size)
    idx = idx[np.lexsort((idx, -priority(model, idx)))]  # subsidies go by priority
    scn_all, firm_all = book.suppliers_of(idx)
    for s, dur in zip(idx, durations, strict=True):
        suppliers = firm_all[scn_all == s]
        lab = model.labs.assign(int(book.domain[s])) if model.labs_enabled else -1
        cost = book.pilot_cost[s] * (1 - cfg.labs.cost_reduction if lab >= 0 else 1.0)
        owner = model.owner_agents[int(book.owner[s])]
        owner_share = cfg.owners.cost_share * cost
        if not owner.pay_share(owner_share):
            _abandon(model, s, suppliers, lab, "owner_budget")
            continue
        subsidy = model.funder.offer_subsidy(cost)
        per_supplier = max(cost - owner_share - subsidy, 0.0) / suppliers.size
        able = firms.finance[suppliers] >= per_supplier
        if not able.any():
            owner.budget_left += owner_share  # refunded: the pilot never starts
            model.funder.ledger.release("pilot_subsidies", subsidy)
            _abandon(model, s, suppliers, lab, "supplier_finance")
            continue
        if not able.all():
            dropped = suppliers[~able]
            firms.busy[dropped] = False
            book.drop_suppliers(np.full(dropped.size, s), dropped)
            book.filled[s] -= dropped.size
        if subsidy > 0:  # first subsidised pilot of each supplier (evaluation panels use it)
            funded = suppliers[able]
            firms.funded_month[funded] = np.minimum(firms.funded_month[funded], m)
        book.set("lab", s, lab)
        book.set("subsidy", s, subsidy)
        book.set("owner_paid", s, owner_share)
        book.set("deadline", s, m + int(dur))
        book.move(np.array([s]), IMPLEMENTATION, m)


def _abandon(model: ScenarioModel, s: int, suppliers: np.ndarray, lab: int, reason: str) -> None:
    model.firms.busy[suppliers] = False
    if lab >= 0:
        model.labs.free(np.array([lab]))
    model.book.move(np.array([s]), FAILED, model.month, reason)


def finish_pilots(model: ScenarioModel) -> None:
    """落地示范 (end): pilots that end now succeed or fail; successes become demonstrations."""
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    rng = model.streams["pilots"]
    lc = cfg.lifecycle
    idx = book.in_stage(IMPLEMENTATION)
    idx = idx[book.deadline[idx] <= m]
    u = rng.random(idx.size)
    if idx.size == 0:
        return
    scn, sup = book.suppliers_of(idx)
    # Mean supplier TRL per scenario (suppliers_of keeps link order; group by scenario).
    trl_sum = np.zeros(book.size)
    n_sup = np.zeros(book.size)
    np.add.at(trl_sum, scn, firms.trl[sup])
    np.add.at(n_sup, scn, 1)
    gap = trl_sum[idx] / np.maximum(n_sup[idx], 1) - book.req_trl[idx]
    p = (lc.pilot_success_base + lc.pilot_success_trl_slope * gap
         + lc.pilot_success_quality_slope * (book.quality[idx] - 0.5)
         + np.where(book.lab[idx] >= 0, cfg.labs.success_uplift, 0.0))
    success = u < np.clip(p, 0.02, 0.98)
    for s in idx:  # subsidies are paid when a pilot ends, whatever its outcome
        if book.subsidy[s] > 0:
            model.funder.ledger.pay("pilot_subsidies", float(book.subsidy[s]))
    model.labs.free(book.lab[idx])
    firms.busy[sup] = False
    won = idx[success]
    book.set("success", won, True)
    book.move(idx[~success], FAILED, m, "pilot_failed")
    book.move(won, EVALUATION, m)
    book.set("deadline", won, m + lc.evaluation_months)
    # Every supplier of a successful pilot brings a demonstrated technology.
    keep = np.isin(scn, won)
    scn_w, sup_w = scn[keep], sup[keep]
    model.techs.add(sup_w, book.domain[scn_w], book.zone[scn_w], scn_w, m)
    firms.trl[sup_w] = np.minimum(firms.trl[sup_w] + lc.trl_gain_on_success, 9)
    zones = book.zone[won]
    np.add.at(model.zones.demonstrations, zones[zones >= 0], 1)
    model.demonstrations += won.size


def evaluate(model: ScenarioModel) -> None:
    """跟踪评估: at the end of tracking, the owner decides to procure (先试后转) or not."""
    book, m = model.book, model.month
    rng = model.streams["evaluation"]
    idx = book.in_stage(EVALUATION)
    idx = idx[book.deadline[idx] <= m]
    if idx.size == 0:
        return
    p = np.array([model.owner_agents[int(o)].procure_prob for o in book.owner[idx]])
    procured = rng.random(idx.size) < p
    book.set("procured", idx[procured], True)
    model.techs.procured |= np.isin(model.techs.scenario, idx[procured])
    model.procurements += int(procured.sum())
    book.move(idx, COMPLETED, m)
