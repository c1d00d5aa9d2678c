"""The model configuration: every parameter with its unit, valid range and provenance.

A configuration is a TOML file (see ``experiments/baseline.toml``) whose tables mirror the
classes below.  Anything left out takes the documented default.  Loading validates the whole
file at once: an unknown key (with a did-you-mean), a wrong type or an out-of-range value is a
:class:`~changjing.simulate.errors.ConfigError` naming the file and the dotted key path, and
nothing runs.

Provenance tags used in ``source``:

* ``[QD2026]`` — the programme as published (see ``scenarios_data/programme.toml``);
* a literature reference — a published value;
* ``assumption`` — a modelling choice, stated in ``docs/model.md``; calibration replaces these.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError, format_validation_error, suggest
from .inputs import StrictModel, load_toml, where
from .provenance import canonical_hash
from pydantic import Field, ValidationError, model_validator

DOMAINS = ("industrial_chain", "sci_tech", "consumption", "public_services", "green", "governance")
OWNER_KINDS = ("department", "soe", "lead_firm")
FIRM_TYPES = ("sme", "startup", "lead", "soe", "university")
INSTRUMENTS = ("lab_grants", "pilot_subsidies", "matchmaking", "attraction")


CALIBRATED = ("calibrated: posterior median, experiments/calibrate_history.toml against the "
              "2024-03..2026-03 record ([QD2026]); ")


def P(default: Any, *, unit: str, source: str, doc: str, **bounds: Any) -> Any:
    """A documented parameter: default, unit, provenance and bounds (pydantic ge/le/gt/lt)."""
    return Field(default, description=doc, json_schema_extra={"unit": unit, "source": source},
                 **bounds)


class _Section(StrictModel):
    """Unknown keys and silently coerced types (``true`` or ``"3"`` for a number) are errors."""


def _shares(values: dict[str, float], keys: tuple[str, ...], what: str) -> dict[str, float]:
    missing = [k for k in keys if k not in values]
    unknown = [k for k in values if k not in keys]
    if unknown:
        hints = [f"{k!r}{suggest(k, keys)}" for k in unknown]
        raise ValueError(f"unknown {what}: {', '.join(hints)}; expected keys {', '.join(keys)}")
    if missing:
        raise ValueError(f"missing {what}: {', '.join(missing)}")
    if any(v < 0 for v in values.values()):
        raise ValueError(f"{what} must be non-negative, got {values}")
    return {k: float(values[k]) for k in keys}


def _check_sum_one(values: dict[str, float], what: str) -> None:
    total = sum(values.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1, got {total:.6g}")


class RunSection(_Section):
    start: str = P("2026-01", unit="YYYY-MM", source="[QD2026] plan period 2026–2028",
                   doc="First month simulated.", pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    months: int = P(36, unit="months", source="[QD2026] three-year plan", doc="Horizon.",
                    ge=1, le=600)
    step_months: int = P(1, unit="months", source="assumption: monthly cadence of programme work",
                         doc="Length of one model step; must divide `months`.", ge=1, le=12)
    warmup_months: int = P(12, unit="months", source="assumption: the 2024–2026 programme has "
                           "scenarios in flight at the start ([QD2026] history)", doc="Months "
                           "simulated before `start` so the pipeline is not empty; not "
                           "reported.", ge=0, le=120)
    seed: int = P(20260416, unit="-", source="convention: date of the policy briefing",
                  doc="Root seed; `changjing run --seed` overrides it.", ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _divides(self) -> RunSection:
        if self.months % self.step_months:
            raise ValueError(f"step_months={self.step_months} must divide months={self.months}")
        return self


class FirmsSection(_Section):
    n: int = P(20_000, unit="firms", source="assumption: technology-relevant firms in a city of "
               "10 M people ([QD2026] population); order of magnitude of the city's high-tech "
               "and tech-SME registers", doc="Initial firm population.", ge=10, le=2_000_000)
    type_shares: dict[str, float] = P(
        {"sme": 0.72, "startup": 0.22, "lead": 0.02, "soe": 0.03, "university": 0.01},
        unit="share", source="assumption", doc="Firm types: SME, start-up, chain-master lead "
        "firm, SOE, university/institute (as supplier).")
    domain_shares: dict[str, float] = P(
        {"industrial_chain": 0.35, "sci_tech": 0.15, "consumption": 0.15,
         "public_services": 0.12, "green": 0.12, "governance": 0.11},
        unit="share", source="assumption: industrial-chain action is the broadest in [QD2026]",
        doc="Domain action each firm's technology belongs to.")
    zone_share: float = P(0.30, unit="share", source="assumption", doc="Share of firms located "
                          "in a candidate super-scenario zone (spread evenly over zones).",
                          ge=0, le=1)
    size_tail_alpha: float = P(1.06, unit="-", source="Axtell (2001) Science 293:1818, Zipf "
                               "firm sizes, Pareto exponent 1.06", doc="Pareto tail exponent "
                               "of firm size (employees).", gt=0.5, le=3)
    size_min: dict[str, float] = P(
        {"sme": 10, "startup": 3, "lead": 500, "soe": 300, "university": 200},
        unit="employees", source="assumption", doc="Scale (minimum) of the Pareto size "
        "distribution by firm type.")
    trl_mean: dict[str, float] = P(
        {"sme": 5.0, "startup": 4.0, "lead": 6.5, "soe": 6.0, "university": 3.5},
        unit="TRL", source="assumption", doc="Mean technology readiness level by type "
        "(drawn binomially on 1–9).")
    size_cap: float = P(2e5, unit="employees", source="assumption: the largest employers of a "
                        "city of 10 M people; keeps sums finite at alpha near 1",
                        doc="Upper cap on a drawn firm size.", gt=0)
    capability_spread: float = P(2.0, unit="Beta shape", source="assumption: a symmetric, "
                                 "single-peaked spread of capability around 0.5 (range 1–5; "
                                 "1 is uniform)", doc="Capability is Beta(a, a) with this a, "
                                 "plus the size term, clipped to [0, 1].", gt=0, le=100)
    capability_size_slope: float = P(0.05, unit="per decade of size", source="assumption: "
                                     "capability grows weakly with size (range 0–0.1)",
                                     doc="Added to capability per factor 10 in employees.",
                                     ge=0, le=1)
    finance_per_employee_yuan: float = P(3.0e4, unit="yuan/employee", source="assumption "
                                         "(range 1e4–1e5)", doc="Finance limit scale: limit = "
                                         "scale * size^finance_size_exponent.", gt=0)
    finance_size_exponent: float = P(0.8, unit="-", source="assumption: finance grows less "
                                     "than proportionally with size (range 0.6–1.0)",
                                     doc="Exponent of size in the finance limit.", gt=0, le=1.5)
    network_degree: int = P(4, unit="links/firm", source="assumption: sparse supply-chain ties",
                            doc="Links each firm forms (undirected; mean degree is twice this).",
                            ge=0, le=50)
    network_homophily: float = P(0.7, unit="share", source="assumption", doc="Share of links "
                                 "within the firm's own domain.", ge=0, le=1)
    potential_adopter_share: float = P(0.25, unit="share", source="assumption: Bass market "
                                       "potential m as a share of a domain's firms",
                                       doc="Share of firms that may ever adopt a demonstrated "
                                       "technology of their market.", ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> FirmsSection:
        self.type_shares = _shares(self.type_shares, FIRM_TYPES, "firm types")
        _check_sum_one(self.type_shares, "firms.type_shares")
        self.domain_shares = _shares(self.domain_shares, DOMAINS, "domains")
        _check_sum_one(self.domain_shares, "firms.domain_shares")
        self.size_min = _shares(self.size_min, FIRM_TYPES, "firm types")
        self.trl_mean = _shares(self.trl_mean, FIRM_TYPES, "firm types")
        if any(not 1 <= v <= 9 for v in self.trl_mean.values()):
            raise ValueError(f"firms.trl_mean values must lie in [1, 9], got {self.trl_mean}")
        return self


class OwnersSection(_Section):
    file: str = P("owners.csv", unit="path", source="scenarios_data/owners.csv ([QD2026] "
                  "departments + labelled assumptions)", doc="Owner list; a bare name is "
                  "looked up in the shipped scenarios_data/.")
    submit_rate_per_month: dict[str, float] = P(
        {"department": 0.35, "soe": 0.45, "lead_firm": 0.45}, unit="needs/owner/month",
        source="assumption, sized so that ~8 city-level listings a month are released as in "
        "[QD2026] (197 listings, 2024-03 to 2026-03)", doc="Poisson rate of scenario needs "
        "submitted by one owner.")
    budget_yuan_per_year: dict[str, float] = P(
        {"department": 5e6, "soe": 2e7, "lead_firm": 1e7}, unit="yuan/year",
        source="assumption", doc="Owner's annual budget for its share of pilot costs.")
    risk_tolerance: dict[str, float] = P(
        {"department": 0.4, "soe": 0.3, "lead_firm": 0.6}, unit="0–1", source="assumption",
        doc="Mean risk tolerance; lower tolerance asks for a higher TRL.")
    risk_tolerance_sd: float = P(0.1, unit="0–1", source="assumption: owners of one kind "
                                 "differ in temperament (range 0–0.2)", doc="Spread (sd) of an "
                                 "owner's risk tolerance around its kind's mean.", ge=0, le=1)
    procure_after_trial: dict[str, float] = P(
        {"department": 0.35, "soe": 0.5, "lead_firm": 0.6}, unit="probability",
        source="assumption (先试后转 'trial then procure')", doc="Chance that a successful "
        "demonstration is procured by its owner.")
    cost_share: float = P(0.4, unit="share of pilot cost", source="assumption",
                          doc="Owner's share of a pilot's cost.", ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> OwnersSection:
        for name in ("submit_rate_per_month", "budget_yuan_per_year", "risk_tolerance",
                     "procure_after_trial"):
            setattr(self, name, _shares(getattr(self, name), OWNER_KINDS, f"owners.{name} kinds"))
        for name in ("risk_tolerance", "procure_after_trial"):
            if any(v > 1 for v in getattr(self, name).values()):
                raise ValueError(f"owners.{name} values must lie in [0, 1]")
        return self


class ScenariosSection(_Section):
    value_median_yuan: float = P(2e7, unit="yuan", source="assumption", doc="Median market "
                                 "opportunity of a regular scenario (log-normal).", gt=0)
    value_sigma: float = P(1.2, unit="log-sd", source="assumption", doc="Log-normal spread of "
                           "market opportunity.", ge=0, le=5)
    pilot_cost_median_yuan: float = P(2e6, unit="yuan", source="assumption", doc="Median cost of "
                                      "one pilot (log-normal).", gt=0)
    pilot_cost_sigma: float = P(0.6, unit="log-sd", source="assumption", doc="Log-normal spread "
                                "of pilot cost.", ge=0, le=5)
    extra_slots_mean: float = P(0.5, unit="suppliers", source="assumption", doc="Supplier slots "
                                "per scenario are 1 + Poisson(this).", ge=0, le=10)
    quality_beta: tuple[float, float] = P((4.0, 3.0), unit="Beta(a, b)", source="assumption",
                                          doc="Quality of a submitted need in [0, 1].")
    zone_share: float = P(0.5, unit="share", source="assumption: [QD2026] 全区域 zone focus",
                          doc="Share of needs located in a candidate super-scenario zone.",
                          ge=0, le=1)
    required_trl_cautious: float = P(7.5, unit="TRL", source="assumption: a fully risk-averse "
                                     "owner asks for system demonstration (TRL 7–8)",
                                     doc="Required TRL of a need from an owner with risk "
                                     "tolerance 0 (before noise).", ge=1, le=9)
    required_trl_per_tolerance: float = P(4.0, unit="TRL per unit tolerance", source="assumption:"
                                          " a fully risk-tolerant owner accepts TRL ~3.5",
                                          doc="Drop of the required TRL per unit of risk "
                                          "tolerance.", ge=0, le=8)
    required_trl_sd: float = P(1.0, unit="TRL", source="assumption", doc="Spread of the "
                               "required TRL between needs (rounded, clipped to 3–9).",
                               ge=0, le=4)


class LifecycleSection(_Section):
    refine_months: int = P(2, unit="months", source="assumption", doc="Time to polish a "
                           "selected need into a releasable scenario.", ge=0, le=24)
    refine_dropout: float = P(0.10, unit="probability", source="assumption", doc="Chance a "
                              "selected need is withdrawn during refinement.", ge=0, le=1)
    release_interval_months: int = P(3, unit="months", source="assumption: [QD2026] "
                                     "定期发布市级场景清单 (periodic lists)", doc="Months "
                                     "between published scenario lists.", ge=1, le=24)
    release_max_wait_months: int = P(12, unit="months", source="assumption", doc="A refined "
                                     "scenario not released within this time is dropped.",
                                     ge=1, le=120)
    match_window_months: int = P(9, unit="months", source="assumption", doc="How long a "
                                 "released scenario looks for suppliers before it lapses.",
                                 ge=1, le=120)
    match_rate_per_month: float = P(0.25, unit="1/month", source="assumption", doc="Hazard "
                                    "of filling one supplier slot at the platform's base "
                                    "friction.", ge=0, le=10)
    min_capability: float = P(0.3, unit="0–1", source="assumption", doc="Capability a firm "
                              "needs to supply a scenario.", ge=0, le=1)
    pilot_months: tuple[int, int] = P((6, 12), unit="months", source="assumption",
                                      doc="Pilot duration, uniform on [min, max].")
    pilot_success_base: float = P(0.55, unit="probability", source="assumption", doc="Chance a "
                                  "pilot succeeds when the supplier's TRL equals the required "
                                  "TRL, without a lab.", ge=0, le=1)
    pilot_success_quality_slope: float = P(0.3, unit="per unit quality", source="assumption",
                                           doc="Success gain per unit of need quality above "
                                           "0.5 (why selection strictness matters).", ge=0, le=2)
    pilot_success_trl_slope: float = P(0.05, unit="per TRL level", source="assumption",
                                       doc="Success gain per TRL level above the requirement.",
                                       ge=0, le=0.5)
    evaluation_months: int = P(6, unit="months", source="assumption", doc="Tracking & "
                               "evaluation period after a demonstration.", ge=0, le=60)
    trl_gain_on_success: int = P(1, unit="TRL levels", source="assumption", doc="Supplier's "
                                 "readiness gain from a successful demonstration.", ge=0, le=3)
    pilot_success_bounds: tuple[float, float] = P((0.02, 0.98), unit="probability",
                                                  source="assumption: no pilot is certain to "
                                                  "succeed or to fail", doc="The pilot success "
                                                  "probability is clipped to [low, high].")

    @model_validator(mode="after")
    def _check(self) -> LifecycleSection:
        lo, hi = self.pilot_months
        if not 1 <= lo <= hi:
            raise ValueError(f"lifecycle.pilot_months must be [min, max] with 1 <= min <= max, "
                             f"got {list(self.pilot_months)}")
        a, b = self.pilot_success_bounds
        if not 0 <= a <= b <= 1:
            raise ValueError("lifecycle.pilot_success_bounds must satisfy 0 <= low <= high <= 1, "
                             f"got {list(self.pilot_success_bounds)}")
        return self


class PolicySection(_Section):
    selection_strictness: float = P(0.38, unit="quality threshold 0–1", source=CALIBRATED +
                                    "90 % CI 0.22-0.55, weakly identified",
                                    doc="Needs with quality below this fail selection.",
                                    ge=0, le=1)
    release_per_batch: int = P(36, unit="scenarios", source=CALIBRATED + "90 % CI 26-55, "
                               "weakly identified", doc="Most scenarios published in one list.",
                               ge=0, le=10_000)
    domain_priority: dict[str, float] = P({d: 1.0 for d in DOMAINS}, unit="weight",
                                          source="lever", doc="Priority weight by domain: "
                                          "multiplies a need's quality at selection, orders "
                                          "release lists and subsidies, and steers "
                                          "matchmaking events (docs/model.md, levers).")
    zone_priority: float = P(1.0, unit="weight", source="lever", doc="Priority weight of needs "
                             "located in a candidate zone whose theme covers their domain "
                             "(others have 1): the same four uses as domain_priority, and "
                             "event audiences favour firms in such zones.", ge=0, le=100)
    selection_rule: Literal["rank", "lottery"] = P("rank", unit="rule", source="lever: call "
                                                   "design", doc="How a release list is filled "
                                                   "when more refined scenarios are ready than "
                                                   "it holds: by priority rank, or by lottery "
                                                   "among them.")
    procurement_commitment: float = P(0.0, unit="share of released scenarios", source="lever: "
                                      "先试后转 purchase commitment (not in today's programme)",
                                      doc="Share of released scenarios whose owner commits in "
                                      "advance to buy the technology if the pilot succeeds.",
                                      ge=0, le=1)
    commitment_match_gain: float = P(0.5, unit="relative rise of the match hazard",
                                     source="assumption: a committed first buyer makes a "
                                     "scenario more attractive to suppliers (range 0–1)",
                                     doc="Match hazard of a committed scenario is multiplied by "
                                     "1 + this.", ge=0, le=10)

    @model_validator(mode="after")
    def _check(self) -> PolicySection:
        # Domains left out keep weight 1.
        filled = {d: 1.0 for d in DOMAINS} | dict(self.domain_priority)
        self.domain_priority = _shares(filled, DOMAINS, "policy.domain_priority domains")
        return self


class LabsSection(_Section):
    initial: int = P(130, unit="labs", source="[QD2026] 130 labs certified in 6 batches by "
                     "early 2026", doc="Labs certified by run.start; the warm-up begins with "
                     "this many minus the batches it will certify itself.", ge=0, le=100_000)
    capacity: int = P(1, unit="pilots/lab", source="assumption", doc="Concurrent pilots a lab "
                      "can host.", ge=1, le=100)
    batch_size: int = P(32, unit="labs", source=CALIBRATED + "90 % CI 29-36, identified by "
                        "the 130 labs certified by 2026",
                        doc="Labs certified per batch (if the lab envelope allows).",
                        ge=0, le=10_000)
    batch_month: int = P(6, unit="month of year", source="assumption", doc="Month of the year "
                         "a new batch is certified.", ge=1, le=12)
    grant_yuan_per_year: float = P(1e5, unit="yuan/lab/year", source="assumption: ~30 % of "
                                   "the annual budget over 130 labs", doc="Operating grant per "
                                   "certified lab, committed each January.", ge=0)
    success_uplift: float = P(0.15, unit="probability", source="assumption", doc="Pilot success "
                              "gain when hosted in a lab.", ge=0, le=1)
    cost_reduction: float = P(0.2, unit="share of pilot cost", source="assumption", doc="Pilot "
                              "cost saved by lab facilities.", ge=0, le=1)


class FundingSection(_Section):
    annual_budget_yuan: float = P(6.13e7, unit="yuan/year", source=CALIBRATED + "90 % CI "
                                  "4.3e7-7.8e7, weakly identified: the appropriation with which "
                                  "the model pays out close to 90 M yuan over two years "
                                  "(unspent money lapses)",
                                  doc="Appropriation each January.", ge=0)
    split: dict[str, float] = P(
        {"lab_grants": 0.30, "pilot_subsidies": 0.45, "matchmaking": 0.10, "attraction": 0.15},
        unit="share", source="assumption", doc="Annual budget split across instruments.")
    carry_over: Literal["none", "full", "capped"] = P("none", unit="rule", source="assumption: "
                                                      "annual appropriation lapses",
                                                      doc="What happens to uncommitted money "
                                                      "at year end.")
    carry_over_cap: float = P(0.2, unit="share of appropriation", source="assumption",
                              doc="With carry_over='capped', the most carried per instrument.",
                              ge=0, le=1)
    subsidy_share: float = P(0.3, unit="share of pilot cost", source="assumption",
                             doc="Pilot subsidy as a share of pilot cost.", ge=0, le=1)
    event_cost_yuan: float = P(1.5e5, unit="yuan/event", source="assumption: venue, "
                               "organisation and expert fees of one city-level supply–demand "
                               "matchmaking event (供需对接会); range 5e4–3e5", doc="Cost of one "
                               "matchmaking event.", gt=0)
    events_per_month_max: int = P(4, unit="events/month", source="assumption: staff of the "
                                  "scenario-innovation office (range 2–8)", doc="Most events "
                                  "the office can organise in a month.", ge=0, le=1000)
    firms_per_event: int = P(10, unit="firms/event", source="assumption: firms given in-depth "
                             "one-to-one matchmaking at one event (range 5–30)", doc="Capacity "
                             "of an event: firms invited from the eligible suppliers of its "
                             "domain and given in-depth matchmaking service.", ge=0,
                             le=100_000)
    event_match_gain: float = P(0.3, unit="per event/month", source="assumption (range 0–1)",
                                doc="Relative rise of the match hazard of a domain's released "
                                "scenarios per event held for that domain in the month.",
                                ge=0, le=10)
    incentive_yuan_per_firm: float = P(3e5, unit="yuan/firm", source="assumption: order of "
                                       "municipal settling-in grants for innovative firms "
                                       "(range 1e5–1e6)", doc="Attraction incentive paid to one "
                                       "incoming firm.", gt=0)

    @model_validator(mode="after")
    def _check(self) -> FundingSection:
        self.split = _shares(self.split, INSTRUMENTS, "funding.split instruments")
        _check_sum_one(self.split, "funding.split")
        return self


class DiffusionSection(_Section):
    p_per_year: float = P(0.03, unit="1/year", source="Sultan, Farley & Lehmann (1990) J. "
                          "Marketing Research 27:70, meta-analytic mean p", doc="Bass external "
                          "influence.", ge=0, le=12)
    q_per_year: float = P(0.38, unit="1/year", source="Sultan, Farley & Lehmann (1990), "
                          "meta-analytic mean q", doc="Bass internal influence.", ge=0, le=12)
    hazard: Literal["linear", "exponential"] = P("linear", unit="form", source="discrete Bass "
                                                 "recursion", doc="'linear': (p+qF)dt, docks "
                                                 "with F(t+1)=F+(p+qF)(1-F); 'exponential': "
                                                 "1-exp(-(p+qF)dt).")
    network_weight: float = P(0.5, unit="share", source="assumption", doc="Weight of adopting "
                              "network neighbours (vs the domain-wide share) in internal "
                              "influence.", ge=0, le=1)
    adoption_cost_yuan: float = P(2e5, unit="yuan", source="assumption (range 5e4–1e6)",
                                  doc="Price the first adopter of a technology pays; falls "
                                  "along the learning curve with the technology's adopters.",
                                  ge=0)
    learning_rate: float = P(0.2, unit="cost drop per doubling", source="Wright's law; typical "
                             "progress ratios 0.75–0.9 (Dutton & Thomas 1984)", doc="Learning-"
                             "curve cost decline per doubling of adopters.", ge=0, lt=1)
    require_demonstration: bool = P(True, unit="flag", source="model rule", doc="Adoption in a "
                                    "domain starts only after a demonstration there.")
    seed_adopter_share: float = P(0.0, unit="share", source="docking", doc="Share of potential "
                                  "adopters set as adopters at the start.", ge=0, le=1)
    min_adopters_for_promotion: int = P(3, unit="firms", source="assumption: uptake by several "
                                        "firms besides the demonstrating owner is the least "
                                        "evidence of 应用推广 (range 1–10)",
                                        doc="Independent adopting firms (other than its "
                                        "supplier) that make a demonstrated, unprocured "
                                        "technology count as promoted.", ge=1, le=10_000)
    local_demonstration_gain: float = P(1.0, unit="relative rise of p", source="assumption: "
                                        "a demonstration is seen first by firms nearby "
                                        "(range 0–3)", doc="External influence p of a "
                                        "potential adopter located in a zone where a "
                                        "technology of its market was demonstrated is "
                                        "multiplied by 1 + this.", ge=0, le=20)
    market_scope: Literal["industry", "domain"] = P("industry", unit="rule", source="model "
                                                    "rule: a technology serves its industry "
                                                    "([QD2026] industries per domain action)",
                                                    doc="Market of a technology and reach of "
                                                    "word of mouth: firms of the same industry "
                                                    "(default) or the whole domain (docking).")


class AttractionSection(_Section):
    arrivals_per_month: float = P(0.6, unit="firms/month per domain", source="assumption, "
                                  "sized to ~35 firms a year at baseline (range 0.2–1.5)",
                                  doc="Interested firms arriving a month in one domain when its "
                                  "recent opportunity equals opportunity_reference_yuan.",
                                  ge=0, le=1000)
    opportunity_reference_yuan: float = P(1e9, unit="yuan", source="assumption: a year of "
                                          "regular listings in one domain", doc="Opportunity "
                                          "at which a domain draws arrivals_per_month.", gt=0)
    opportunity_elasticity: float = P(0.3, unit="-", source="assumption: firm location responds "
                                      "less than proportionally to market size (range "
                                      "0.1–0.6)", doc="Elasticity of arrivals to the "
                                      "opportunity published recently in the domain.", ge=0,
                                      le=2)
    opportunity_memory_months: int = P(12, unit="months", source="assumption", doc="How long "
                                       "a published scenario keeps drawing firms' interest "
                                       "(released in the last this-many months, this month "
                                       "included).", ge=1, le=120)
    conversion_without_incentive: float = P(0.5, unit="probability", source="assumption",
                                            doc="Chance an interested firm settles unaided.",
                                            ge=0, le=1)
    conversion_with_incentive: float = P(0.9, unit="probability", source="assumption",
                                         doc="Chance with an attraction incentive.", ge=0, le=1)
    max_new_firms: int = P(5_000, unit="firms", source="capacity of the state arrays",
                           doc="Most firms that can arrive in one run.", ge=0, le=1_000_000)


class SuperScenarioSection(_Section):
    min_demonstrations: int = P(3, unit="scenarios", source="assumption (range 2–6)",
                                doc="Demonstrated scenarios on the zone's theme it needs.",
                                ge=1, le=10_000)
    min_adopters: int = P(8, unit="firms", source="assumption (range 3–20)", doc="Firms located "
                          "in the zone that adopted a demonstrated technology of a theme "
                          "domain.", ge=0, le=1_000_000)
    extra_candidate_zones: int = P(3, unit="zones", source="assumption: districts beyond the "
                                   "nine named zones may build super scenarios ([QD2026] aims at "
                                   "10+)", doc="Unnamed further candidate zones.", ge=0, le=100)


class FlagshipSection(_Section):
    enabled: bool = P(True, unit="flag", source="[QD2026] six flagship scenarios, 2026-03",
                      doc="Release the flagship major scenarios.")
    month: str = P("2026-03", unit="YYYY-MM", source="[QD2026]", doc="Release month.",
                   pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    count: int = P(6, unit="scenarios", source="[QD2026]", doc="Number released.", ge=0, le=100)
    total_value_yuan: float = P(3e11, unit="yuan", source="[QD2026] 3000亿元市场机会",
                                doc="Market opportunity they release.", ge=0)
    zones: list[str] = P(["offshore_energy", "low_altitude_base"], unit="zone codes",
                         source="[QD2026] named flagships", doc="Zones of the named flagships; "
                         "the rest are spread over candidate zones.")
    quality: float = P(0.8, unit="0–1", source="assumption: flagships are prepared by the "
                       "city itself", doc="Quality of a flagship scenario.", ge=0, le=1)
    pilot_cost_multiple: float = P(5.0, unit="x median pilot cost", source="assumption: "
                                   "major integrated scenarios (range 3–20)", doc="Pilot cost "
                                   "of a flagship relative to scenarios.pilot_cost_median_yuan.",
                                   gt=0)
    slots: int = P(3, unit="suppliers", source="assumption: integrated scenarios need several "
                   "suppliers", doc="Supplier slots of a flagship.", ge=1, le=100)
    required_trl: int = P(7, unit="TRL", source="assumption: system demonstration",
                          doc="Required TRL of a flagship.", ge=1, le=9)


class SwitchesSection(_Section):
    solicitation: bool = P(True, unit="flag", source="model", doc="Owners submit needs.")
    funding: bool = P(True, unit="flag", source="model", doc="The funder spends (all "
                      "instruments).")
    attraction: bool = P(True, unit="flag", source="model", doc="New firms arrive.")
    diffusion: bool = P(True, unit="flag", source="model", doc="Demonstrated technologies "
                        "diffuse.")


class TargetsSection(_Section):
    super_scenarios: int = P(10, unit="zones", source="[QD2026]", doc="Target.", ge=0)
    technologies_promoted: int = P(100, unit="technologies", source="[QD2026]", doc="Target.",
                                   ge=0)
    firms_attracted: int = P(100, unit="firms", source="[QD2026]", doc="Target.", ge=0)
    firms_served: int = P(1000, unit="firms", source="[QD2026]", doc="Target.", ge=0)


class MetaSection(_Section):
    name: str = P("baseline", unit="-", source="-", doc="Name of the configuration.")
    description: str = P("", unit="-", source="-", doc="What the configuration is for.")


class Config(_Section):
    """The whole configuration; build it with :func:`load_config` or ``Config()``."""

    meta: MetaSection = Field(default_factory=MetaSection)
    run: RunSection = Field(default_factory=RunSection)
    firms: FirmsSection = Field(default_factory=FirmsSection)
    owners: OwnersSection = Field(default_factory=OwnersSection)
    scenarios: ScenariosSection = Field(default_factory=ScenariosSection)
    lifecycle: LifecycleSection = Field(default_factory=LifecycleSection)
    policy: PolicySection = Field(default_factory=PolicySection)
    labs: LabsSection = Field(default_factory=LabsSection)
    funding: FundingSection = Field(default_factory=FundingSection)
    diffusion: DiffusionSection = Field(default_factory=DiffusionSection)
    attraction: AttractionSection = Field(default_factory=AttractionSection)
    super_scenario: SuperScenarioSection = Field(default_factory=SuperScenarioSection)
    flagship: FlagshipSection = Field(default_factory=FlagshipSection)
    switches: SwitchesSection = Field(default_factory=SwitchesSection)
    targets: TargetsSection = Field(default_factory=TargetsSection)

    def to_dict(self) -> dict[str, Any]:
        """The fully resolved configuration as plain data (what the manifest records)."""
        return self.model_dump(mode="json")

    def config_hash(self) -> str:
        """SHA-256 of the resolved configuration in canonical JSON (seed excluded)."""
        data = self.to_dict()
        data["run"] = {k: v for k, v in data["run"].items() if k != "seed"}
        return canonical_hash(data)

    def with_overrides(self, overrides: dict[str, Any], source: str = "overrides") -> Config:
        """A new config with dotted-key overrides applied, e.g. ``{"funding.annual_budget_yuan": 9e7}``."""
        data = self.to_dict()
        for key, value in overrides.items():
            _set_dotted(data, key, value, source)
        return parse_config(data, source)


# ------------------------------------------------------------------ loading and error messages

def _set_dotted(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"{source}: unknown key {'.'.join(parts[: i + 1])!r}"
                              + suggest(part, node if isinstance(node, dict) else {}))
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise ConfigError(f"{source}: unknown key {key!r}"
                          + suggest(parts[-1], node if isinstance(node, dict) else {}))
    node[parts[-1]] = value


# Top-level tables of other kinds of file, to say where they belong.
OTHER_FILE_TABLES = {
    **{k: "belongs in an experiment file, run with `changjing sweep` (docs/experiments.md)"
       for k in ("experiment", "levers", "arms", "uncertainties", "design")},
    **{k: "belongs in a calibration file, run with `changjing calibrate` "
       "(docs/calibration.md)" for k in ("calibration", "priors")},
    **{k: "belongs in a calibration-targets file (named by a calibration file's "
       "calibration.targets)" for k in ("moment", "period")},
    **{k: "belongs in an indicator-system file (`changjing evaluate score --indicators`)"
       for k in ("system", "criteria", "scoring")},
}
EMPTY_HINT = ("an empty model config would run every default; to do that on purpose, name "
              "the run in a [meta] table (name = \"...\") or start from experiments/baseline.toml")


def parse_config(data: dict[str, Any], source: str = "<config>",
                 text: str | None = None) -> Config:
    """Validate a mapping (as read from TOML) into a :class:`Config`; ``text`` (the file's
    TOML) lets messages give line numbers."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source, Config, "configuration", text,
                                                  OTHER_FILE_TABLES)) from None


