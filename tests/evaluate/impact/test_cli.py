"""``changjing evaluate impact``: outputs, reproducibility, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import att_gt

from changjing.cli import main

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "scenarios_data" / "sample"
DATA = Path(__file__).parent / "data"
STAG = ["evaluate", "impact", str(DATA / "mpdta.csv"), "--design", "staggered", "--unit",
        "countyreal", "--time", "year", "--outcome", "lemp", "--treated-from", "first_treat"]


def test_staggered_outputs_and_byte_identical_rerun(tmp_path, capsys):
    args = STAG + ["--bootstrap", "199", "--seed", "3", "--method", "reg"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    names = sorted(p.name for p in a.iterdir())
    assert {"estimates.csv", "event_study.csv", "aggregations.csv", "diagnostics_pretrend.csv",
            "event_study.png", "event_study.svg", "manifest.json", "summary.txt"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["options"]["bootstrap"] == 199
    assert manifest["settings"]["method"] == "reg"
    assert str(tmp_path) not in (a / "manifest.json").read_text()
    est = pd.read_csv(a / "estimates.csv")
    assert round(est.loc[0, "estimate"], 4) == -0.0400  # did vignette simple ATT
    agg = pd.read_csv(a / "aggregations.csv").set_index("aggregation")
    assert round(agg.loc["dynamic", "estimate"], 4) == -0.0772
    assert "Estimate: -0.0400" in capsys.readouterr().out


def test_other_seed_changes_only_bootstrap_outputs(tmp_path):
    main(STAG + ["--bootstrap", "199", "--seed", "3", "--out", str(tmp_path / "a")])
    main(STAG + ["--bootstrap", "199", "--seed", "4", "--out", str(tmp_path / "b")])
    ea = pd.read_csv(tmp_path / "a" / "estimates.csv")
    eb = pd.read_csv(tmp_path / "b" / "estimates.csv")
    np.testing.assert_allclose(ea["estimate"], eb["estimate"])
    assert not np.allclose(ea["band_low"].dropna(), eb["band_low"].dropna())


def test_xlsx_with_sheet(tmp_path):
    frame = pd.read_csv(SAMPLE / "panel_zones.csv")
    book = tmp_path / "zones.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="cover", index=False)
        frame.to_excel(writer, sheet_name="panel", index=False)
    out = tmp_path / "out"
    assert main(["evaluate", "impact", str(book), "--sheet", "panel", "--design", "synth",
                 "--unit", "zone", "--time", "year", "--outcome", "innovation_index",
                 "--treated-from", "super_scenario_from", "--out", str(out)]) == 0
    assert (out / "gap_plot.png").stat().st_size > 1000
    w = pd.read_csv(out / "diagnostics_weights.csv")
    assert (w["weight"] >= -1e-12).all()                  # convex donor weights
    # the sheet was read as the table it holds: the same results as from the CSV itself
    csv_out = tmp_path / "csv"
    assert main(["evaluate", "impact", str(SAMPLE / "panel_zones.csv"), "--design", "synth",
                 "--unit", "zone", "--time", "year", "--outcome", "innovation_index",
                 "--treated-from", "super_scenario_from", "--out", str(csv_out)]) == 0
    for name in ("estimates.csv", "diagnostics_weights.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(csv_out / name))


@pytest.mark.parametrize("design,extra,figure", [
    ("did", ["--unit", "firm", "--time", "year", "--treated-from", "funded_year"], "trends"),
    ("twfe", ["--unit", "firm", "--time", "year", "--treated", "funded", "--cluster", "zone",
              "--bootstrap", "199", "--seed", "1"], "trends"),
])
def test_did_designs(tmp_path, design, extra, figure):
    panel, _ = _single_cohort()
    panel.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "out"
    assert main(["evaluate", "impact", str(tmp_path / "p.csv"), "--design", design,
                 "--outcome", "log_revenue", *extra, "--out", str(out)]) == 0
    assert (out / f"{figure}.svg").exists()
    # one cohort, no covariates: the ATT is the difference of mean changes (post - pre)
    # between funded and never-funded firms, computed here from the panel itself
    est = pd.read_csv(out / "estimates.csv").loc[0, "estimate"]
    treated = panel["funded_year"].fillna(0) > 0
    post = panel["year"] >= 2022
    cell = panel.groupby([treated, post])["log_revenue"].mean()
    by_hand = (cell[True, True] - cell[True, False]) - (cell[False, True] - cell[False, False])
    assert est == pytest.approx(by_hand, rel=1e-8)
    if design == "twfe":
        wcb = pd.read_csv(out / "wild_cluster_bootstrap.csv")
        assert 0 <= wcb.loc[0, "p_value"] <= 1


def _single_cohort():
    import importlib.util

    spec = importlib.util.spec_from_file_location("mp", SAMPLE / "make_panels.py")
    mp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mp)
    return mp.make_firm_panel(n_firms=200, seed=2, cohorts=(2022,), size_trend=0.0)


def test_match_design(tmp_path):
    out = tmp_path / "m"
    assert main(["evaluate", "impact", str(SAMPLE / "panel_match.csv"), "--design", "match",
                 "--treated", "funded", "--outcome", "revenue_growth", "--covariates", "size",
                 "rd_share", "age", "--method", "aipw", "--out", str(out)]) == 0
    bal = pd.read_csv(out / "diagnostics_balance.csv").set_index("covariate")
    assert (out / "balance.png").exists()
    # before adjustment: standardised mean difference with the pooled SD, from the data
    data = pd.read_csv(SAMPLE / "panel_match.csv")
    t, c = data[data.funded == 1], data[data.funded == 0]
    for cov in ("size", "rd_share", "age"):
        pooled = np.sqrt((t[cov].var() + c[cov].var()) / 2)
        assert bal.loc[cov, "smd_before"] == pytest.approx((t[cov].mean() - c[cov].mean())
                                                           / pooled, rel=1e-9)
        assert abs(bal.loc[cov, "smd_after"]) < abs(bal.loc[cov, "smd_before"])
    # the CLI is a thin layer: the estimate is the library's
    from changjing.evaluate.impact import aipw

    ref = aipw(data, treatment="funded", outcome="revenue_growth",
               covariates=["size", "rd_share", "age"])
    assert pd.read_csv(out / "estimates.csv").loc[0, "estimate"] == pytest.approx(ref.estimate,
                                                                                  rel=1e-8)


def test_errors_exit_2_with_message(tmp_path, capsys):
    bad = pd.read_csv(DATA / "mpdta.csv")
    bad = pd.concat([bad, bad.iloc[[10]]])
    bad.to_csv(tmp_path / "dup.csv", index=False)
    args = ["evaluate", "impact", str(tmp_path / "dup.csv")] + STAG[3:]
    assert main(args + ["--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "dup.csv: duplicated unit-time rows" in err and "row 2502" in err
    assert not (tmp_path / "o").exists()
    assert main(STAG + ["--outcome", "lem", "--out", str(tmp_path / "o")]) == 2
    assert "did you mean 'lemp'" in capsys.readouterr().err
    assert main(STAG + ["--bootstrap", "199", "--out", str(tmp_path / "o")]) == 2
    assert "seed" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("keep")
    assert main(STAG + ["--out", str(tmp_path / "full")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "full" / "x").read_text() == "keep"
    assert main(STAG[:3] + ["--design", "staggered", "--outcome", "lemp",
                            "--out", str(tmp_path / "o")]) == 2
    assert "--unit" in capsys.readouterr().err


def test_formula_like_labels_are_neutralised(tmp_path):
    zones = pd.read_csv(SAMPLE / "panel_zones.csv")
    zones["zone"] = zones["zone"].replace({"Z05": "=HYPERLINK(\"x\")"})
    zones.to_csv(tmp_path / "z.csv", index=False)
    out = tmp_path / "o"
    assert main(["evaluate", "impact", str(tmp_path / "z.csv"), "--design", "synth", "--unit",
                 "zone", "--time", "year", "--outcome", "innovation_index", "--treated-from",
                 "super_scenario_from", "--out", str(out)]) == 0
    text = (out / "diagnostics_placebos.csv").read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text


def test_cli_module_import_is_light():
    code = ("import sys, changjing.cli.evaluate_impact; "
            "print(any(m in sys.modules for m in ('pandas', 'matplotlib', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_api_and_cli_agree(tmp_path):
    out = tmp_path / "x"
    main(STAG + ["--covariates", "lpop", "--out", str(out)])
    api = att_gt(pd.read_csv(DATA / "mpdta.csv"), unit="countyreal", time="year",
                 outcome="lemp", treated_from="first_treat", covariates=["lpop"])
    est = pd.read_csv(out / "estimates.csv")
    np.testing.assert_allclose(est["estimate"].iloc[1:], api.table["estimate"], rtol=1e-9)
