"""Recovery of known effects on the seeded synthetic panels (scenarios_data/sample/make_panels.py).

The firm panel has staggered funding (2021/2023/2025), selection on firm size and
size-dependent growth, so parallel trends hold only conditional on size; the true effect of
funding on log revenue is 0.10 + 0.02 e (e = years since funding).  Coverage is checked over
40 seeds here (fast); benchmarks/test_bench_impact.py runs the larger study.  With 40 seeds a
correct 95 % interval covers at least 34 times with probability 0.99 (binomial).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from changjing.evaluate.impact import aggte, att_gt, did_2x2, ipw, synthetic_control

ROOT = Path(__file__).resolve().parents[3]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_panels", ROOT / "scenarios_data" / "sample" / "make_panels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MP = _generator()
KW = dict(unit="firm", time="year", outcome="log_revenue", treated_from="funded_year")


def test_shipped_sample_is_reproducible():
    panel, truth = MP.make_firm_panel()
    shipped = (ROOT / "scenarios_data" / "sample" / "panel_firms.csv").read_text()
    assert panel.to_csv(index=False) == shipped
    assert truth.set_index("kind").loc["dynamic", "true_att"] == pytest.approx(0.16)


def test_dr_recovers_truth_and_unconditional_does_not():
    panel, truth = MP.make_firm_panel(n_firms=2000, seed=1)
    true_simple = truth.set_index("kind").loc["simple", "true_att"]
    dr = att_gt(panel, **KW, covariates=["size"], method="dr")
    assert abs(dr.estimate - true_simple) < 3 * dr.se
    naive = att_gt(panel, **KW)
    assert naive.estimate - true_simple > 5 * naive.se  # selection on growth biases it up
    cells = dr.table.merge(truth[truth.kind == "att_gt"], on=["group", "time"])
    z = (cells.estimate - cells.true_att) / cells.se
    assert np.mean(np.abs(z) < 1.96) > 0.85


@pytest.mark.parametrize("method", ["dr", "dr_imp", "ipw", "reg"])
def test_coverage_of_simple_att_over_seeds(method):
    hits, errors = [], []
    for seed in range(40):
        panel, truth = MP.make_firm_panel(n_firms=600, seed=seed, noise=0.2)
        r = att_gt(panel, **KW, covariates=["size"], method=method)
        true = truth.set_index("kind").loc["simple", "true_att"]
        hits.append(r.ci_low <= true <= r.ci_high)
        errors.append(r.estimate - true)
    assert np.mean(hits) >= 0.85
    assert abs(np.mean(errors)) < 3 * np.std(errors) / np.sqrt(len(errors))


def test_simultaneous_band_covers_whole_event_study():
    """Sup-t band: all event-time truths inside at least as often as with pointwise CIs, and
    close to 95 % (checked loosely here, precisely in benchmarks)."""
    band_hits, point_hits = [], []
    for seed in range(30):
        panel, truth = MP.make_firm_panel(n_firms=800, seed=100 + seed, noise=0.2)
        res = att_gt(panel, **KW, covariates=["size"], bootstrap=199, seed=seed)
        dyn = aggte(res, "dynamic").table
        tr = truth[truth.kind == "att_gt"].groupby("event_time")["true_att"].first()
        true = dyn["event_time"].map(tr).to_numpy()
        band_hits.append(np.all((dyn.band_low <= true) & (true <= dyn.band_high)))
        point_hits.append(np.all((dyn.ci_low <= true) & (true <= dyn.ci_high)))
    assert np.mean(band_hits) >= 0.8
    assert np.mean(band_hits) >= np.mean(point_hits)


def test_did_2x2_coverage_single_cohort():
    hits = []
    for seed in range(40):
        panel, _ = MP.make_firm_panel(n_firms=400, seed=seed, cohorts=(2021,), noise=0.2,
                                      size_trend=0.0)
        sub = panel[panel.year.isin([2020, 2021])]
        r = did_2x2(sub, outcome="log_revenue", unit="firm", time="year",
                    treated_from="funded_year")
        hits.append(r.ci_low <= 0.10 <= r.ci_high)
    assert np.mean(hits) >= 0.85


def test_synthetic_control_recovers_zone_effect():
    zones = MP.make_zone_panel(seed=3, first_year=2005)
    r = synthetic_control(zones, unit="zone", time="year", outcome="innovation_index",
                          treated_from="super_scenario_from")
    assert r.estimate == pytest.approx(8.0, abs=1.0)
    assert r.p_value == pytest.approx(1 / 24)


def test_ipw_recovers_matching_sample_effect():
    hits = []
    for seed in range(30):
        frame = MP.make_match_sample(seed=seed)
        r = ipw(frame, treatment="funded", outcome="revenue_growth",
                covariates=["size", "rd_share", "age"])
        hits.append(r.ci_low <= 0.15 <= r.ci_high)
    assert np.mean(hits) >= 0.8


def test_shipped_dose_panel_is_reproducible_and_recovers_the_slope():
    """``panel_dose.csv`` + ``payments_dose.csv`` (the dose worked example in
    docs/evaluate_impact.md): the files equal the generator's output, the ledger's instalments
    add up to each scenario's amount, and dose_response recovers the true effect per 10 000
    yuan (the generator's slope, 0.004) and the true binary ATT (slope x mean dose) inside
    its 95 % interval."""
    import pandas as pd
    from changjing.evaluate.impact import dose_from_ledger, dose_response

    panel, ledger = MP.make_dose_panel()
    here = ROOT / "scenarios_data" / "sample"
    assert panel.to_csv(index=False) == (here / "panel_dose.csv").read_text()
    assert ledger.to_csv(index=False, float_format="%.0f") == (
        here / "payments_dose.csv").read_text()
    dose = dose_from_ledger(pd.read_csv(here / "payments_dose.csv"))
    assert len(dose) == 160 and (dose["dose"] >= 2e5 - 1).all()
    data = panel.merge(dose.rename(columns={"unit": "scenario_id"}), on="scenario_id",
                       how="left").fillna({"dose": 0.0})
    res = dose_response(data, unit="scenario_id", time="year", outcome="outcome_index",
                        dose="dose", treated_from="funded_year", seed=1)
    truth = MP.DOSE_SLOPE_PER_10000
    lo, hi = res.ci_low, res.ci_high
    assert lo <= truth <= hi and abs(res.estimate - truth) < 0.1 * truth
    att = res.diagnostics["overall"].iloc[0]
    true_att = truth * dose["dose"].mean() / 10_000
    assert att.ci_low <= true_att <= att.ci_high
