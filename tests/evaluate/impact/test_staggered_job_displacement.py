"""att_gt with ``anticipation`` and covariates against R ``did`` on a published panel (NLSY
job displacement, 1984-1993 without 1989).

R output printed in Brantly Callaway's LSU DiD workshop, exercise 1 solutions in R
(github.com/bcallaway11/lsu-workshop, ``Exercises/Exercise-1/Solutions/solutions-R.md``,
2024; data ``Exercises/Exercise-1/job_displacement_data.dta``), for::

    no_covs  <- att_gt(yname = "income", tname = "year", idname = "id", gname = "group",
                       data = job_displacement_data)
    ant_res  <- att_gt(..., data = job_displacement_data, anticipation = 1)
    covs_res <- att_gt(..., anticipation = 1, xformla = ~female + white)
    reg_res  <- att_gt(..., anticipation = 1, xformla = ~female + white, est_method = "reg")
    ipw_res  <- att_gt(..., anticipation = 1, xformla = ~female + white, est_method = "ipw")
    occ_res  <- att_gt(..., anticipation = 1, xformla = ~female + white + occ_score)
    summary(aggte(<each>, type = "group"))

(est_method = "dr" where not given; R's default multiplier bootstrap, 1000 draws; R drops the
26 units displaced in 1984, the first period, with a warning - changjing refuses them with an
error naming them, so they are dropped here first.)  Every printed number is in
``data/job_displacement_r_did.csv`` (parsed from the page: 64 + 3 x 56 ATT(g,t), 8 + 5 x 7 group
effects, 6 overall effects, with SEs and band limits).

What this checks beyond the mpdta vignette:

* ``anticipation`` is counted in units of the time variable, not in positions: the years skip
  1989, so with anticipation = 1 group 1991's base period is 1988 (the last year y with
  y + 1 < 1991), not 1990; group 1985 (base 1983) has no base period and R drops it;
* inside the anticipation window (t < g) the varying base period is t - 1, the cell of the
  no-anticipation run (R: ATT(1986, 1985) = -1801.9373 in both);
* DR, OR and IPW with covariates, and a time-varying covariate (``occ_score``: R uses its
  base-period value in each 2x2);
* the group aggregation and its overall effect.

Point estimates are deterministic: every printed digit must agree (|diff| <= half a unit of
the last printed decimal, plus $1e-5 for R's logit convergence).  R's SEs are bootstrap draws (1000, IQR-based): our bootstrap SEs
(``bootstrap=1999``) are compared with a Monte-Carlo tolerance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt

from .conftest import DATA

KW = {"unit": "id", "time": "year", "outcome": "income", "treated_from": "group"}
RUNS = {
    "no_covs": {},
    "ant": {"anticipation": 1},
    "covs": {"anticipation": 1, "covariates": ["female", "white"]},
    "reg": {"anticipation": 1, "covariates": ["female", "white"], "method": "reg"},
    "ipw": {"anticipation": 1, "covariates": ["female", "white"], "method": "ipw"},
    "occ": {"anticipation": 1, "covariates": ["female", "white", "occ_score"]},
}


@pytest.fixture(scope="module")
def jobs() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "job_displacement.csv.gz")
    assert len(frame) == 11682 and frame["id"].nunique() == 1298
    dropped = frame.loc[frame.group == 1984, "id"].nunique()
    assert dropped == 26  # R: "Dropped 26 units that were already treated in the first period."
    return frame[frame.group != 1984]


@pytest.fixture(scope="module")
def r_out() -> pd.DataFrame:
    return pd.read_csv(DATA / "job_displacement_r_did.csv", dtype=str)


@pytest.fixture(scope="module")
def fits(jobs):
    return {name: att_gt(jobs, **KW, **opts) for name, opts in RUNS.items()}


def _half_unit(printed: str) -> float:
    """Half a unit of the last printed decimal (the tolerance of a rounded number), plus
    $1e-5: R's logit (glm, IRLS stopped at a relative deviance change of 1e-8) leaves the DR
    and IPW estimates uncertain far below a cent but not below 1e-6 dollars, and two printed
    group effects sit on a rounding boundary (DR -6506.8712: -6506.87125038 here, 4e-7 past
    it; IPW 871.1522: 871.15225229, 2.3e-6 past it).  Runs without a logit (no covariates,
    OR) agree within the half unit alone (checked when written)."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals + 1e-5


@pytest.mark.parametrize("run", ["no_covs", "ant", "covs", "occ"])
def test_every_cell_equals_r_did(fits, r_out, run):
    ref = r_out[(r_out.run == run) & (r_out.kind == "cell")]
    assert len(ref) == (64 if run == "no_covs" else 56)
    ours = fits[run].table.set_index(["group", "time"])
    assert len(ours) == len(ref)  # the same cells exist, no more
    for r in ref.itertuples():
        est = ours.loc[(int(r.group), int(r.time)), "estimate"]
        assert abs(est - float(r.estimate)) <= _half_unit(r.estimate), (run, r.group, r.time)


