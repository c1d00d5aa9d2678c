"""Calibration v2: moments over their own periods, checks that catch a bad fit, honest
verdicts, recovery, and evaluation tables as targets (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.calibration.calibrate import (
    calibrate,
    check_recovery,
    identification_verdict,
    inferred_parameters,
    load_calibration,
    predictive_table,
)
from changjing.simulate.calibration.evaluation import (
    add_evaluation_moments,
    evaluation_moments,
    read_evaluation,
)
from changjing.simulate.calibration.targets import (
    TargetsFile,
    distance,
    load_targets,
    simulated_moments,
)
from changjing.simulate.errors import ConfigError, SimulateError

from .test_calibrate import setup

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "scenarios_data" / "sample" / "evaluation_followup.csv"


def _targets(moments: list[dict], start: str = "2024-03", months: int = 6) -> TargetsFile:
    return TargetsFile.model_validate({"period": {"start": start, "months": months},
                                       "moment": moments})


def _run_outputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A hand-made six-month run: cumulative listings 0, 5, 10, 15, 20, 25; labs 50..55;
    implementation leaves one scenario a month after 2 months, fails one in month 6."""
    dates = [f"2024-{m:02d}" for m in range(3, 9)]
    ts = pd.DataFrame({"date": dates, "scenarios_released": [0, 5, 10, 15, 20, 25],
                       "labs_certified": [50, 51, 52, 53, 54, 55],
                       "demonstrations": [0, 0, 1, 2, 3, 4],
                       "failed_pilot_failed": [0, 0, 0, 0, 1, 1]})
    fn = pd.DataFrame({"date": dates, "stage": ["implementation"] * 6,
                       "left": [0, 0, 1, 1, 1, 1], "failed": [0, 0, 0, 0, 1, 0],
                       "mean_months_spent": [np.nan, np.nan, 2.0, 2.0, 4.0, 2.0]})
    return ts, fn


def test_each_moment_is_read_over_its_own_period():
    """Old code read every moment in the run's last month (25 listings, 55 labs)."""
    t = _targets([
        {"name": "listed_by_may", "value": 10, "sd": 1, "kind": "final",
         "column": "scenarios_released", "period": ["2024-03", "2024-05"], "source": "t"},
        {"name": "listed_jun_jul", "value": 10, "sd": 1, "kind": "change",
         "column": "scenarios_released", "period": ["2024-06", "2024-07"], "source": "t"},
        {"name": "labs_by_apr", "value": 51, "sd": 1, "kind": "final",
         "column": "labs_certified", "period": ["2021-01", "2024-04"], "source": "t"},
        {"name": "success_by_jul", "value": 0.5, "sd": 0.1, "kind": "ratio",
         "column": "demonstrations",
         "denominator": ["demonstrations", "failed_pilot_failed"],
         "period": ["2024-03", "2024-07"], "source": "t"},
        {"name": "pilot_months_may_jul", "value": 3, "sd": 1, "kind": "stage_months",
         "stage": "implementation", "period": ["2024-05", "2024-07"], "source": "t"},
        {"name": "pilot_failed_share_may_jul", "value": 0.3, "sd": 0.1,
         "kind": "stage_attrition", "stage": "implementation",
         "period": ["2024-05", "2024-07"], "source": "t"},
    ])
    ts, fn = _run_outputs()
    got = simulated_moments(t, ts, fn)
    # by hand: 10 listed by 2024-05; 20 - 10 in Jun..Jul; 51 labs in Apr; 3 / (3 + 1) by Jul;
    # months (2*1 + 2*1 + 4*2) / 4 left or failed in May..Jul; failed 1 of 4 in May..Jul
    np.testing.assert_allclose(got, [10, 10, 51, 0.75, 12 / 4, 0.25])


def test_periods_the_model_cannot_read_are_refused_with_the_moment_name():
    base = {"value": 1, "sd": 1, "kind": "change", "column": "scenarios_released",
            "source": "t"}
    with pytest.raises(ValueError, match="'early'.*before the simulated period starts"):
        _targets([{**base, "name": "early", "kind": "final", "period": ["2023-01", "2023-06"]}])
    with pytest.raises(ValueError, match="'from_start'.*'change'"):
        _targets([{**base, "name": "from_start", "period": ["2024-03", "2024-05"]}])
    with pytest.raises(ValueError, match="change.*needs 'period'"):
        _targets([{**base, "name": "no_period"}])


def test_value_checks_name_the_moment(tmp_path):
    text = (ROOT / "scenarios_data" / "calibration_targets.toml").read_text(encoding="utf-8")
    bad = text.replace("value = 9.0e7", "value = nan", 1)
    (tmp_path / "t.toml").write_text(bad, encoding="utf-8")
    with pytest.raises(ConfigError, match="support_paid_yuan.*finite"):
        load_targets(tmp_path / "t.toml")


