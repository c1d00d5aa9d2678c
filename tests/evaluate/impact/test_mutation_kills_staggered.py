"""ATT(g,t) of Callaway & Sant'Anna (2021) on a small panel, every cell computed by hand.

Without covariates every 2x2 cell is the difference of mean outcome changes between group g
and its comparison units (base period and comparison set as in staggered.py's docstring), and
its influence-function standard error is sqrt(var₁/n₁ + var₀/n₀) with population variances
(ddof = 0) of the changes.  The conventions (varying/universal base, anticipation, never/
not-yet-treated controls, group-share weights of the simple aggregation) are re-implemented
here with loops.  (tools/mutation.py staggered runs this file against every mutant.)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import att_gt
from changjing.evaluate.impact.staggered import expand_factors
from scipy import stats

T = [1, 2, 3, 4, 5, 6]
GROUPS = {3: 12, 5: 10, 0: 14}           # first treated period: units (0 = never)


def panel(seed=0, groups=GROUPS, times=T):
    rng = np.random.default_rng(seed)
    rows = []
    u = 0
    for g, k in groups.items():
        for _ in range(k):
            level = rng.normal(0, 2)
            for t in times:
                effect = (1.5 + 0.5 * (t - g)) if g and t >= g else 0.0
                rows.append({"unit": u, "time": t, "g": g,
                             "y": level + 0.3 * t + effect + rng.normal(0, 1),
                             "region": "abc"[u % 3], "w": 1.0 + (u % 4)})
            u += 1
    return pd.DataFrame(rows)


def wide(df):
    return df.pivot(index="unit", columns="time", values="y"), df.groupby("unit")["g"].first()


def cell(df, g, t, base, control, anticipation=0):
    y, gu = wide(df)
    later = max(t, base)
    if control == "never":
        ctrl = gu == 0
    else:
        ctrl = ((gu == 0) | (gu > later + anticipation)) & (gu != g)
    treat = gu == g
    dy = y[t] - y[base]
    d1, d0 = dy[treat], dy[ctrl]
    if d0.size == 0:
        return None
    att = d1.mean() - d0.mean()
    se = math.sqrt(d1.var(ddof=0) / d1.size + d0.var(ddof=0) / d0.size)
    return att, se, int(treat.sum()), int(ctrl.sum())


def expected_cells(df, control="never", base_period="varying", anticipation=0):
    out = {}
    gs = sorted(g for g in df["g"].unique() if g)
    for g in gs:
        pre = [t for t in T if t < g - anticipation]
        bg = pre[-1] if pre else None
        for t in T[(0 if base_period == "universal" else 1):]:
            post = t >= g
            base = bg if (base_period == "universal" or post) else T[T.index(t) - 1]
            if base is None:
                continue
            if base_period == "universal" and base == t:
                out[(g, t)] = (0.0, None, None, None)
                continue
            c = cell(df, g, t, base, control, anticipation)
            if c is not None:                             # no comparison units: skipped
                out[(g, t)] = c
    return out


def fit(df, **kw):
    return att_gt(df, unit="unit", time="time", outcome="y", treated_from="g", **kw)


@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
@pytest.mark.parametrize("anticipation", [0, 1])
def test_every_cell_by_hand(control, base_period, anticipation):
    df = panel()
    r = fit(df, control=control, base_period=base_period, anticipation=anticipation)
    exp = expected_cells(df, control, base_period, anticipation)
    tab = r.table.set_index(["group", "time"])
    if anticipation == 0:                                 # every cell has a base period
        assert not any("skipped" in w for w in r.warnings), r.warnings
    assert sorted(tab.index.tolist()) == sorted(exp)
    for (g, t), (att, se, n1, n0) in exp.items():
        row = tab.loc[(g, t)]
        assert row["estimate"] == pytest.approx(att, abs=1e-10), (g, t)
        assert row["event_time"] == t - g
        if se is None:                                    # universal reference cell
            assert math.isnan(row["se"])                  # no variance, not a zero SE
            continue
        assert row["se"] == pytest.approx(se, rel=1e-8), (g, t)
        assert (row["n_treated"], row["n_control"]) == (n1, n0)
        z = stats.norm.ppf(0.975)
        assert row["ci_low"] == pytest.approx(att - z * se, rel=1e-8, abs=1e-10)
        assert row["ci_high"] == pytest.approx(att + z * se, rel=1e-8, abs=1e-10)


def test_simple_aggregation_weights_post_cells_by_group_size():
    df = panel(1)
    r = fit(df, alpha=0.1)
    exp = expected_cells(df)
    num = den = 0.0
    for (g, t), (att, *_rest) in exp.items():
        if t >= g:
            num += GROUPS[g] * att
            den += GROUPS[g]
    assert r.estimate == pytest.approx(num / den, abs=1e-10)
    z = stats.norm.ppf(0.95)                             # alpha = .1
    assert r.ci_high - r.ci_low == pytest.approx(2 * z * r.se, rel=1e-9)
    assert r.alpha == 0.1 and r.settings["alpha"] == 0.1
    assert r.n == sum(GROUPS.values()) and r.n_obs == len(df)
    shares = r.extra["share"]
    assert shares[3] == pytest.approx(12 / 36) and shares[5] == pytest.approx(10 / 36)


def test_the_true_effects_are_recovered_on_a_large_panel():
    """Effect 1.5 + .5 (t - g) from g on: post cells near their truth, pre cells near 0."""
    df = panel(2, groups={3: 400, 5: 400, 0: 400})
    tab = fit(df).table
    post = tab[tab.time >= tab.group]
    truth = 1.5 + 0.5 * (post.time - post.group)
    assert (np.abs(post.estimate - truth) < 4.5 * post.se).all()
    pre = tab[tab.time < tab.group]
    assert (np.abs(pre.estimate) < 4.5 * pre.se).all()


def test_sampling_weights_enter_the_means():
    """Weighted cell = difference of weighted mean changes (weights constant within unit)."""
    df = panel(3)
    r = fit(df, weights="w")
    y, gu = wide(df)
    w = df.groupby("unit")["w"].first()
    dy = y[4] - y[2]                                      # cell (3, 4): base 2
    t, c = gu == 3, gu == 0
    att = np.average(dy[t], weights=w[t]) - np.average(dy[c], weights=w[c])
    got = r.table.set_index(["group", "time"]).loc[(3, 4), "estimate"]
    assert got == pytest.approx(att, abs=1e-10)
    np.testing.assert_allclose(np.mean(r.extra["weights"]), 1.0)
    bad = df.assign(w=np.where(df.unit == 0, -1.0, df.w))
    with pytest.raises(InputError, match="non-negative"):
        fit(bad, weights="w")
    varying = df.assign(w=df.w + ((df.time == 2) & (df.unit == 5)))   # one unit only
    with pytest.raises(InputError, match="weight of unit 5 changes over time"):
        fit(varying, weights="w")
    with pytest.raises(InputError, match="all sampling weights are zero"):
        fit(df.assign(w=0.0), weights="w")


def test_repeated_cross_sections_equal_the_panel_without_covariates_in_means():
    """panel=False: each row its own observation; the cell is still a difference of
    (post - base) means of the two groups, over the rows of those periods."""
    df = panel(4)
    r = fit(df, panel=False)
    sub = df[df.time.isin([2, 4])]
    m = sub.groupby([sub.g == 3, sub.time])["y"].mean()
    mc = sub[sub.g == 0].groupby("time")["y"].mean()
    att = (m[True, 4] - m[True, 2]) - (mc[4] - mc[2])
    got = r.table.set_index(["group", "time"]).loc[(3, 4), "estimate"]
    assert got == pytest.approx(att, abs=1e-10)
    assert "repeated cross-sections" in r.settings["data_structure"]


def test_unbalanced_panel_options():
    df = panel(5)
    holes = df.drop(index=df.index[(df.unit == 0) & (df.time == 6)])
    with pytest.raises(InputError):
        fit(holes)
    dropped = fit(holes, drop_incomplete=True)
    assert dropped.n == sum(GROUPS.values()) - 1
    assert any("1 unit(s) not observed in every period were dropped" in w
               for w in dropped.warnings)
    exp = expected_cells(df[df.unit != 0])
    tab = dropped.table.set_index(["group", "time"])
    assert tab.loc[(3, 5), "estimate"] == pytest.approx(exp[(3, 5)][0], abs=1e-10)
    kept = fit(holes, allow_unbalanced_panel=True)
    assert "unbalanced" in kept.settings["data_structure"] and kept.n == sum(GROUPS.values())
    with pytest.raises(SpecError, match="drop_incomplete"):
        fit(holes, drop_incomplete=True, allow_unbalanced_panel=True)
    with pytest.raises(SpecError, match="drop_incomplete"):
        fit(holes, drop_incomplete=True, panel=False)
    only_holes = df[~((df.time == 6) | (df.time == 1) & (df.unit >= 0))]
    assert fit(only_holes, drop_incomplete=True).n == sum(GROUPS.values())   # nothing to drop


def test_few_clusters_small_groups_and_few_treated_are_flagged():
    small = fit(panel(6, groups={3: 3, 5: 4, 0: 6}))
    text = " ".join(small.warnings)
    assert "only 13 clusters" in text
    assert "group first treated in 3 has only 3 unit(s)" in text
    assert "group first treated in 5 has only 4 unit(s)" in text
    assert "only 7 treated units" in text
    big = fit(panel(6, groups={3: 10, 5: 10, 0: 10}))
    text = " ".join(big.warnings)
    assert "clusters" not in text and "unit(s)" not in text and "treated units" not in text
    edge = fit(panel(6, groups={3: 5, 5: 5, 0: 20}))      # 30 clusters, 5 per group, 10 treated
    assert not any("clusters" in w or "unit(s)" in w or "treated units" in w
                   for w in edge.warnings)


def test_bootstrap_band_contains_the_pointwise_interval_and_is_seeded():
    df = panel(7, groups={3: 40, 5: 40, 0: 40})
    a = fit(df, bootstrap=199, seed=3)
    b = fit(df, bootstrap=199, seed=3)
    pd.testing.assert_frame_equal(a.table, b.table)
    crit = a.settings["crit_simultaneous"]
    assert crit >= stats.norm.ppf(0.975) - 0.05          # sup-t is at least the pointwise z
    tab = a.table
    np.testing.assert_allclose(tab.band_high - tab.estimate, crit * tab.se_boot)
    np.testing.assert_allclose(tab.estimate - tab.band_low, crit * tab.se_boot)
    assert a.settings["bootstrap"] == 199 and "one per cluster" in a.settings["bootstrap_weights"]
    assert "se_boot_simple" in a.settings and "bootstrap_overall" in a.diagnostics
    # the bootstrap SE tracks the analytic one (same influence function)
    assert np.allclose(tab.se_boot, tab.se, rtol=0.35)


def test_pretrend_test_is_reported():
    r = fit(panel(8))
    pre = r.diagnostics["pretrend"].iloc[0]
    tab = r.table
    assert pre["cells"] == int((tab.time < tab.group).sum()) == 4   # (3,2), (5,2..4)
    assert pre["p_value"] == pytest.approx(stats.chi2.sf(pre["statistic"], pre["df"]))


def test_settings_are_validated_with_their_names():
    df = panel()
    for kw, word in (({"method": "drr"}, "method"), ({"control": "nevr"}, "control"),
                     ({"base_period": "fixed"}, "base_period"),
                     ({"anticipation": -1}, "anticipation"),
                     ({"anticipation": 1.5}, "anticipation"),
                     ({"trim": 0.5}, "trim"), ({"trim": 1.01}, "trim"),
                     ({"bootstrap_weights": "webb"}, "bootstrap_weights")):
        with pytest.raises(SpecError, match=word):
            fit(df, **kw)
    assert fit(df, trim=1.0).settings["trim"] == 1.0
    assert fit(df, trim=0.51).settings["trim"] == 0.51
    with pytest.raises(SpecError, match="unit, time and outcome"):
        att_gt(df, time="time", outcome="y", treated_from="g")
    with pytest.raises(SpecError, match="treated"):
        att_gt(df, time="time", outcome="y", treated="g", panel=False)


def test_settings_are_recorded():
    r = fit(panel(), control="notyet", method="reg", base_period="universal", anticipation=1)
    s = r.settings
    assert (s["control"], s["method"], s["base_period"], s["anticipation"]) == \
        ("notyet", "reg", "universal", 1)
    assert s["cluster"] == "unit" and s["bootstrap"] == 0 and s["bootstrap_weights"] is None
    assert s["data_structure"] == "panel" and s["covariates"] == []
    assert "ATT(" in r.table["term"].iloc[0]
    assert "post" not in r.table.columns


def test_no_estimable_cell_is_an_error_naming_why():
    df = panel(groups={2: 5, 0: 5})      # anticipation 1: no base period before 2 - 1
    with pytest.raises(InputError, match="no group-time effect.*base period before the panel"):
        fit(df, anticipation=1)


def test_not_yet_treated_without_never_treated():
    """Only groups 3 and 5: with not-yet-treated controls the cells before 5 use group 5."""
    df = panel(9, groups={3: 10, 5: 10})
    r = fit(df, control="notyet")
    exp = expected_cells(df, "notyet")
    tab = r.table.set_index(["group", "time"])
    assert sorted(tab.index.tolist()) == sorted(exp)
    assert (5, 5) not in exp and (3, 5) not in exp      # nobody left untreated from 5 on
    assert tab.loc[(3, 4), "estimate"] == pytest.approx(exp[(3, 4)][0], abs=1e-10)
    assert any("no comparison units" in w for w in r.warnings)


def test_categorical_covariates_become_treatment_contrasts():
    df = panel()
    frame, cols, levels = expand_factors(df, ["region", "w"], ["region"])
    assert cols == ["regionb", "regionc", "w"] or cols == ["w", "regionb", "regionc"]
    assert levels == {"region": ["a", "b", "c"]}
    np.testing.assert_array_equal(frame["regionb"], (df.region == "b").astype(float))
    assert frame is not df and "regionb" not in df
    same, cols2, lv2 = expand_factors(df, ["w"], [])
    assert same is df and cols2 == ["w"] and lv2 == {}
    with pytest.raises(SpecError, match="not among the covariates"):
        expand_factors(df, ["w"], ["region"])
    with pytest.raises(InputError, match="^the data frame: categorical covariate 'region' "
                                         "has a single level"):
        expand_factors(df.assign(region="a"), ["region"], [])
    with pytest.raises(InputError, match="missing"):
        expand_factors(df.assign(region=np.where(df.unit == 2, None, df.region)),
                       ["region"], [])
    cat = df.assign(region=pd.Categorical(df.region, categories=["c", "b", "a", "z"]))
    _, cols3, lv3 = expand_factors(cat, ["region"], [])
    assert lv3 == {"region": ["c", "b", "a"]} and cols3 == ["regionb", "regiona"]
    flag = df.assign(flag=df.unit % 2 == 0)
    _, cols4, _ = expand_factors(flag, ["flag"], [])
    assert cols4 == ["flagTrue"]
    r = fit(df, covariates=["region"], method="reg")
    assert r.settings["factor_levels"] == {"region": ["a", "b", "c"]}
    assert r.settings["covariates"] == ["regionb", "regionc"]


def test_a_prepared_panel_refuses_frame_only_options():
    from changjing.evaluate.impact import prepare_panel

    df = panel()
    pan = prepare_panel(df, unit="unit", time="time", outcome="y", treated_from="g")
    assert att_gt(pan).estimate == pytest.approx(fit(df).estimate, abs=1e-12)
    with pytest.raises(SpecError, match="factors"):
        att_gt(pan, factors=["region"])
    with pytest.raises(SpecError, match="panel=False"):
        att_gt(pan, panel=False)
    with pytest.raises(SpecError, match="weights"):
        att_gt(pan, weights="w")
