"""The model's Mesa agents: scenario owners and the funder (programme office).

Firms are not agents here: at tens of thousands they live as numpy arrays (``firms.py``).
Owners (~30) and the funder (one) make decisions that read well as agent methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from .config import INSTRUMENTS
from .ledger import BudgetLedger
from .programme import Owner

if TYPE_CHECKING:
    from .model import ScenarioModel


class ScenarioOwner(mesa.Agent):
    """A department, SOE group or chain-master firm that owns scenarios (场景出题人).

    Submits needs at a Poisson rate, co-funds pilots from an annual budget, asks for mature
    technology when risk-averse, and may procure after a successful trial (先试后转).
    """

    def __init__(self, model: ScenarioModel, index: int, spec: Owner) -> None:
        super().__init__(model)
        cfg = model.config.owners
        self.index = index
        self.code, self.kind, self.domains = spec.code, spec.kind, np.array(spec.domains)
        self.rate = cfg.submit_rate_per_month[spec.kind]
        self.budget = cfg.budget_yuan_per_year[spec.kind]
        self.budget_left = self.budget
        # Owners of one kind differ a little in temperament (keyed to the owner).
        noise = model.keyed.generator("owner_temperament", index).normal(0, 1)
        self.risk_tolerance = float(np.clip(cfg.risk_tolerance[spec.kind]
                                            + cfg.risk_tolerance_sd * noise, 0, 1))
        self.procure_prob = cfg.procure_after_trial[spec.kind]

    def new_year(self) -> None:
        self.budget_left = self.budget

    def submit_needs(self) -> None:
        """场景征集: submit this step's scenario needs to the city.

        The number of needs is keyed to (owner, month) and each need's attributes to
        (owner, month, j): the same needs arrive in every policy arm.
        """
        model = self.model
        k = int(model.keyed.generator("submit", self.index, model.month)
                .poisson(self.rate * model.dt_months))
        if k == 0:
            return
        cfg = model.config.scenarios
        pol = model.config.policy
        # Calls for needs carry the city's priorities: a domain is chosen in proportion to its
        # priority weight among the owner's domains, and the odds of locating a need in a
        # candidate zone are multiplied by the zone priority.
        w = np.array([list(pol.domain_priority.values())[d] for d in self.domains])
        cdf = np.cumsum(w) / w.sum() if w.sum() > 0 else np.arange(1, w.size + 1) / w.size
        odds = cfg.zone_share / max(1 - cfg.zone_share, 1e-12) * pol.zone_priority
        zone_share = 1.0 if cfg.zone_share >= 1 else odds / (1 + odds)
        cols: dict[str, list] = {c: [] for c in ("domain", "zone", "quality", "value",
                                                 "pilot_cost", "req_trl", "slots", "key")}
        for j in range(k):
            rng = model.keyed.generator("need", self.index, model.month, j)
            u = rng.random(4)
            domain = int(self.domains[min(int(np.searchsorted(cdf, u[0], side="right")),
                                          self.domains.size - 1)])
            req = (cfg.required_trl_cautious - cfg.required_trl_per_tolerance
                   * self.risk_tolerance + cfg.required_trl_sd * rng.standard_normal())
            cols["domain"].append(domain)
            cols["zone"].append(model.zones.draw_for(domain, zone_share, u[1], u[2]))
            cols["quality"].append(rng.beta(*cfg.quality_beta))
            cols["value"].append(cfg.value_median_yuan
                                 * np.exp(cfg.value_sigma * rng.standard_normal()))
            cols["pilot_cost"].append(cfg.pilot_cost_median_yuan
                                      * np.exp(cfg.pilot_cost_sigma * rng.standard_normal()))
            cols["req_trl"].append(int(np.clip(np.rint(req), 3, 9)))
            cols["slots"].append(1 + int(rng.poisson(cfg.extra_slots_mean)))
            cols["key"].append(int(model.keyed.key("need", self.index, model.month, j)))
        model.book.add(model.month, owner=np.full(k, self.index),
                       **{c: np.asarray(v) for c, v in cols.items()})

    def pay_share(self, amount: float) -> bool:
        """Pay the owner's share of a pilot if this year's budget allows."""
        if amount > self.budget_left:
            return False
        self.budget_left -= amount
        return True


class Funder(mesa.Agent):
    """The programme office: appropriates the annual budget and spends it by instrument.

    All money goes through a hard :class:`BudgetLedger`; ``enabled`` False (switches.funding)
    makes every instrument empty.
    """

    def __init__(self, model: ScenarioModel) -> None:
        super().__init__(model)
        cfg = model.config.funding
        self.cfg = cfg
        self.enabled = model.config.switches.funding
        self.ledger = BudgetLedger(carry_over=cfg.carry_over, carry_over_cap=cfg.carry_over_cap)
        self._event_carry = 0.0
        self.events_this_step = 0

    def open_year(self, share_of_year: float = 1.0) -> None:
        """Appropriate the year's budget; a run starting after January gets the pro-rated
        share of its first year (``share_of_year``)."""
        total = self.cfg.annual_budget_yuan * share_of_year if self.enabled else 0.0
        self.ledger.open_year({k: total * self.cfg.split[k] for k in INSTRUMENTS})

    def hold_events(self, months_left_in_year: int, wanted: bool = True) -> int:
        """Matchmaking events this step, pacing the envelope evenly over the rest of the year
        (``wanted`` False: nothing to match this step, so none is held)."""
        if not wanted:
            self.events_this_step = 0
            return 0
        acct = self.ledger.accounts["matchmaking"]
        per_step = acct.available / max(months_left_in_year, 1) * self.model.dt_months
        wanted = per_step / self.cfg.event_cost_yuan + self._event_carry
        n = int(min(np.floor(wanted), self.cfg.events_per_month_max * self.model.dt_months))
        n = min(n, int(acct.available // self.cfg.event_cost_yuan))
        n = max(n, 0)
        self._event_carry = min(max(wanted - n, 0.0), 1.0)  # a fraction waits for next month
        if n:
            cost = n * self.cfg.event_cost_yuan
            self.ledger.commit("matchmaking", cost)
            self.ledger.pay("matchmaking", cost)
        self.events_this_step = n
        return n

    def offer_subsidy(self, cost: float) -> float:
        """Commit a pilot subsidy (share of ``cost``) if the envelope allows; returns it."""
        amount = self.cfg.subsidy_share * cost
        if amount > 0 and self.ledger.commit("pilot_subsidies", amount):
            return amount
        return 0.0

    def offer_incentive(self) -> bool:
        """Commit and pay one attraction incentive if the envelope allows."""
        amount = self.cfg.incentive_yuan_per_firm
        if self.ledger.commit("attraction", amount):
            self.ledger.pay("attraction", amount)
            return True
        return False
