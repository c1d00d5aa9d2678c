"""Small inputs for the report tests, made once per session: a run, a two-arm sweep (one arm
named with HTML and a spreadsheet formula), a scoring output and an impact output."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "scenarios_data" / "sample"
NASTY = '=HYPERLINK("x")<script>alert(1)</script>'

BASE = """
[meta]
name = "small"
[run]
months = 12
warmup_months = 3
[firms]
n = 1500
[targets]
super_scenarios = 1
technologies_promoted = 1
firms_attracted = 45
firms_served = 200
"""

EXPERIMENT = f"""
[experiment]
name = "tiny"
base = "base.toml"
replications = 3
root_seed = 7
baseline_arm = "1x"

[[arms]]
name = '{NASTY}'
set = {{ "funding.annual_budget_yuan" = 2e7 }}

[[arms]]
name = "1x"
set = {{ "funding.annual_budget_yuan" = 4.5e7 }}
"""


@pytest.fixture(scope="session")
def inputs(tmp_path_factory) -> dict[str, Path]:
    from changjing.simulate.config import load_config
    from changjing.simulate.runner import run
    from changjing.simulate.sweep import sweep

    from changjing.cli import main

    tmp = tmp_path_factory.mktemp("report_inputs")
    (tmp / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp / "exp.toml").write_text(EXPERIMENT, encoding="utf-8")
    sweep(tmp / "exp.toml", tmp / "sweep", workers=1)
    result = run(load_config(tmp / "base.toml"), 3)
    (tmp / "run").mkdir()
    result.write(tmp / "run")
    assert main(["evaluate", "score", str(SAMPLE / "completed_scenarios.csv"), "--indicators",
                 str(ROOT / "scenarios_data" / "indicators" / "qingdao_default.toml"),
                 "--out", str(tmp / "score"), "--seed", "0", "--draws", "100"]) == 0
    assert main(["evaluate", "impact", str(SAMPLE / "panel_match.csv"), "--design", "match",
                 "--treated", "funded", "--outcome", "revenue_growth", "--covariates", "size",
                 "rd_share", "age", "--method", "psm", "--caliper", "0.2",
                 "--out", str(tmp / "impact")]) == 0
    return {"root": tmp, "sweep": tmp / "sweep", "run": tmp / "run", "score": tmp / "score",
            "impact": tmp / "impact"}
