"""One test per lifecycle rule, each stage function called on scenarios placed by hand.

The rules are those stated in simulate/lifecycle.py's docstrings and docs/model.md.  Shares
are compared with the rule's probability within 4.5 binomial standard deviations (a chance
failure below 1e-5 per comparison); counts and money are compared exactly.  Rules that
depend on the step length are checked at monthly and 3-month steps.
(tools/mutation.py lifecycle runs this file against every mutant of the module.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from changjing.simulate import Config, ScenarioModel
from changjing.simulate import lifecycle as lc
from changjing.simulate.firms import SUPPLIER_TYPES
from changjing.simulate.scenarios import (
    COMPLETED,
    EVALUATION,
    FAILED,
    IMPLEMENTATION,
    RELEASE,
    SELECTION,
    SOLICITATION,
)

Z = 4.5


def make_model(step=1, firms=3000, **over) -> ScenarioModel:
    base = {"firms.n": firms, "run.warmup_months": 0, "run.step_months": step,
            "run.months": 36, "labs.initial": 0, "labs.batch_size": 0}
    base.update(over)
    return ScenarioModel(Config().with_overrides(base), seed=11)


_next_key = [1]


def add(model, k, stage, month=None, **cols):
    month = model.month if month is None else month
    keys = np.arange(_next_key[0], _next_key[0] + k, dtype=np.uint64) * np.uint64(2654435761)
    _next_key[0] += k
    values = {"owner": np.zeros(k, np.int32), "domain": np.zeros(k, np.int8),
              "quality": np.full(k, 0.5), "value": np.full(k, 1e6),
              "pilot_cost": np.full(k, 1e6), "key": keys}
    values.update({name: np.broadcast_to(v, (k,)).copy() for name, v in cols.items()})
    return model.book.add(month, stage, **values)


def assert_share(hits, trials, p):
    sd = math.sqrt(p * (1 - p) / trials)
    assert abs(hits / trials - p) <= Z * sd + 1e-12, (hits / trials, p)


def stages(model, idx):
    return model.book.stage[idx]


# -- 遴选打磨 selection ------------------------------------------------------------------------

def test_selection_threshold_and_policy_weights():
    model = make_model(**{"policy.selection_strictness": 0.5, "policy.zone_priority": 2.0,
                          "policy.domain_priority.sci_tech": 2.0,
                          "lifecycle.refine_months": 4})
    model.month = 5
    theme = model.zones.theme
    on_z, on_d = np.argwhere(theme)[0]
    off = np.argwhere(~theme[:, on_d])[0][0]
    q = np.array([0.49, 0.5, 0.51, 0.3, 0.3, 0.3, 0.3])
    dom = np.array([on_d, on_d, on_d, 1, on_d, on_d, on_d])
    zone = np.array([-1, -1, -1, -1, on_z, off, -1])
    idx = add(model, 7, SOLICITATION, month=4, quality=q, domain=dom, zone=zone)
    fresh = add(model, 1, SOLICITATION, month=5, quality=0.9)     # submitted in this step
    expected = [False, True, True, on_d != 1, True, False, False]
    if on_d == 1:                                                 # domain weight applies too
        expected = [True, True, True, True, True, True, True]
    lc.select(model)
    book = model.book
    assert (stages(model, idx) == np.where(expected, SELECTION, FAILED)).all()
    assert (book.ready[idx[expected]] == 9).all()
    assert book.failed_by_reason["not_selected"] == len(expected) - sum(expected)
    assert stages(model, fresh) == SOLICITATION


@pytest.mark.parametrize("step", [1, 3])
def test_refinement_withdrawal_once_when_refinement_ends(step):
    """A share ``refine_dropout`` is withdrawn in the step covering ``ready``; needs whose
    refinement ended in an earlier step or ends later are not."""
    model = make_model(step, **{"lifecycle.refine_dropout": 0.3,
                                "lifecycle.release_max_wait_months": 30,
                                "lifecycle.release_interval_months": 12})
    model.month = 13                                   # no list is due (interval 12, Jan)
    due = np.concatenate([add(model, 4000, SELECTION, month=1, ready=model.month - k)
                          for k in range(step)])
    earlier = add(model, 4000, SELECTION, month=1, ready=model.month - step)
    later = add(model, 4000, SELECTION, month=1, ready=model.month + 1)
    lc.release(model)
    book = model.book
    assert (stages(model, earlier) == SELECTION).all() and (stages(model, later) == SELECTION).all()
    withdrawn = int((stages(model, due) == FAILED).sum())
    assert book.failed_by_reason["withdrawn"] == withdrawn
    assert_share(withdrawn, due.size, 0.3)


def test_not_released_after_the_longest_wait():
    model = make_model(**{"lifecycle.refine_dropout": 0.0,
                          "lifecycle.release_max_wait_months": 5,
                          "lifecycle.release_interval_months": 12})
    model.month = 13
    gone = add(model, 3, SELECTION, month=1, ready=8)        # waited 5 months
    stay = add(model, 3, SELECTION, month=1, ready=9)        # waited 4
    lc.release(model)
    assert (stages(model, gone) == FAILED).all() and (stages(model, stay) == SELECTION).all()
    assert model.book.failed_by_reason["not_released"] == 3


def test_list_takes_the_highest_priority_ties_by_age():
    model = make_model(**{"lifecycle.refine_dropout": 0.0, "policy.release_per_batch": 3,
                          "lifecycle.release_interval_months": 3,
                          "lifecycle.match_window_months": 7})
    model.month = 12                                  # January: 12 is divisible by 3
    q = np.array([0.2, 0.9, 0.5, 0.9, 0.7, 0.95])
    idx = add(model, 6, SELECTION, month=1, ready=12, quality=q, value=np.arange(1.0, 7.0))
    late = add(model, 1, SELECTION, month=1, ready=13, quality=1.0)  # refinement not over
    lc.release(model)
    released = idx[stages(model, idx) == RELEASE]
    assert sorted(released.tolist()) == sorted(idx[[5, 1, 3]].tolist())
    assert stages(model, late) == SELECTION
    book = model.book
    assert (book.released[released] == 12).all() and (book.deadline[released] == 19).all()
    assert model.opportunity_released == pytest.approx(6.0 + 2.0 + 4.0)
    # equal priority: the older (lower index) first
    model2 = make_model(**{"lifecycle.refine_dropout": 0.0, "policy.release_per_batch": 2})
    model2.month = 12
    tie = add(model2, 4, SELECTION, month=1, ready=12, quality=0.6)
    lc.release(model2)
    assert (stages(model2, tie) == RELEASE).tolist() == [True, True, False, False]


def test_no_list_in_steps_that_do_not_cover_a_list_month():
    for step, month, due in ((1, 13, False), (1, 18, True), (3, 16, True), (3, 13, False)):
        model = make_model(step, **{"lifecycle.refine_dropout": 0.0,
                                    "lifecycle.release_interval_months": 6})
        model.month = month                  # 13 = February; lists in January and July
        idx = add(model, 2, SELECTION, month=1, ready=month - 1)
        lc.release(model)
        months = [(model.calendar_month_index + k) for k in range(step)]
        assert due == any(mm % 6 == 0 for mm in months)
        assert (stages(model, idx) == RELEASE).all() == due, (step, month)


def test_lottery_draws_among_the_ready_whatever_their_priority():
    model = make_model(**{"lifecycle.refine_dropout": 0.0, "policy.release_per_batch": 400,
                          "policy.selection_rule": "lottery"})
    model.month = 12
    idx = add(model, 2000, SELECTION, month=1, ready=12, quality=np.linspace(0.01, 1, 2000))
    lc.release(model)
    chosen = stages(model, idx) == RELEASE
    assert chosen.sum() == 400
    top = chosen[1000:].sum()                            # the better half: a hypergeometric
    sd = math.sqrt(400 * 0.5 * 0.5 * 1600 / 1999)
    assert abs(top - 200) < Z * sd


def test_purchase_commitments_at_their_share():
    model = make_model(**{"policy.procurement_commitment": 0.4})
    idx = add(model, 5000, SELECTION, month=0)
    lc.open_release(model, idx)
    assert_share(int(model.book.committed[idx].sum()), 5000, 0.4)
    model2 = make_model()
    idx2 = add(model2, 50, SELECTION, month=0)
    lc.open_release(model2, idx2)
    assert not model2.book.committed[idx2].any()


# -- 发布对接 matchmaking -----------------------------------------------------------------------

def _supplier_firms(model, domain):
    f = model.firms
    n = f.n
    return np.flatnonzero(np.isin(f.type[:n], SUPPLIER_TYPES) & (f.domain[:n] == domain)
                          & (f.capability[:n] >= model.config.lifecycle.min_capability))


@pytest.mark.parametrize("step", [1, 3])
def test_match_hazard_per_slot(step):
    """P(a slot fills in a step) = 1 - exp(-rate (1 + gain·events) (1 + cgain·committed) dt)."""
    model = make_model(step, firms=40_000, **{"lifecycle.match_rate_per_month": 0.05,
                                               "funding.event_match_gain": 0.5,
                                               "policy.commitment_match_gain": 1.0,
                                               "lifecycle.match_window_months": 30})
    model.month = 3
    k = 1500
    plain = add(model, k, RELEASE, month=0, domain=0, slots=1, req_trl=1, deadline=30)
    events = add(model, k, RELEASE, month=0, domain=1, slots=1, req_trl=1, deadline=30)
    commit = add(model, k, RELEASE, month=0, domain=2, slots=1, req_trl=1, deadline=30,
                 committed=True)
    ev = np.zeros(model.n_domains)
    ev[1] = 2
    assert min(_supplier_firms(model, d).size for d in range(3)) > 3 * k * 0.25
    lc.match(model, ev)
    book = model.book
    for group, lam in ((plain, 0.05), (events, 0.05 * 2.0), (commit, 0.05 * 2.0)):
        filled = int((book.filled[group] > 0).sum())
        assert_share(filled, k, 1 - math.exp(-lam * step))
    links = np.array(book.supplier_scn), np.array(book.supplier_firm)
    assert links[0].size == int(book.filled.sum()) == model.services["pilot_supplier"]


def test_suppliers_meet_the_requirements_and_are_not_shared():
    model = make_model(firms=6000, **{"lifecycle.match_rate_per_month": 3.0,
                                      "lifecycle.min_capability": 0.5})
    model.month = 2
    busy = _supplier_firms(model, 0)[:50]
    model.firms.busy[busy] = True
    idx = add(model, 60, RELEASE, month=0, domain=0, slots=3, req_trl=6, deadline=20)
    lc.match(model, np.zeros(model.n_domains))
    f, book = model.firms, model.book
    scn, firm = np.array(book.supplier_scn), np.array(book.supplier_firm)
    assert firm.size > 30 and np.unique(firm).size == firm.size
    assert not np.isin(firm, busy).any()
    assert (f.domain[firm] == 0).all() and (f.trl[firm] >= 6).all()
    assert (f.capability[firm] >= 0.5).all() and np.isin(f.type[firm], SUPPLIER_TYPES).all()
    assert f.served[firm].all()       # (full scenarios start their pilots at once)
    np.testing.assert_array_equal(np.bincount(scn - idx[0], minlength=60)[:60],
                                  book.filled[idx])
    assert (book.filled[idx] <= 3).all()


def test_expiry_full_and_partial_matches():
    model = make_model(**{"lifecycle.match_rate_per_month": 0.0})
    model.month = 6
    unmatched = add(model, 2, RELEASE, month=0, slots=2, deadline=6)
    waiting = add(model, 2, RELEASE, month=0, slots=2, deadline=7)
    partial = add(model, 1, RELEASE, month=0, slots=2, deadline=6, filled=1)
    full = add(model, 1, RELEASE, month=0, slots=1, deadline=9, filled=1)
    sup = _supplier_firms(model, 0)[:2]
    model.book.supplier_scn += [int(partial[0]), int(full[0])]
    model.book.supplier_firm += [int(sup[0]), int(sup[1])]
    model.firms.finance[sup] = 1e12
    model.funder.ledger.open_year({"pilot_subsidies": 1e9})
    model.owner_agents[0].budget_left = 1e9
    lc.match(model, np.zeros(model.n_domains))
    assert (stages(model, unmatched) == FAILED).all()
    assert (stages(model, waiting) == RELEASE).all()
    assert stages(model, partial) == IMPLEMENTATION and stages(model, full) == IMPLEMENTATION
    assert model.book.failed_by_reason["unmatched"] == 2


# -- 落地示范 pilots ---------------------------------------------------------------------------

def _pilots(model, k, n_sup=1, finance=1e12, **cols):
    idx = add(model, k, RELEASE, month=0, slots=n_sup, filled=n_sup, **cols)
    sup = _supplier_firms(model, 0)[: k * n_sup]
    assert sup.size == k * n_sup
    model.book.supplier_scn += np.repeat(idx, n_sup).tolist()
    model.book.supplier_firm += sup.tolist()
    model.firms.busy[sup] = True
    model.firms.finance[sup] = finance
    return idx, sup.reshape(k, n_sup)


def test_pilot_money_owner_share_subsidy_and_suppliers():
    model = make_model(**{"owners.cost_share": 0.4, "funding.subsidy_share": 0.3,
                          "lifecycle.pilot_months": (6, 12)})
    model.month = 4
    led = model.funder.ledger
    led.open_year({"pilot_subsidies": 3e5 * 1.5})        # 1.5 subsidies of 3e5: one fits
    owner = model.owner_agents[0]
    owner.budget_left = 1e7
    idx, sup = _pilots(model, 2, pilot_cost=1e6, quality=np.array([0.2, 0.8]))
    lc.start_pilots(model, idx)
    book = model.book
    assert (stages(model, idx) == IMPLEMENTATION).all()
    assert book.owner_paid[idx].tolist() == [4e5, 4e5]
    assert owner.budget_left == pytest.approx(1e7 - 8e5)
    assert book.subsidy[idx].tolist() == [0.0, 3e5]      # the higher priority first
    assert led.accounts["pilot_subsidies"].committed == pytest.approx(3e5)
    assert model.pilots_subsidised_step == 1
    assert model.firms.funded_month[sup[1]] == 4 and model.firms.funded_month[sup[0]] > 4
    d = book.deadline[idx] - 4
    assert ((d >= 6) & (d <= 12)).all()


def test_pilot_duration_is_uniform_over_its_range():
    model = make_model(firms=30_000, **{"lifecycle.pilot_months": (3, 5),
                                        "funding.subsidy_share": 0.0})
    model.owner_agents[0].budget_left = 1e15
    idx, _ = _pilots(model, 3000)
    lc.start_pilots(model, idx)
    d = model.book.deadline[idx] - model.month
    for v in (3, 4, 5):
        assert_share(int((d == v).sum()), idx.size, 1 / 3)


def test_owner_without_budget_abandons_and_frees_the_suppliers():
    model = make_model(**{"owners.cost_share": 0.4})
    model.owner_agents[0].budget_left = 3.9e5
    idx, sup = _pilots(model, 1, pilot_cost=1e6)
    lc.start_pilots(model, idx)
    assert stages(model, idx) == FAILED
    assert model.book.failed_by_reason["owner_budget"] == 1
    assert not model.firms.busy[sup].any()
    assert model.owner_agents[0].budget_left == 3.9e5


def test_suppliers_that_cannot_finance_drop_out_and_the_rest_is_redivided():
    """cost 1e6, owner .4, subsidy .3: the suppliers share 3e5.  Finance (2e5, 1.2e5, 5e4):
    1e5 each → the third drops; 1.5e5 each → the second drops; 3e5 → the first drops too, so
    the pilot fails, the owner's share is refunded and the subsidy released."""
    model = make_model(**{"owners.cost_share": 0.4, "funding.subsidy_share": 0.3})
    led = model.funder.ledger
    led.open_year({"pilot_subsidies": 1e7})
    owner = model.owner_agents[0]
    owner.budget_left = 1e7
    idx, sup = _pilots(model, 1, n_sup=3, pilot_cost=1e6)
    model.firms.finance[sup[0]] = [2e5, 1.2e5, 5e4]
    lc.start_pilots(model, idx)
    assert stages(model, idx) == FAILED
    assert model.book.failed_by_reason["supplier_finance"] == 1
    assert owner.budget_left == pytest.approx(1e7)
    assert led.accounts["pilot_subsidies"].committed == pytest.approx(0.0)
    assert not model.firms.busy[sup].any()
    # with (3e5, 1.2e5, 5e4) the first can carry it alone: two drop, the pilot starts
    model2 = make_model(**{"owners.cost_share": 0.4, "funding.subsidy_share": 0.3})
    model2.funder.ledger.open_year({"pilot_subsidies": 1e7})
    model2.owner_agents[0].budget_left = 1e7
    idx2, sup2 = _pilots(model2, 1, n_sup=3, pilot_cost=1e6)
    model2.firms.finance[sup2[0]] = [3e5, 1.2e5, 5e4]
    lc.start_pilots(model2, idx2)
    assert stages(model2, idx2) == IMPLEMENTATION
    assert model2.book.filled[idx2[0]] == 1
    assert model2.book.suppliers_of(idx2)[1].tolist() == [sup2[0, 0]]
    assert model2.firms.busy[sup2[0]].tolist() == [True, False, False]


