"""The five lifecycle stages as step functions on the model's scenario book.

场景征集 solicitation happens in :meth:`ScenarioOwner.submit_needs`; the functions here move
scenarios through 遴选打磨 selection & refinement, 发布对接 release & matchmaking,
落地示范 implementation & demonstration and 跟踪评估 tracking & evaluation.  Each acts on all
scenarios of a stage at once; the only per-item loops run over the few scenarios that change
state in a step, never over firms.

Every random decision about a scenario is keyed to the scenario (``model.keyed``, see
keyed.py): policy arms run with one seed see the same draws for the same scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from .events import supplier_pools
from .firms import SERVICE_BITS
from .scenarios import (
    COMPLETED,
    EVALUATION,
    FAILED,
    IMPLEMENTATION,
    RELEASE,
    SELECTION,
    SOLICITATION,
)

if TYPE_CHECKING:
    from .model import ScenarioModel


def priority_weight(model: ScenarioModel, idx: np.ndarray) -> np.ndarray:
    """Policy weight of scenarios: domain weight x zone weight (zone weight only for
    scenarios in a candidate zone whose theme covers their domain)."""
    book, pol = model.book, model.config.policy
    w_dom = model.domain_weight[book.domain[idx]]
    on_theme = model.zones.on_theme(book.zone[idx], book.domain[idx])
    return w_dom * np.where(on_theme, pol.zone_priority, 1.0)


def priority(model: ScenarioModel, idx: np.ndarray) -> np.ndarray:
    """Release and subsidy order: quality x policy weight (levers)."""
    return model.book.quality[idx] * priority_weight(model, idx)


def select(model: ScenarioModel) -> None:
    """遴选打磨: screen needs submitted before this step; refine the ones that pass.

    A need passes when quality x policy weight reaches ``policy.selection_strictness``: the
    domain and zone priorities lower the bar for the needs they favour.
    """
    book, m, cfg = model.book, model.month, model.config
    idx = book.in_stage(SOLICITATION)
    idx = idx[book.stage_since[idx] < m]
    passed = priority(model, idx) >= cfg.policy.selection_strictness
    book.move(idx[~passed], FAILED, m, "not_selected")
    book.move(idx[passed], SELECTION, m)
    book.set("ready", idx[passed], m + cfg.lifecycle.refine_months)


def release(model: ScenarioModel) -> None:
    """发布对接 (publication): periodic lists of refined scenarios.

    Refinement ends in the step that covers month ``ready`` (with multi-month steps, the first
    step at or after it); a share ``refine_dropout`` is withdrawn then.  A list holds at most
    ``release_per_batch`` scenarios, chosen by priority rank or, under
    ``selection_rule = "lottery"``, at random among those ready.
    """
    book, m, cfg = model.book, model.month, model.config
    lc = cfg.lifecycle
    idx = book.in_stage(SELECTION)
    due = idx[(book.ready[idx] <= m) & (book.ready[idx] > m - model.dt_months)]
    drop = model.keyed.uniform("withdraw", book.key[due]) < lc.refine_dropout
    book.move(due[drop], FAILED, m, "withdrawn")
    idx = book.in_stage(SELECTION)
    waited = idx[(book.ready[idx] <= m) & (m - book.ready[idx] >= lc.release_max_wait_months)]
    book.move(waited, FAILED, m, "not_released")
    if not _list_due(model):
        return
    idx = book.in_stage(SELECTION)
    ready = idx[book.ready[idx] <= m]
    if cfg.policy.selection_rule == "lottery":
        rank_key = -model.keyed.uniform("lottery", book.key[ready])
    else:
        rank_key = priority(model, ready)
    order = np.lexsort((ready, -rank_key))  # ties by age: stable, seed-free
    chosen = ready[order[: cfg.policy.release_per_batch]]
    open_release(model, chosen)


def _list_due(model: ScenarioModel) -> bool:
    """A list is published in the step that covers a month divisible by the interval."""
    interval = model.config.lifecycle.release_interval_months
    first = model.calendar_month_index
    return any((first + k) % interval == 0 for k in range(model.dt_months))


def open_release(model: ScenarioModel, idx: np.ndarray) -> None:
    book, m, pol = model.book, model.month, model.config.policy
    book.move(idx, RELEASE, m)
    book.set("released", idx, m)
    book.set("deadline", idx, m + model.config.lifecycle.match_window_months)
    if pol.procurement_commitment > 0:
        commit = model.keyed.uniform("commitment", book.key[idx]) < pol.procurement_commitment
        book.set("committed", idx[commit], True)
    model.opportunity_released += float(book.value[idx].sum())


def match(model: ScenarioModel, events: np.ndarray) -> None:
    """发布对接 (matchmaking): fill supplier slots of released scenarios under search friction.

    The hazard of filling an open slot is ``match_rate * (1 + event_gain * events_d)`` per
    month, ``events_d`` the events held for the scenario's domain this step, times
    ``1 + commitment_match_gain`` for a scenario with a purchase commitment.  A supplier is a
    firm of the scenario's domain whose TRL meets the requirement, capable enough and not
    already in a pilot; each filled slot takes one of them uniformly, keyed to (scenario,
    month, slot).
    """
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    lc = cfg.lifecycle
    idx = book.in_stage(RELEASE)
    if idx.size:
        lam = (lc.match_rate_per_month
               * (1 + cfg.funding.event_match_gain * events[book.domain[idx]])
               * np.where(book.committed[idx], 1 + cfg.policy.commitment_match_gain, 1.0))
        p_slot = -np.expm1(-lam * model.dt_months)
        open_slots = np.maximum(book.slots[idx] - book.filled[idx], 0)
        # one keyed uniform per (scenario, month, slot): slot j fills if u_j < p
        max_slots = int(open_slots.max()) if open_slots.size else 0
        # all scenarios' slot draws in one call (the same values as one call per scenario)
        u_all = model.keyed.uniform("slot", book.key[idx][:, None], m,
                                    np.arange(max_slots)[None, :])
        fills = ((u_all < p_slot[:, None])
                 & (np.arange(max_slots)[None, :] < open_slots[:, None])).sum(axis=1)
        filling, n_fill = idx[fills > 0], fills[fills > 0]
        pools, picks_all = [], np.empty((0, 0))
        if filling.size:
            pools = supplier_pools(model)          # computed once a step (events.py)
            # supplier picks keyed to (scenario, month, slot), all in one call
            picks_all = model.keyed.uniform("supplier", book.key[filling][:, None], m,
                                            np.arange(int(n_fill.max()))[None, :])
        filled = book.filled
        busy, served, served_via = firms.busy, firms.served, firms.served_via
        bit = SERVICE_BITS["pilot_supplier"]
        for s, k, picks, d, need in zip(filling.tolist(), n_fill.tolist(), picks_all.tolist(),
                                        book.domain[filling].tolist(),
                                        book.req_trl[filling].tolist(), strict=True):
            pool_trl, pool_idx, _ = pools[d]
            candidates = pool_idx[np.searchsorted(pool_trl, need, side="left"):]
            free = candidates[~busy[candidates]]
            for j in range(k):
                if free.size == 0:
                    break
                at = int(picks[j] * free.size)
                firm = int(free[at])
                busy[firm] = True
                served[firm] = True
                served_via[firm] |= bit
                book.supplier_scn.append(s)
                book.supplier_firm.append(firm)
                filled[s] += 1
                free = np.delete(free, at)    # the firm taken is busy now
                model.services["pilot_supplier"] += 1
    idx = book.in_stage(RELEASE)
    full = book.filled[idx] >= book.slots[idx]
    expired = book.deadline[idx] <= m
    book.move(idx[expired & (book.filled[idx] == 0)], FAILED, m, "unmatched")
    start_pilots(model, idx[full | (expired & (book.filled[idx] > 0))])


def start_pilots(model: ScenarioModel, idx: np.ndarray) -> None:
    """落地示范 (start): fund matched scenarios — owner share, subsidy, suppliers' share.

    In priority order (subsidies are first come, first served within the envelope): a free
    funded lab of the domain if any (cheaper pilot); the owner pays ``owners.cost_share`` or the
    pilot fails (*owner_budget*); the funder commits ``funding.subsidy_share`` if the envelope
    allows; the suppliers share the rest equally.  Suppliers who cannot finance their part drop
    out and the rest is re-divided among those who remain, until every remaining supplier can
    pay; if none can, commitments are released, the owner's share refunded and the pilot fails
    (*supplier_finance*).
    """
    if idx.size == 0:
        return
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    lo, hi = cfg.lifecycle.pilot_months
    idx = idx[np.lexsort((idx, -priority(model, idx)))]
    durations = lo + (model.keyed.uniform("duration", book.key[idx]) * (hi - lo + 1)).astype(int)
    scn_all, firm_all = book.suppliers_of(idx)
    domain, pilot_cost, owner_of = (book.domain[idx].tolist(), book.pilot_cost[idx].tolist(),
                                    book.owner[idx].tolist())
    cost_reduction, cost_share = cfg.labs.cost_reduction, cfg.owners.cost_share
    for i, (s, dur) in enumerate(zip(idx.tolist(), durations.tolist(), strict=True)):
        suppliers = firm_all[scn_all == s]
        lab = model.labs.assign(domain[i]) if model.labs_enabled else -1
        cost = pilot_cost[i] * (1 - cost_reduction if lab >= 0 else 1.0)
        owner = model.owner_agents[owner_of[i]]
        owner_share = cost_share * cost
        if not owner.pay_share(owner_share):
            _abandon(model, s, suppliers, lab, "owner_budget")
            continue
        subsidy = model.funder.offer_subsidy(cost)
        rest = max(cost - owner_share - subsidy, 0.0)
        able = suppliers
        while able.size:                       # re-divide until every one left can pay
            keep = firms.finance[able] >= rest / able.size
            if keep.all():
                break
            able = able[keep]
        if able.size == 0:
            owner.budget_left += owner_share  # refunded: the pilot never starts
            model.funder.ledger.release("pilot_subsidies", subsidy)
            _abandon(model, s, suppliers, lab, "supplier_finance")
            continue
        dropped = np.setdiff1d(suppliers, able) if able.size < suppliers.size else able[:0]
        if dropped.size:
            firms.busy[dropped] = False
            book.drop_suppliers(np.full(dropped.size, s), dropped)
            book.filled[s] -= dropped.size
        if subsidy > 0:  # first subsidised pilot of each supplier (evaluation panels use it)
            firms.funded_month[able] = np.minimum(firms.funded_month[able], m)
        if lab >= 0:
            firms.served[able] = True
            firms.served_via[able] |= SERVICE_BITS["lab"]
        book.set("lab", s, lab)
        book.set("subsidy", s, subsidy)
        model.pilots_subsidised_step += int(subsidy > 0)
        book.set("owner_paid", s, owner_share)
        book.set("deadline", s, m + dur)
        book.move_one(s, IMPLEMENTATION, m)


def _abandon(model: ScenarioModel, s: int, suppliers: np.ndarray, lab: int, reason: str) -> None:
    model.firms.busy[suppliers] = False
    if lab >= 0:
        model.labs.free(np.array([lab]))
    model.book.move_one(s, FAILED, model.month, reason)


def success_probability(model: ScenarioModel, idx: np.ndarray, mean_trl: np.ndarray
                        ) -> np.ndarray:
    """P(pilot succeeds) = base + trl_slope (mean supplier TRL − required) +
    quality_slope (quality − 0.5) + lab uplift, clipped to ``pilot_success_bounds``."""
    book, cfg = model.book, model.config
    lc = cfg.lifecycle
    p = (lc.pilot_success_base + lc.pilot_success_trl_slope * (mean_trl - book.req_trl[idx])
         + lc.pilot_success_quality_slope * (book.quality[idx] - 0.5)
         + np.where(book.lab[idx] >= 0, cfg.labs.success_uplift, 0.0))
    return np.clip(p, *lc.pilot_success_bounds)


def finish_pilots(model: ScenarioModel) -> None:
    """落地示范 (end): pilots that end now succeed or fail; successes become demonstrations."""
    book, m, cfg, firms = model.book, model.month, model.config, model.firms
    lc = cfg.lifecycle
    idx = book.in_stage(IMPLEMENTATION)
    idx = idx[book.deadline[idx] <= m]
    if idx.size == 0:
        return
    scn, sup = book.suppliers_of(idx)
    trl_sum = np.bincount(scn, weights=firms.trl[sup], minlength=book.size)
    n_sup = np.bincount(scn, minlength=book.size)
    p = success_probability(model, idx, trl_sum[idx] / np.maximum(n_sup[idx], 1))
    success = model.keyed.uniform("success", book.key[idx]) < p
    for subsidy in book.subsidy[idx].tolist():  # paid when a pilot ends, whatever its outcome
        if subsidy > 0:
            model.funder.ledger.pay("pilot_subsidies", subsidy)
    model.labs.free(book.lab[idx])
    firms.busy[sup] = False
    won = idx[success]
    book.set("success", won, True)
    book.move(idx[~success], FAILED, m, "pilot_failed")
    book.move(won, EVALUATION, m)
    book.set("deadline", won, m + lc.evaluation_months)
    # Every supplier of a successful pilot brings a demonstrated technology of its market.
    won_now = np.zeros(book.size, dtype=bool)
    won_now[won] = True
    keep = won_now[scn]
    scn_w, sup_w = scn[keep], sup[keep]
    model.techs.add(sup_w, book.domain[scn_w], model.market[sup_w], book.zone[scn_w], scn_w, m)
    firms.trl[sup_w] = np.minimum(firms.trl[sup_w] + lc.trl_gain_on_success, 9)
    model.zones.add_demonstrations(book.zone[won], book.domain[won])
    model.demonstrations += won.size


def evaluate(model: ScenarioModel) -> None:
    """跟踪评估: at the end of tracking, the owner decides to procure (先试后转) or not; an owner
    that committed in advance (``policy.procurement_commitment``) procures."""
    book, m = model.book, model.month
    idx = book.in_stage(EVALUATION)
    idx = idx[book.deadline[idx] <= m]
    if idx.size == 0:
        return
    p = np.array([o.procure_prob for o in model.owner_agents])[book.owner[idx]]
    procured = book.committed[idx] | (model.keyed.uniform("procure", book.key[idx]) < p)
    book.set("procured", idx[procured], True)
    model.techs.procured |= np.isin(model.techs.scenario, idx[procured])
    model.procurements += int(procured.sum())
    book.move(idx, COMPLETED, m)
