"""Exact ties: competition ranks (1, 2, 2, 4) in outputs and in the robustness statistics."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.scoring import rank_robustness, score_scenarios
from changjing.evaluate.scoring.robustness import _ranks
from changjing.evaluate.scoring.system import parse_indicator_system

from .workbook_helpers import DOC


def test_competition_ranks_by_definition():
    S = np.array([[0.5], [0.9], [0.5], [0.1], [np.nan]])
    # rank = 1 + number of strictly better scores; NaN last
    assert _ranks(S)[:, 0].tolist() == [2, 1, 2, 4, 5]


def test_identical_rows_share_a_rank_and_never_count_as_rank_changes():
    rng = np.random.default_rng(3)
    X = rng.random((8, 4))
    X[5] = X[2]  # two identical alternatives
    r = rank_robustness(X, np.full(4, 0.25), "benefit", n_draws=300, seed=1)
    assert r.base_rank[2] == r.base_rank[5]
    # under every draw both get the same rank, so their statistics are identical
    for stat in (r.p_same_rank, r.mean_rank, r.min_rank, r.max_rank, r.rank_p05, r.rank_p95):
        assert stat[2] == stat[5]
    # the best alternative by dominance keeps rank 1 in every draw
    X2 = X.copy()
    X2[0] = X.max(axis=0) + 1
    r2 = rank_robustness(X2, np.full(4, 0.25), "benefit", n_draws=300, seed=1)
    assert r2.p_same_rank[0] == 1.0 and r2.rank_p05[0] == r2.rank_p95[0] == 1


def test_rank_interval_contains_base_rank_quantile_definition():
    rng = np.random.default_rng(4)
    X = rng.random((30, 5))
    r = rank_robustness(X, rng.random(5), "benefit", n_draws=400, seed=2, concentration=20)
    assert np.all(r.min_rank <= r.rank_p05) and np.all(r.rank_p05 <= r.rank_p95)
    assert np.all(r.rank_p95 <= r.max_rank) and r.n_draws_interval == 400


def test_pipeline_gives_tied_scenarios_the_same_rank():
    doc = {**DOC, "robustness": {"mode": "dirichlet", "n_draws": 50}}
    system = parse_indicator_system(doc)
    t = pd.DataFrame(
        {
            "scenario_id": ["a", "b", "c", "d"],
            "scenario_name": ["甲", "乙", "丙", "丁"],
            "revenue": [100.0, 50.0, 50.0, 10.0],
            "investment": [10.0, 5.0, 5.0, 1.0],
            "patents": [3, 2, 2, 1],
            "satisfaction": [90.0, 80.0, 80.0, 70.0],
        }
    )
    r = score_scenarios(t, system)
    ranks = dict(zip(r.scores_["scenario_id"], r.scores_["rank"]))
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}
    s = r.scores_.set_index("scenario_id")
    assert s.loc["b", "p_same_rank"] == s.loc["c", "p_same_rank"] == pytest.approx(1.0)
