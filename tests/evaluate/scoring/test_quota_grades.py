"""Fixed grade quotas ("优秀不超过 15%") with a tie rule."""

import copy

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.grades import assign_grades, quota_grades
from changjing.evaluate.scoring.system import parse_indicator_system

from .workbook_helpers import DOC

L = ["A", "B", "C", "D"]


def test_quotas_are_maxima_counted_from_the_top():
    s = np.arange(20, 0, -1, dtype=float)  # 20 distinct scores, best first
    g = quota_grades(s, [0.15, 0.35, 0.35], L)
    # floor(20·0.15) = 3 A, floor(20·0.50) = 10 -> 7 B, floor(20·0.85) = 17 -> 7 C, 3 D
    assert [int((g == x).sum()) for x in L] == [3, 7, 7, 3]
    assert list(g[:4]) == ["A", "A", "A", "B"]
    # n = 10: floor(1.5) = 1 A — "at most 15 %" is never exceeded
    assert int((quota_grades(s[:10], [0.15, 0.35, 0.35], L) == "A").sum()) == 1


def test_tied_group_on_a_boundary_follows_the_tie_rule():
    s = np.array([10, 9, 8, 8, 7, 6, 5, 4, 3, 2], dtype=float)  # A cap floor(10·0.3) = 3
    strict = quota_grades(s, [0.3, 0.3, 0.2], L)
    generous = quota_grades(s, [0.3, 0.3, 0.2], L, tie_rule="generous")
    assert list(strict[:4]) == ["A", "A", "B", "B"]  # the tied 8s would make 4 A > 3
    assert list(generous[:4]) == ["A", "A", "A", "A"]  # first 8 is 3rd: within quota
    assert strict[2] == strict[3] and generous[2] == generous[3]
    assert (strict == "A").sum() <= 3


def test_quota_validation_and_pipeline():
    with pytest.raises(SpecError, match="4 labels need 3 quotas"):
        quota_grades([1, 2], [0.5], L)
    with pytest.raises(SpecError, match="summing to at most 1"):
        assign_grades([1, 2], basis="quota", quotas=[0.6, 0.6, 0.1], labels=L)
    doc = copy.deepcopy(DOC)
    doc["grades"] = {"basis": "quota", "quotas": [0.25, 0.25, 0.25], "labels_zh": L,
                     "labels_en": ["a", "b", "c", "d"], "cutoffs": [85, 70, 60]}
    system = parse_indicator_system(doc)
    t = pd.DataFrame({"scenario_id": list("pqrstuvw"), "scenario_name": list("pqrstuvw"),
                      "revenue": np.arange(8.0), "investment": np.arange(8.0),
                      "patents": np.arange(8), "satisfaction": np.arange(8.0) * 10})
    r = score_scenarios(t, system)
    assert r.scores_.sort_values("rank")["grade"].tolist() == ["A"] * 2 + ["B"] * 2 + ["C"] * 2 + ["D"] * 2
    doc["grades"]["quotas"] = [0.5]
    with pytest.raises(SpecError, match="quotas"):
        parse_indicator_system(doc)
