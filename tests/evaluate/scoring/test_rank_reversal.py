"""Rank reversal when an alternative leaves (a closed-form min–max example)."""

import numpy as np
import pandas as pd
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.rank_reversal import _reversals, rank_reversal
from changjing.evaluate.scoring.system import parse_indicator_system


def _ws_minmax(w):
    def f(X):
        Z = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
        return Z @ w

    return f


def test_removing_the_alternative_that_sets_a_range_reverses_a_pair():
    # with c: a = 0.6, b = 0.6·0.7 + 0.4·0.5 = 0.62 (b ahead); without c the ranges shrink
    # to x 7–10, y 0–5: a = 0.6, b = 0.4 (a ahead) — one reversal, caused by c alone
    X = np.array([[10.0, 0.0], [7.0, 5.0], [0.0, 10.0]])
    f = _ws_minmax(np.array([0.6, 0.4]))
    base = f(X)
    np.testing.assert_allclose(base, [0.6, 0.62, 0.4])
    rr = rank_reversal(f, X, ["a", "b", "c"], base).set_index(["check", "alternative"])
    assert rr.loc[("remove", "c"), "n_reversed"] == 1
    assert rr.loc[("remove", "c"), "best_after"] == "a"
    assert rr.loc[("remove", "a"), "n_reversed"] == 0
    assert rr.loc[("remove", "b"), "n_reversed"] == 0
    assert rr.loc[("add a copy of", "c"), "n_reversed"] == 0


def test_ties_are_not_reversals():
    assert _reversals(np.array([1.0, 1.0, 2.0]), np.array([2.0, 1.0, 3.0])) == (0, 3)
    assert _reversals(np.array([1.0, 2.0]), np.array([2.0, 1.0])) == (1, 1)


def test_pipeline_reports_rank_reversal_for_small_portfolios():
    doc = {
        "system": {"id": "r", "name_zh": "逆转", "name_en": "reversal"},
        "scoring": {"method": "weighted_sum", "normalisation": "minmax"},
        "robustness": {"mode": "none"},
        "data": {"id_column": "id"},
        "goal": {"label_zh": "目标", "label_en": "goal"},
        "criteria": [{"id": "c", "label_zh": "准则", "label_en": "c",
                      "weights": {"source": "fixed", "values": {"x": 0.6, "y": 0.4}},
                      "indicators": [
                          {"id": "x", "label_zh": "x", "label_en": "x", "column": "x", "direction": "benefit"},
                          {"id": "y", "label_zh": "y", "label_en": "y", "column": "y", "direction": "benefit"}]}],
    }
    t = pd.DataFrame({"id": ["a", "b", "c"], "x": [10.0, 7.0, 0.0], "y": [0.0, 5.0, 10.0]})
    r = score_scenarios(t, parse_indicator_system(doc))
    rr = r.rank_reversal_.set_index(["check", "alternative"])
    assert rr.loc[("remove", "c"), "n_reversed"] == 1
    assert r.provenance_["rank_reversal"]["best_changed"] == 1
