"""Conservation laws that must hold in every run, checked step by step."""

from __future__ import annotations

import numpy as np
import pytest
from changjing.simulate import Config, ScenarioModel
from changjing.simulate.scenarios import COMPLETED, FAILED, IMPLEMENTATION, N_STAGES, RELEASE

SMALL = {"firms.n": 3000, "run.warmup_months": 0}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stage_flows_money_and_firms_balance(seed):
    config = Config().with_overrides(SMALL)
    model = ScenarioModel(config, seed)
    entered = np.zeros(N_STAGES)
    left = np.zeros(N_STAGES)
    for _ in range(model.n_steps):
        model.step()
        book = model.book
        entered += book.entered
        left += book.advanced + book.failed
        counts = book.stage_counts()
        # every scenario is in exactly one stage (or completed, or failed)
        assert counts.sum() == book.size
        # flows: what entered a stage and has not left is still there
        np.testing.assert_array_equal(entered - left, counts[:N_STAGES])
        # the ledger: spent <= committed <= appropriated, per instrument, cumulatively
        for acct in model.funder.ledger.accounts.values():
            assert acct.spent <= acct.committed + 1e-6
            assert acct.committed <= acct.appropriated + 1e-6
            assert acct.available >= -1e-6
        assert all(o.budget_left >= -1e-6 for o in model.owner_agents)
        # busy firms are exactly the suppliers of scenarios in matching or in a pilot
        active = np.isin(book.stage, [RELEASE, IMPLEMENTATION])
        links = np.asarray(book.supplier_scn, dtype=int)
        in_active = active[links] if links.size else np.zeros(0, bool)
        firms = np.asarray(book.supplier_firm, dtype=int)[in_active]
        assert np.unique(firms).size == firms.size        # one pilot at a time
        assert model.firms.busy.sum() == firms.size
        assert (model.labs.busy >= 0).all() and (model.labs.busy <= config.labs.capacity).all()
        row = model.indicators.row
        assert row["firms_served"] <= model.firms.n
        assert row["firms_attracted"] <= model.firms.n - config.firms.n
    # something happened: scenarios finished both ways
    counts = model.book.stage_counts()
    assert counts[COMPLETED] > 0 and counts[FAILED] > 0


def test_no_funding_means_no_spending_and_no_event_service():
    config = Config().with_overrides({**SMALL, "switches.funding": False})
    model = ScenarioModel(config, 5)
    model.run_for(model.n_steps)
    row = model.indicators.row
    assert row["budget_spent_yuan"] == 0
    assert row["served_matchmaking_event"] == 0
    assert row["served_attraction_incentive"] == 0
    assert row["labs_funded"] == 0


def test_carry_over_rules_of_the_ledger():
    from changjing.simulate.ledger import BudgetLedger

    for rule, kept in (("none", 0.0), ("full", 60.0), ("capped", 20.0)):
        ledger = BudgetLedger(carry_over=rule, carry_over_cap=0.2)
        ledger.open_year({"lab_grants": 100.0})
        assert ledger.commit("lab_grants", 40.0)
        assert not ledger.commit("lab_grants", 61.0)   # hard limit, nothing changes
        ledger.pay("lab_grants", 30.0)
        with pytest.raises(RuntimeError):
            ledger.pay("lab_grants", 11.0)             # beyond outstanding commitments
        ledger.open_year({"lab_grants": 100.0})
        acct = ledger.accounts["lab_grants"]
        assert acct.available == pytest.approx(100.0 + kept)
        assert acct.lapsed == pytest.approx(60.0 - kept)
