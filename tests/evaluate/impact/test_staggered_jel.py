"""Sampling weights against R did: the county mortality panel of the JEL practitioner's guide.

Published numbers: Baker, Callaway, Cunningham, Goodman-Bacon & Sant'Anna, "Difference-in-
Differences Designs: A Practitioner's Guide" (data and code: github.com/pedrohcgs/JEL-DiD),
as reproduced by R ``did``'s own replication tests (bcallaway11/did,
``tests/testthat/test-jel_replication.R``, expected values to 10 decimals, tolerance 1e-6).
Outcome: deaths of adults 20-64 per 100,000 (``crude_rate_20_64 = deaths / population *
1e5``); weights: the county's 2013 population aged 20-64; ACA Medicaid expansion year
``yaca``.  R calls (``mydata`` = ``load_jel_data()`` of that test file)::

    # "JEL 2xT": 2014 expanders against never (or after-2019) expanders
    att_gt(yname = "crude_rate_20_64", tname = "year", idname = "county_code",
           gname = "treat_year", xformla = NULL, data = mydata, panel = TRUE,
           control_group = "nevertreated", bstrap = FALSE, est_method = "reg",
           weightsname = "set_wt", base_period = "universal")
    aggte(mod, type = "dynamic", min_e = 0, max_e = 5, bstrap = FALSE)   # -0.7035462478
    # "JEL GxT": every expansion cohort up to 2019, not-yet-treated controls, DR
    att_gt(..., control_group = "notyettreated", weightsname = "set_wt",
           base_period = "universal")                                    # est_method = "dr"
    aggte(mod, type = "dynamic", min_e = 0, max_e = 5, bstrap = FALSE)   # 0.0867675805

data/jel_county_mortality.csv.gz is that analysis sample (2,604 counties x 2009-2019),
rebuilt from the repository's raw CDC WONDER, BLS LAUS and KFF files by its
``scripts/R/0_make_data.R`` and the test's ``load_jel_data`` (see data/README.md); that it
reproduces R's numbers to 1e-10 confirms the sample.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt

KW = {"unit": "county_code", "time": "year", "outcome": "crude_rate_20_64",
      "treated_from": "treat_year", "weights": "set_wt", "base_period": "universal"}

R_2XT = [4.1292044043, -0.5016807242, 2.7531791360, 2.7804626426, 0.0, -2.5628745138,
         -1.6973291127, 0.2189009815, -0.8133358354, -1.1532954495, 1.7866564429]  # 2009-2019
R_GXT = {-5: 2.2186783578, -4: 0.8579225109, -3: 1.9161499399, -2: 2.5644742860, -1: 0.0,
         0: -1.6545648988, 1: -0.2616435324, 2: 1.7055625922, 3: -0.5405232028,
         4: -0.5148819184, 5: 1.7866564429}


@pytest.fixture(scope="module")
def jel() -> pd.DataFrame:
    df = pd.read_csv(Path(__file__).parent / "data" / "jel_county_mortality.csv.gz")
    df["crude_rate_20_64"] = df["deaths"] / df["population_20_64"] * 100000
    w13 = df[df.year == 2013].set_index("county_code")["population_20_64"]
    df["set_wt"] = df["county_code"].map(w13)
    return df


def test_weighted_2xt_event_study_equals_r_did(jel):
    d = jel[(jel.yaca == 2014) | jel.yaca.isna() | (jel.yaca > 2019)].copy()
    d["treat_year"] = np.where(d.yaca == 2014, 2014, 0)
    res = att_gt(d, **KW, method="reg")
    assert res.n == 2200
    np.testing.assert_allclose(res.table["estimate"], R_2XT, atol=1e-9)
    dyn = aggte(res, "dynamic")
    np.testing.assert_allclose(dyn.table["estimate"], R_2XT, atol=1e-9)
    assert aggte(res, "dynamic", min_e=0, max_e=5).estimate == pytest.approx(-0.7035462478,
                                                                             abs=1e-9)
    # the weights matter: unweighted, the same call gives other numbers
    unw = att_gt(d, **{**KW, "weights": None}, method="reg")
    assert np.max(np.abs(unw.table["estimate"] - res.table["estimate"])) > 0.1


def test_weighted_staggered_not_yet_treated_equals_r_did(jel):
    g = jel.copy()
    g["treat_year"] = np.where(g.yaca.notna() & (g.yaca <= 2019), g.yaca, 0)
    res = att_gt(g, **KW, control="notyet")  # method = "dr", as R's default
    dyn = aggte(res, "dynamic").table.set_index("event_time")["estimate"]
    for e, att in R_GXT.items():
        assert dyn.loc[e] == pytest.approx(att, abs=1e-9)
    assert aggte(res, "dynamic", min_e=0, max_e=5).estimate == pytest.approx(0.0867675805,
                                                                             abs=1e-9)
