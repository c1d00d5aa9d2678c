"""The scenario-innovation model: a Mesa ``Model`` that reads top-down.

Agents: ~30 :class:`ScenarioOwner` agents and one :class:`Funder` (Mesa agents); the firm
population (tens of thousands) as numpy arrays; scenario labs; scenarios in a column-wise book.
Each step (one month by default) runs, in order:

1. the fiscal calendar (appropriation in January, lab grants, lab batches);
2. 场景征集  owners submit needs;
3. 遴选打磨  selection and refinement;
4. 发布对接  periodic release lists, matchmaking events, supplier matching;
5. 落地示范  pilots start (co-funding, subsidies, labs) and end (success or failure);
6. 跟踪评估  tracking and procurement decisions;
7. diffusion of demonstrated technologies, attraction of new firms, super-scenario status;
8. data collection (indicators, funnel, budget).
"""

from __future__ import annotations

import mesa
import numpy as np
from . import lifecycle
from .agents import Funder, ScenarioOwner, need_counts, submit_needs
from .attraction import attract
from .config import (
    DOMAINS,
    FIRM_TYPES,
    INSTRUMENTS,
    Config,
    month_index,
    month_label,
)
from .diffusion import (
    Diffusion,
    TechnologyRegistry,
    seed_adopters,
)
from .events import SupplierPools, hold_events
from .firms import (
    SUPPLIER_TYPES,
    FirmView,
    Markets,
    build_network,
    firm_view,
    generate_firms,
)
from .keyed import KeyedRandom
from .indicators import Indicators
from .labs import LabNetwork
from .memory import release_model
from .programme import candidate_zones, load_owners, load_programme
from .scenarios import RELEASE, ScenarioBook
from .streams import RandomStreams
from .zones import Zones

SERVICES = ("matchmaking_event", "pilot_supplier", "attraction_incentive")