def check_files(config: Config, source: str, text: str | None = None) -> None:
    """Every file a config refers to exists and parses (today: the owners list)."""
    from .inputs import key_lines, read_text
    from .programme import data_path, load_owners

    owners = Path(config.owners.file)
    if not owners.is_absolute() and not owners.exists():
        owners = data_path(config.owners.file)
    try:
        if owners.is_file():
            read_text(owners, "owners CSV")     # encoding problems: "save as UTF-8"
        load_owners(config.owners.file)
    except ConfigError as exc:
        msg = str(exc).removeprefix("owners.file: ")
        raise ConfigError(f"{where(source, key_lines(text) if text else None, 'owners.file')}"
                          f": {msg}") from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read and validate a TOML configuration file; ``overrides`` are dotted keys.

    The files it refers to (the owners list) must exist and parse.  An empty file is
    refused (it would silently run every default)."""
    path = Path(path)
    data, text = load_toml(path, "configuration", empty_hint=EMPTY_HINT)
    config = parse_config(data, str(path), text)
    if overrides:
        config = config.with_overrides(overrides, source=f"{path} (overrides)")
    check_files(config, str(path) + (" (overrides)" if overrides else ""),
                None if overrides else text)
    return config


def parameter_table() -> list[dict[str, Any]]:
    """Every parameter: dotted key, default, unit, bounds, source and description."""
    rows: list[dict[str, Any]] = []
    for section_name, field in Config.model_fields.items():
        section = field.annotation
        for name, f in section.model_fields.items():  # type: ignore[union-attr]
            extra = f.json_schema_extra or {}
            bounds = []
            for meta in f.metadata:
                for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                    if getattr(meta, attr, None) is not None:
                        bounds.append(f"{sym} {getattr(meta, attr)}")
            rows.append({
                "key": f"{section_name}.{name}",
                "default": f.default,
                "unit": extra.get("unit", ""),
                "range": ", ".join(bounds),
                "source": extra.get("source", ""),
                "description": f.description or "",
            })
    return rows


def inferred_parameters(config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The parameters whose default was *inferred* by calibration, not known: dotted key,
    default, the value in ``config`` (a resolved config as a dict, e.g. a manifest's; the
    defaults when omitted), the 90 % interval the calibration gave and whether the value is
    still the inferred one.  Reports and the what-if page show these so that a planner knows
    that, for example, "today's budget" is an estimate."""
    rows = []
    for row in parameter_table():
        if not str(row["source"]).startswith(CALIBRATED):
            continue
        note = str(row["source"])[len(CALIBRATED):]
        ci = re.search(r"90 % CI ([0-9.e+\-]+)-([0-9.e+\-]+)", note)
        value: Any = row["default"]
        if config is not None:
            node: Any = config
            for part in row["key"].split("."):
                node = node.get(part) if isinstance(node, dict) else None
            value = row["default"] if node is None else node
        rows.append({"key": row["key"], "default": row["default"], "value": value,
                     "unit": row["unit"],
                     "ci_low": float(ci.group(1)) if ci else None,
                     "ci_high": float(ci.group(2)) if ci else None,
                     "inferred": value == row["default"], "note": note})
    return rows


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(start: str, month: str) -> int:
    """Months from ``start`` to ``month`` (both 'YYYY-MM')."""
    (y0, m0), (y1, m1) = (map(int, _MONTH.match(s).groups()) for s in (start, month))  # type: ignore[union-attr]
    return (y1 - y0) * 12 + (m1 - m0)


def month_label(start: str, offset: int) -> str:
    """'YYYY-MM' of the month ``offset`` months after ``start``."""
    y0, m0 = map(int, _MONTH.match(start).groups())  # type: ignore[union-attr]
    total = y0 * 12 + (m0 - 1) + offset
    return f"{total // 12:04d}-{total % 12 + 1:02d}"
