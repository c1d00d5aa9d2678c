"""Generate the synthetic sample panels for the impact estimators (seeded, known true effects).

Run ``python scenarios_data/sample/make_panels.py`` to rewrite:

* ``panel_firms.csv`` - firms observed yearly 2018-2027; some are funded (a scenario-innovation
  grant) in 2021, 2023 or 2025, the rest never.  Larger firms are more likely to be funded and
  also grow faster, so parallel trends hold only *conditional on size*: the unconditional
  comparison is biased upwards, the doubly robust estimator with ``size`` is not.
* ``panel_firms_truth.csv`` - the true ATT(g,t) of every group and year, and (last rows) the
  true simple, dynamic and group aggregations for this sample.
* ``panel_zones.csv`` - 24 city zones 2015-2026; zone ``Z00`` becomes a super scenario in 2023
  (+8.0 index points from then on); outcomes follow a two-factor model so a convex combination
  of other zones reproduces Z00 before 2023 (for the synthetic control).
* ``panel_match.csv`` - a cross-section of firms, funded or not (selection on observables),
  outcome = revenue growth, true ATT 0.15.
* ``panel_dose.csv`` and ``payments_dose.csv`` - 300 scenarios observed yearly 2020-2026;
  160 were funded in 2023 with different amounts, paid in two or three instalments (the
  ledger: scenario_id, month, amount in yuan).  The effect is linear in the amount paid:
  0.004 outcome units per 10 000 yuan (true ACRT 4e-7 per yuan), for ``--design dose``.

The functions are pure (numpy ``default_rng(seed)``) so tests can regenerate panels of any size
and seed; see PANELS.md beside this file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FIRST_YEAR, LAST_YEAR = 2018, 2027
COHORTS = (2021, 2023, 2025)


def true_effect(event_time: np.ndarray) -> np.ndarray:
    """True effect of funding on log revenue ``e`` years after funding (e >= 0): 0.10 + 0.02e."""
    e = np.asarray(event_time, dtype=float)
    return np.where(e >= 0, 0.10 + 0.02 * e, 0.0)


def make_firm_panel(n_firms: int = 600, seed: int = 20260416, first_year: int = FIRST_YEAR,
                    last_year: int = LAST_YEAR, cohorts: tuple[int, ...] = COHORTS,
                    noise: float = 0.10, size_trend: float = 0.04
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Firm panel with staggered funding and its true ATT(g,t) table.

    Returns ``(panel, truth)``.  ``panel`` columns: ``firm, year, log_revenue, funded_year``
    (empty = never funded), ``funded`` (0/1 in that year), ``size`` (standardised log
    employees, time-invariant), ``sector``, ``zone``.  ``size_trend`` is the extra yearly growth
    per SD of size (0 makes unconditional parallel trends hold).
    """
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    size = rng.normal(size=n_firms)
    sector = rng.integers(0, 6, size=n_firms)
    zone = rng.integers(0, 8, size=n_firms)
    p_funded = 1 / (1 + np.exp(-(-0.3 + 0.8 * size)))
    funded = rng.uniform(size=n_firms) < p_funded
    cohort = np.where(funded, rng.choice(np.asarray(cohorts), size=n_firms), np.inf)
    alpha = 0.5 * size + rng.normal(scale=0.5, size=n_firms)
    t = years - first_year
    trend = 0.03 * t[None, :] + size_trend * size[:, None] * t[None, :]  # size-dependent growth
    e = years[None, :] - cohort[:, None]
    effect = true_effect(np.where(np.isfinite(e), e, -1))
    y = 2.0 + alpha[:, None] + trend + effect + rng.normal(scale=noise, size=(n_firms, len(years)))
    panel = pd.DataFrame({
        "firm": np.repeat([f"F{i:05d}" for i in range(n_firms)], len(years)),
        "year": np.tile(years, n_firms),
        "log_revenue": np.round(y.ravel(), 6),
        "funded_year": np.repeat(np.where(funded, cohort, np.nan), len(years)),
        "funded": (np.isfinite(e) & (e >= 0)).ravel().astype(int),
        "size": np.repeat(np.round(size, 6), len(years)),
        "sector": np.repeat(sector, len(years)),
        "zone": np.repeat([f"Z{z:02d}" for z in zone], len(years)),
    })
    panel["funded_year"] = panel["funded_year"].astype("Int64")
    truth = _truth(cohort, years)
    return panel, truth


def _truth(cohort: np.ndarray, years: np.ndarray) -> pd.DataFrame:
    groups = np.unique(cohort[np.isfinite(cohort)])
    share = {g: float(np.mean(cohort == g)) for g in groups}
    rows = [{"kind": "att_gt", "group": g, "time": t, "event_time": t - g,
             "true_att": float(true_effect(t - g))}
            for g in groups for t in years[1:]]
    cells = pd.DataFrame(rows)
    post = cells[cells.time >= cells.group]
    w = post.group.map(share)
    simple = float(np.average(post.true_att, weights=w))
    dyn = post.groupby("event_time").apply(
        lambda f: np.average(f.true_att, weights=f.group.map(share)), include_groups=False)
    group = post.groupby("group")["true_att"].mean()
    agg = [{"kind": "simple", "true_att": simple},
           {"kind": "dynamic", "true_att": float(dyn.mean())},
           {"kind": "group", "true_att": float(np.average(group, weights=group.index.map(share)))}]
    return pd.concat([cells, pd.DataFrame(agg)], ignore_index=True)