def test_a_free_lab_makes_the_pilot_cheaper():
    model = make_model(**{"labs.initial": 4, "labs.batch_size": 0, "labs.cost_reduction": 0.2,
                          "owners.cost_share": 0.5, "funding.subsidy_share": 0.0,
                          "labs.grant_yuan_per_year": 0.0})
    model.labs.fund_year(model.funder.ledger)
    model.owner_agents[0].budget_left = 1e9
    dom = int(model.labs.domain[0])
    idx, sup = _pilots(model, 1, pilot_cost=1e6, domain=dom)
    lc.start_pilots(model, idx)
    assert model.book.lab[idx[0]] >= 0
    assert model.book.owner_paid[idx[0]] == pytest.approx(0.5 * 0.8e6)
    assert model.firms.served[sup[0]].all()


def test_success_probability_closed_form_and_bounds():
    model = make_model(**{"lifecycle.pilot_success_base": 0.5,
                          "lifecycle.pilot_success_trl_slope": 0.1,
                          "lifecycle.pilot_success_quality_slope": 0.4,
                          "labs.success_uplift": 0.15,
                          "lifecycle.pilot_success_bounds": (0.05, 0.9)})
    idx = add(model, 5, IMPLEMENTATION, month=0, req_trl=np.array([5, 5, 2, 9, 5]),
              quality=np.array([0.75, 0.75, 1.0, 0.0, 0.5]), lab=np.array([-1, 3, 0, -1, 0]))
    p = lc.success_probability(model, idx, np.array([6.0, 6.0, 9.0, 1.0, 5.0]))
    np.testing.assert_allclose(p, [0.5 + 0.1 + 0.1, 0.5 + 0.1 + 0.1 + 0.15, 0.9, 0.05,
                                   0.5 + 0.15])            # lab 0 is a lab too