class ScenarioModel(mesa.Model):
    """Firms, scenario owners, labs and a funder moving scenarios through the lifecycle.

    Parameters
    ----------
    config:
        A validated :class:`~changjing.simulate.config.Config` (defaults if omitted).
    seed:
        Root seed (plain int); defaults to ``config.run.seed``.  All randomness comes from
        named streams derived from it (see ``streams.py``), never from global state.
    """

    def __init__(self, config: Config | None = None, seed: int | None = None) -> None:
        config = config if config is not None else Config()
        seed = int(config.run.seed if seed is None else seed)
        # Mesa's own generators are seeded for completeness; the dynamics never use them, so
        # results do not depend on how a Mesa version turns a seed into a stream.
        super().__init__(rng=seed)
        self.config, self.seed = config, seed
        self.streams = RandomStreams(seed)
        self.keyed = KeyedRandom(seed)
        self.dt_months = config.run.step_months
        self.dt_years = self.dt_months / 12.0
        self.n_steps = config.run.months // self.dt_months
        self.n_domains = len(DOMAINS)
        self._start_cal = _calendar_index(config.run.start)
        self.month = -config.run.warmup_months  # months since `start` (negative in warm-up)

        # --- the world: zones, firms and their network -------------------------------
        programme = load_programme(copy_=False)    # read only: zones, markets, flagships
        self.programme = programme      # shared by all models of the process: read only
        self.zones = Zones(candidate_zones(programme, config.super_scenario.extra_candidate_zones),
                           self.n_domains)
        self.markets = _markets(programme)
        capacity = config.firms.n + (config.attraction.max_new_firms
                                     if config.switches.attraction else 0)
        self.firms = generate_firms(config.firms, self.zones.zones_for, self.markets, capacity,
                                    self.streams["firms"])
        # A technology's market: its supplier's industry, or its domain (market_scope); the
        # choice is made here once (arrivals take their market from the same column).
        self.market_source = "industry" if config.diffusion.market_scope == "industry" \
            else "domain"
        self.n_markets = self.markets.n if self.market_source == "industry" else self.n_domains
        self.market = getattr(self.firms, self.market_source).astype(np.intp)
        # The network is built only when diffusion uses it (docking does not), and only its
        # same-market ties are kept: word of mouth travels along no other tie.
        uses_network = (config.switches.diffusion and config.diffusion.network_weight > 0
                        and config.firms.network_degree > 0)
        self.market_network = (build_network(self.firms, config.firms.network_degree,
                                             config.firms.network_homophily,
                                             self.streams["network"], within=self.market)
                               if uses_network else _empty_network(self.firms.capacity))
        self.domain_weight = np.array(list(config.policy.domain_priority.values()))
        self.supplier_type_mask = np.isin(np.arange(len(FIRM_TYPES)), SUPPLIER_TYPES)
        self.seeded = np.empty(0, dtype=np.int64)
        if config.diffusion.seed_adopter_share > 0:
            self.seeded = seed_adopters(self.firms, config.diffusion.seed_adopter_share,
                                        self.streams["seed_adopters"])
        self.diffusion = Diffusion(self.firms, self.market, self.n_markets,
                                   self.market_network, self.zones.n)
        # Adopters counted as they adopt (firms never un-adopt), for the indicators.
        n = self.firms.n
        self.adopters_by_domain = np.bincount(self.firms.domain[:n][self.firms.adopted[:n]],
                                              minlength=self.n_domains)
        self.technology_adopters = int(np.count_nonzero(self.firms.adopted_tech[:n] >= 0))

        # --- agents: scenario owners and the funder (Mesa agents) ------------------------
        self.owner_agents = [ScenarioOwner(self, i, spec)
                             for i, spec in enumerate(load_owners(config.owners.file))]
        self.funder = Funder(self)
        release_model(self)  # all agents exist now; Mesa 3.3 would keep the model alive
        self.labs = LabNetwork(config.labs, np.array(list(config.firms.domain_shares.values())),
                               self.keyed, self._labs_at_warmup_start())
        self.labs_enabled = config.labs.initial > 0 or config.labs.batch_size > 0

        # --- scenarios, technologies and the record ----------------------------------------
        self.book = ScenarioBook()
        self.techs = TechnologyRegistry()
        self.services = dict.fromkeys(SERVICES, 0)
        self.events_by_domain = np.zeros(self.n_domains, dtype=np.int64)
        self.pilots_subsidised_step = 0
        self.opportunity_released = 0.0
        self.demonstrations = 0
        self.procurements = 0
        self.firms_attracted = 0
        # per-step and per-run caches of derived tables (events.py, agents.py)
        self._supplier_pools: SupplierPools | None = None
        self._event_firm_hash: np.ndarray | None = None
        self._owner_need_tables: tuple[np.ndarray, ...] | None = None
        self.indicators = Indicators(self)
        self.datacollector = self.indicators.datacollector

        # Warm-up: the programme already runs before `start`; simulate it, then report from 0.
        while self.month < 0:
            self._advance()
        self.indicators.start_reporting()

    # ------------------------------------------------------------------ one step
    def step(self) -> None:
        self._advance()
        self.indicators.collect()
        if self.steps >= self.n_steps:
            self.running = False

    def run_for(self, n: int) -> None:
        """Advance ``n`` steps (Mesa ≥ 3.4 has the same method)."""
        for _ in range(n):
            self.step()

    def _advance(self) -> None:
        cfg = self.config
        self.book.reset_step_counters()
        self._fiscal_calendar()
        if cfg.switches.solicitation:
            submit_needs(self, self.owner_agents, need_counts(self))   # 场景征集
        # With no scenario in the book (the docking set-up) the stages have nothing to do.
        if self.book.size:
            lifecycle.select(self)                      # 遴选打磨
            lifecycle.release(self)                     # 发布对接: lists
        self._flagships()
        if self.book.size:
            self.events_by_domain = hold_events(self)
            lifecycle.match(self, self.events_by_domain)  # 发布对接: matching → pilots start
            lifecycle.finish_pilots(self)               # 落地示范
            lifecycle.evaluate(self)                    # 跟踪评估
        else:
            self.events_by_domain = np.zeros(self.n_domains, dtype=np.int64)
            self.funder.events_this_step = 0
        if cfg.switches.diffusion:
            new = self.diffusion.step(self.techs, cfg.diffusion, self.dt_years,
                                      self.streams["diffusion"])
            if new.size:
                self.adopters_by_domain += np.bincount(self.firms.domain[new],
                                                       minlength=self.n_domains)
                with_tech = new[self.firms.adopted_tech[new] >= 0]
                self.technology_adopters += int(with_tech.size)
                self.zones.add_adopters(self.firms.zone[with_tech], self.firms.domain[with_tech])
        self.techs.update_promotion(self.month, cfg.diffusion.min_adopters_for_promotion)
        if cfg.switches.attraction:
            self.firms_attracted += attract(self)
        self.zones.update_status(self.month, cfg.super_scenario.min_demonstrations,
                                 cfg.super_scenario.min_adopters)
        self.month += self.dt_months

    # ------------------------------------------------------------------ helpers
    def firm(self, i: int) -> FirmView:
        """One firm's state as a small object, built on demand (to inspect a firm)."""
        return firm_view(self.firms, i)

    @property
    def calendar_month_index(self) -> int:
        """Months since January of year 0 (so ``% 12 == 0`` is January)."""
        return self._start_cal + self.month

    @property
    def date(self) -> str:
        return month_label(self.config.run.start, self.month)

    def _fiscal_calendar(self) -> None:
        """January opens the fiscal year.  A run whose first step is not in January opens its
        first year then, with the appropriation pro-rated to the months left in that year."""
        moy = self.calendar_month_index % 12
        first_step = self.month == -self.config.run.warmup_months
        if moy < self.dt_months or first_step:
            share = 1.0 if moy < self.dt_months else (12 - moy) / 12.0
            self.funder.open_year(share)
            for owner in self.owner_agents:
                owner.new_year()
            self.labs.fund_year(self.funder.ledger, share)
        if self._batch_due(self.calendar_month_index) and self.config.labs.batch_size:
            self.labs.certify_batch(self.funder.ledger, 12 - moy)

    def _batch_due(self, calendar_month: int) -> bool:
        batch_moy = self.config.labs.batch_month - 1
        return 0 <= (calendar_month % 12 - batch_moy) % 12 < self.dt_months

    def _labs_at_warmup_start(self) -> int:
        """``labs.initial`` is the stock at ``run.start``: the warm-up starts with that many
        minus the batches the warm-up will certify (130 at 2026-01 by default)."""
        cfg = self.config
        start = self._start_cal - cfg.run.warmup_months
        batches = sum(self._batch_due(start + k) for k in range(0, cfg.run.warmup_months,
                                                                  self.dt_months))
        return max(cfg.labs.initial - batches * cfg.labs.batch_size, 0)

    def register_arrivals(self, new: np.ndarray) -> None:
        """Markets of firms that just arrived (they join no network ties)."""
        self.market[new] = getattr(self.firms, self.market_source)[new]
        self.diffusion.add_firms(new)

    def _flagships(self) -> None:
        fl = self.config.flagship
        if not fl.enabled or fl.count == 0:
            return
        if month_index(self.config.run.start, fl.month) != self.month:
            return
        zone, owner = flagship_placement(self)
        domain = np.array([self.zones.zones[z].domains[0] if z >= 0 else 0 for z in zone])
        cfg = self.config.scenarios
        idx = self.book.add(
            self.month, stage=RELEASE,
            owner=np.array(owner),
            domain=domain, zone=np.array(zone),
            quality=np.full(fl.count, fl.quality),
            value=np.full(fl.count, fl.total_value_yuan / fl.count),
            pilot_cost=np.full(fl.count, fl.pilot_cost_multiple * cfg.pilot_cost_median_yuan),
            req_trl=np.full(fl.count, fl.required_trl),
            slots=np.full(fl.count, fl.slots),
            flagship=np.ones(fl.count, dtype=bool),
            key=np.array([self.keyed.key("flagship", i) for i in range(fl.count)],
                         dtype=np.uint64),
        )
        self.book.set("deadline", idx, self.month + self.config.lifecycle.match_window_months)
        self.book.set("released", idx, self.month)
        self.opportunity_released += fl.total_value_yuan


