"""Callaway & Sant'Anna options checked against R ``did`` on ``mpdta``.

R reference: the ``did`` package's introduction vignette / README (bcallaway11/did,
``README.md`` and ``docs/articles/did-basics.md``), output of::

    att_gt(yname = "lemp", gname = "first.treat", idname = "countyreal", tname = "year",
           xformla = ~1, data = mpdta, est_method = "reg")

whose 12 ATT(g,t) are printed to 4 decimals (``PUBLISHED`` below).  R prints no output for
``base_period = "universal"`` or ``anticipation = 2`` on mpdta; for those options the cells
are checked through exact identities of the 2x2 means that connect them to the published
varying-base cells (R's own definitions: ``compute.att_gt.R``, ``pret_g`` = last period with
``t + anticipation < g``; post-treatment iff ``g <= t``), and against a by-hand 2x2 mean
difference computed here from the raw data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.impact import aggte, att_gt

KW = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first_treat"}

# did vignette, est_method = "reg", varying base period: ATT(g, t)
PUBLISHED = {
    (2004, 2004): -0.0105, (2004, 2005): -0.0704, (2004, 2006): -0.1373, (2004, 2007): -0.1008,
    (2006, 2004): 0.0065, (2006, 2005): -0.0028, (2006, 2006): -0.0046, (2006, 2007): -0.0412,
    (2007, 2004): 0.0305, (2007, 2005): -0.0027, (2007, 2006): -0.0311, (2007, 2007): -0.0261,
}


def _by_hand(mpdta: pd.DataFrame, g: int, t: int, base: int) -> float:
    """Unconditional 2x2: mean change base->t of group g minus that of the never treated."""
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    grp = mpdta.groupby("countyreal")["first_treat"].first()
    dy = wide[t] - wide[base]
    return float(dy[grp == g].mean() - dy[grp == 0].mean())


def _cells(res) -> dict[tuple[int, int], float]:
    return {(int(r.group), int(r.time)): r.estimate for r in res.table.itertuples()}


def test_universal_base_period_includes_the_first_period(mpdta):
    """R loops over every period under base_period = "universal" (tlist.length = T, tfac = 0):
    5 cells a group, the first period included.  A universal pre-period cell is minus the sum
    of the varying cells between it and g - 1: e.g. ATT_u(2007, 2003) = -(0.0305 - 0.0027 -
    0.0311) from the published varying cells (4-decimal rounding: tolerance 2e-4)."""
    uni = att_gt(mpdta, **KW, method="reg", base_period="universal")
    cells = _cells(uni)
    assert len(cells) == 15 and {t for _, t in cells} == {2003, 2004, 2005, 2006, 2007}
    for g in (2004, 2006, 2007):
        assert cells[(g, g - 1)] == 0.0  # reference cell
        for t in range(2003, g - 1):
            derived = -sum(PUBLISHED[(g, s)] for s in range(t + 1, g))
            assert cells[(g, t)] == pytest.approx(derived, abs=2e-4)
            assert cells[(g, t)] == pytest.approx(_by_hand(mpdta, g, t, g - 1), abs=1e-12)
    # the first-period cells reach the event study: e = -4 exists (only g = 2007 has it)
    dyn = aggte(uni, "dynamic").table.set_index("event_time")["estimate"]
    assert dyn.index.min() == -4
    assert dyn.loc[-4] == pytest.approx(cells[(2007, 2003)])
    # and a window that reaches the first period keeps it
    win = aggte(uni, "dynamic", min_e=-4, max_e=0)
    assert win.table["event_time"].tolist() == [-4, -3, -2, -1, 0]


@pytest.fixture(scope="module")
def antic2(mpdta):
    return att_gt(mpdta, **KW, method="reg", anticipation=2)


def test_anticipation_two_keeps_short_differences_inside_the_window(mpdta, antic2):
    """R, anticipation = 2: pret_g = last period with t + 2 < g; cells with t < g (the
    anticipation window included) use t - 1, cells with t >= g use pret_g.  Group 2004 has no
    such period (R drops it with a warning).  Window cells are then the published varying
    cells (R: ATT(2007, 2005) = -0.0027, ATT(2007, 2006) = -0.0311), and post cells are long
    differences: ATT(2007, 2007) = sum of the varying cells 2005..2007 = -0.0599."""
    cells = _cells(antic2)
    assert {g for g, _ in cells} == {2006, 2007}
    assert any("base period before the panel" in w for w in antic2.warnings)
    bases = {(int(r.group), int(r.time)): int(r.base) for r in antic2.table.itertuples()}
    assert bases[(2007, 2005)] == 2004 and bases[(2007, 2006)] == 2005
    assert bases[(2007, 2007)] == 2004 and bases[(2006, 2006)] == 2003
    for key in [(2006, 2004), (2006, 2005), (2007, 2004), (2007, 2005), (2007, 2006)]:
        assert round(cells[key], 4) == PUBLISHED[key]
    assert cells[(2007, 2007)] == pytest.approx(
        PUBLISHED[(2007, 2005)] + PUBLISHED[(2007, 2006)] + PUBLISHED[(2007, 2007)], abs=2e-4)
    assert cells[(2006, 2007)] == pytest.approx(_by_hand(mpdta, 2006, 2007, 2003), abs=1e-12)
    # event time -1 is a short difference (R), not the zero-length g-1-delta comparison
    dyn = aggte(antic2, "dynamic").table.set_index("event_time")["estimate"]
    w6, w7 = 40, 131
    assert dyn.loc[-1] == pytest.approx(
        (w6 * cells[(2006, 2005)] + w7 * cells[(2007, 2006)]) / (w6 + w7))


def test_pretest_includes_every_cell_before_treatment(antic2):
    """R's Wald pre-test uses every cell with group > t (att_gt.R: pre <- which(group > tt)),
    the anticipation window included: 2 cells of group 2006, 3 of group 2007."""
    pre = antic2.diagnostics["pretrend"].iloc[0]
    assert pre["cells"] == 5
    t = antic2.table
    sub = t[t.time < t.group]
    inf = antic2.extra["inf"][:, (t.time < t.group).to_numpy()]
    n = inf.shape[0]
    cov = inf.T @ inf / n**2
    stat = sub.estimate.to_numpy() @ np.linalg.solve(cov, sub.estimate.to_numpy())
    assert pre["statistic"] == pytest.approx(stat, rel=1e-10)


# did README, summary(aggte(out, type = ...)) after att_gt(..., est_method = "reg") with R's
# default bstrap = TRUE, biters = 1000, cband = TRUE: overall SE, row SEs and the simultaneous
# band (critical value = half band width / SE of a row).
R_BOOT = {
    "simple": {"se": 0.0118},
    "dynamic": {"se": 0.0219, "rows": {-3: 0.0154, -2: 0.0132, -1: 0.0153, 0: 0.0123,
                                       1: 0.0167, 2: 0.0413, 3: 0.0351},
                "crit": (0.0710 + 0.0100) / 2 / 0.0154},
    "group": {"se": 0.0126, "rows": {2004: 0.0291, 2006: 0.0176, 2007: 0.0175},
              "crit": (-0.0161 + 0.1434) / 2 / 0.0291},
}


@pytest.fixture(scope="module")
def boot(mpdta):
    return att_gt(mpdta, **KW, method="reg", bootstrap=1999, seed=11)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_every_aggregate_has_a_bootstrap_se(boot, kind):
    """Each aggregate, the simple one included, gets a finite bootstrap SE for its overall
    effect, within Monte-Carlo error of R's published bootstrap SE (R's 1000 draws have about
    4 % MC error on an IQR-based SE, ours about 3 %: tolerance 15 %) and of the analytic SE."""
    agg = aggte(boot, kind)
    se_b = agg.settings["se_boot_overall"]
    assert np.isfinite(se_b)
    row = agg.diagnostics["bootstrap_overall"].iloc[0]
    assert row["se_boot"] == se_b and row["seed"] == 11 and row["weights"] == "rademacher"
    assert row["ci_high_boot"] - row["ci_low_boot"] == pytest.approx(2 * 1.959964 * se_b, rel=1e-5)
    assert se_b == pytest.approx(agg.se, rel=0.12)
    if kind in R_BOOT:
        assert se_b == pytest.approx(R_BOOT[kind]["se"], rel=0.15)
    if kind == "simple":
        assert boot.settings["se_boot_simple"] == se_b
        assert "crit_simultaneous" not in agg.settings
        return
    t = agg.table
    assert t["se_boot"].notna().all()
    crit = agg.settings["crit_simultaneous"]
    assert 1.96 < crit < 3.2
    np.testing.assert_allclose(t["band_high"] - t["estimate"], crit * t["se_boot"])
    if kind in R_BOOT:
        key = "event_time" if kind == "dynamic" else "group"
        for k, se_r in R_BOOT[kind]["rows"].items():
            assert t.set_index(key).loc[k, "se_boot"] == pytest.approx(se_r, rel=0.2)
        assert crit == pytest.approx(R_BOOT[kind]["crit"], abs=0.3)


def test_aggregate_bootstrap_is_seeded_and_balance_e_has_one(boot, mpdta):
    a = aggte(boot, "dynamic", balance_e=1)
    b = aggte(att_gt(mpdta, **KW, method="reg", bootstrap=1999, seed=11), "dynamic", balance_e=1)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.settings["se_boot_overall"] == b.settings["se_boot_overall"]
    assert np.isfinite(a.settings["se_boot_overall"]) and a.table["se_boot"].notna().all()
    c = aggte(boot, "dynamic", balance_e=1, seed=12)
    assert c.settings["se_boot_overall"] != a.settings["se_boot_overall"]


def test_bootstrap_overall_se_is_the_iqr_of_the_averaged_draws(boot):
    """Second computation: the dynamic overall effect is the mean of the e >= 0 rows, so its
    draws are the mean of the rows' draws; its SE is their normalised IQR."""
    from changjing.evaluate.impact.multiplier import multiplier_bootstrap
    from scipy import stats

    agg = aggte(boot, "dynamic")
    rows = np.column_stack(agg.extra["detail_inf"])
    sub = multiplier_bootstrap(np.column_stack([rows, agg.extra["inf"]]), 1999,
                               np.random.default_rng(11), None, 0.05)
    post = (agg.table["event_time"] >= 0).to_numpy()
    avg = sub["draws"][:, :-1][:, post].mean(axis=1)
    np.testing.assert_allclose(avg, sub["draws"][:, -1], atol=1e-14)
    q75, q25 = np.quantile(avg, [0.75, 0.25])
    iqr_se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    assert agg.settings["se_boot_overall"] == pytest.approx(iqr_se, rel=1e-10)