def test_anticipation_counts_time_units_and_uses_short_differences_in_the_window(fits, r_out):
    ant = fits["ant"]
    assert 1985 not in set(ant.table["group"])  # base 1983 is before the panel (R drops it)
    assert any("base period before the panel" in w for w in ant.warnings)
    base = {(int(r.group), int(r.time)): int(r.base) for r in ant.table.itertuples()}
    assert base[(1991, 1991)] == 1988 and base[(1991, 1993)] == 1988  # 1988 + 1 < 1991
    assert base[(1990, 1990)] == 1988 and base[(1986, 1986)] == 1984
    assert base[(1991, 1990)] == 1988  # window cell: the previous observed year
    nocov = fits["no_covs"].table.set_index(["group", "time"])["estimate"]
    cells = ant.table.set_index(["group", "time"])["estimate"]
    assert cells.loc[(1986, 1985)] == nocov.loc[(1986, 1985)]  # R: -1801.9373 in both runs
    assert cells.loc[(1991, 1991)] != pytest.approx(nocov.loc[(1991, 1991)], abs=1.0)


@pytest.mark.parametrize("run", list(RUNS))
def test_group_aggregation_equals_r_did(fits, r_out, run):
    agg = aggte(fits[run], "group")
    ref = r_out[(r_out.run == run) & (r_out.kind == "group")]
    assert len(ref) == (8 if run == "no_covs" else 7) == len(agg.table)
    ours = agg.table.set_index("group")["estimate"]
    for r in ref.itertuples():
        assert abs(ours.loc[int(r.group)] - float(r.estimate)) <= _half_unit(r.estimate)
    overall = r_out[(r_out.run == run) & (r_out.kind == "overall")].iloc[0]
    assert abs(agg.estimate - float(overall.estimate)) <= _half_unit(overall.estimate)
    # R's overall SE is a 1000-draw bootstrap SE; the analytic SE is within 15 % of it
    assert agg.se == pytest.approx(float(overall.se), rel=0.15)


@pytest.mark.parametrize("run", ["ant", "covs"])
def test_bootstrap_ses_and_band_match_r_within_monte_carlo_error(jobs, r_out, run):
    """R's cell SEs come from 1000 Rademacher draws (IQR / 1.349), ours from 1999.  With cohorts
    of 6 to 28 people the draws are far from normal, so the MC error of one SE is several
    per cent: the median ratio must be within 5 %, every ratio within 20 %, and the
    simultaneous critical value (half the band width over the SE) within 0.25 of R's."""
    res = att_gt(jobs, **KW, **RUNS[run], bootstrap=1999, seed=22)
    ours = res.table.set_index(["group", "time"])
    ref = r_out[(r_out.run == run) & (r_out.kind == "cell")]
    ratio = np.array([ours.loc[(int(r.group), int(r.time)), "se_boot"] / float(r.se)
                      for r in ref.itertuples()])
    assert abs(np.median(ratio) - 1) < 0.05
    assert ratio.min() > 0.8 and ratio.max() < 1.25
    crit_r = np.median([(float(r.high) - float(r.low)) / 2 / float(r.se) for r in ref.itertuples()])
    assert res.settings["crit_simultaneous"] == pytest.approx(crit_r, abs=0.25)


def test_text_factors_reproduce_r_did_with_indicator_covariates(jobs, r_out):
    """Factor covariates: sex and race given as text categories (``factors=``) are expanded
    with a reference level, as R's ``model.matrix`` does for ``~ factor(sex) + factor(race)``.
    With two levels that design spans the same columns as R's published ``xformla = ~female +
    white`` (the reference here is "female", so the indicator is the complement of R's
    ``female``: the fit is reparametrised, not changed), so every printed cell of ``covs_res``
    must come out.  No R output with a factor of more than two levels is published for these
    data (``factor(occ_score)`` is not in the course; the Stata solution's ``i.female i.white``
    is the same two-level case)."""
    text = jobs.assign(sex=np.where(jobs.female == 1, "female", "male"),
                       race=np.where(jobs.white == 1, "white", "nonwhite"))
    res = att_gt(text, **KW, anticipation=1, covariates=["sex", "race"], factors=["sex", "race"])
    assert res.settings["factor_levels"] == {"sex": ["female", "male"],
                                             "race": ["nonwhite", "white"]}
    ours = res.table.set_index(["group", "time"])
    ref = r_out[(r_out.run == "covs") & (r_out.kind == "cell")]
    assert len(ours) == len(ref) == 56
    for r in ref.itertuples():
        est = ours.loc[(int(r.group), int(r.time)), "estimate"]
        assert abs(est - float(r.estimate)) <= _half_unit(r.estimate), (r.group, r.time)