def test_pilots_end_succeed_at_their_probability_and_pay_their_subsidies():
    model = make_model(firms=20_000, **{"lifecycle.pilot_success_base": 0.6,
                                        "lifecycle.pilot_success_trl_slope": 0.0,
                                        "lifecycle.pilot_success_quality_slope": 0.0,
                                        "lifecycle.evaluation_months": 5,
                                        "lifecycle.trl_gain_on_success": 2})
    model.month = 10
    led = model.funder.ledger
    led.open_year({"pilot_subsidies": 1e8})
    idx, sup = _pilots(model, 2000, quality=0.5)
    model.book.move(idx, IMPLEMENTATION, 2)
    model.book.set("deadline", idx, 10)
    later, _sl = _pilots(model, 10)
    model.book.move(later, IMPLEMENTATION, 2)
    model.book.set("deadline", later, 11)
    model.book.set("subsidy", idx[:100], 1000.0)
    model.book.set("subsidy", idx[100], 0.5)             # half a yuan is paid too
    led.commit("pilot_subsidies", 1e5 + 0.5)
    trl_before = model.firms.trl[sup[:, 0]].copy()
    lc.finish_pilots(model)
    book = model.book
    won = book.stage[idx] == EVALUATION
    assert ((book.stage[idx] == FAILED) | won).all()
    assert_share(int(won.sum()), idx.size, 0.6)
    assert (stages(model, later) == IMPLEMENTATION).all()
    assert book.failed_by_reason["pilot_failed"] == int((~won).sum())
    assert (book.deadline[idx[won]] == 15).all() and book.success[idx[won]].all()
    assert led.accounts["pilot_subsidies"].spent == pytest.approx(1e5 + 0.5, abs=1e-6)
    assert not model.firms.busy[sup[:, 0]].any()
    assert model.demonstrations == int(won.sum()) == model.techs.n
    assert sorted(model.techs.supplier.tolist()) == sorted(sup[won, 0].tolist())
    np.testing.assert_array_equal(model.firms.trl[sup[:, 0]][won],
                                  np.minimum(trl_before[won] + 2, 9))
    np.testing.assert_array_equal(model.firms.trl[sup[:, 0]][~won], trl_before[~won])


