"""Sun & Abraham (2021) interaction-weighted event study on mpdta.

R call mirrored: ``feols(lemp ~ sunab(first.treat, year) | countyreal + year, data = mpdta,
cluster = ~countyreal)`` (``fixest``), never-treated control cohort, reference period -1.
No printed fixest output on mpdta (or on another public data set we can load) was found, so
the estimator is checked against independent computations that must agree:

* with never-treated controls and every relative period included, the saturated
  regression's CATT(g, e) is exactly the 2x2 DiD of cohort g against the never treated
  between g + e and g - 1 - Callaway & Sant'Anna's universal-base ATT(g, g + e) - and the
  IW effects (cohort-size weights) are the C&S dynamic aggregation of those cells;
* the overall ATT weights post cells by observations, i.e. by cohort size on a balanced
  panel, so it equals the simple aggregation published in the R ``did`` vignette: -0.0400;
* the cluster-robust SEs agree with the influence-function SEs up to the CR1 factor.
"""

from __future__ import annotations

import numpy as np
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import aggte, att_gt, sun_abraham

KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}


@pytest.fixture(scope="module")
def sa(mpdta):
    return sun_abraham(mpdta, **KW)


@pytest.fixture(scope="module")
def cs_universal(mpdta):
    return att_gt(mpdta, **KW, method="reg", base_period="universal")


def test_catt_equals_universal_base_att_gt(sa, cs_universal):
    catt = sa.diagnostics["catt"].set_index(["cohort", "event_time"])
    cs = cs_universal.table.set_index(["group", "time"])
    assert len(catt) == 12  # 15 cells minus the three reference cells
    for (g, e), row in catt.iterrows():
        ref = cs.loc[(g, g + e)]
        assert row["estimate"] == pytest.approx(ref["estimate"], abs=1e-12)
        assert row["se"] == pytest.approx(ref["se"], rel=1e-2)


def test_iw_effects_equal_cs_dynamic_and_published_overall(sa, cs_universal):
    dyn = aggte(cs_universal, "dynamic").table.set_index("event_time")
    for row in sa.table.itertuples():
        assert row.estimate == pytest.approx(dyn.loc[row.event_time, "estimate"], abs=1e-12)
    assert -1 not in sa.table["event_time"].tolist()
    # IW weights: cohort shares among cohorts observed at e (e = 0: 20, 40, 131 counties)
    w0 = sa.diagnostics["catt"].query("event_time == 0").iw_weight.to_numpy()
    np.testing.assert_allclose(w0, np.array([20, 40, 131]) / 191)
    assert round(sa.estimate, 4) == -0.0400  # did vignette, aggte(type = "simple")
    assert sa.se == pytest.approx(aggte(cs_universal, "simple").se, rel=0.02)


def test_last_treated_control_and_errors(mpdta):
    last = sun_abraham(mpdta, **KW, control="last")
    # the 2007 cohort is the control; only 2003-2006 remain
    assert set(last.diagnostics["catt"].cohort) == {2004, 2006}
    assert last.table["event_time"].max() == 2
    with pytest.raises(SpecError, match="control"):
        sun_abraham(mpdta, **KW, control="notyet")
    with pytest.raises(SpecError, match="reference"):
        sun_abraham(mpdta, **KW, reference=0)
    with pytest.raises(InputError, match="unbalanced"):
        sun_abraham(mpdta.iloc[1:], **KW)
