"""Table validation (row, column, value in every message) and the missing-value policies."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import InputError
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.system import parse_indicator_system

from .conftest import SYSTEM, small_doc, small_table


def test_all_problems_reported_with_rows(sample):
    bad = sample.head(8).copy()
    bad.loc[1, "scenario_id"] = bad.loc[0, "scenario_id"]  # duplicate id (rows 2, 3)
    bad.loc[2, "funding_wan_yuan"] = -5  # negative funding (row 4)
    bad.loc[3, "end_date"] = "2023-01-01"  # ends before it starts (row 5)
    bad["revenue_wan_yuan"] = bad["revenue_wan_yuan"].astype(object)
    bad.loc[4, "revenue_wan_yuan"] = "12万"  # not a number (row 6)
    bad.loc[5, "trl_after"] = 11  # TRL outside 1..9 (row 7)
    with pytest.raises(InputError) as exc:
        score_scenarios(bad, SYSTEM)
    msg = str(exc.value)
    assert "5 problem(s)" in msg
    assert "rows 2, 3, column 'scenario_id': duplicate id 'QD-SC-001'" in msg
    assert "row 4, column 'funding_wan_yuan': value -5 is below the minimum 0" in msg
    assert "row 5: 'end_date' 2023-01-01 is before 'start_date'" in msg
    assert "row 6, column 'revenue_wan_yuan': '12万' is not a number" in msg
    assert "row 7, column 'trl_after': value 11 is above the maximum 9" in msg


def test_row_numbers_are_positions_whatever_the_index(sample):
    bad = sample.iloc[10:16].copy()  # index 10..15
    bad.iloc[3, bad.columns.get_loc("scenario_id")] = bad.iloc[1]["scenario_id"]
    with pytest.raises(InputError, match=r"rows 3, 5, column 'scenario_id': duplicate id"):
        score_scenarios(bad, SYSTEM)


def test_missing_column_did_you_mean(sample):
    with pytest.raises(
        InputError,
        match=r"missing column 'firms_served' \(needed by indicator "
        r"firms_served\); did you mean 'firm_served'",
    ):
        score_scenarios(sample.rename(columns={"firms_served": "firm_served"}), SYSTEM)


def test_zero_denominator_reported(sample):
    bad = sample.head(6).copy()
    bad.loc[2, "adoptions"] = 0
    with pytest.raises(
        InputError,
        match=r"row 4, column 'adoptions': zero denominator for ratio "
        "indicator 'funding_per_adoption'",
    ):
        score_scenarios(bad, SYSTEM)


def _table_with_gap():
    t = small_table()
    t.loc[1, "d"] = np.nan
    return t


def test_missing_exclude_policy():
    system = parse_indicator_system(small_doc(missing="exclude"))
    r = score_scenarios(_table_with_gap(), system)
    assert r.excluded_.to_dict("records") == [
        {"scenario_id": "s2", "row": 3, "reason": "missing d"}
    ]
    assert sorted(r.scores_["scenario_id"]) == ["s1", "s3", "s4", "s5"]


def test_missing_impute_median_policy():
    system = parse_indicator_system(small_doc(missing="impute_median"))
    r = score_scenarios(_table_with_gap(), system)
    assert r.imputed_.to_dict("records") == [
        {
            "indicator": "d",
            "n_imputed": 1,
            "value": float(np.median([0, 1, 4, 3])),
            "method": "median",
        }
    ]
    full = small_table()
    full.loc[1, "d"] = 2.0
    ref = score_scenarios(full, system)
    pd.testing.assert_frame_equal(
        r.scores_[["scenario_id", "score"]], ref.scores_[["scenario_id", "score"]]
    )


def test_missing_renormalise_policy_closed_form():
    """Under re-normalisation s2's criterion-2 sub-score is its single present indicator."""
    system = parse_indicator_system(small_doc(missing="renormalise"))
    r = score_scenarios(_table_with_gap(), system)
    row = r.scores_.set_index("scenario_id").loc["s2"]
    # c: target 5; |c - 5| = (0, 2, 4, 1, 1) -> target score 1 - 2/4 = 0.5
    assert row["sub_c2"] == pytest.approx(50.0)
    assert row["n_indicators_present"] == 3
    # weighted sum with g = (0.6*.75, 0.6*.25, 0.4*.5, 0.4*.5); d missing -> renormalise
    a, b, c = 0.25, 2 / 4, 0.5  # minmax a; cost b: (10-8)/4; target c
    g = np.array([0.45, 0.15, 0.2])
    assert row["score"] == pytest.approx(100 * (g @ [a, b, c]) / g.sum())
    assert r.provenance_["nan_policy_in_methods"] == "renormalise"


def test_per_indicator_zero_and_all_missing_row(sample):
    t = sample.head(10).copy()
    t.loc[0, "patents_filed"] = np.nan
    cols = [
        "technologies_promoted",
        "procurement_after_trial_wan_yuan",
        "revenue_wan_yuan",
        "adoptions",
        "firms_served",
        "firms_attracted",
        "jobs_created",
        "user_satisfaction",
        "user_participants",
        "iteration_cycles",
        "replication_sites",
        "standards_drafted",
        "patents_filed",
    ]
    t.loc[3, cols] = np.nan
    t.loc[3, "adoptions"] = 1
    # by default row 3 (5 of 17 indicators) is below the minimum coverage: not scorable
    r = score_scenarios(t, SYSTEM, n_draws=20)
    assert r.not_scorable_["scenario_id"].tolist() == [t.loc[3, "scenario_id"]]
    assert t.loc[3, "scenario_id"] not in set(r.scores_["scenario_id"])
    r = score_scenarios(t, SYSTEM, n_draws=20, min_coverage=0.0)
    out = r.scores_.set_index("scenario_id")
    # patents missing in row 0 -> 0 ("missing = zero"), so all 16 present
    assert out.loc[t.loc[0, "scenario_id"], "n_indicators_present"] == 16
    # row 3 keeps trl_gain, adoptions, leverage, funding_per_adoption, patents (0) -> scored
    assert out.loc[t.loc[3, "scenario_id"], "n_indicators_present"] == 5
    # a declared [[data.columns]] column is required: empty cells are reported
    t.loc[5, "investment_wan_yuan"] = np.nan
    with pytest.raises(
        InputError, match="row 7, column 'investment_wan_yuan': required value is empty"
    ):
        score_scenarios(t, SYSTEM, n_draws=20)