def test_supplier_trl_decides_success():
    """Mean supplier TRL 3 above the requirement with slope .1: p = .3 + .3 = .6 vs .3."""
    model = make_model(firms=20_000, **{"lifecycle.pilot_success_base": 0.3,
                                        "lifecycle.pilot_success_trl_slope": 0.1,
                                        "lifecycle.pilot_success_quality_slope": 0.0})
    model.month = 10
    idx, sup = _pilots(model, 2000, quality=0.5)
    model.book.move(idx, IMPLEMENTATION, 2)
    model.book.set("deadline", idx, 10)
    model.firms.trl[sup[:, 0]] = 6
    model.book.set("req_trl", idx[:1000], 3)
    model.book.set("req_trl", idx[1000:], 6)
    lc.finish_pilots(model)
    won = model.book.stage[idx] == EVALUATION
    assert_share(int(won[:1000].sum()), 1000, 0.6)
    assert_share(int(won[1000:].sum()), 1000, 0.3)


# -- 跟踪评估 evaluation -----------------------------------------------------------------------

def test_evaluation_procures_at_the_owner_rate_or_when_committed():
    model = make_model()
    model.month = 20
    model.owner_agents[0].procure_prob = 0.35
    idx = add(model, 4000, EVALUATION, month=10, deadline=20)
    committed = add(model, 50, EVALUATION, month=10, deadline=19, committed=True)
    later = add(model, 5, EVALUATION, month=10, deadline=21)
    model.techs.add(np.array([1, 2]), np.zeros(2), np.zeros(2), np.full(2, -1),
                    np.array([committed[0], later[0]]), 10)
    lc.evaluate(model)
    book = model.book
    assert (stages(model, idx) == COMPLETED).all() and (stages(model, committed) == COMPLETED).all()
    assert (stages(model, later) == EVALUATION).all()
    assert_share(int(book.procured[idx].sum()), idx.size, 0.35)
    assert book.procured[committed].all()
    assert model.procurements == int(book.procured.sum())
    assert model.techs.procured.tolist() == [True, False]


