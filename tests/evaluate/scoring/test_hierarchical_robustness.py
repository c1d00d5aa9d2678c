"""Hierarchy-aware weight draws: each level moves as its own Dirichlet."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.robustness import dirichlet_draws, hierarchical_draws
from changjing.evaluate.scoring.system import parse_indicator_system

from .workbook_helpers import DOC


def test_criterion_totals_and_local_shares_follow_their_own_dirichlet():
    rng = np.random.default_rng(0)
    cw = np.array([0.5, 0.5])
    local = [np.full(6, 1 / 6), np.array([1.0])]  # criterion 1 has 6 indicators, 2 has one
    kappa = 40.0
    G = hierarchical_draws(cw, local, 40_000, kappa, rng)
    np.testing.assert_allclose(G.sum(axis=1), 1.0)
    tot1 = G[:, :6].sum(axis=1)
    # a Dirichlet component: mean c, sd sqrt(c(1-c)/(kappa+1)) — whatever the leaf count
    assert tot1.mean() == pytest.approx(0.5, abs=0.003)
    assert tot1.std() == pytest.approx(np.sqrt(0.25 / (kappa + 1)), rel=0.03)
    share = G[:, 0] / tot1
    assert share.mean() == pytest.approx(1 / 6, abs=0.002)
    assert share.std() == pytest.approx(np.sqrt((1 / 6) * (5 / 6) / (kappa + 1)), rel=0.03)
    # flat leaf draws: same criterion totals, but shares within the criterion have
    # concentration kappa * 0.5 only (Dirichlet aggregation property)
    F = dirichlet_draws(np.r_[np.full(6, 1 / 12), 0.5], 40_000, kappa, rng)
    assert F[:, :6].sum(axis=1).std() == pytest.approx(tot1.std(), rel=0.03)
    flat_share = F[:, 0] / F[:, :6].sum(axis=1)
    assert flat_share.std() == pytest.approx(
        np.sqrt((1 / 6) * (5 / 6) / (0.5 * kappa + 1)), rel=0.03
    )


def test_pipeline_default_is_hierarchical_and_reproducible():
    doc = {**DOC, "robustness": {"n_draws": 200}}
    system = parse_indicator_system(doc)
    assert system.robustness_mode == "hierarchical"
    rng = np.random.default_rng(1)
    t = pd.DataFrame({"scenario_id": [f"s{i}" for i in range(12)], "scenario_name": "x",
                      "revenue": rng.random(12) * 100, "investment": rng.random(12) * 50,
                      "patents": rng.integers(0, 6, 12), "satisfaction": rng.random(12) * 100})
    a = score_scenarios(t, system, seed=3)
    b = score_scenarios(t, system, seed=3)
    pd.testing.assert_frame_equal(a.scores_, b.scores_)
    assert a.provenance_["robustness"]["mode"] == "hierarchical"
    assert "criteria ~ Dirichlet" in a.provenance_["robustness"]["distribution"]
    assert set(a.report_["rank_interval"].str.contains("–")) == {True}
