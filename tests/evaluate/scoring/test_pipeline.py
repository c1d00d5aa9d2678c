"""score_scenarios: independent recomputation, hierarchy weights, grades, determinism."""

import numpy as np
import pandas as pd
import pytest
from changjing.evaluate.scoring import (
    critic_weights,
    grey_relational,
    group_ahp,
    score_scenarios,
    topsis,
    weighted_sum,
)
from changjing.evaluate.scoring.system import load_indicator_system, parse_indicator_system

from .conftest import SAMPLE, SYSTEM, small_doc, small_table


def test_weighted_sum_pipeline_by_hand():
    system = parse_indicator_system(small_doc())
    r = score_scenarios(small_table(), system)
    t = small_table()
    la = 0.75  # AHP [[1,3],[1/3,1]] -> (.75, .25), CR 0
    g = np.array([0.6 * la, 0.6 * (1 - la), 0.4 * 0.5, 0.4 * 0.5])
    np.testing.assert_allclose(r.weights_["global_weight"], g)
    z = np.column_stack([(t.a - 1) / 4, (10 - t.b) / 4, 1 - np.abs(t.c - 5) / 4, t.d / 4])
    expected = 100 * z @ g
    got = r.scores_.set_index("scenario_id").loc[t.id, "score"].to_numpy()
    np.testing.assert_allclose(got, expected)
    sub1 = 100 * (z[:, :2] @ [la, 1 - la])
    np.testing.assert_allclose(r.scores_.set_index("scenario_id").loc[t.id, "sub_c1"], sub1)
    assert r.scores_["rank"].tolist() == list(range(1, 6))
    assert (np.diff(r.scores_["score"]) <= 0).all()


def _oriented_matrix(sample):
    """The indicator matrix as the shipped system defines it, built here from the columns:
    differences to baselines, ratios, missing patents as 0, the iteration-cycles target band
    3-6 as 1 - distance / max distance; directions (target → benefit)."""
    s = load_indicator_system(SYSTEM)
    X = np.column_stack(
        [
            sample[i.column] - (sample[i.baseline] if i.baseline else 0)
            if not i.per
            else sample[i.column] / sample[i.per]
            for i in s.indicators
        ]
    ).astype(float)
    j_pat = [i.id for i in s.indicators].index("patents_filed")
    X[:, j_pat] = np.nan_to_num(X[:, j_pat])
    j_it = [i.id for i in s.indicators].index("iteration_cycles")
    it = X[:, j_it]
    dist = np.where(it < 3, 3 - it, np.where(it > 6, it - 6, 0))
    X[:, j_it] = 1 - dist / dist.max()
    dirs = [i.direction if i.direction in ("benefit", "cost") else "benefit" for i in s.indicators]
    return X, dirs


def test_topsis_pipeline_equals_function_on_oriented_matrix(sample):
    r = score_scenarios(sample, SYSTEM, n_draws=50)
    X, dirs = _oriented_matrix(sample)
    ref = topsis(X, r.weights_["global_weight"].to_numpy(), dirs, nan_policy="renormalise")
    got = r.scores_.set_index("scenario_id").loc[sample.scenario_id, "closeness"].to_numpy()
    np.testing.assert_allclose(got, ref.closeness, rtol=1e-12)


def test_hierarchy_weights_invariants_and_goal_combination(sample):
    r = score_scenarios(sample, SYSTEM, n_draws=20)
    w = r.weights_
    assert (w["global_weight"] >= 0).all() and w["global_weight"].sum() == pytest.approx(1)
    np.testing.assert_allclose(w["global_weight"], w["local_weight"] * w["criterion_weight"])
    for _, grp in w.groupby("criterion_id"):
        assert grp["local_weight"].sum() == pytest.approx(1)
    # goal = 0.7 * group AHP (3 experts) + 0.3 * CRITIC on the criterion sub-scores
    s = load_indicator_system(SYSTEM)
    spec = s.goal_weights
    ahp = group_ahp(spec.subjective.experts).weights
    subs = r.scores_[[f"sub_{c.id}" for c in s.criteria]].to_numpy()
    crit = critic_weights(subs[~np.isnan(subs).any(axis=1)], "benefit").weights
    cw = np.array([r.provenance_["criterion_weights"][c.id] for c in s.criteria])
    np.testing.assert_allclose(cw, 0.7 * ahp + 0.3 * crit, atol=1e-9)
    prov = r.provenance_["goal_weights"]
    assert prov["alpha"] == 0.7 and len(prov["subjective"]["expert_cr"]) == 3
    assert prov["subjective"]["ri_table"] == "saaty"
    assert all(0 <= v <= 100 for v in np.nan_to_num(subs).ravel())


def test_grades_percentile_distribution_and_bounds(sample):
    r = score_scenarios(sample, SYSTEM, n_draws=20)
    counts = r.scores_["grade"].value_counts()
    n = len(r.scores_)
    # percentile ranks 0..100 in n-1 steps; cutoffs 85/50/15
    pct = np.arange(n) / (n - 1) * 100
    assert counts["优秀"] == (pct >= 85).sum()
    assert counts["不合格"] == (pct < 15).sum()
    assert r.scores_["score"].between(0, 100).all()
    assert (
        (r.scores_["p_same_rank"] >= 0) & (r.scores_["p_same_rank"] <= r.scores_["p_within_2"])
    ).all()