def make_zone_panel(n_zones: int = 24, seed: int = 20260416, first_year: int = 2015,
                    last_year: int = 2026, date: int = 2023, effect: float = 8.0,
                    noise: float = 0.3) -> pd.DataFrame:
    """Zones with a two-factor outcome; ``Z00`` is treated from ``date`` with ``effect``."""
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    factors = np.cumsum(rng.normal(loc=[1.0, 0.5], scale=1.0, size=(len(years), 2)), axis=0)
    loadings = rng.uniform(0.2, 1.5, size=(n_zones, 2))
    level = rng.uniform(40, 60, size=n_zones)
    weights = np.array([0.4, 0.35, 0.25])
    loadings[0] = weights @ loadings[1:4]  # Z00 lies in the donors' convex hull
    level[0] = weights @ level[1:4]
    y = level[:, None] + loadings @ factors.T + rng.normal(scale=noise, size=(n_zones, len(years)))
    y[0, years >= date] += effect
    return pd.DataFrame({
        "zone": np.repeat([f"Z{i:02d}" for i in range(n_zones)], len(years)),
        "year": np.tile(years, n_zones),
        "innovation_index": np.round(y.ravel(), 6),
        "super_scenario_from": np.repeat(np.where(np.arange(n_zones) == 0, date, 0), len(years)),
    })


def make_match_sample(n_firms: int = 1500, seed: int = 20260416, effect: float = 0.15
                      ) -> pd.DataFrame:
    """Cross-section: funding depends on size, R&D share and age; true ATT = ``effect``."""
    rng = np.random.default_rng(seed)
    size = rng.normal(size=n_firms)
    rd = rng.beta(2, 5, size=n_firms)
    age = rng.integers(1, 30, size=n_firms).astype(float)
    score = -1.0 + 0.9 * size + 2.0 * rd - 0.03 * age
    funded = (rng.uniform(size=n_firms) < 1 / (1 + np.exp(-score))).astype(int)
    growth = (0.05 + 0.08 * size + 0.3 * rd - 0.004 * age + effect * funded
              + rng.normal(scale=0.2, size=n_firms))
    return pd.DataFrame({"firm": [f"M{i:05d}" for i in range(n_firms)], "funded": funded,
                         "size": np.round(size, 6), "rd_share": np.round(rd, 6), "age": age,
                         "revenue_growth": np.round(growth, 6)})


DOSE_SLOPE_PER_10000 = 0.004


def make_dose_panel(n_units: int = 300, n_funded: int = 160, seed: int = 20260416,
                    first_year: int = 2020, last_year: int = 2026, date: int = 2023,
                    slope_per_10000: float = DOSE_SLOPE_PER_10000, noise: float = 0.05
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scenario panel with funding amounts (one date) and its payments ledger.

    Amounts are log-uniform between 200 000 and 3 000 000 yuan; outcome = level + common
    trend + ``slope_per_10000`` x amount / 10 000 from ``date`` on + noise, so ATT(d) is
    linear with slope ``slope_per_10000`` / 10 000 per yuan (parallel trends hold by
    construction, and there is no selection on gains)."""
    rng = np.random.default_rng(seed)
    years = np.arange(first_year, last_year + 1)
    ids = np.array([f"S{i:04d}" for i in range(n_units)])
    funded = np.zeros(n_units, bool)
    funded[rng.choice(n_units, n_funded, replace=False)] = True
    amount = np.where(funded, np.round(np.exp(rng.uniform(np.log(2e5), np.log(3e6), n_units)),
                                       -3), 0.0)
    level = rng.normal(1.0, 0.3, n_units)
    trend = 0.05 * (years - first_year)
    effect = np.outer(amount * slope_per_10000 / 10_000, years >= date)
    y = level[:, None] + trend[None, :] + effect + rng.normal(0, noise, (n_units, len(years)))
    panel = pd.DataFrame({
        "scenario_id": np.repeat(ids, len(years)), "year": np.tile(years, n_units),
        "outcome_index": np.round(y.ravel(), 6),
        "funded_year": np.repeat(np.where(funded, date, 0), len(years))})
    rows = []
    for i in np.flatnonzero(funded):
        k = int(rng.integers(2, 4))                       # two or three instalments
        share = rng.dirichlet(np.ones(k))
        parts = np.round(amount[i] * share, -2)
        parts[-1] = amount[i] - parts[:-1].sum()          # instalments add up exactly
        months = np.sort(rng.choice(np.arange(1, 13), k, replace=False))
        rows += [(ids[i], f"{date}-{m:02d}", float(a)) for m, a in zip(months, parts)]
    ledger = pd.DataFrame(rows, columns=["scenario_id", "month", "amount"])
    return panel, ledger


def main() -> None:
    here = Path(__file__).parent
    panel, truth = make_firm_panel()
    panel.to_csv(here / "panel_firms.csv", index=False)
    truth.to_csv(here / "panel_firms_truth.csv", index=False, float_format="%.6f")
    make_zone_panel().to_csv(here / "panel_zones.csv", index=False)
    make_match_sample().to_csv(here / "panel_match.csv", index=False)
    dose_panel, ledger = make_dose_panel()
    dose_panel.to_csv(here / "panel_dose.csv", index=False)
    ledger.to_csv(here / "payments_dose.csv", index=False, float_format="%.0f")


if __name__ == "__main__":
    main()
