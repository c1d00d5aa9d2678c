"""att_gt against R ``did`` on a published state panel: ACA Medicaid expansions (``ehec``).

R output printed in the Mixtape Sessions *Advanced DiD* course, exercise 1 solutions
(github.com/Mixtape-Sessions/Advanced-DID, ``Exercises/Exercise-1/Solutions/
medicaid-analysis-solutions-R.md``), for::

    att_gt(yname = "dins", tname = "year", idname = "stfips", gname = "yexp2",
           data = df %>% mutate(yexp2 = ifelse(is.na(yexp2), 3000, yexp2)),
           control_group = "notyettreated")            # est_method = "dr", xformla = ~1
    aggte(cs_results, type = "simple")                 # 0.068, SE 0.008
    # the same on the expanding states only (filter(!is.na(yexp2))): 0.0728, SE 0.0092

Point estimates are deterministic and must agree to the 4 printed decimals; R's SEs are
multiplier-bootstrap numbers (1000 draws, 46 state clusters), so our analytic SEs are compared
within 25 % cell by cell and 10 % for the aggregate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt

# (group, ATT(g, 2009) ... ATT(g, 2019)) from the printed "Group-Time Average Treatment Effects"
R_ATT = {
    2014: [-0.0065, 0.0111, 0.0015, 0.0016, 0.0009, 0.0467, 0.0692, 0.0785, 0.0725, 0.0738,
           0.0803],
    2015: [0.0071, -0.0245, -0.0027, 0.0003, -0.0100, -0.0020, 0.0491, 0.0526, 0.0682, 0.0663,
           0.0738],
    2016: [0.0022, 0.0511, -0.0262, -0.0276, 0.0440, -0.0322, 0.0409, 0.0317, 0.0368, 0.0645,
           0.0825],
    2017: [0.0102, -0.0161, 0.0019, 0.0177, 0.0012, -0.0063, 0.0036, 0.0398, 0.0471, 0.0681,
           0.0650],
    2019: [0.0189, -0.0269, -0.0244, 0.0024, 0.0129, 0.0003, -0.0108, -0.0182, 0.0093, 0.0062,
           0.0365],
}
R_SE_2014 = [0.0051, 0.0069, 0.0057, 0.0062, 0.0067, 0.0088, 0.0105, 0.0109, 0.0114, 0.0134,
             0.0119]
KW = {"unit": "stfips", "time": "year", "outcome": "dins", "treated_from": "yexp2"}


@pytest.fixture(scope="module")
def ehec() -> pd.DataFrame:
    from pathlib import Path

    return pd.read_csv(Path(__file__).parent / "data" / "ehec_data.csv")


def test_all_55_cells_match_r_did(ehec):
    r = att_gt(ehec, **KW, control="notyet", method="dr")
    cells = r.table.set_index(["group", "time"])
    assert len(cells) == 55
    for g, atts in R_ATT.items():
        for t, att in zip(range(2009, 2020), atts):
            assert round(cells.loc[(g, t), "estimate"], 4) == pytest.approx(att, abs=1e-12)
    for t, se in zip(range(2009, 2020), R_SE_2014):
        assert cells.loc[(2014, t), "se"] == pytest.approx(se, rel=0.25)


def test_simple_aggregate_matches_r_did(ehec):
    r = att_gt(ehec, **KW, control="notyet", method="dr", bootstrap=999, seed=2)
    s = aggte(r, "simple")
    assert round(s.estimate, 3) == 0.068
    assert s.se == pytest.approx(0.008, rel=0.1)
    assert s.settings["se_boot_overall"] == pytest.approx(0.008, rel=0.15)
    only = att_gt(ehec[ehec.yexp2.notna()], **KW, control="notyet", method="dr")
    s2 = aggte(only, "simple")
    assert round(s2.estimate, 4) == 0.0728
    assert s2.se == pytest.approx(0.0092, rel=0.1)


# --- universal base period: R did's own result objects ------------------------------------
# Mixtape Sessions Advanced DiD, exercise 2 R solution
# (Exercises/Exercise-2/Solutions/medicaid-analysis-pt-violations-solutions-R.Rmd), chunk 9:
#
#     df <- read_dta(".../Exercises/Data/ehec_data.dta")
#     cs_results <- att_gt(yname = "dins", tname = "year", idname = "stfips", gname = "yexp2",
#                          data = df %>% mutate(yexp2 = ifelse(is.na(yexp2), 3000, yexp2)),
#                          control_group = "notyettreated", base_period = "universal")
#     es <- aggte(cs_results, type = "dynamic", min_e = -5, max_e = 5)
#
# The course ships knitr's cache of that chunk (``..._cache/gfm/unnamed-chunk-9_*.rdb``): the
# R objects ``cs_results`` (60 ATT(g,t), first period included, with R's bootstrap SEs,
# biters = 1000, critical value 2.7500) and ``es`` (11 event times, overall 0.0688253685,
# SE 0.0077844011, critical value 2.5631).  Their numbers, read from the cache's R
# serialisation, are in data/ehec_universal_r_did.csv.  The data are the course's .dta (the
# float32 outcome read exactly; the CSV above is rounded to 7 digits).


@pytest.fixture(scope="module")
def ehec_dta() -> pd.DataFrame:
    from pathlib import Path

    return pd.read_stata(Path(__file__).parent / "data" / "ehec_data.dta",
                         convert_categoricals=False)


@pytest.fixture(scope="module")
def r_universal() -> pd.DataFrame:
    from pathlib import Path

    return pd.read_csv(Path(__file__).parent / "data" / "ehec_universal_r_did.csv")


@pytest.fixture(scope="module")
def universal(ehec_dta):
    return att_gt(ehec_dta, **KW, control="notyet", base_period="universal", bootstrap=1999,
                  seed=1)


def test_universal_base_period_equals_r_did_objects(universal, r_universal):
    r = r_universal[r_universal.object == "att_gt"].set_index(["group", "time"])
    ours = universal.table.set_index(["group", "time"])
    assert len(ours) == len(r) == 60 and set(ours.index) == set(r.index)
    assert ours.loc[(2014, 2008), "estimate"] != 0  # the first period is estimated
    for key, row in r.iterrows():
        assert ours.loc[key, "estimate"] == pytest.approx(row["att"], abs=1e-10)
    ok = r["se"].notna()
    # R's SEs are bootstrap (1000 draws, 46 state clusters): MC error of an IQR-based SE
    np.testing.assert_allclose(ours.loc[r.index[ok], "se"], r.loc[ok, "se"], rtol=0.2)
    np.testing.assert_allclose(ours.loc[r.index[ok], "se_boot"], r.loc[ok, "se"], rtol=0.3)
    assert np.isnan(ours.loc[(2014, 2013), "se_boot"])  # reference cell, as R's NA
    assert universal.settings["crit_simultaneous"] == pytest.approx(2.7500, abs=0.35)


def test_universal_event_study_with_min_max_e_equals_r_did(universal, r_universal):
    r = r_universal[r_universal.object == "aggte_dynamic"].set_index("event_time")
    dyn = aggte(universal, "dynamic", min_e=-5, max_e=5)
    t = dyn.table.set_index("event_time")
    assert list(t.index) == list(range(-5, 6))
    np.testing.assert_allclose(t["estimate"], r["att"], atol=1e-10)
    overall = r_universal[r_universal.object == "aggte_dynamic_overall"].iloc[0]
    assert dyn.estimate == pytest.approx(overall["att"], abs=1e-10)
    ok = r["se"].notna()
    np.testing.assert_allclose(t.loc[ok, "se_boot"], r.loc[ok, "se"], rtol=0.15)
    assert dyn.settings["se_boot_overall"] == pytest.approx(overall["se"], rel=0.1)
    assert dyn.settings["crit_simultaneous"] == pytest.approx(2.5631, abs=0.35)