def test_clustered_bootstrap_and_mammen_weights(mpdta):
    """Clusters that are the units give the unit-level draws exactly (one weight per cluster).
    Mammen weights give SEs within MC error of Rademacher ones."""
    base = att_gt(mpdta, **KW, method="reg", bootstrap=999, seed=3)
    same = att_gt(mpdta.assign(cl=mpdta.countyreal * 10), **KW, method="reg", cluster="cl",
                  bootstrap=999, seed=3)
    for kind in ("simple", "group"):
        assert aggte(base, kind).settings["se_boot_overall"] == pytest.approx(
            aggte(same, kind).settings["se_boot_overall"], rel=1e-12)
    mam = att_gt(mpdta, **KW, method="reg", bootstrap=1999, seed=3, bootstrap_weights="mammen")
    assert "Mammen" in mam.settings["bootstrap_weights"]
    dm, db = aggte(mam, "dynamic"), aggte(base, "dynamic")
    assert dm.settings["se_boot_overall"] == pytest.approx(db.settings["se_boot_overall"],
                                                           rel=0.15)
    from changjing.evaluate.impact.multiplier import _multipliers

    v = _multipliers(np.random.default_rng(0), (400_000, 1), "mammen")
    assert abs(v.mean()) < 5e-3 and v.var() == pytest.approx(1, abs=1e-2)
    assert (v**3).mean() == pytest.approx(1, abs=3e-2)  # Mammen: third moment one
    from changjing.evaluate.errors import SpecError

    with pytest.raises(SpecError, match="bootstrap_weights"):
        att_gt(mpdta, **KW, bootstrap=99, seed=1, bootstrap_weights="webb")