# -- boundaries and the order of work within a step ------------------------------------------

def test_capability_requirement_is_inclusive():
    """``min_capability`` = 1: only firms whose capability is exactly 1 (clipped) supply."""
    model = make_model(firms=6000, **{"lifecycle.match_rate_per_month": 5.0,
                                      "lifecycle.min_capability": 1.0})
    f = model.firms
    top = np.flatnonzero(np.isin(f.type[:f.n], SUPPLIER_TYPES) & (f.domain[:f.n] == 0)
                         & (f.capability[:f.n] == 1.0))
    assert top.size >= 3
    add(model, 3, RELEASE, month=0, domain=0, slots=1, req_trl=1, deadline=20)
    lc.match(model, np.zeros(model.n_domains))
    firm = np.array(model.book.supplier_firm)
    assert firm.size >= 1 and np.isin(firm, top).all()


def test_a_full_scenario_does_not_stop_matching_the_others():
    model = make_model(firms=6000, **{"lifecycle.match_rate_per_month": 5.0})
    full = add(model, 1, RELEASE, month=0, domain=0, slots=1, filled=1, deadline=20)
    rest = add(model, 30, RELEASE, month=0, domain=0, slots=1, req_trl=1, deadline=20)
    lc.match(model, np.zeros(model.n_domains))
    assert model.book.filled[rest].sum() >= 25
    assert full[0] < rest[0]
    assert model.book.filled[full[0]] == 1                  # no slot beyond its slots


