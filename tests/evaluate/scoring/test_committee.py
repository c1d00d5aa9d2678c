"""The committee table: 'moved it most' is the indicator's weighted deviation from average."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.committee import movers
from changjing.evaluate.scoring.system import parse_indicator_system

from .workbook_helpers import DOC


def test_contributions_sum_to_the_score_minus_the_average_score():
    # c_ij = 100 g_j (z_ij - mean_j z): with one indicator left the whole gap is its own
    Z = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    g = np.array([0.7, 0.3])
    m = movers(Z, g, ["a", "b"], k=2)
    # row 0: a +0.7·(1 − 0.5)·100 = 35.0, b −0.3·(0 − 0.5)·100 = 15.0
    assert m[0] == "+a 35.0; −b 15.0"
    assert m[2] == "+a 0.0; +b 0.0"


def test_report_lists_scored_then_not_scorable_with_coverage():
    system = parse_indicator_system({**DOC, "robustness": {"n_draws": 50}})
    t = pd.DataFrame(
        {
            "scenario_id": ["a", "b", "c", "d"],
            "scenario_name": ["甲", "乙", "丙", "丁"],
            "revenue": [100.0, 50.0, 10.0, np.nan],
            "investment": [10.0, 5.0, 1.0, np.nan],
            "patents": [3, 2, 1, 2],
            "satisfaction": [90.0, 80.0, 70.0, np.nan],
        }
    )
    r = score_scenarios(t, system)
    rep = r.report_
    assert rep["scenario_id"].tolist() == ["a", "b", "c", "d"]
    assert rep["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(rep["rank"].iloc[3])
    assert rep["coverage"].tolist()[:3] == [1.0, 1.0, 1.0]
    assert rep["coverage"].iloc[3] == pytest.approx(0.25)
    assert rep["status"].iloc[3].startswith("not scorable")
    assert all("–" in x for x in rep["rank_interval"].iloc[:3])
    # the top mover of the best scenario is its largest weighted deviation
    assert rep["moved_most"].iloc[0].startswith("+")
