"""The documentation states what the code does: defaults, random streams, the funnel identity.

test_docs.py checks that names the pages cite exist; these check what the pages *say* about
them, so a changed default, a new random stream or a broken identity makes a test fail.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from changjing.simulate.config import parameter_table

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
DEFAULTS = {row["key"]: str(row["default"]) for row in parameter_table()}


def _statements():
    """Every "`section.key` (value" in the docs: a default stated beside a parameter."""
    for page in DOCS:
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r"`([a-z_]+\.[a-z_.]+)` \(([^)]+)\)", text):
            key, said = m.group(1), m.group(2)
            if key in DEFAULTS:
                yield page.name, key, said


def test_documented_defaults_equal_the_config_defaults():
    seen = list(_statements())
    assert len(seen) >= 5, seen                 # the pages do state defaults this way
    for page, key, said in seen:
        value = said.split(";")[0].split(",")[0].strip()
        if value.startswith("["):               # a citation, not a value
            continue
        default = DEFAULTS[key]
        try:
            assert float(value) == pytest.approx(float(default)), (page, key, said, default)
        except ValueError:
            assert value == default, (page, key, said, default)


def _code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "simulate").glob("*.py"))


def _stochasticity_paragraph() -> str:
    page = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    start = page.index("- **Stochasticity.**")
    return page[start:page.index("\n- **", start + 1)]


def test_documented_random_streams_are_the_code_s():
    """The ODD page names every keyed purpose and named stream the model draws from, and no
    other (a draw added without documenting it, or removed, fails here)."""
    code = _code()
    purposes = set(re.findall(r"keyed\.(?:uniform|generator|key)\(\s*\"([a-z_]+)\"", code))
    streams = set(re.findall(r"streams\[\"([a-z_]+)\"\]", code.replace('``streams["matching"]``',
                                                                         "")))
    para = _stochasticity_paragraph()
    named = set(re.findall(r"`([a-z_]+)`", para))
    assert purposes and streams
    assert purposes <= named, sorted(purposes - named)
    assert streams <= named, sorted(streams - named)
    assert not named - purposes - streams, sorted(named - purposes - streams)


def test_funnel_identity_with_warm_up():
    """docs/outputs.md: for every stage, waiting at the start of the window + cumulative
    entered - left - failed = waiting (the warm-up leaves scenarios in flight)."""
    from changjing.simulate import Config, run

    page = (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8")
    assert "cumulative entered − left − failed = waiting" in page
    cfg = Config().with_overrides({"firms.n": 1500, "run.months": 12, "run.warmup_months": 6})
    funnel = run(cfg, 3).funnel
    for _stage, rows in funnel.groupby("stage", sort=False):
        rows = rows.reset_index(drop=True)
        start = rows.loc[0, "waiting"] - rows.loc[0, "entered"] + rows.loc[0, "left"] \
            + rows.loc[0, "failed"]
        flow = start + np.cumsum(rows["entered"] - rows["left"] - rows["failed"])
        np.testing.assert_array_equal(flow.to_numpy(), rows["waiting"].to_numpy())
    first = funnel.groupby("stage", sort=False).head(1)
    in_flight = first["waiting"] - first["entered"] + first["left"] + first["failed"]
    assert in_flight.sum() > 0                      # the warm-up did leave scenarios in flight
