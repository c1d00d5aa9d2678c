"""A hard budget ledger: appropriation → commitment → payment, per instrument.

No commitment may exceed what is available (appropriated and not yet committed), and no
payment may exceed what was committed: spent ≤ committed ≤ appropriated holds at all times,
cumulatively.  At the end of each fiscal year the uncommitted balance lapses, is carried over
in full, or is carried up to a cap (``carry_over``); commitments already made stay payable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import INSTRUMENTS


@dataclass
class Account:
    appropriated: float = 0.0   # cumulative
    committed: float = 0.0      # cumulative
    spent: float = 0.0          # cumulative
    available: float = 0.0      # uncommitted balance of the current year
    lapsed: float = 0.0         # cumulative money returned at year ends

    @property
    def outstanding(self) -> float:
        """Committed but not yet paid."""
        return self.committed - self.spent


@dataclass
class BudgetLedger:
    carry_over: str = "none"
    carry_over_cap: float = 0.2
    accounts: dict[str, Account] = field(
        default_factory=lambda: {name: Account() for name in INSTRUMENTS})

    def open_year(self, amounts: dict[str, float]) -> None:
        """Close the previous year (lapse / carry) and add this year's appropriation."""
        for name, acct in self.accounts.items():
            new = float(amounts.get(name, 0.0))
            if self.carry_over == "full":
                keep = acct.available
            elif self.carry_over == "capped":
                keep = min(acct.available, self.carry_over_cap * new)
            else:
                keep = 0.0
            acct.lapsed += acct.available - keep
            acct.available = keep + new
            acct.appropriated += new

    def can_commit(self, name: str, amount: float) -> bool:
        return amount <= self.accounts[name].available + 1e-6

    def commit(self, name: str, amount: float) -> bool:
        """Reserve ``amount``; returns False (and changes nothing) if it is not available."""
        if amount < 0:
            raise ValueError(f"commitment must be non-negative, got {amount}")
        acct = self.accounts[name]
        if amount > acct.available + 1e-6:
            return False
        amount = min(amount, acct.available)
        acct.available -= amount
        acct.committed += amount
        return True

    def pay(self, name: str, amount: float) -> None:
        """Pay out of earlier commitments (raises if that would exceed them)."""
        acct = self.accounts[name]
        if amount > acct.outstanding + 1e-6:
            raise RuntimeError(f"{name}: payment {amount:.2f} exceeds outstanding "
                               f"commitments {acct.outstanding:.2f}")
        acct.spent += min(amount, acct.outstanding)

    def release(self, name: str, amount: float) -> None:
        """Cancel part of a commitment that will not be paid; the money returns to available."""
        acct = self.accounts[name]
        amount = min(amount, acct.outstanding)
        acct.committed -= amount
        acct.available += amount