def test_a_moment_the_run_cannot_produce_rejects_the_proposal():
    """Old code turned a NaN into a fixed 1e6 sd, the same for every proposal."""
    assert distance(np.array([1.0, np.nan]), np.array([1.0, 0.5]), np.ones(2)) == np.inf
    assert distance(np.array([2.0, 1.5]), np.array([1.0, 0.5]), np.ones(2)) == pytest.approx(1)


def test_predictive_interval_is_plain_and_misfit_is_shared_out():
    """Simulated draws 0..99: plain 5–95 % range 4.95..94.05.  An observation of 96 with sd 2
    lies outside it (the old check widened the range by ±1 sd and called it matched), within
    2 sd: 'within observation error'; 200 is a misfit and carries most of the misfit."""
    sims = np.column_stack([np.arange(100.0)] * 3)
    t = predictive_table(sims, np.array([50.0, 96.0, 200.0]), np.array([2.0, 2.0, 2.0]),
                         ["a", "b", "c"])
    assert t["simulated_q05"].iloc[0] == pytest.approx(4.95)
    assert list(t["within_90"]) == [True, False, False]
    assert list(t["fit"]) == ["matched", "within observation error", "misfit"]
    e = (49.5 - np.array([50, 96, 200])) / 2
    np.testing.assert_allclose(t["misfit_share"], e**2 / (e**2).sum())


def test_identification_verdict_needs_convergence_fit_and_recovery():
    ok = {"coverage_90": 0.9, "median_width_ratio": 0.3}
    assert identification_verdict(0.2, True, [], ok) == "identified"
    assert identification_verdict(0.2, False, [], ok).startswith("not converged")
    assert identification_verdict(0.2, True, ["labs"], ok) == "not trusted: misfit of labs"
    assert identification_verdict(0.2, True, [], None) == "narrowed (recovery not checked)"
    assert identification_verdict(0.2, True, [], {"coverage_90": 0.6,
                                                  "median_width_ratio": 0.3}
                                  ).startswith("not identified")
    assert identification_verdict(0.6, True, [], {"coverage_90": 0.9,
                                                  "median_width_ratio": 0.6}
                                  ) == "weakly identified"


def test_unreachable_target_is_refused_before_sampling(tmp_path):
    """1 000 labs when 20 start and batches add at most 40: refused after generation 0,
    naming the moment and the prior predictive range; no SMC generation runs."""
    path = setup(tmp_path, labs=1000)
    with pytest.raises(SimulateError, match=r"moment 'labs' = 1000 .*priors give"):
        calibrate(path, tmp_path / "out", workers=1, plot=False)
    pp = pd.read_csv(tmp_path / "out" / "prior_predictive.csv")
    row = pp.set_index("moment").loc["labs"]
    assert not row["reachable"] and row["prior_max"] <= 20 + 40
    import sqlite3
    con = sqlite3.connect(tmp_path / "out" / "calibration.sqlite")
    assert con.execute("SELECT MAX(gen) FROM sims").fetchone()[0] == 0


def test_warned_misfit_and_outputs(tmp_path):
    """reachability = "warn": calibrates, but no parameter is called identified; the
    outputs carry the stopping rule, convergence and inferred values with intervals."""
    path = setup(tmp_path, labs=1000, particles=15, generations=2)
    path.write_text(path.read_text().replace("predictive_draws = 20",
                                             "predictive_draws = 10\nreachability = \"warn\""))
    res = calibrate(path, tmp_path / "w", workers=1, plot=True)
    assert all(v.startswith(("not trusted", "not converged"))
               for v in res.summary["identification"])
    assert res.ppc.set_index("moment").loc["labs", "fit"] == "misfit"
    assert res.ppc.set_index("moment").loc["labs", "misfit_share"] > 0.99
    man = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert man["stop_reason"] in ("generations", "stalled", "acceptance", "min_epsilon")
    assert man["simulations"] == res.simulations and "converged" in man
    inf = inferred_parameters(tmp_path / "w")
    assert set(inf["status"]) == {"inferred"} and (inf["q05"] <= inf["q95"]).all()
    assert (tmp_path / "w" / "posterior_pairs.png").stat().st_size > 1000
    assert {"epsilon_fall", "quantile_shift"} <= set(res.trace.columns)


