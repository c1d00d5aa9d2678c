"""Conventions chosen from the indicator-system file reach the weights and the settings."""

import numpy as np
import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import (
    ahp_weights,
    critic_weights,
    entropy_weights,
    group_ahp,
    score_scenarios,
)
from changjing.evaluate.scoring.combine import combine_weights
from changjing.evaluate.scoring.system import parse_indicator_system

from .conftest import small_doc, small_table


def _local(r, cid):
    w = r.weights_
    return w[w["criterion_id"] == cid]["local_weight"].to_numpy()


def test_entropy_convention_from_file():
    t = small_table()
    doc = small_doc()
    doc["criteria"][0]["weights"] = {"source": "entropy", "convention": "standardised"}
    r = score_scenarios(t, parse_indicator_system(doc))
    expect = entropy_weights(
        t[["a", "b"]].to_numpy(), convention="standardised", directions=["benefit", "cost"]
    ).weights
    np.testing.assert_allclose(_local(r, "c1"), expect, rtol=1e-10)
    prov = r.provenance_["indicator_weights"]["c1"]
    assert prov["convention"] == "standardised" and prov["offset"] == 1e-4
    raw = small_doc()
    raw["criteria"][0]["weights"] = {"source": "entropy"}
    r_raw = score_scenarios(t, parse_indicator_system(raw))
    assert r_raw.provenance_["indicator_weights"]["c1"]["convention"] == "raw"
    assert not np.allclose(_local(r_raw, "c1"), expect, atol=1e-3)
    bad = small_doc()
    bad["criteria"][0]["weights"] = {"source": "entropy", "convention": "standardized"}
    with pytest.raises(SpecError, match="did you mean 'standardised'"):
        parse_indicator_system(bad)


def test_ahp_method_ri_table_and_group_aggregation_from_file():
    M = [[1, 3], ["1/3", 1]]
    doc = small_doc(ahp_method="sum", ri_table=[0, 0, 0.5, 0.9])
    doc["criteria"][0]["weights"] = {
        "source": "ahp",
        "experts": [M, [[1, 2], [0.5, 1]]],
        "expert_weights": [1, 3],
        "aggregation": "aip",
        "mean": "arithmetic",
    }
    system = parse_indicator_system(doc)
    assert system.ahp_method == "sum" and system.ri_table == [0, 0, 0.5, 0.9]
    r = score_scenarios(small_table(), system)
    # n = 2 matrices are consistent: priorities (.75, .25) and (2/3, 1/3), mixed 1:3
    np.testing.assert_allclose(
        _local(r, "c1"), 0.25 * np.array([0.75, 0.25]) + 0.75 * np.array([2 / 3, 1 / 3])
    )
    prov = r.provenance_["indicator_weights"]["c1"]
    assert prov["aggregation"] == "aip" and prov["mean"] == "arithmetic"
    assert r.provenance_["ahp_method"] == "sum"
    assert "user-supplied" in r.provenance_["ri_source"]
    np.testing.assert_allclose(
        group_ahp(
            [M, [[1, 2], [0.5, 1]]], expert_weights=[1, 3], aggregation="aip", mean="arithmetic"
        ).weights,
        _local(r, "c1"),
    )
    assert ahp_weights(M, method="sum").method == "sum"
    bad = small_doc()
    bad["criteria"][0]["weights"] = {"source": "ahp", "experts": [M, M], "mean": "arithmetic"}
    with pytest.raises(SpecError, match="geometric"):
        parse_indicator_system(bad)


def test_game_theory_combination_and_critic_contrast_from_file():
    t = small_table()
    doc = small_doc()
    doc["criteria"][0]["weights"] = {
        "source": "combined",
        "subjective": {"source": "ahp", "matrix": [[1, 3], ["1/3", 1]]},
        "objective": {"source": "critic", "contrast": "entropy"},
        "combine": "game_theory_abs",
    }
    r = score_scenarios(t, parse_indicator_system(doc))
    prov = r.provenance_["indicator_weights"]["c1"]
    assert prov["method"] == "combined-game_theory_abs"
    assert prov["objective"]["method"] == "critic-entropy"
    wo = np.array(prov["objective_weights"])
    expect = combine_weights([0.75, 0.25], wo, method="game_theory_abs")
    np.testing.assert_allclose(_local(r, "c1"), expect, rtol=1e-9)
    assert len(prov["game_theory_coefficients"]) == 2


def test_critic_entropy_epsilon_from_file():
    """``epsilon`` of an entropy-contrast CRITIC table reaches the weights and is
    recorded; it is refused with the standard-deviation contrast."""
    t = small_table()
    t["a"] = [1.0, 2.0, 3.0, 4.0, 9.0]  # unlike b's, so the two contrasts differ
    doc = small_doc()
    doc["criteria"][0]["weights"] = {"source": "critic", "contrast": "entropy", "epsilon": 0.002}
    r = score_scenarios(t, parse_indicator_system(doc))
    prov = r.provenance_["indicator_weights"]["c1"]
    assert prov["method"] == "critic-entropy" and prov["epsilon"] == 0.002
    M = t[["a", "b"]].to_numpy()
    expect = critic_weights(M, ["benefit", "cost"], contrast="entropy", epsilon=0.002).weights
    np.testing.assert_allclose(_local(r, "c1"), expect, rtol=1e-10)
    plain = critic_weights(M, ["benefit", "cost"], contrast="entropy").weights
    assert np.max(np.abs(plain - expect)) > 1e-5  # the key is not a no-op
    bad = small_doc()
    bad["criteria"][0]["weights"] = {"source": "critic", "epsilon": 0.002}
    with pytest.raises(SpecError, match="epsilon"):
        parse_indicator_system(bad)


def test_max_normalisation_from_file():
    doc = small_doc(normalisation="max")
    r = score_scenarios(small_table(), parse_indicator_system(doc))
    assert r.provenance_ is not None
    # indicator a = 1..5 -> a / 5; the first criterion's sub-score uses it
    t = small_table()
    sub = r.scores_.set_index("scenario_id").loc[t.id, "sub_c1"].to_numpy()
    z = np.column_stack([t.a / 5, t.b.min() / t.b])
    np.testing.assert_allclose(sub, 100 * z @ [0.75, 0.25])