@pytest.mark.parametrize("method", ["weighted_sum", "vikor", "gra", "fuzzy"])
def test_every_method_runs_on_sample(sample, method):
    r = score_scenarios(sample, SYSTEM, method=method, n_draws=30)
    assert len(r.scores_) == 150 and r.scores_["score"].notna().all()
    assert r.robustness_ is not None
    assert method in r.summary()
    if method in ("weighted_sum", "gra"):
        # the score is 100 x the method on the oriented matrix with the hierarchy's weights
        fn = {"weighted_sum": weighted_sum, "gra": grey_relational}[method]
        X, dirs = _oriented_matrix(sample)
        ref = fn(X, r.weights_["global_weight"].to_numpy(), dirs, nan_policy="renormalise")
        got = r.scores_.set_index("scenario_id").loc[sample.scenario_id, "score"].to_numpy()
        np.testing.assert_allclose(got, 100 * ref.scores, rtol=1e-10)
        ranks = r.scores_.set_index("scenario_id").loc[sample.scenario_id, "rank"].to_numpy()
        assert (np.diff(got[np.argsort(ranks, kind="stable")]) <= 1e-12).all()
    if method == "fuzzy":
        B = r.scores_[[c for c in r.scores_.columns if c.startswith("membership_")]].to_numpy()
        np.testing.assert_allclose(B.sum(axis=1), 1.0)
        labels = ["优秀", "良好", "合格", "不合格"]
        worst_first = B[:, ::-1]
        expect = [labels[3 - k] for k in np.argmax(worst_first, axis=1)]
        assert r.scores_["grade"].tolist() == expect
    if method == "vikor":
        assert "compromise" in r.provenance_["method_settings"]


def test_seed_reproducibility_and_expert_mode(sample):
    a = score_scenarios(sample, SYSTEM, seed=5, n_draws=100)
    b = score_scenarios(sample, SYSTEM, seed=5, n_draws=100)
    c = score_scenarios(sample, SYSTEM, seed=6, n_draws=100)
    pd.testing.assert_frame_equal(a.scores_, b.scores_)
    assert not np.array_equal(a.scores_["mean_rank"], c.scores_["mean_rank"])
    np.testing.assert_array_equal(a.scores_["score"], c.scores_["score"])
    e = score_scenarios(sample, SYSTEM, seed=5, n_draws=60, robustness="experts")
    assert e.provenance_["robustness"]["mode"] == "experts"
    assert e.robustness_.n_draws == 60 and e.robustness_.concentration is None


def test_inconsistent_ahp_in_file_refused_or_warned():
    doc = small_doc()
    doc["goal"]["weights"] = {"source": "ahp", "matrix": [[1, 2], ["1/2", 1]]}
    doc["criteria"].append(
        {
            "id": "c3",
            "label_zh": "三",
            "label_en": "three",
            "indicators": [
                {
                    "id": "e",
                    "label_zh": "戊",
                    "label_en": "E",
                    "column": "a",
                    "direction": "benefit",
                }
            ],
        }
    )
    doc["goal"]["weights"] = {
        "source": "ahp",
        "matrix": [[1, 9, "1/9"], ["1/9", 1, 9], [9, "1/9", 1]],
    }
    with pytest.raises(Exception, match=r"mine\.toml: goal\.weights: consistency ratio CR = "):
        score_scenarios(small_table(), parse_indicator_system(doc, "mine.toml"))
    doc["scoring"]["allow_inconsistent"] = True
    with pytest.warns(UserWarning, match="consistency ratio"):
        score_scenarios(small_table(), parse_indicator_system(doc, "mine.toml"))


def test_result_object_api(sample):
    r = score_scenarios(SAMPLE, SYSTEM, n_draws=20)
    assert isinstance(r.to_frame(), pd.DataFrame) and r.to_frame() is not r.scores_
    text = r.summary()
    assert "topsis" in text and "优秀" in text
    assert r.provenance_["system"]["sha256"] == load_indicator_system(SYSTEM).sha256


def test_pipeline_argument_errors(sample):
    from changjing.evaluate.errors import SpecError

    with pytest.raises(SpecError, match="seed: expected a non-negative integer"):
        score_scenarios(sample, SYSTEM, seed=-1)
    with pytest.raises(SpecError, match="did you mean 'topsis'"):
        score_scenarios(sample, SYSTEM, method="topsys")
    doc = small_doc(method="topsis")
    doc["scoring"]["normalisation"] = "zscore"
    system = parse_indicator_system(doc)
    with pytest.raises(SpecError, match="needs indicators on a bounded scale"):
        score_scenarios(small_table(), system, method="fuzzy")
    with pytest.raises(SpecError, match="no 0–100 scale"):
        score_scenarios(small_table(), system, method="weighted_sum")
    doc["grades"]["basis"] = "percentile"
    r = score_scenarios(small_table(), parse_indicator_system(doc), method="weighted_sum")
    assert r.scores_["score"].abs().max() < 10  # z-score units, not 0-100
