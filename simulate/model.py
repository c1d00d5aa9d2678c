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
from changjing.simulate import lifecycle
from changjing.simulate.agents import Funder, ScenarioOwner
from changjing.simulate.attraction import attract
from changjing.simulate.config import (
    DOMAINS,
    FIRM_TYPES,
    INSTRUMENTS,
    Config,
    month_index,
    month_label,
)
from changjing.simulate.diffusion import TechnologyRegistry, diffusion_step, seed_adopters
from changjing.simulate.firms import (
    SUPPLIER_TYPES,
    FirmView,
    build_network,
    firm_view,
    generate_firms,
)
from changjing.simulate.indicators import Indicators
from changjing.simulate.labs import LabNetwork
from changjing.simulate.memory import release_model
from changjing.simulate.programme import candidate_zones, load_owners, load_programme
from changjing.simulate.scenarios import RELEASE, ScenarioBook
from changjing.simulate.streams import RandomStreams
from changjing.simulate.zones import Zones

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
        self.dt_months = config.run.step_months
        self.dt_years = self.dt_months / 12.0
        self.n_steps = config.run.months // self.dt_months
        self.n_domains = len(DOMAINS)
        self._start_cal = _calendar_index(config.run.start)
        self.month = -config.run.warmup_months  # months since `start` (negative in warm-up)

        # --- the world: zones, firms and their network -------------------------------
        programme = load_programme()
        self.zones = Zones(candidate_zones(programme, config.super_scenario.extra_candidate_zones),
                           self.n_domains)
        capacity = config.firms.n + (config.attraction.max_new_firms
                                     if config.switches.attraction else 0)
        self.firms = generate_firms(config.firms, self.zones.n, capacity, self.streams["firms"])
        self.network = build_network(self.firms, config.firms.network_degree,
                                     config.firms.network_homophily, self.streams["network"])
        self.network_degree = np.asarray(self.network.sum(axis=1)).ravel()
        self.supplier_type_mask = np.isin(np.arange(len(FIRM_TYPES)), SUPPLIER_TYPES)
        if config.diffusion.seed_adopter_share > 0:
            seed_adopters(self.firms, config.diffusion.seed_adopter_share,
                          self.streams["seed_adopters"])

        # --- agents: scenario owners and the funder (Mesa agents) ------------------------
        self.owner_agents = [ScenarioOwner(self, i, spec)
                             for i, spec in enumerate(load_owners(config.owners.file))]
        self.funder = Funder(self)
        release_model(self)  # all agents exist now; Mesa 3.3 would keep the model alive
        self.labs = LabNetwork(config.labs, np.array(list(config.firms.domain_shares.values())),
                               self.streams["labs"])
        self.labs_enabled = config.labs.initial > 0 or config.labs.batch_size > 0

        # --- scenarios, technologies and the record ----------------------------------------
        self.book = ScenarioBook()
        self.techs = TechnologyRegistry()
        self.services = dict.fromkeys(SERVICES, 0)
        self.opportunity_released = 0.0
        self.demonstrations = 0
        self.procurements = 0
        self.firms_attracted = 0
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
            for owner in self.owner_agents:             # 场景征集
                owner.submit_needs()
        lifecycle.select(self)                          # 遴选打磨
        lifecycle.release(self)                         # 发布对接: lists
        self._flagships()
        events = self._matchmaking_events()
        lifecycle.match(self, events)                   # 发布对接: matching → pilots start
        lifecycle.finish_pilots(self)                   # 落地示范
        lifecycle.evaluate(self)                        # 跟踪评估
        if cfg.switches.diffusion:
            diffusion_step(self.firms, self.network, self.network_degree, self.techs,
                           cfg.diffusion, self.dt_years, self.n_domains,
                           self.streams["diffusion"])
        self.techs.update_promotion(self.month, cfg.diffusion.min_adopters_for_promotion)
        if cfg.switches.attraction:
            self.firms_attracted += attract(self)
        self.zones.update(self.firms.zone[: self.firms.n], self.firms.adopted[: self.firms.n],
                          self.month, cfg.super_scenario.min_demonstrations,
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
        moy = self.calendar_month_index % 12
        first_step = self.month == -self.config.run.warmup_months
        if moy < self.dt_months or first_step:
            self.funder.open_year()
            for owner in self.owner_agents:
                owner.new_year()
            self.labs.fund_year(self.funder.ledger)
        batch_moy = self.config.labs.batch_month - 1
        if 0 <= (moy - batch_moy) % 12 < self.dt_months and self.config.labs.batch_size:
            self.labs.certify_batch(self.funder.ledger, 12 - moy)

    def _matchmaking_events(self) -> int:
        months_left = 12 - self.calendar_month_index % 12
        events = self.funder.hold_events(months_left)
        if events:
            k = min(events * self.config.funding.firms_per_event, self.firms.n)
            reached = self.streams["events"].choice(self.firms.n, size=k, replace=False)
            self.firms.served[reached] = True
            self.services["matchmaking_event"] += int(k)
        return events

    def _flagships(self) -> None:
        fl = self.config.flagship
        if not fl.enabled or fl.count == 0:
            return
        if month_index(self.config.run.start, fl.month) != self.month:
            return
        codes = [z.code for z in self.zones.zones]
        named = [codes.index(c) for c in fl.zones if c in codes]
        others = [i for i in range(self.zones.n) if i not in named]
        zone = np.array((named + others)[: fl.count] + [-1] * max(0, fl.count - self.zones.n))
        domain = np.array([self.zones.zones[z].domains[0] if z >= 0 else 0 for z in zone])
        cfg = self.config.scenarios
        idx = self.book.add(
            self.month, stage=RELEASE,
            owner=np.zeros(fl.count, dtype=int),
            domain=domain, zone=zone,
            quality=np.full(fl.count, 0.8),
            value=np.full(fl.count, fl.total_value_yuan / fl.count),
            pilot_cost=np.full(fl.count, 5 * cfg.pilot_cost_median_yuan),
            req_trl=np.full(fl.count, 7),
            slots=np.full(fl.count, 3),
            flagship=np.ones(fl.count, dtype=bool),
        )
        self.book.set("deadline", idx, self.month + self.config.lifecycle.match_window_months)
        self.book.set("released", idx, self.month)
        self.opportunity_released += fl.total_value_yuan


def _calendar_index(start: str) -> int:
    year, month = map(int, start.split("-"))
    return year * 12 + month - 1


__all__ = ["ScenarioModel", "SERVICES", "INSTRUMENTS"]
