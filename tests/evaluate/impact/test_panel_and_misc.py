"""Panel validation errors, the result object, descriptive before/after, few-cluster
inference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.impact import (
    ImpactResult,
    att_gt,
    before_after,
    prepare_panel,
    randomization_test,
    twfe,
    wild_cluster_bootstrap,
)


def _panel():
    return pd.DataFrame({
        "firm": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
        "year": [2020, 2021, 2022] * 3,
        "y": np.arange(9, dtype=float),
        "g": [2021] * 3 + [0] * 3 + [2022] * 3,
    })


KW = dict(unit="firm", time="year", outcome="y", treated_from="g")


def test_duplicated_rows_are_named_with_file_rows():
    p = pd.concat([_panel(), _panel().iloc[[4]]], ignore_index=True)
    with pytest.raises(InputError) as err:
        prepare_panel(p, **KW, source="panel.csv")
    msg = str(err.value)
    assert "duplicated unit-time rows" in msg and "'b'" in msg
    assert "row 6" in msg and "row 11" in msg  # data row index 4 and 9 + header


def test_treated_before_panel_starts():
    p = _panel().assign(g=lambda f: np.where(f.firm == "a", 2019, f.g))
    with pytest.raises(InputError, match="treated from 2019, before the panel starts"):
        prepare_panel(p, **KW)
    p = _panel().assign(g=lambda f: np.where(f.firm == "a", 2020, f.g))
    with pytest.raises(InputError, match="in the first period"):
        prepare_panel(p, **KW)


def test_no_untreated_units():
    p = _panel().assign(g=lambda f: np.where(f.firm == "b", 2022, f.g))
    with pytest.raises(InputError, match="no untreated units"):
        prepare_panel(p, **KW, need_never_treated=True)


def test_non_numeric_time_names_row_and_value():
    p = _panel().astype({"year": object})
    p.loc[4, "year"] = "2021Q1"
    with pytest.raises(InputError, match=r"panel.csv row 6, column 'year'.*'2021Q1'"):
        prepare_panel(p, **KW, source="panel.csv")


def test_unordered_rows_are_fine_but_order_is_numeric():
    shuffled = _panel().sample(frac=1, random_state=1)
    a = prepare_panel(_panel(), **KW)
    b = prepare_panel(shuffled, **KW)
    np.testing.assert_array_equal(a.y, b.y)
    assert list(a.times) == [2020, 2021, 2022]


def test_missing_column_did_you_mean():
    with pytest.raises(InputError, match="did you mean 'year'"):
        prepare_panel(_panel(), unit="firm", time="yaer", outcome="y", treated_from="g")


def test_treatment_varying_within_unit_and_switching_off():
    p = _panel()
    p.loc[1, "g"] = 2022
    with pytest.raises(InputError, match="constant within a unit"):
        prepare_panel(p, **KW)
    q = _panel().assign(d=[0, 1, 0, 0, 0, 0, 0, 0, 1])
    with pytest.raises(InputError, match="stays on"):
        prepare_panel(q, unit="firm", time="year", outcome="y", treated="d")


def test_missing_outcome_and_unbalanced():
    p = _panel()
    p.loc[2, "y"] = np.nan
    with pytest.raises(InputError, match="row index 2.*missing"):
        prepare_panel(p, **KW)
    with pytest.raises(InputError, match="unbalanced"):
        prepare_panel(_panel().drop(index=3), **KW)


def test_treatment_after_panel_counts_as_never():
    p = _panel().assign(g=lambda f: np.where(f.firm == "c", 2030, f.g))
    panel = prepare_panel(p, **KW)
    assert np.isinf(panel.first_treated[2]) and panel.warnings


def test_result_tidy_and_summary(mpdta):
    r = att_gt(mpdta, unit="countyreal", time="year", outcome="lemp",
               treated_from="first_treat")
    tidy = r.tidy()
    assert tidy.iloc[0]["estimate"] == r.estimate and len(tidy) == 13
    text = r.summary()
    assert "doubly robust, TRADITIONAL" in text and "Standard error" in text
    assert isinstance(r, ImpactResult)


def test_before_after_is_labelled_descriptive():
    frame = pd.DataFrame({"scenario": list("abcdef"), "trl_before": [3, 4, 4, 5, 6, 3],
                          "trl_after": [5, 6, 4, 7, 7, 5]})
    r = before_after(frame, before="trl_before", after="trl_after", unit="scenario")
    assert r.causal is False
    assert r.summary().startswith("DESCRIPTIVE COMPARISON - NOT A CAUSAL ESTIMATE")
    change = frame.trl_after - frame.trl_before
    assert r.estimate == pytest.approx(change.mean())
    assert r.se == pytest.approx(change.std(ddof=1) / np.sqrt(6))
    from scipy import stats

    assert r.p_value == pytest.approx(stats.ttest_rel(frame.trl_after, frame.trl_before).pvalue)


def test_before_after_long_form():
    p = _panel()
    r = before_after(p, unit="firm", time="year", outcome="y", cutoff=2021)
    assert r.estimate == pytest.approx(1.5)  # each unit: mean(y1,y2) - y0 = 1.5
    with pytest.raises(SpecError):
        before_after(p)


def _few_cluster_panel(seed=0, n_states=8, effect=0.0):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_states):
        shock = rng.normal(size=6)
        for i in range(15):
            for t in range(6):
                g = 2003 if s < 3 else 0
                y = shock[t] + rng.normal() + (effect if g and 2000 + t >= g else 0)
                rows.append((f"s{s}", f"s{s}-{i}", 2000 + t, y, g))
    return pd.DataFrame(rows, columns=["state", "firm", "year", "y", "g"])


def test_wild_cluster_bootstrap_enumerates_and_warns():
    p = _few_cluster_panel()
    r = wild_cluster_bootstrap(p, unit="firm", time="year", outcome="y", treated_from="g",
                               cluster="state", seed=1, weights="rademacher")
    assert r.settings["enumerated"] and r.settings["n_boot"] == 2**8
    assert 0 <= r.p_value <= 1 and r.ci_low < r.estimate < r.ci_high
    analytic = twfe(p, unit="firm", time="year", outcome="y", treated_from="g", cluster="state")
    assert r.estimate == pytest.approx(analytic.estimate)
    assert r.se == pytest.approx(analytic.se)
    assert any("clusters" in w for w in analytic.warnings)
    webb = wild_cluster_bootstrap(p, unit="firm", time="year", outcome="y", treated_from="g",
                                  cluster="state", seed=1)
    assert webb.settings["weights"] == "webb"


def test_wild_cluster_bootstrap_size_under_null():
    """Rejection rate at 5 % with 8 clusters stays near nominal (analytic CR1 over-rejects)."""
    rej = []
    for seed in range(40):
        p = _few_cluster_panel(seed=seed)
        r = wild_cluster_bootstrap(p, unit="firm", time="year", outcome="y", treated_from="g",
                                   cluster="state", seed=seed, n_boot=199)
        rej.append(r.p_value < 0.05)
    assert np.mean(rej) <= 0.15


def test_randomization_test():
    p = _few_cluster_panel(effect=2.0)
    r = randomization_test(p, unit="firm", time="year", outcome="y", treated_from="g",
                           n_perm=199, seed=3)
    assert r.p_value == pytest.approx(1 / 200)
    with pytest.raises(SpecError, match="seed"):
        randomization_test(p, unit="firm", time="year", outcome="y", treated_from="g")
    tiny = _panel()
    r = randomization_test(tiny, **KW, n_perm=99, seed=1)
    assert any("smallest attainable" in w for w in r.warnings)


def test_randomization_at_cluster_level():
    """Treatment assigned by state: permuting across the 8 states gives C(8,3) = 56 distinct
    assignments, so with an effect the p-value floors near 1/56 and a warning is not needed
    at alpha = 0.05; mixing dates within a state is refused."""
    p = _few_cluster_panel(effect=3.0, seed=2)
    r = randomization_test(p, unit="firm", time="year", outcome="y", treated_from="g",
                           cluster="state", n_perm=499, seed=5)
    assert r.settings["permuted"].startswith("first-treatment period across clusters")
    assert r.p_value < 0.05
    assert 1 / 56 - 0.02 < r.p_value
    mixed = p.assign(g=np.where(p.firm == "s0-0", 0, p.g))
    with pytest.raises(InputError, match="mixes adoption dates"):
        randomization_test(mixed, unit="firm", time="year", outcome="y", treated_from="g",
                           cluster="state", n_perm=99, seed=1)
