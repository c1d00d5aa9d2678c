"""Speed and large coverage studies of the impact estimators.

Target: staggered DiD with 10,000 units x 12 periods and 999 bootstrap draws in seconds,
side by side with csdid (an established package) when it is installed.

Run:  python -m pytest benchmarks/test_bench_impact.py --benchmark-enable -q
(the project's pytest config disables benchmarks by default; they then run once as tests).
The coverage studies (``-m slow``) take about a minute: 400 seeds each.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt, psm, synthetic_control

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "make_panels", ROOT / "scenarios_data" / "sample" / "make_panels.py")
MP = importlib.util.module_from_spec(spec)
spec.loader.exec_module(MP)
KW = dict(unit="firm", time="year", outcome="log_revenue", treated_from="funded_year")


@pytest.fixture(scope="module")
def big_panel() -> pd.DataFrame:
    panel, _ = MP.make_firm_panel(n_firms=10_000, seed=1, first_year=2016, last_year=2027,
                                  cohorts=(2019, 2020, 2021, 2022, 2023, 2024, 2025))
    return panel


def test_att_gt_10k_units_12_periods_999_draws(benchmark, big_panel):
    def run():
        res = att_gt(big_panel, **KW, covariates=["size"], method="dr", bootstrap=999, seed=1)
        return aggte(res, "dynamic")

    dyn = benchmark(run)
    assert len(dyn.table) == 2 * 11 - 1 - 4  # event times -9..6 covered by some cohort


def test_att_gt_unconditional_10k(benchmark, big_panel):
    benchmark(lambda: att_gt(big_panel, **KW, bootstrap=999, seed=1))


def test_csdid_same_panel(benchmark, big_panel):
    """The established implementation on the same panel (dr, multiplier bootstrap)."""
    csdid = pytest.importorskip("csdid.att_gt")
    frame = big_panel.assign(funded_year=big_panel.funded_year.fillna(0).astype(int),
                             fid=big_panel.firm.str[1:].astype(int))

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return csdid.ATTgt(yname="log_revenue", gname="funded_year", idname="fid",
                               tname="year", xformla="log_revenue~size",
                               data=frame).fit(est_method="dr", bstrap=True)

    benchmark.pedantic(run, rounds=1, iterations=1)


def test_synthetic_control_prop99_with_placebos(benchmark):
    wide = pd.read_csv(ROOT / "tests" / "evaluate" / "impact" / "data" /
                       "california_prop99.csv")
    long = wide.melt(id_vars="Year", var_name="state", value_name="cigsale")
    long["tf"] = (long.state == "California") * 1989
    benchmark(lambda: synthetic_control(long, unit="state", time="Year", outcome="cigsale",
                                        treated_from="tf"))


def test_psm_20k_firms(benchmark):
    frame = MP.make_match_sample(n_firms=20_000, seed=3)
    benchmark(lambda: psm(frame, treatment="funded", outcome="revenue_growth",
                          covariates=["size", "rd_share", "age"], n_neighbors=3))


@pytest.mark.slow
@pytest.mark.parametrize("method", ["dr", "dr_imp", "ipw", "reg"])
def test_coverage_study_simple_att(method):
    """400 seeds: 95 % intervals should cover in [0.925, 0.975] (binomial 99 % band)."""
    hits = []
    for seed in range(400):
        panel, truth = MP.make_firm_panel(n_firms=800, seed=10_000 + seed, noise=0.2)
        r = att_gt(panel, **KW, covariates=["size"], method=method)
        true = truth.set_index("kind").loc["simple", "true_att"]
        hits.append(r.ci_low <= true <= r.ci_high)
    print(method, "coverage", np.mean(hits))
    assert 0.925 <= np.mean(hits) <= 0.975


@pytest.mark.slow
def test_coverage_study_simultaneous_band():
    """400 seeds: the sup-t band covers the whole event-time path about 95 % of the time."""
    band, point = [], []
    for seed in range(400):
        panel, truth = MP.make_firm_panel(n_firms=800, seed=20_000 + seed, noise=0.2)
        res = att_gt(panel, **KW, covariates=["size"], bootstrap=499, seed=seed)
        dyn = aggte(res, "dynamic").table
        tr = truth[truth.kind == "att_gt"].groupby("event_time")["true_att"].first()
        true = dyn["event_time"].map(tr).to_numpy()
        band.append(np.all((dyn.band_low <= true) & (true <= dyn.band_high)))
        point.append(np.all((dyn.ci_low <= true) & (true <= dyn.ci_high)))
    print("simultaneous", np.mean(band), "all-pointwise", np.mean(point))
    assert 0.92 <= np.mean(band) <= 0.98
    assert np.mean(point) < np.mean(band)


def test_synthetic_did_50_by_40(benchmark):
    """Point estimate of SDID on a 50 x 40 panel (target: under a second)."""
    from changjing.evaluate.impact.sdid import sdid_weights

    rng = np.random.default_rng(0)
    y = rng.normal(size=(50, 40)).cumsum(axis=1) + rng.normal(size=(50, 1)) * 5
    benchmark(lambda: sdid_weights(y, 45, 30))


@pytest.mark.slow
def test_design_coverage_on_simulated_panels():
    """The design command's coverage study: on model panels where conditional parallel trends
    hold (capability covariate), the DR att_gt 95 % interval covers the true effect within
    3 Monte-Carlo SEs of 95 % over 200 seeds; TWFE without the covariate does not."""
    from changjing.design import evaluation_design
    from changjing.simulate import Config

    res = evaluation_design(Config(), firms=[1000], effects=[0.1], reps=200, seed=0,
                            estimators=["att_gt_dr", "twfe"])
    t = res.table.set_index("estimator")
    mc = 3 * np.sqrt(0.95 * 0.05 / 200)
    assert abs(t.loc["att_gt_dr", "coverage"] - 0.95) < mc
    assert t.loc["twfe", "coverage"] < 0.5
