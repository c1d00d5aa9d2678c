"""Documentation stays true to the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from changjing.simulate.config import DOMAINS, parameter_table
from changjing.simulate.indicators import timeseries_columns

from changjing.cli.params import markdown_table

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_page_is_current():
    page = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert markdown_table(parameter_table()) in page, "regenerate: changjing params --markdown"


def test_every_output_column_is_documented():
    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_<>]+)`", page))
    for col in timeseries_columns():
        generic = re.sub(r"^(adopters|demonstrations)_(" + "|".join(DOMAINS) + ")$",
                         r"\1_<domain>", col)
        assert col in documented or generic in documented, col


def test_model_doc_names_only_things_in_the_code():
    """Every snake_case name the ODD page cites in back-ticks exists in simulate/ or the
    shipped data (a renamed parameter or rule makes this fail)."""
    page = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "simulate").glob("*.py"))
    code += (ROOT / "scenarios_data" / "owners.csv").read_text(encoding="utf-8")
    cited = {c for c in re.findall(r"`([a-z][a-z0-9_]*_[a-z0-9_]+)`", page)}
    missing = sorted(c for c in cited if c not in code)
    assert not missing, missing


def test_shipped_data_cite_sources():
    data = tomllib.loads((ROOT / "scenarios_data" / "programme.toml").read_text("utf-8"))
    for table in ("stages", "domains", "zones"):
        for item in data[table]:
            assert item.get("source"), (table, item.get("code"))
    for key, item in {**data["targets"], **data["history"]}.items():
        assert item.get("source"), key
