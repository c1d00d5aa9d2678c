"""``changjing evaluate impact --design staggered | sun-abraham``: the R did options.

Each CLI option must give exactly what the Python API gives with the same keyword (the API
itself is checked against R did in test_staggered*.py); the manifest records it; options
that do not apply, bad values and unknown columns are refused with exit code 2 and a message
that names the option (and suggests the column meant).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt, sun_abraham

from changjing.cli import main

DATA = Path(__file__).parent / "data"
COLS = ["--unit", "countyreal", "--time", "year", "--outcome", "lemp", "--treated-from",
        "first_treat"]
KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}


@pytest.fixture(scope="module")
def frame(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    df = pd.read_csv(DATA / "mpdta.csv")
    df["k"] = 1 + df["countyreal"] % 3
    lp = df.groupby("countyreal")["lpop"].transform("first")  # as test_staggered_factors
    df["region"] = pd.cut(lp, [-np.inf, 2.5, 3.5, 4.5, np.inf],
                          labels=["a_small", "b_mid", "c_large", "d_city"]).astype(str)
    df["code"] = df["countyreal"] % 3 + 1
    path = tmp_path_factory.mktemp("cli") / "mpdta_plus.csv"
    df.to_csv(path, index=False)
    return path, df


def _run(tmp_path, path, *extra, design="staggered"):
    out = tmp_path / "out"
    code = main(["evaluate", "impact", str(path), "--design", design, *COLS, *extra,
                 "--out", str(out)])
    return code, out


CASES = {
    "weights": (["--weights", "k", "--covariates", "lpop"],
                {"weights": "k", "covariates": ["lpop"]}, {}),
    "factors": (["--covariates", "lpop", "code", "--factors", "code", "--method", "reg"],
                {"covariates": ["lpop", "code"], "factors": ["code"], "method": "reg"}, {}),
    "text factor": (["--covariates", "region", "--method", "ipw"],
                    {"covariates": ["region"], "method": "ipw"}, {}),
    "universal": (["--base-period", "universal"], {"base_period": "universal"}, {}),
    "anticipation": (["--anticipation", "1", "--control", "notyet"],
                     {"anticipation": 1, "control": "notyet"}, {}),
    "rcs": (["--repeated-cross-sections", "--covariates", "lpop"],
            {"panel": False, "covariates": ["lpop"]}, {}),
    "mammen": (["--bootstrap", "199", "--seed", "2", "--bootstrap-weights", "mammen"],
               {"bootstrap": 199, "seed": 2, "bootstrap_weights": "mammen"}, {}),
    "balance_e": (["--balance-e", "1", "--min-e", "-2", "--max-e", "2"], {},
                  {"balance_e": 1, "min_e": -2, "max_e": 2}),
}


@pytest.mark.parametrize("case", CASES)
def test_option_equals_python_api(tmp_path, frame, case):
    path, df = frame
    argv, api_kw, agg_kw = CASES[case]
    code, out = _run(tmp_path, path, *argv)
    assert code == 0
    kw = dict(KW)
    if api_kw.get("panel") is False:
        kw.pop("unit")
    api = att_gt(df, **kw, **api_kw)
    est = pd.read_csv(out / "estimates.csv")
    np.testing.assert_allclose(est["estimate"].iloc[1:], api.table["estimate"], atol=1e-9)
    np.testing.assert_allclose(est["estimate"].iloc[0], api.estimate, atol=1e-9)
    dyn = aggte(api, "dynamic", **agg_kw)
    es = pd.read_csv(out / "event_study.csv")
    np.testing.assert_allclose(es["estimate"], dyn.table["estimate"], atol=1e-9)
    np.testing.assert_array_equal(es["event_time"], dyn.table["event_time"])
    if "se_boot" in dyn.table:
        np.testing.assert_allclose(es["se_boot"], dyn.table["se_boot"], rtol=1e-8)
    settings = json.loads((out / "manifest.json").read_text())["settings"]
    for key in ("weights", "base_period", "anticipation", "bootstrap_weights_kind"):
        assert settings[key] == api.settings[key]
    if case == "rcs":
        assert "repeated cross-sections" in settings["data_structure"]
    if case == "factors":
        assert settings["covariates"] == ["lpop", "code2", "code3"]


def test_unbalanced_panel_option(tmp_path, frame):
    path, df = frame
    holes = df.drop(index=df.index[::7])
    hp = tmp_path / "holes.csv"
    holes.to_csv(hp, index=False)
    code, _ = _run(tmp_path, hp)
    assert code == 2  # refused without the option
    code, out = _run(tmp_path, hp, "--allow-unbalanced-panel")
    assert code == 0
    api = att_gt(holes, **KW, allow_unbalanced_panel=True)
    est = pd.read_csv(out / "estimates.csv")
    np.testing.assert_allclose(est["estimate"].iloc[1:], api.table["estimate"], atol=1e-9)
    assert "unbalanced" in json.loads((out / "manifest.json").read_text())["settings"][
        "data_structure"]


def test_sun_abraham_design(tmp_path, frame):
    path, df = frame
    code, out = _run(tmp_path, path, design="sun-abraham")
    assert code == 0
    api = sun_abraham(df, **KW)
    est = pd.read_csv(out / "estimates.csv")
    assert round(est.loc[0, "estimate"], 4) == -0.0400  # = did's simple ATT (see its tests)
    np.testing.assert_allclose(est["estimate"].iloc[1:], api.table["estimate"], atol=1e-12)
    catt = pd.read_csv(out / "diagnostics_catt.csv")
    assert len(catt) == 12
    assert (out / "event_study.png").exists()
    code, out2 = _run(tmp_path / "b", path, "--control", "last", design="sun-abraham")
    assert code == 0
    api = sun_abraham(df, **KW, control="last")
    est = pd.read_csv(out2 / "estimates.csv")
    np.testing.assert_allclose(est["estimate"].iloc[1:], api.table["estimate"], atol=1e-12)
    assert json.loads((out2 / "manifest.json").read_text())["settings"]["control"] == "last"


@pytest.mark.parametrize("argv, message", [
    (["--weights", "kk"], "weights column 'kk' not found.*did you mean 'k'"),
    (["--covariates", "lpop", "--factors", "regon"], "factors: 'regon' is not among"),
    (["--covariates", "regoin"], "covariate 'regoin' column 'regoin' not found.*'region'"),
    (["--anticipation", "-1"], "--anticipation: expected an integer >= 0"),
    (["--control", "last"], "--control last applies to --design sun-abraham"),
    (["--weights", "code", "--repeated-cross-sections", "--drop-incomplete"],
     "drop_incomplete"),
])
def test_staggered_errors(tmp_path, frame, capsys, argv, message):
    path, _ = frame
    code, out = _run(tmp_path, path, *argv)
    assert code == 2
    err = capsys.readouterr().err
    assert __import__("re").search(message, err), err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("design, argv, message", [
    ("did", ["--base-period", "universal"], "--base-period: staggered-DiD option"),
    ("twfe", ["--weights", "k", "--balance-e", "1"], "--weights, --balance-e"),
    ("sun-abraham", ["--method", "reg"], "do not apply to --design sun-abraham"),
    ("sun-abraham", ["--control", "notyet"], "expected never or last"),
    ("sun-abraham", ["--reference", "0"], "reference: expected a negative integer"),
    ("sun-abraham", ["--reference", "-2"], "cohort 2004 has no period at relative time -2"),
    ("sun-abraham", ["--outcome", "lemb"], "did you mean 'lemp'"),
])
def test_options_outside_their_design(tmp_path, frame, capsys, design, argv, message):
    path, _ = frame
    code, _ = _run(tmp_path, path, *argv, design=design)
    assert code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--base-period", "fixed"], ["--bootstrap-weights", "webb"],
                                  ["--anticipation", "one"]])
def test_bad_choices_are_argparse_errors(tmp_path, frame, capsys, argv):
    path, _ = frame
    with pytest.raises(SystemExit) as exc:
        _run(tmp_path, path, *argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert argv[0] in err and ("invalid choice" in err or "invalid int" in err)


def test_sun_abraham_cli_reproduces_fixest_example(tmp_path):
    """feols(y ~ x1 + sunab(year_treated, year) | id + year, base_stagg); summary(agg = "ATT"):
    -1.133749 (0.205070) - fixest's sunab reference page (see test_sun_abraham.py)."""
    out = tmp_path / "sa"
    assert main(["evaluate", "impact", str(DATA / "base_stagg.csv"), "--design", "sun-abraham",
                 "--unit", "id", "--time", "year", "--outcome", "y", "--treated-from",
                 "year_treated", "--covariates", "x1", "--out", str(out)]) == 0
    est = pd.read_csv(out / "estimates.csv")
    assert round(est.loc[0, "estimate"], 6) == -1.133749
    assert round(est.loc[0, "std_error"], 6) == 0.205070
    cohort = pd.read_csv(out / "diagnostics_cohort.csv").set_index("cohort")
    assert round(cohort.loc[2, "estimate"], 6) == 2.434738
    assert round(pd.read_csv(out / "diagnostics_covariates.csv").loc[0, "estimate"], 6) == 0.994678
