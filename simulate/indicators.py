"""What the model reports every step: the 十百千 indicators, the stage funnel and the budget.

Counts are cumulative from the start of the reporting window (``run.start``); the warm-up
before it is simulated but not reported.  Column names are documented in docs/outputs.md.

Definitions (docs/model.md, "Observation", argues why each matches the programme's meaning)
---------------------------------------------------------------------------------------------
* super_scenarios — candidate zones that have become super scenarios: enough demonstrations
  on the zone's theme and enough firms in the zone adopting demonstrated technologies of its
  theme domains (zones.py).
* technologies_promoted — technologies (one per supplier of a successful pilot) whose
  promotion happened in the window: procured by the owner after the trial (先试后转) or adopted
  by ``min_adopters_for_promotion`` independent firms (diffusion.py).
* firms_attracted — firms that settled in the city from outside in the window (attraction.py).
* firms_served — distinct firm ids that received a traceable service in the window: invited to
  a matchmaking event, matched as a pilot supplier, hosted in a lab's pilot, or paid an
  attraction incentive (``FirmPopulation.served_via`` records which).
* Money: the window opens with the commitments made before it and still unpaid (the opening
  balance); committed and appropriated include that balance and the money available at the
  start, so spent ≤ committed ≤ appropriated holds per instrument at every step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np
from .config import DOMAINS, INSTRUMENTS
from .firms import SERVICE_BITS
from .programme import STAGES
from .scenarios import FAIL_REASONS, IMPLEMENTATION, RELEASE

if TYPE_CHECKING:
    from .model import ScenarioModel

TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")

FUNNEL_COLUMNS = ["step", "date", "stage", "entered", "left", "failed", "waiting",
                  "mean_months_spent"]
BUDGET_COLUMNS = ["step", "date", "instrument", "appropriated_yuan", "committed_yuan",
                  "spent_yuan", "available_yuan", "outstanding_yuan"]


def timeseries_columns() -> list[str]:
    cols = ["step", "date", *TARGETS,
            "scenarios_submitted", "scenarios_released", "pilots_started", "demonstrations",
            "procurements", "market_opportunity_released_yuan",
            "adopters", "adopters_seeded", "adopters_technology",
            *[f"adopters_{d}" for d in DOMAINS],
            *[f"demonstrations_{d}" for d in DOMAINS],
            "technologies_demonstrated", "technologies_procured",
            "pilots_subsidised", "zone_demonstrations", "zone_adopters",
            "owners_active", "departments_active",
            "firms_total", "labs_certified", "labs_funded", "pilots_active",
            "budget_appropriated_yuan", "budget_committed_yuan", "budget_spent_yuan",
            "cost_per_technology_yuan", "cost_per_firm_served_yuan",
            "cost_per_firm_attracted_yuan", "cost_per_super_scenario_yuan",
            *[f"failed_{r}" for r in FAIL_REASONS],
            "served_matchmaking_event", "served_pilot_supplier", "served_attraction_incentive",
            *[f"firms_served_{k}" for k in SERVICE_BITS],
            "events_held"]
    return cols


class Indicators:
    def __init__(self, model: ScenarioModel) -> None:
        self.model = model
        self.row: dict[str, Any] = {}
        reporters = {name: (lambda m, k=name: m.indicators.row[k])
                     for name in timeseries_columns()}
        self.datacollector = mesa.DataCollector(
            model_reporters=reporters,
            tables={"funnel": FUNNEL_COLUMNS, "budget": BUDGET_COLUMNS})
        self._base: dict[str, Any] = {}
        self._is_department: np.ndarray | None = None
        self._columns = timeseries_columns()
        mv = getattr(self.datacollector, "model_vars", None)
        self._direct = isinstance(mv, dict) and all(isinstance(mv.get(c), list)
                                                    for c in self._columns)

    def start_reporting(self) -> None:
        """Snapshot cumulative counters at ``start``; reported values count from here."""
        m = self.model
        m.firms.served[:] = False
        m.firms.served_via[:] = 0
        m.firms_attracted = 0
        m.services = dict.fromkeys(m.services, 0)
        ledger = m.funder.ledger.accounts
        self._base = {
            "submitted": int((~m.book.flagship).sum()),
            "demonstrations": m.demonstrations,
            "procurements": m.procurements,
            "opportunity": m.opportunity_released,
            "failed": dict(m.book.failed_by_reason),
            "ledger": {k: (a.appropriated - a.outstanding - a.available,
                           a.committed - a.outstanding, a.spent) for k, a in ledger.items()},
            "techs": m.techs.n,
            "demos_by_domain": np.bincount(m.book.domain[m.book.success],
                                           minlength=len(DOMAINS)),
            "events": 0,
        }
        self._events_cum = 0
        self._subsidised_cum = 0
        m.pilots_subsidised_step = 0
        # Releases and pilot starts are counted from the step counters as the window runs.
        self._released_cum = 0
        self._pilots_cum = 0

    def collect(self) -> None:
        m = self.model
        book, firms, n = m.book, m.firms, m.firms.n
        step, date = m.steps, month_label_of(m)
        b = self._base
        self._released_cum += int(book.entered[RELEASE])
        self._pilots_cum += int(book.entered[IMPLEMENTATION])
        self._events_cum += int(m.events_by_domain.sum())
        self._subsidised_cum += m.pilots_subsidised_step
        m.pilots_subsidised_step = 0
        ledger = m.funder.ledger.accounts
        appr = sum(a.appropriated - b["ledger"][k][0] for k, a in ledger.items())
        comm = sum(a.committed - b["ledger"][k][1] for k, a in ledger.items())
        spent = sum(a.spent - b["ledger"][k][2] for k, a in ledger.items())
        by_domain = m.adopters_by_domain          # counted as firms adopt (model.py)
        # firms served per service: the firms with that bit of served_via set
        served_via = firms.served_via[:n]
        via = {k: int(np.count_nonzero(served_via & bit)) for k, bit in SERVICE_BITS.items()}
        row: dict[str, Any] = {
            "step": step,
            "date": date,
            "super_scenarios": int(m.zones.is_super.sum()),
            "technologies_promoted": m.techs.promoted_since(0),
            "firms_attracted": int(m.firms_attracted),
            "firms_served": int(np.count_nonzero(firms.served[:n])),
            "scenarios_submitted": int((~book.flagship).sum() - b["submitted"]),
            "scenarios_released": self._released_cum,
            "pilots_started": self._pilots_cum,
            "demonstrations": int(m.demonstrations - b["demonstrations"]),
            "procurements": int(m.procurements - b["procurements"]),
            "market_opportunity_released_yuan": m.opportunity_released - b["opportunity"],
            "adopters": int(by_domain.sum()),
            "adopters_seeded": (int(np.count_nonzero(firms.adopted[m.seeded]))
                                if m.seeded.size else 0),
            "adopters_technology": m.technology_adopters,
            "technologies_demonstrated": int(m.techs.n - b["techs"]),
            "pilots_subsidised": self._subsidised_cum,
            **{f"demonstrations_{d}": int(v) for d, v in zip(
                DOMAINS, np.bincount(book.domain[book.success],
                                     minlength=len(DOMAINS)) - b["demos_by_domain"],
                strict=True)},
            "zone_demonstrations": int(m.zones.demonstrations.sum()),
            "zone_adopters": int(m.zones.adopters.sum()),
            "technologies_procured": int(m.techs.procured[b["techs"]:].sum()),
            **{f"adopters_{d}": int(by_domain[i]) for i, d in enumerate(DOMAINS)},
            **self._owners_active(),
            "firms_total": int(n),
            "labs_certified": int(m.labs.n),
            "labs_funded": int(m.labs.funded.sum()),
            "pilots_active": int((book.stage == IMPLEMENTATION).sum()),
            "budget_appropriated_yuan": appr,
            "budget_committed_yuan": comm,
            "budget_spent_yuan": spent,
            **{f"failed_{r}": int(book.failed_by_reason[r] - b["failed"][r])
               for r in FAIL_REASONS},
            **{f"served_{k}": int(v) for k, v in m.services.items()},
            **{f"firms_served_{k}": v for k, v in via.items()},
            "events_held": self._events_cum,
        }
        for name, key in (("cost_per_technology_yuan", "technologies_promoted"),
                          ("cost_per_firm_served_yuan", "firms_served"),
                          ("cost_per_firm_attracted_yuan", "firms_attracted"),
                          ("cost_per_super_scenario_yuan", "super_scenarios")):
            row[name] = spent / row[key] if row[key] else float("nan")
        self.row = row
        # What DataCollector.collect(m) records (each reporter returns row[name]), appended
        # directly: the values are plain numbers and strings, so Mesa's per-value deepcopy
        # and reporter calls are not needed.
        if self._direct:
            mv = self.datacollector.model_vars
            for name in self._columns:
                mv[name].append(row[name])
        else:                          # a Mesa whose collector keeps its records otherwise
            self.datacollector.collect(m)
        counts = book.stage_counts()
        for s, stage in enumerate(STAGES):
            left = int(book.advanced[s] + book.failed[s])
            self.datacollector.add_table_row("funnel", {
                "step": step, "date": date, "stage": stage,
                "entered": int(book.entered[s]), "left": int(book.advanced[s]),
                "failed": int(book.failed[s]), "waiting": int(counts[s]),
                "mean_months_spent": book.left_time[s] / left if left else float("nan"),
            })
        for k in INSTRUMENTS:
            a = ledger[k]
            base = b["ledger"][k]
            self.datacollector.add_table_row("budget", {
                "step": step, "date": date, "instrument": k,
                "appropriated_yuan": a.appropriated - base[0],
                "committed_yuan": a.committed - base[1],
                "spent_yuan": a.spent - base[2],
                "available_yuan": a.available,
                "outstanding_yuan": a.outstanding,
            })


    def _owners_active(self) -> dict[str, int]:
        """Owners (and departments among them) with a scenario released in the window."""
        m = self.model
        book = m.book
        if book.size == 0:
            return {"owners_active": 0, "departments_active": 0}
        mask = (book.released >= 0) & ~book.flagship
        if self._is_department is None:
            self._is_department = np.array([o.kind == "department" for o in m.owner_agents])
        active = np.zeros(self._is_department.size, dtype=bool)
        active[book.owner[mask]] = True
        return {"owners_active": int(np.count_nonzero(active)),
                "departments_active": int(np.count_nonzero(active & self._is_department))}


def month_label_of(model: ScenarioModel) -> str:
    """Label a step by the month it covered (the model's clock has already moved on)."""
    from .config import month_label

    return month_label(model.config.run.start, model.month - model.dt_months)
