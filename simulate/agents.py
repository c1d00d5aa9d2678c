"""The model's Mesa agents: scenario owners and the funder (programme office).

Firms are not agents here: at tens of thousands they live as numpy arrays (``firms.py``).
Owners (~30) and the funder (one) make decisions that read well as agent methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
from scipy.special import betaincinv, ndtri
from .config import INSTRUMENTS
from .keyed import poisson_quantile
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

    def need_count(self) -> int:
        """This step's number of needs: Poisson(rate x step), keyed to (owner, month).  The
        model draws every owner's count at once with :func:`need_counts` (same values)."""
        model = self.model
        u = model.keyed.uniform_scalar("submit", self.index, model.month)
        return int(poisson_quantile(np.array([u]), self.rate * model.dt_months)[0])

    def submit_needs(self, k: int | None = None) -> None:
        """场景征集: submit this step's ``k`` scenario needs to the city (default: drawn).

        The model submits every owner's needs at once with :func:`submit_needs` (the same
        needs, keyed to the owner)."""
        k = self.need_count() if k is None else int(k)
        submit_needs(self.model, [self], np.array([k]))

    def pay_share(self, amount: float) -> bool:
        """Pay the owner's share of a pilot if this year's budget allows."""
        if amount > self.budget_left:
            return False
        self.budget_left -= amount
        return True


def need_counts(model: ScenarioModel) -> np.ndarray:
    """Every owner's number of needs this step (:meth:`ScenarioOwner.need_count`, at once)."""
    tables = getattr(model, "_owner_count_tables", None)
    if tables is None:       # fixed for a run: owner numbers and rates, grouped by rate
        owners = model.owner_agents
        index = np.array([o.index for o in owners])
        rates = np.array([o.rate for o in owners]) * model.dt_months
        tables = (index, [(np.flatnonzero(rates == r), float(r)) for r in np.unique(rates)])
        model._owner_count_tables = tables
    index, groups = tables
    u = model.keyed.uniform("submit", index, model.month)
    out = np.zeros(index.size, dtype=np.int64)
    for rows, rate in groups:             # poisson_quantile, rate by rate
        out[rows] = poisson_quantile(u[rows], rate)
    return out


def submit_needs(model: ScenarioModel, owners: list[ScenarioOwner], counts: np.ndarray
                 ) -> None:
    """场景征集: add ``counts[i]`` needs of ``owners[i]`` to the book, owners in order.

    Each need's attributes are keyed to (owner, month, j), j its number among the owner's
    needs of the month, and come by inversion from eight keyed uniforms: the same needs arrive
    in every policy arm, and all of a step's needs cost one vectorised pass.

    Calls for needs carry the city's priorities: a domain is chosen in proportion to its
    priority weight among the owner's domains, and the odds of locating a need in a candidate
    zone are multiplied by the zone priority.
    """
    counts = np.asarray(counts, dtype=np.int64)
    keep = counts > 0
    if not keep.any():
        return
    owners = [o for o, c in zip(owners, keep, strict=True) if c]
    counts = counts[keep]
    cfg, pol, month = model.config.scenarios, model.config.policy, model.month
    # j-th need of each owner, owner-major
    o_idx = np.repeat(np.array([o.index for o in owners]), counts)
    pos = np.repeat(np.arange(len(owners)), counts)
    j = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    u = model.keyed.uniform("need_attributes", o_idx[:, None], month, j[:, None],
                            np.arange(8)[None, :])
    # domain: the owner's domains as a padded table of cumulative weights
    doms, cum, n_dom, risk = _owner_tables(model)
    row = np.array([o.index for o in owners])[pos]
    choice = np.minimum((u[:, 0, None] >= cum[row]).sum(axis=1), n_dom[row] - 1)
    domain = doms[row, choice]
    odds = cfg.zone_share / max(1 - cfg.zone_share, 1e-12) * pol.zone_priority
    zone_share = 1.0 if cfg.zone_share >= 1 else odds / (1 + odds)
    zone = _draw_zones(model, domain, zone_share, u[:, 1], u[:, 2])
    z = ndtri(np.clip(u[:, 3:6], 2.0**-54, None))      # standard normals by inversion
    req = (cfg.required_trl_cautious - cfg.required_trl_per_tolerance * risk[row]
           + cfg.required_trl_sd * z[:, 0])
    model.book.add(
        month, owner=o_idx, domain=domain, zone=zone,
        quality=betaincinv(*cfg.quality_beta, u[:, 7]),
        value=cfg.value_median_yuan * np.exp(cfg.value_sigma * z[:, 1]),
        pilot_cost=cfg.pilot_cost_median_yuan * np.exp(cfg.pilot_cost_sigma * z[:, 2]),
        req_trl=np.clip(np.rint(req), 3, 9).astype(np.int64),
        slots=1 + poisson_quantile(u[:, 6], cfg.extra_slots_mean),
        key=model.keyed.key("need", o_idx, month, j))


def _draw_zones(model: ScenarioModel, domain: np.ndarray, zone_share: float,
                u_zone: np.ndarray, u_pick: np.ndarray) -> np.ndarray:
    """:meth:`Zones.draw_for` of many needs at once (the same zones): with probability
    ``zone_share`` a zone whose theme covers the need's domain, chosen uniformly, else −1."""
    table = getattr(model, "_zone_choice_table", None)
    if table is None:         # zones_for[d], padded, and their number, per domain
        zones_for = model.zones.zones_for
        width = max(1, max(z.size for z in zones_for))
        table = (np.array([np.pad(z.astype(np.int64), (0, width - z.size), constant_values=-1)
                           for z in zones_for]).reshape(len(zones_for), width),
                 np.array([z.size for z in zones_for]))
        model._zone_choice_table = table
    choices, n_choices = table
    n = n_choices[domain]
    located = (u_zone < zone_share) & (n > 0)
    pick = (u_pick * n).astype(np.int64)
    return np.where(located, choices[domain, np.minimum(pick, choices.shape[1] - 1)], -1)


def _owner_tables(model: ScenarioModel) -> tuple[np.ndarray, ...]:
    """Per owner (by index): its domains and their cumulative priority weights (padded),
    the number of domains and the risk tolerance — fixed for a run, so built once."""
    cached = getattr(model, "_owner_need_tables", None)
    if cached is not None:
        return cached
    owners = sorted(model.owner_agents, key=lambda o: o.index)
    width = max(o.domains.size for o in owners)
    doms = np.zeros((len(owners), width), dtype=np.int64)
    cum = np.ones((len(owners), width))
    w_all = np.array(list(model.config.policy.domain_priority.values()))
    for r, o in enumerate(owners):
        w = w_all[o.domains]
        doms[r, : o.domains.size] = o.domains
        cum[r, : o.domains.size] = (np.cumsum(w) / w.sum() if w.sum() > 0
                                    else np.arange(1, w.size + 1) / w.size)
    tables = (doms, cum, np.array([o.domains.size for o in owners]),
              np.array([o.risk_tolerance for o in owners]))
    model._owner_need_tables = tables
    return tables


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