def test_only_open_slots_fill_and_suppliers_are_marked():
    from changjing.simulate.firms import SERVICE_BITS

    model = make_model(firms=6000, **{"lifecycle.match_rate_per_month": 8.0,
                                      "lifecycle.match_window_months": 30})
    idx = add(model, 40, RELEASE, month=0, domain=0, slots=3, filled=2, req_trl=1, deadline=20)
    lc.match(model, np.zeros(model.n_domains))
    firm = np.array(model.book.supplier_firm)
    assert firm.size == 40                                  # one open slot each, p ~ 1
    assert (model.book.filled[idx] == 3).all()
    bit = SERVICE_BITS["pilot_supplier"]
    assert (model.firms.served_via[firm] & bit == bit).all()


@pytest.mark.parametrize("reason", ["owner_budget", "supplier_finance"])
def test_an_abandoned_pilot_does_not_stop_the_next(reason):
    """The first pilot (higher priority) fails; the second must still start."""
    model = make_model(**{"owners.cost_share": 0.4, "funding.subsidy_share": 0.0})
    poor, rich = model.owner_agents[0], model.owner_agents[1]
    poor.budget_left, rich.budget_left = 1e9, 1e9
    if reason == "owner_budget":
        poor.budget_left = 0.0
    idx, sup = _pilots(model, 2, pilot_cost=1e6, quality=np.array([0.9, 0.1]),
                       owner=np.array([0, 1], np.int32))
    if reason == "supplier_finance":
        model.firms.finance[sup[0]] = 0.0
    lc.start_pilots(model, idx)
    assert stages(model, idx).tolist() == [FAILED, IMPLEMENTATION]
    assert model.book.failed_by_reason[reason] == 1


