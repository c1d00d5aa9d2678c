"""Indicator-system files: the shipped default loads; every mistake names file and key."""

import copy

import pytest
from changjing.evaluate.errors import SpecError
from changjing.evaluate.scoring import load_indicator_system
from changjing.evaluate.scoring.system import default_system_path, parse_indicator_system

from .conftest import SYSTEM, small_doc


def test_default_system_loads_with_labels_and_sources():
    s = load_indicator_system(SYSTEM)
    assert len(s.criteria) == 6 and len(s.indicators) == 16
    for ind in s.indicators:
        assert ind.label_zh and ind.label_en and ind.source and ind.rationale
    for c in s.criteria:
        assert c.label_zh and c.label_en and c.source
    assert s.goal_weights.source == "combined" and len(s.goal_weights.subjective.experts) == 3
    import hashlib

    assert s.sha256 == hashlib.sha256(SYSTEM.read_bytes()).hexdigest()
    assert "qingdao" in s.summary().lower() or "青岛" in s.summary()
    assert default_system_path().name == "qingdao_default.toml"


def _err(doc, match):
    with pytest.raises(SpecError, match=match) as exc:
        parse_indicator_system(doc, "mine.toml")
    assert str(exc.value).startswith("mine.toml: ")
    return str(exc.value)


def test_misspelt_key_gets_did_you_mean(system_doc):
    doc = copy.deepcopy(system_doc)
    doc["criteria"][0]["indicators"][0]["directon"] = doc["criteria"][0]["indicators"][0].pop(
        "direction"
    )
    _err(
        doc,
        r"criteria\[0\] \(tech\)\.indicators\[0\] \(trl_gain\)\.directon: unknown key; did you mean 'direction'",
    )


def test_bad_choice_gets_did_you_mean(system_doc):
    doc = copy.deepcopy(system_doc)
    doc["criteria"][1]["indicators"][2]["direction"] = "benefits"
    _err(doc, r"'benefits' is not one of benefit, cost, target, interval; did you mean 'benefit'")
    doc = copy.deepcopy(system_doc)
    doc["scoring"]["method"] = "topsys"
    _err(doc, "did you mean 'topsis'")


def test_ahp_matrix_shape_and_order_errors(system_doc):
    doc = copy.deepcopy(system_doc)
    doc["criteria"][0]["weights"]["matrix"] = [[1, 2], ["1/2", 1]]
    _err(doc, r"criteria\[0\] \(tech\)\.weights\.matrix: expected a 3×3 matrix")
    doc = copy.deepcopy(system_doc)
    doc["criteria"][0]["weights"]["order"] = ["trl_gain", "technologies_promotd", "patents_filed"]
    _err(doc, "did you mean 'technologies_promoted'")


def test_fixed_weights_errors():
    doc = small_doc()
    doc["goal"]["weights"]["values"] = {"c1": 0.6, "c22": 0.4}
    _err(doc, r"goal\.weights\.values\.c22: unknown id; did you mean 'c2'")
    doc = small_doc()
    doc["goal"]["weights"]["values"] = {"c1": -1, "c2": 0.4}
    _err(doc, "expected a number >= 0, got -1")


def test_combined_needs_subjective_and_objective_kinds():
    doc = small_doc()
    doc["goal"]["weights"] = {
        "source": "combined",
        "alpha": 0.5,
        "subjective": {"source": "entropy"},
        "objective": {"source": "critic"},
    }
    _err(doc, "subjective.source: expected fixed, equal or ahp")
    doc["goal"]["weights"] = {
        "source": "combined",
        "alpha": 1.5,
        "subjective": {"source": "equal"},
        "objective": {"source": "critic"},
    }
    _err(doc, r"alpha: must be in \[0, 1\], got 1.5")


def test_other_validation_rules():
    doc = small_doc()
    doc["criteria"][1]["indicators"][0].pop("target")
    _err(doc, r"\.target: required key is missing")
    doc = small_doc()
    doc["criteria"][0]["indicators"][1]["id"] = "a"
    _err(doc, "duplicate id 'a'")
    doc = small_doc(method="fuzzy")
    doc["scoring"]["fuzzy_centres"] = [0.9, 0.5]
    _err(doc, "one entry per grade")
    doc = small_doc()
    doc["grades"] = {"cutoffs": [60, 70, 85]}
    _err(doc, "strictly decreasing")
    doc = small_doc()
    doc["scoring"]["ri_table"] = "chinse"
    _err(doc, "did you mean 'chinese'")


def test_toml_syntax_error_names_file(tmp_path):
    p = tmp_path / "broken.toml"
    p.write_text("[system\nid = 1\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"broken\.toml: TOML syntax error"):
        load_indicator_system(p)
    with pytest.raises(SpecError, match="not found"):
        load_indicator_system(tmp_path / "nope.toml")
