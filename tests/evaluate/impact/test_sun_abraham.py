"""Sun & Abraham (2021) interaction-weighted event study: fixest's published example, mpdta.

Published numbers: fixest's reference page for ``sunab`` (lrberge/fixest,
``docs/reference/sunab.html``, "Examples"), on its simulated panel ``base_stagg`` (95 units x
10 years, shipped in fixest's ``data/base_stagg.RData``; here ``data/base_stagg.csv``)::

    res_sunab = feols(y ~ x1 + sunab(year_treated, year) | id + year, base_stagg)
    etable(res_sunab)                 # 17 event-time effects (SE clustered by id), x1
    summary(res_sunab, agg = "ATT")   # ATT -1.133749 (0.205070), x1 0.994678 (0.018378)
    summary(res_sunab, agg = "cohort")  # cohort::2 2.434738 (0.286046) ... cohort::10

``year_treated = 10000`` codes the never treated (outside the panel: never treated, as fixest).
Point estimates are deterministic and must agree to every printed digit; the SEs too (same
CR1 small-sample correction as fixest's default).

On mpdta (R call mirrored: ``feols(lemp ~ sunab(first.treat, year) | countyreal + year,
data = mpdta, cluster = ~countyreal)``; no printed fixest output on mpdta is published) the
estimator is checked against independent computations that must agree:

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


# etable(res_sunab): event time -> (estimate, clustered SE), as printed
FIXEST_ETABLE = {
    -9: (0.3518, 0.3591), -8: (-0.0790, 0.2975), -7: (0.1010, 0.3670), -6: (-0.0564, 0.3089),
    -5: (-0.2953, 0.2940), -4: (-0.3037, 0.2491), -3: (-0.0884, 0.2558), -2: (0.0847, 0.2443),
    0: (-5.188, 0.2211), 1: (-3.540, 0.2128), 2: (-2.155, 0.2258), 3: (-0.7750, 0.2771),
    4: (1.069, 0.3104), 5: (2.118, 0.4481), 6: (4.631, 0.4604), 7: (4.890, 0.3394),
    8: (6.244, 0.2976),
}
# summary(res_sunab, agg = "cohort")
FIXEST_COHORT = {
    2: (2.434738, 0.286046), 3: (1.376610, 0.619741), 4: (0.754376, 0.805496),
    5: (-2.807954, 0.386545), 6: (-2.722579, 0.595004), 7: (-5.075193, 0.567640),
    8: (-5.092821, 0.350586), 9: (-7.236730, 0.328854), 10: (-8.711575, 0.512805),
}


def _digits(x: float) -> int:
    s = f"{x}"
    return len(s.split(".")[1]) if "." in s else 0


def test_fixest_published_example_base_stagg():
    from pathlib import Path

    import pandas as pd

    df = pd.read_csv(Path(__file__).parent / "data" / "base_stagg.csv")
    res = sun_abraham(df, unit="id", time="year", outcome="y", treated_from="year_treated",
                      covariates=["x1"])
    table = res.table.set_index("event_time")
    assert sorted(table.index) == sorted(FIXEST_ETABLE)  # -1 is the reference
    for e, (est, se) in FIXEST_ETABLE.items():
        assert round(table.loc[e, "estimate"], _digits(est)) == pytest.approx(est, abs=1e-12)
        assert round(table.loc[e, "se"], 4) == pytest.approx(se, abs=1e-12)
    assert round(res.estimate, 6) == -1.133749 and round(res.se, 6) == 0.205070
    cov = res.diagnostics["covariates"].set_index("term")
    assert round(cov.loc["x1", "estimate"], 6) == 0.994678
    assert round(cov.loc["x1", "se"], 6) == 0.018378
    cohort = res.diagnostics["cohort"].set_index("cohort")
    for g, (est, se) in FIXEST_COHORT.items():
        assert round(cohort.loc[g, "estimate"], 6) == pytest.approx(est, abs=1e-12)
        assert round(cohort.loc[g, "se"], 6) == pytest.approx(se, abs=1e-12)
    assert res.settings["covariates"] == ["x1"]
    assert any("after the last period" in w for w in res.warnings)  # the 10000 cohort


def test_covariate_constant_within_units_is_refused():
    from pathlib import Path

    import pandas as pd

    df = pd.read_csv(Path(__file__).parent / "data" / "base_stagg.csv")
    with pytest.raises(InputError, match="collinear"):
        sun_abraham(df.assign(c=df["id"] % 3), unit="id", time="year", outcome="y",
                    treated_from="year_treated", covariates=["c"])


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