def _lab_model():
    model = make_model(**{"labs.initial": 1, "labs.batch_size": 0, "labs.cost_reduction": 0.2,
                          "owners.cost_share": 0.5, "funding.subsidy_share": 0.0,
                          "labs.grant_yuan_per_year": 0.0})
    model.labs.fund_year(model.funder.ledger)
    return model, int(model.labs.domain[0])


def test_lab_pilot_marks_its_suppliers_and_an_abandoned_one_frees_lab_zero():
    from changjing.simulate.firms import SERVICE_BITS

    model, dom = _lab_model()
    model.owner_agents[0].budget_left = 1e9
    idx, sup = _pilots(model, 1, pilot_cost=1e6, domain=dom)
    lc.start_pilots(model, idx)
    assert model.book.lab[idx[0]] == 0
    assert (model.firms.served_via[sup[0]] & SERVICE_BITS["lab"]).all()
    model2, dom2 = _lab_model()
    model2.owner_agents[0].budget_left = 0.0            # cannot pay: abandoned
    idx2, _ = _pilots(model2, 1, pilot_cost=1e6, domain=dom2)
    busy_before = model2.labs.busy.copy()
    lc.start_pilots(model2, idx2)
    assert stages(model2, idx2) == FAILED
    np.testing.assert_array_equal(model2.labs.busy, busy_before)   # lab 0 handed back
    assert model2.labs.assign(dom2) == 0


def test_a_single_pilot_ends_too():
    model = make_model(**{"lifecycle.pilot_success_bounds": (0.98, 0.98)})
    model.month = 10
    idx, _ = _pilots(model, 1)
    model.book.move(idx, IMPLEMENTATION, 2)
    model.book.set("deadline", idx, 10)
    lc.finish_pilots(model)
    assert stages(model, idx) in (EVALUATION, FAILED)