def test_check_recovery_reports_coverage_per_parameter(tmp_path):
    """Two synthetic truths, tiny calibrations: coverage and errors agree with the per-truth
    rows; the main summary's verdicts now carry the recovery."""
    path = setup(tmp_path, particles=12, generations=2)
    cal = load_calibration(path)
    main = calibrate(cal, tmp_path / "m", workers=1, plot=False)
    rec = check_recovery(cal, 2, tmp_path / "m", workers=1, particles=10, generations=2,
                         main=main)
    rows = pd.read_csv(tmp_path / "m" / "recovery.csv")
    assert len(rows) == 2 * 2 and set(rec["parameter"]) == {"budget", "batch"}
    for p, g in rows.groupby("parameter"):
        r = rec.set_index("parameter").loc[p]
        assert r["coverage_90"] == pytest.approx(((g.q05 <= g.truth) & (g.truth <= g.q95)).mean())
        assert r["truths"] == 2
        prior = next(x for x in cal.priors if x.name == p)
        assert ((g.truth >= prior.low) & (g.truth <= prior.high)).all()
    s = pd.read_csv(tmp_path / "m" / "posterior_summary.csv")
    assert s["recovery_coverage_90"].notna().all()
    assert not s["identification"].str.contains("recovery not checked").any()


# ---------------------------------------------------------------- evaluation tables

def test_shipped_sample_is_the_generators_output(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "mef", ROOT / "scenarios_data" / "sample" / "make_evaluation_followup.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.write(tmp_path / "e.csv")
    assert (tmp_path / "e.csv").read_bytes() == SAMPLE.read_bytes()
    assert SAMPLE.read_text(encoding="utf-8").startswith("# SYNTHETIC")


def test_evaluation_table_maps_to_moments():
    """Counts taken straight from the CSV with pandas give the moments' values and sds."""
    raw = pd.read_csv(SAMPLE, comment="#", dtype=str, keep_default_na=False)
    done = raw[raw.pilot_outcome != "进行中"]
    s, n = (done.pilot_outcome == "成功").sum(), len(done)
    k = (done.procured_after_trial == "是").sum()
    moments, _ = evaluation_moments(read_evaluation(SAMPLE), "2024-03", "2026-03", "x")
    by = {m.name: m for m in moments}
    assert by["pilot_success_share"].value == pytest.approx(s / n)
    pt = (s + 1) / (n + 2)
    assert by["pilot_success_share"].sd == pytest.approx(np.sqrt(pt * (1 - pt) / n))
    assert by["months_in_pilot"].value == pytest.approx(
        done.months_to_demonstration.astype(float).mean())
    assert by["procurement_share"].value == pytest.approx(k / s)
    assert by["procurement_share"].denominator == ["demonstrations"]
    assert by["pilot_success_share"].period == ("2024-03", done.pilot_end.max())


def test_evaluation_moments_replace_the_templates():
    t = add_evaluation_moments(load_targets("calibration_targets.toml"), SAMPLE)
    enabled = {m.name for m in t.moment if m.enabled}
    assert {"pilot_success_share", "months_in_pilot", "procurement_share"} <= enabled
    assert [m.name for m in t.moment].count("pilot_success_share") == 1


@pytest.mark.parametrize("edit, words", [
    (lambda d: d.rename(columns={"pilot_outcome": "pilot_outcom"}), "did you mean"),
    (lambda d: d.assign(pilot_outcome=d.pilot_outcome.where(d.index != 1, "maybe")),
     "row 4 (QD-SC-002): pilot_outcome 'maybe'"),
    (lambda d: d.assign(pilot_end=d.pilot_end.where(d.index != 0, "2024-01")),
     "before pilot_start"),
    (lambda d: d.assign(procured_after_trial=d.procured_after_trial.where(d.index != 0,
                                                                           "是")),
     "only a successful pilot"),
])
def test_bad_evaluation_tables(tmp_path, edit, words):
    raw = pd.read_csv(SAMPLE, comment="#", dtype=str, keep_default_na=False)
    path = tmp_path / "bad.csv"
    path.write_text("# a comment line\n" + edit(raw).to_csv(index=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_evaluation(path)


def test_cli_targets_from_evaluation_end_to_end(tmp_path):
    """`changjing calibrate --targets-from-evaluation` on the shipped sample (small model,
    the 25-month history period so that pilots finish)."""
    path = setup(tmp_path, particles=10, generations=2)
    tp = tmp_path / "targets.toml"
    tp.write_text(tp.read_text().replace("months = 12", "months = 25"), encoding="utf-8")
    path.write_text(path.read_text().replace("predictive_draws = 20",
                                             "predictive_draws = 10\nreachability = \"warn\""))
    out = tmp_path / "e2e"
    from changjing.cli import main

    assert main(["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet",
                 "--targets-from-evaluation", str(SAMPLE)]) == 0
    ppc = pd.read_csv(out / "ppc.csv")
    assert {"pilot_success_share", "months_in_pilot", "procurement_share"} <= set(ppc.moment)
    man = json.loads((out / "manifest.json").read_text())
    names = [m["name"] for m in man["resolved"]["targets"]["moment"] if m["enabled"]]
    assert "procurement_share" in names
