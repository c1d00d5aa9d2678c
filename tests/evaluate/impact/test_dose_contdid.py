"""Dose-response DiD checked against its reference implementation's published example.

Source: R package ``contdid`` (Callaway, Goodman-Bacon & Sant'Anna), README.md at
github.com/bcallaway11/contdid (commit 443c1c1, "replace dontrun with donttest"), section
"Examples".  The data are simulated in R::

    set.seed(1234)
    df <- simulate_contdid_data(n = 5000, num_time_periods = 4, num_groups = 4,
                                dose_linear_effect = 0, dose_quadratic_effect = 0)

``simulate_contdid_data`` (R/simulate_data.R) draws, in this order: ``G <- sample(c(0, 2, 3,
4), n, replace = TRUE, prob = rep(1/4, 4))``, ``D <- runif(n)``, ``eta <- rnorm(n, mean = G)``,
the untreated outcomes ``t + eta + rnorm(n)`` for t = 1..4, then the treated ones (no dose
effect) the same way; the dose of never-treated units is set to 0.  ``_rrng.py`` replays R's
generator, and the README's printed ``head(df)`` is matched to its 7 digits below.

The README then runs ``cont_did(yname = "Y", tname = "time_period", idname = "id", dname = "D",
data = df, gname = "G", target_parameter = ..., aggregation = ..., treatment_type =
"continuous", control_group = "notyettreated", biters = 100, cband = TRUE, num_knots = 1,
degree = 3)`` and prints (``summary``):

* ``target_parameter = "slope", aggregation = "dose"``: overall ATT -0.0265 (SE 0.0301),
  overall ACRT 0.1341 (SE 0.0485);
* ``"slope", "eventstudy"``: overall ACRT 0.1341 (SE 0.0584); ACRT(e) for e = -2..2:
  -0.0701 (0.0808), -0.2212 (0.0892), 0.1592 (0.0586), 0.0551 (0.0828), -0.5405 (0.1154);
* ``"level", "eventstudy"``: overall ATT -0.0243 (0.0289); ATT(e) -0.0222, 0.0116, -0.0039,
  -0.0160, -0.0839.

Standard errors there are bootstrap (100 draws), so they are compared loosely; point estimates
to the printed 4 decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt, dose_response

from ._rrng import RMersenne

ACRT_E = {-2: -0.0701, -1: -0.2212, 0: 0.1592, 1: 0.0551, 2: -0.5405}
ACRT_E_SE = {-2: 0.0808, 2: 0.1154}
LEVEL_E = {-2: -0.0222, -1: 0.0116, 0: -0.0039, 1: -0.0160, 2: -0.0839}


def _simulate_contdid(seed=1234, n=5000, periods=4):
    """``set.seed(seed); simulate_contdid_data(n, periods, periods, 0, 0)`` (contdid 0.1.0)."""
    r = RMersenne(seed)
    groups = [0] + list(range(2, periods + 1))
    g = np.array([groups[k] for k in r.sample_prob(len(groups), n, [1 / periods] * periods)])
    d = np.array(r.runif(n))
    eta = np.array(r.rnorm(n, mean=list(g.astype(float))))
    y0 = np.column_stack([t + eta + np.array(r.rnorm(n)) for t in range(1, periods + 1)])
    y1 = np.column_stack([t + eta + np.array(r.rnorm(n)) for t in range(1, periods + 1)])
    post = np.column_stack([(g <= t) & (g != 0) for t in range(1, periods + 1)])
    y = np.where(post, y1, y0)
    return pd.DataFrame({"id": np.repeat(np.arange(1, n + 1), periods),
                         "G": np.repeat(g, periods),
                         "D": np.repeat(np.where(g == 0, 0.0, d), periods),
                         "time_period": np.tile(np.arange(1, periods + 1), n),
                         "Y": y.ravel()})


@pytest.fixture(scope="module")
def contdid_df():
    return _simulate_contdid()


@pytest.fixture(scope="module")
def contdid_fit(contdid_df):
    return dose_response(contdid_df, unit="id", time="time_period", outcome="Y", dose="D",
                         treated_from="G", degree=3, knots=1, per=1.0, bootstrap=199, seed=1)


def test_rebuilt_data_match_the_printed_head(contdid_df):
    # README: head(df) -> id 1: G 2, D 0.08593221, Y 0.3579583 5.2354694 3.2717079 4.3988042;
    # id 2: G 4, D 0.17217781, Y 5.9743351 5.8463051
    head = contdid_df.head(6)
    assert head["G"].tolist() == [2, 2, 2, 2, 4, 4]
    assert head["D"].iloc[0] == pytest.approx(0.08593221, abs=5e-9)
    assert head["D"].iloc[4] == pytest.approx(0.17217781, abs=5e-9)
    printed = [0.3579583, 5.2354694, 3.2717079, 4.3988042, 5.9743351, 5.8463051]
    assert head["Y"].to_numpy() == pytest.approx(printed, abs=5e-8)


def test_dose_aggregation_matches_contdid_readme(contdid_fit):
    ov = contdid_fit.diagnostics["overall"].set_index("parameter")["estimate"]
    assert ov["ATT^o (binary DiD)"] == pytest.approx(-0.0265, abs=5e-5)
    assert ov["ACRT^o (per unit of dose)"] == pytest.approx(0.1341, abs=5e-5)
    assert contdid_fit.estimate == pytest.approx(0.1341, abs=5e-5)  # per = 1
    assert contdid_fit.settings["method"] == "gt"
    # the knot is the median of the treated doses (contdid's choose_knots_quantile)
    d = contdid_fit.settings["knots"]
    assert len(d) == 1 and 0.45 < d[0] < 0.55


def test_acrt_event_study_matches_contdid_readme(contdid_fit):
    es = contdid_fit.diagnostics["event_study"].set_index("event_time")
    assert list(es.index) == [-2, -1, 0, 1, 2]
    for e, value in ACRT_E.items():
        assert es.loc[e, "acrt"] == pytest.approx(value, abs=5e-5), e


def test_binary_cells_equal_att_gt_and_its_group_aggregate(contdid_df, contdid_fit):
    """Second method: the per-cell binary DiD and ATT^o (with the estimated-weights term in
    its influence function) equal att_gt(not yet treated, varying base) + aggte(group)."""
    a = att_gt(contdid_df, unit="id", time="time_period", outcome="Y", treated_from="G",
               control="notyet", method="reg")
    cells = contdid_fit.diagnostics["cells"].set_index(["group", "time"])
    ref = a.table.set_index(["group", "time"])
    assert cells["att"].to_numpy() == pytest.approx(ref.loc[cells.index, "estimate"].to_numpy(),
                                                    abs=1e-12)
    assert (cells["n_comparison"] == ref.loc[cells.index, "n_control"]).all()
    grp = aggte(a, type="group")
    ov = contdid_fit.diagnostics["overall"].set_index("parameter")
    assert ov.loc["ATT^o (binary DiD)", "estimate"] == pytest.approx(grp.estimate, abs=1e-12)
    assert ov.loc["ATT^o (binary DiD)", "se"] == pytest.approx(grp.se, rel=1e-9)
    # and contdid's bootstrap SE 0.0301 (100 draws: ~10 % noise)
    assert ov.loc["ATT^o (binary DiD)", "se"] == pytest.approx(0.0301, rel=0.2)


def test_contdid_level_event_study_is_drdid_with_the_dose_as_treatment(contdid_df,
                                                                       contdid_fit):
    """contdid's "level" event study passes the dose itself (not 1{D > 0}) to DRDID's
    drdid_panel as the treatment indicator (cont_two_by_two_subset sets D = dose * (G == g),
    then ptetools::did_attgt).  With no covariates drdid_panel then returns
    sum D (dY - m0) / sum D over the treated minus sum (1 - D)(dY - m0) / sum (1 - D) over the
    whole cell (m0: mean dY of the comparison units).  That reproduces the printed numbers, so
    they are not the binarised ATT(e) the contdid docs describe; ours are (checked above)."""
    df = contdid_df
    w = df.pivot(index="id", columns="time_period", values="Y").to_numpy()
    g = df.groupby("id")["G"].first().to_numpy()
    d = df.groupby("id")["D"].first().to_numpy()
    pg = {v: np.mean(g == v) for v in (2, 3, 4)}
    cell = {}
    for t in (2, 3, 4):
        for gv in (2, 3, 4):
            base = t - 1 if t < gv else gv - 1
            keep = (g == gv) | (g > t) | (g == 0)
            dl = np.where(g == gv, d, 0.0)[keep]
            dy = (w[:, t - 1] - w[:, base - 1])[keep]
            m0 = dy[dl == 0].mean()
            cell[(gv, t)] = (np.sum(dl * (dy - m0)) / np.sum(dl)
                             - np.sum((1 - dl) * (dy - m0)) / np.sum(1 - dl))
    ours = contdid_fit.diagnostics["event_study"].set_index("event_time")["att"]
    for e, printed in LEVEL_E.items():
        ks = [k for k in cell if k[1] - k[0] == e]
        wts = np.array([pg[k[0]] for k in ks])
        quirk = float(np.dot(wts / wts.sum(), [cell[k] for k in ks]))
        assert quirk == pytest.approx(printed, abs=5e-5), e
    assert abs(ours[1] - LEVEL_E[1]) > 0.01  # the binarised ATT(1) is 0.0009, not -0.0160
    overall = sum(pg[gv] * np.mean([cell[(gv, t)] for t in (2, 3, 4) if t >= gv])
                  for gv in (2, 3, 4)) / sum(pg.values())
    assert overall == pytest.approx(-0.0243, abs=5e-5)


def test_contdid_acrt_standard_errors_are_scaled_by_the_cell_size(contdid_fit):
    """contdid's cont_did_acrt returns the ACRT influence function of the treated sample and
    ptetools::compute.pte rescales it by n / (units in the cell), not n / (treated units).  For
    event times with one cell (e = -2: group 4 in period 2; e = 2: group 2 in period 4) our
    analytic SE times n_treated / n_cell reproduces contdid's printed bootstrap SEs; the
    correct SEs are 2-3x larger (the Monte Carlo test below confirms ours)."""
    es = contdid_fit.diagnostics["event_study"].set_index("event_time")
    cells = contdid_fit.diagnostics["cells"]
    for e, printed in ACRT_E_SE.items():
        row = cells[cells.event_time == e].iloc[0]
        factor = row.n_treated / (row.n_treated + row.n_comparison)
        assert es.loc[e, "acrt_se"] * factor == pytest.approx(printed, rel=0.2), e
        assert es.loc[e, "acrt_se"] > 2 * printed


def test_acrt_standard_error_matches_monte_carlo_spread():
    """Property: on contdid's DGP the analytic SE of ACRT^o equals the sampling SD (40
    replications; the SD estimate itself has ~11 % relative error)."""
    rng = np.random.default_rng(3)
    n, periods = 2000, 4
    est, ses = [], []
    for _ in range(40):
        g = rng.choice([0, 2, 3, 4], size=n)
        d = rng.uniform(size=n)
        eta = rng.normal(loc=g)
        y = np.arange(1, periods + 1)[None, :] + eta[:, None] + rng.normal(size=(n, periods))
        df = pd.DataFrame({"id": np.repeat(np.arange(n), periods), "G": np.repeat(g, periods),
                           "D": np.repeat(np.where(g == 0, 0.0, d), periods),
                           "t": np.tile(np.arange(1, periods + 1), n), "Y": y.ravel()})
        r = dose_response(df, unit="id", time="t", outcome="Y", dose="D", treated_from="G",
                          knots=1, per=1.0, bootstrap=99)
        est.append(r.estimate)
        ses.append(r.se)
    ratio = np.std(est, ddof=1) / np.mean(ses)
    assert 0.7 < ratio < 1.35
    assert abs(np.mean(est)) < 3 * np.std(est, ddof=1) / np.sqrt(40)  # true ACRT is 0


def test_long_and_gt_agree_with_two_periods(contdid_df):
    """With two periods and one date the (g, t) cell is the long difference."""
    two = contdid_df[contdid_df.time_period.isin([1, 2]) & contdid_df.G.isin([0, 2])]
    kw = dict(unit="id", time="time_period", outcome="Y", dose="D", treated_from="G",
              knots=1, per=1.0, bootstrap=99)
    a = dose_response(two, method="long", **kw)
    b = dose_response(two, method="gt", control="nevertreated", **kw)
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-10)
    assert a.table["att"].to_numpy() == pytest.approx(b.table["att"].to_numpy(), abs=1e-12)


def test_staggered_errors_are_clear(contdid_df):
    kw = dict(unit="id", time="time_period", outcome="Y", dose="D", treated_from="G")
    with pytest.raises(Exception, match="one common treatment date; found 2, 3, 4"):
        dose_response(contdid_df, method="long", **kw)
    with pytest.raises(Exception, match="method: expected"):
        dose_response(contdid_df, method="cck", **kw)
    with pytest.raises(Exception, match="control: expected"):
        dose_response(contdid_df, control="never", **kw)