def test_success_uses_the_mean_supplier_trl():
    """Two suppliers of TRL 4 and 8 on a TRL-6 requirement: mean 6, p = base (.4), not the
    sum's base + 6·slope (.88) nor either supplier's."""
    model = make_model(firms=30_000, **{"lifecycle.pilot_success_base": 0.4,
                                        "lifecycle.pilot_success_trl_slope": 0.08,
                                        "lifecycle.pilot_success_quality_slope": 0.0})
    model.month = 10
    idx, sup = _pilots(model, 1500, n_sup=2, quality=0.5, req_trl=6)
    model.book.move(idx, IMPLEMENTATION, 2)
    model.book.set("deadline", idx, 10)
    model.firms.trl[sup[:, 0]] = 4
    model.firms.trl[sup[:, 1]] = 8
    lc.finish_pilots(model)
    won = model.book.stage[idx] == EVALUATION
    assert_share(int(won.sum()), idx.size, 0.4)


def test_suppliers_pay_nothing_when_owner_and_subsidy_cover_the_cost():
    model = make_model(**{"owners.cost_share": 0.5, "funding.subsidy_share": 0.5})
    model.funder.ledger.open_year({"pilot_subsidies": 1e7})
    model.owner_agents[0].budget_left = 1e7
    idx, sup = _pilots(model, 1, pilot_cost=1e6, finance=0.0)
    lc.start_pilots(model, idx)
    assert stages(model, idx) == IMPLEMENTATION
    assert model.book.subsidy[idx[0]] == pytest.approx(5e5)


def test_the_last_free_supplier_is_taken():
    model = make_model(firms=6000, **{"lifecycle.match_rate_per_month": 10.0,
                                      "lifecycle.min_capability": 0.0})
    pool = np.flatnonzero(np.isin(model.firms.type[:model.firms.n], SUPPLIER_TYPES)
                          & (model.firms.domain[:model.firms.n] == 0))
    model.firms.busy[pool[2:]] = True                    # two free suppliers left
    idx = add(model, 1, RELEASE, month=0, domain=0, slots=3, req_trl=1, deadline=20)
    lc.match(model, np.zeros(model.n_domains))
    assert sorted(model.book.supplier_firm) == sorted(pool[:2].tolist())
    assert model.book.filled[idx[0]] == 2


def test_a_tiny_subsidy_still_counts_as_a_subsidised_pilot():
    model = make_model(**{"owners.cost_share": 0.4, "funding.subsidy_share": 0.3})
    model.funder.ledger.open_year({"pilot_subsidies": 10.0})
    model.owner_agents[0].budget_left = 10.0
    idx, sup = _pilots(model, 1, pilot_cost=1.0)         # a subsidy of 0.3 yuan
    lc.start_pilots(model, idx)
    assert model.book.subsidy[idx[0]] == pytest.approx(0.3)
    assert model.pilots_subsidised_step == 1
    assert model.firms.funded_month[sup[0, 0]] == model.month


def test_suppliers_are_drawn_uniformly_from_the_free_pool():
    """Each filled slot takes a free capable firm uniformly: over 150 picks from a pool of
    N, the mean rank (in TRL order) is (N-1)/2 within 4.5 SDs of a uniform draw."""
    model = make_model(firms=8000, **{"lifecycle.match_rate_per_month": 10.0})
    add(model, 150, RELEASE, month=0, domain=0, slots=1, req_trl=1, deadline=20)
    pool = _supplier_firms(model, 0)
    lc.match(model, np.zeros(model.n_domains))
    firm = np.array(model.book.supplier_firm)
    order = pool[np.argsort(model.firms.trl[pool], kind="stable")]
    position = {int(f): k for k, f in enumerate(order)}     # candidates are in TRL order
    rank = np.array([position[int(f)] for f in firm])
    n = pool.size
    assert firm.size > 140 and n > 1000
    sd = math.sqrt((n**2 - 1) / 12 / firm.size)
    assert abs(rank.mean() - (n - 1) / 2) < Z * sd


def test_a_single_evaluation_ends_too():
    model = make_model()
    model.month = 20
    idx = add(model, 1, EVALUATION, month=10, deadline=20, committed=True)
    lc.evaluate(model)
    assert stages(model, idx) == COMPLETED and model.book.procured[idx[0]]