# --- moderndid (optional oracle): its att_gt is a line-by-line Python port of R did --------
# Used for the options without a published R output (anticipation, repeated cross-sections):
#     moderndid.att_gt(data = mpdta, yname = "lemp", tname = "year", idname = "countyreal",
#                      gname = "first_treat", <option>)   # mirrors R's att_gt(<option>)
# Repeated cross-sections are compared with idname = a row id: R (and the port) treat an
# idname that repeats under panel = FALSE as a panel to cluster on, which panel=False here
# does not do (use allow_unbalanced_panel=True for that).
MD_CASES = {
    "anticipation 2, reg": ({"anticipation": 2, "method": "reg"},
                            {"anticipation": 2, "est_method": "reg"}),
    "anticipation 1, not yet, dr lpop": (
        {"anticipation": 1, "control": "notyet", "covariates": ["lpop"]},
        {"anticipation": 1, "control_group": "notyettreated", "xformla": "~lpop"}),
    "anticipation 1, universal": ({"anticipation": 1, "base_period": "universal"},
                                  {"anticipation": 1, "base_period": "universal"}),
    "panel FALSE, dr lpop": ({"panel": False, "covariates": ["lpop"]},
                             {"panel": False, "xformla": "~lpop"}),
    "panel FALSE, ipw lpop, not yet": (
        {"panel": False, "covariates": ["lpop"], "method": "ipw", "control": "notyet"},
        {"panel": False, "xformla": "~lpop", "est_method": "ipw",
         "control_group": "notyettreated"}),
}


@pytest.mark.parametrize("case", MD_CASES)
def test_options_equal_moderndid_port_of_r_did(mpdta, case):
    moderndid = pytest.importorskip("moderndid")
    import warnings

    ours_kw, md_kw = MD_CASES[case]
    kw = dict(KW)
    data = mpdta
    if ours_kw.get("panel") is False:
        kw.pop("unit")
        data = mpdta.assign(rowid=np.arange(len(mpdta)))
    ours = att_gt(data, **kw, **ours_kw).table.set_index(["group", "time"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = moderndid.att_gt(data=data, yname="lemp", tname="year",
                               idname="rowid" if ours_kw.get("panel") is False else "countyreal",
                               gname="first_treat", **md_kw)
    assert len(ref.att_gt) == len(ours)
    for g, t, att, se in zip(ref.groups, ref.times, ref.att_gt, ref.se_gt):
        assert ours.loc[(g, t), "estimate"] == pytest.approx(att, abs=1e-10)
        if np.isfinite(se) and se > 0:
            assert ours.loc[(g, t), "se"] == pytest.approx(se, rel=1e-8)
