"""The budget ledger's rules, each against hand-computed balances (tools/mutation.py ledger).

Rules (simulate/ledger.py docstring): appropriation → commitment → payment per instrument;
a commitment never exceeds what is available, a payment never exceeds what is outstanding;
at a year end the uncommitted balance lapses (``none``), is kept (``full``) or is kept up to
``cap`` x the new appropriation (``capped``).
"""

from __future__ import annotations

import pytest
from changjing.simulate.config import INSTRUMENTS
from changjing.simulate.ledger import Account, BudgetLedger


def test_new_account_is_empty():
    a = Account()
    assert (a.appropriated, a.committed, a.spent, a.available, a.lapsed) == (0, 0, 0, 0, 0)
    assert a.outstanding == 0
    ledger = BudgetLedger()
    assert ledger.carry_over == "none" and ledger.carry_over_cap == 0.2
    assert set(ledger.accounts) == set(INSTRUMENTS)


def test_outstanding_is_committed_minus_spent():
    a = Account(committed=70.0, spent=25.0)
    assert a.outstanding == 45.0


def test_commit_pay_release_balances():
    led = BudgetLedger()
    led.open_year({"pilot_subsidies": 100.0})
    acct = led.accounts["pilot_subsidies"]
    assert (acct.appropriated, acct.available) == (100.0, 100.0)
    assert led.accounts["lab_grants"].available == 0.0      # missing names get nothing
    assert led.commit("pilot_subsidies", 30.0) is True
    assert (acct.available, acct.committed) == (70.0, 30.0)
    led.pay("pilot_subsidies", 10.0)
    assert (acct.spent, acct.outstanding) == (10.0, 20.0)
    led.release("pilot_subsidies", 5.0)
    assert (acct.committed, acct.available, acct.outstanding) == (25.0, 75.0, 15.0)
    # release is capped at what is outstanding
    led.release("pilot_subsidies", 1000.0)
    assert (acct.committed, acct.available, acct.outstanding) == (10.0, 90.0, 0.0)


def test_commit_refuses_more_than_available_and_changes_nothing():
    led = BudgetLedger()
    led.open_year({"matchmaking": 50.0})
    acct = led.accounts["matchmaking"]
    assert led.commit("matchmaking", 50.0001) is False
    assert (acct.available, acct.committed) == (50.0, 0.0)
    assert led.can_commit("matchmaking", 50.0) and not led.can_commit("matchmaking", 50.01)
    assert led.commit("matchmaking", 50.0) is True          # exactly all of it
    assert (acct.available, acct.committed) == (0.0, 50.0)
    assert led.commit("matchmaking", 0.0) is True           # nothing is always possible
    with pytest.raises(ValueError, match="non-negative"):
        led.commit("matchmaking", -1.0)


def test_commit_within_tolerance_takes_only_what_is_there():
    led = BudgetLedger()
    led.open_year({"attraction": 10.0})
    assert led.commit("attraction", 10.0 + 5e-7)            # rounding slack accepted ...
    acct = led.accounts["attraction"]
    assert acct.committed == 10.0 and acct.available == 0.0  # ... but never overdrawn


def test_pay_beyond_outstanding_raises_and_exact_pay_is_fine():
    led = BudgetLedger()
    led.open_year({"lab_grants": 20.0})
    led.commit("lab_grants", 8.0)
    with pytest.raises(RuntimeError, match="exceeds outstanding"):
        led.pay("lab_grants", 8.01)
    led.pay("lab_grants", 8.0)
    acct = led.accounts["lab_grants"]
    assert acct.spent == 8.0 and acct.outstanding == 0.0
    led.pay("lab_grants", 5e-7)                               # rounding slack: no overpay
    assert acct.spent == 8.0


@pytest.mark.parametrize(("rule", "kept"), [("none", 0.0), ("full", 60.0), ("capped", 20.0)])
def test_year_end_carry_over(rule, kept):
    """60 uncommitted at the year end; the new year brings 100 (cap 0.2 → at most 20 kept)."""
    led = BudgetLedger(carry_over=rule, carry_over_cap=0.2)
    led.open_year({"pilot_subsidies": 100.0})
    led.commit("pilot_subsidies", 40.0)
    led.open_year({"pilot_subsidies": 100.0})
    acct = led.accounts["pilot_subsidies"]
    assert acct.available == pytest.approx(kept + 100.0)
    assert acct.lapsed == pytest.approx(60.0 - kept)
    assert acct.appropriated == 200.0
    assert acct.committed == 40.0                            # commitments stay payable
    led.pay("pilot_subsidies", 40.0)
    assert acct.spent == 40.0


def test_capped_carry_keeps_the_smaller_of_balance_and_cap():
    led = BudgetLedger(carry_over="capped", carry_over_cap=0.5)
    led.open_year({"attraction": 100.0})
    led.commit("attraction", 90.0)                           # 10 left < 0.5 x 100
    led.open_year({"attraction": 100.0})
    acct = led.accounts["attraction"]
    assert acct.available == pytest.approx(110.0) and acct.lapsed == 0.0
