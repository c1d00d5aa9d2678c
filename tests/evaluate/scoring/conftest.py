import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
SYSTEM = ROOT / "scenarios_data" / "indicators" / "qingdao_default.toml"
SAMPLE = ROOT / "scenarios_data" / "sample" / "completed_scenarios.csv"


@pytest.fixture
def system_doc():
    """The default indicator system as a mutable dict (parse with parse_indicator_system)."""
    return tomllib.loads(SYSTEM.read_text(encoding="utf-8"))


@pytest.fixture
def sample():
    return pd.read_csv(SAMPLE)


def small_doc(method="weighted_sum", missing="renormalise", **scoring):
    """A two-criterion system over columns a, b, c, d (explicit weights, easy to check)."""
    return {
        "system": {"id": "t", "name_zh": "测试", "name_en": "test"},
        "scoring": {"method": method, "missing": missing, **scoring},
        "robustness": {"n_draws": 50},
        "grades": {"cutoffs": [85, 70, 60]},
        "data": {"id_column": "id"},
        "goal": {
            "label_zh": "目标",
            "label_en": "goal",
            "weights": {"source": "fixed", "values": {"c1": 0.6, "c2": 0.4}},
        },
        "criteria": [
            {
                "id": "c1",
                "label_zh": "一",
                "label_en": "one",
                "weights": {"source": "ahp", "matrix": [[1, 3], ["1/3", 1]]},
                "indicators": [
                    {
                        "id": "a",
                        "label_zh": "甲",
                        "label_en": "A",
                        "column": "a",
                        "direction": "benefit",
                    },
                    {
                        "id": "b",
                        "label_zh": "乙",
                        "label_en": "B",
                        "column": "b",
                        "direction": "cost",
                        "min": 0,
                    },
                ],
            },
            {
                "id": "c2",
                "label_zh": "二",
                "label_en": "two",
                "weights": {"source": "equal"},
                "indicators": [
                    {
                        "id": "c",
                        "label_zh": "丙",
                        "label_en": "C",
                        "column": "c",
                        "direction": "target",
                        "target": 5.0,
                    },
                    {
                        "id": "d",
                        "label_zh": "丁",
                        "label_en": "D",
                        "column": "d",
                        "direction": "benefit",
                    },
                ],
            },
        ],
    }


def small_table():
    return pd.DataFrame(
        {
            "id": ["s1", "s2", "s3", "s4", "s5"],
            "a": [1.0, 2.0, 3.0, 4.0, 5.0],
            "b": [10.0, 8.0, 6.0, 9.0, 7.0],
            "c": [5.0, 3.0, 9.0, 6.0, 4.0],
            "d": [0.0, 2.0, 1.0, 4.0, 3.0],
        }
    )
