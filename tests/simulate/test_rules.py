"""One test per lifecycle rule that the earlier code got wrong (each failed before its fix)."""

from __future__ import annotations

import numpy as np
import pytest
from changjing.simulate import Config, ScenarioModel
from changjing.simulate.attraction import recent_opportunity
from changjing.simulate.scenarios import FAILED


def _withdrawal_share(step_months: int) -> tuple[float, int]:
    cfg = Config().with_overrides({"firms.n": 1500, "run.step_months": step_months,
                                   "run.months": 36, "run.warmup_months": 0,
                                   "lifecycle.refine_dropout": 0.5,
                                   "owners.submit_rate_per_month": {"department": 1.0,
                                                                    "soe": 1.0,
                                                                    "lead_firm": 1.0}})
    model = ScenarioModel(cfg, seed=4)
    model.run_for(model.n_steps)
    book = model.book
    # needs whose refinement ended within the run (``ready`` is set when selected, >= 1)
    ended = (book.ready > 0) & (book.ready <= model.month - model.dt_months)
    withdrawn = book.failed_by_reason["withdrawn"]
    return withdrawn / max(int(ended.sum()), 1), int(ended.sum())


@pytest.mark.parametrize("step_months", [1, 3])
def test_refinement_withdrawal_at_its_rate_at_any_step_length(step_months):
    """Before: ``ready == month`` never matched with 3-month steps (0 withdrawals)."""
    share, n = _withdrawal_share(step_months)
    assert n > 300
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n) + 0.02, (share, n)


def test_first_year_appropriation_is_pro_rated():
    """A run starting in March gets 10/12 of the annual budget for its first year."""
    cfg = Config().with_overrides({"firms.n": 500, "run.start": "2024-03",
                                   "run.warmup_months": 0, "run.months": 12})
    model = ScenarioModel(cfg, seed=1)
    model.step()
    appropriated = sum(a.appropriated for a in model.funder.ledger.accounts.values())
    assert appropriated == pytest.approx(cfg.funding.annual_budget_yuan * 10 / 12)
    model.run_for(10)                                   # through January 2025
    appropriated = sum(a.appropriated for a in model.funder.ledger.accounts.values())
    assert appropriated == pytest.approx(cfg.funding.annual_budget_yuan * (10 / 12 + 1))


def test_opportunity_memory_is_twelve_months():
    """Released 12 months ago: outside the window; 11 months ago: inside (was 13 months)."""
    model = ScenarioModel(Config().with_overrides({"firms.n": 500}), seed=1)
    model.run_for(14)
    book = model.book
    # two released scenarios that have not failed (failed ones never count as opportunity)
    released = np.flatnonzero((book.released >= 0) & (book.stage != FAILED))[:2]
    book.set("released", released, -(10**6))
    before = recent_opportunity(model).sum()
    book.set("released", released[:1], model.month - 12)
    book.set("released", released[1:], model.month - 11)
    added = recent_opportunity(model).sum() - before
    assert added == pytest.approx(book.value[released[1]])