def flagship_placement(model: ScenarioModel) -> tuple[list[int], list[int]]:
    """Zones and owners of the flagship scenarios.

    Zones: the named flagship zones (``flagship.zones``) first, then the other candidate zones
    in programme order.  Owners: the owner the programme data give for a named flagship
    (scenarios_data/programme.toml ``[[flagships]]``); for the others, the owner whose domains
    cover the zone's first theme domain with the largest annual budget, not yet holding a
    flagship (ties: order in owners.csv).
    """
    fl = model.config.flagship
    codes = [z.code for z in model.zones.zones]
    named = [codes.index(c) for c in fl.zones if c in codes]
    others = [i for i in range(model.zones.n) if i not in named]
    zones = (named + others)[: fl.count] + [-1] * max(0, fl.count - model.zones.n)
    by_zone = {f["zone"]: f["owner"] for f in model.programme.get("flagships", [])}
    owner_codes = [o.code for o in model.owner_agents]
    taken: set[int] = set()
    owners = []
    for z in zones:
        code = by_zone.get(codes[z]) if z >= 0 else None
        if code in owner_codes and owner_codes.index(code) not in taken:
            o = owner_codes.index(code)
        else:
            d = model.zones.zones[z].domains[0] if z >= 0 else 0
            fits = [a for a in model.owner_agents if d in a.domains and a.index not in taken]
            fits = fits or [a for a in model.owner_agents if a.index not in taken] \
                or model.owner_agents
            o = max(fits, key=lambda a: (a.budget, -a.index)).index
        taken.add(o)
        owners.append(o)
    return zones, owners


def _markets(programme: dict) -> Markets:
    counts = np.array([len(d.get("industries", [])) or 1 for d in programme["domains"]])
    return Markets(first=np.concatenate([[0], np.cumsum(counts)[:-1]]), count=counts)


def _empty_network(capacity: int):
    import scipy.sparse as sp

    return sp.csr_matrix((capacity, capacity), dtype=np.float64)


def _calendar_index(start: str) -> int:
    year, month = map(int, start.split("-"))
    return year * 12 + month - 1


__all__ = ["ScenarioModel", "SERVICES", "INSTRUMENTS"]
