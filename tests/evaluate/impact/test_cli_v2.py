"""CLI parity: sdid, experiment, repeated cross-section did, --vcov/--inference, synth options."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from changjing.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def prop99_csv(tmp_path, prop99_long) -> Path:
    path = tmp_path / "prop99.csv"
    prop99_long.to_csv(path, index=False)
    return path


BASE = ["--unit", "state", "--time", "year", "--outcome", "cigsale", "--treated-from",
        "treated_from"]


def test_cli_sdid(prop99_csv, tmp_path):
    out = tmp_path / "sdid"
    assert main(["evaluate", "impact", str(prop99_csv), "--design", "sdid", *BASE, "--reps",
                 "20", "--seed", "2", "--out", str(out)]) == 0
    est = pd.read_csv(out / "estimates.csv")
    assert est.loc[0, "estimate"] == pytest.approx(-15.6038, abs=5e-4)  # synthdid
    assert (out / "gap_plot.png").exists() and (out / "diagnostics_time_weights.csv").exists()


def test_cli_twfe_reports_inference_used(prop99_csv, tmp_path, capsys):
    out = tmp_path / "twfe"
    assert main(["evaluate", "impact", str(prop99_csv), "--design", "twfe", *BASE, "--seed",
                 "1", "--bootstrap", "199", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["inference"] == "randomization"
    assert "inference:" in capsys.readouterr().out
    out2 = tmp_path / "hc1"
    assert main(["evaluate", "impact", str(prop99_csv), "--design", "twfe", *BASE, "--vcov",
                 "HC1", "--out", str(out2)]) == 0
    assert json.loads((out2 / "manifest.json").read_text())["settings"]["vcov"] == "HC1"


def test_cli_synth_options(prop99_csv, tmp_path):
    out = tmp_path / "synth"
    donors = ["Utah", "Nevada", "Montana", "Colorado", "Connecticut", "Idaho"]
    assert main(["evaluate", "impact", str(prop99_csv), "--design", "synth", *BASE,
                 "--donors", *donors, "--outcome-lags", "1975", "1980", "1988",
                 "--placebo-times", "1980", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["outcome_lags"] == [1975, 1980, 1988]
    w = pd.read_csv(out / "diagnostics_weights.csv")
    assert set(w["unit"]) == set(donors)


def test_cli_did_repeated_cross_sections_and_experiment(tmp_path):
    out = tmp_path / "kiel"
    assert main(["evaluate", "impact", str(DATA / "kielmc.csv"), "--design", "did",
                 "--outcome", "rprice", "--group", "nearinc", "--post", "y81", "--vcov", "iid",
                 "--out", str(out)]) == 0
    est = pd.read_csv(out / "estimates.csv")
    assert est.loc[0, "estimate"] == pytest.approx(-11863.9, abs=0.1)  # Wooldridge Ex. 13.3
    out = tmp_path / "nsw"
    assert main(["evaluate", "impact", str(DATA / "nsw_mixtape.csv"), "--design", "experiment",
                 "--outcome", "re78", "--treated", "treat", "--out", str(out)]) == 0
    assert round(pd.read_csv(out / "estimates.csv").loc[0, "estimate"]) == 1794


def test_cli_twfe_staggered_adds_bacon_and_imputation(tmp_path):
    out = tmp_path / "tw"
    assert main(["evaluate", "impact", str(DATA / "mpdta.csv"), "--design", "twfe", "--unit",
                 "countyreal", "--time", "year", "--outcome", "lemp", "--treated-from",
                 "first_treat", "--out", str(out)]) == 0
    bacon = pd.read_csv(out / "bacon.csv")
    est = pd.read_csv(out / "estimates.csv")
    assert (bacon["weight"] * bacon["estimate"]).sum() == pytest.approx(est.loc[0, "estimate"],
                                                                        abs=1e-9)
    assert (out / "imputation.csv").exists()


def test_cli_dose_from_ledger(tmp_path):
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    dose = np.where(np.arange(n) < 160, 0.0, rng.uniform(1, 5, size=n) * 10_000)
    rows = [pd.DataFrame({"sid": [f"S{i:03d}" for i in range(n)], "month": t,
                          "y": rng.normal(size=n) + 0.1 * t + (t >= 3) * dose / 20_000,
                          "g": np.where(dose > 0, 3, 0)}) for t in (1, 2, 3, 4)]
    panel = tmp_path / "panel.csv"
    pd.concat(rows).to_csv(panel, index=False)
    ledger = tmp_path / "ledger.csv"
    pay = [(f"S{i:03d}", 1 + i % 2, d / 2) for i, d in enumerate(dose) if d > 0]
    pd.DataFrame(pay * 2, columns=["scenario_id", "month", "amount"]).to_csv(ledger, index=False)
    out = tmp_path / "dose"
    assert main(["evaluate", "impact", str(panel), "--design", "dose", "--unit", "sid",
                 "--time", "month", "--outcome", "y", "--treated-from", "g", "--ledger",
                 str(ledger), "--bootstrap", "199", "--out", str(out)]) == 0
    est = pd.read_csv(out / "estimates.csv")
    assert est.loc[0, "estimate"] == pytest.approx(0.5, abs=0.15)  # 0.5 per 10,000 yuan
    assert (out / "diagnostics_overall.csv").exists()


def test_cli_staggered_writes_group_and_calendar_effects(tmp_path):
    out = tmp_path / "stag"
    assert main(["evaluate", "impact", str(DATA / "mpdta.csv"), "--design", "staggered",
                 "--unit", "countyreal", "--time", "year", "--outcome", "lemp",
                 "--treated-from", "first_treat", "--out", str(out)]) == 0
    group = pd.read_csv(out / "group_effects.csv").set_index("group")
    cal = pd.read_csv(out / "calendar_effects.csv").set_index("time")
    # did vignette ATT(g,t): group 2004 = mean of its four post cells (did::aggte "group");
    # calendar 2004 = the only cell treated by then, ATT(2004, 2004)
    assert group.loc[2004, "estimate"] == pytest.approx(
        (-0.0105 - 0.0704 - 0.1373 - 0.1008) / 4, abs=1e-4)  # cells printed to 4 digits
    assert round(cal.loc[2004, "estimate"], 4) == -0.0105
    cells = pd.read_csv(out / "estimates.csv").dropna(subset=["group"])
    post = cells[cells.time >= cells.group]
    for g, rows in post.groupby("group"):
        assert group.loc[int(g), "estimate"] == pytest.approx(rows.estimate.mean(), rel=1e-8)  # CSV: 10 digits
