"""The first page a decision-maker reads: a recommendation per target from the *lower*
confidence bound, the assumption that matters most, P(target) at baseline parameters next to
P over the assumptions, an 'n of N runs' warning for an unfinished sweep, a single-run caveat
and a plain-language impact summary."""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import BASE  # noqa: E402

EXPERIMENT = """
[experiment]
name = "unc"
base = "base.toml"
replications = 8
root_seed = 11
baseline_arm = "mid"

[[arms]]
name = "low"
set = { "funding.annual_budget_yuan" = 1e7 }

[[arms]]
name = "mid"
set = { "funding.annual_budget_yuan" = 4.5e7 }

[[arms]]
name = "high"
set = { "funding.annual_budget_yuan" = 9e7 }

[design]
type = "grid"

[uncertainties.pilot_success]
key = "lifecycle.pilot_success_base"
values = [0.40, 0.55]
"""


def wilson_low(k: int, n: int, z: float = 1.959963984540054) -> float:
    """Wilson (1927) score interval, lower end (closed form)."""
    p = k / n
    return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / \
        (1 + z * z / n)


@pytest.fixture(scope="module")
def unc_sweep(tmp_path_factory):
    from changjing.simulate.sweep import sweep

    tmp = tmp_path_factory.mktemp("unc")
    (tmp / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp / "exp.toml").write_text(EXPERIMENT, encoding="utf-8")
    sweep(tmp / "exp.toml", tmp / "sweep", workers=1)
    return tmp / "sweep"


@pytest.fixture(scope="module")
def unc_report(unc_sweep):
    from changjing.report.build import build_report

    return build_report([unc_sweep], lang="en", probability=0.8, date="2026-04-16")


def _final(folder):
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        return store.final(), store.points()
    finally:
        store.close()


def _summary(report):
    return next(s for s in report.sections if s.key == "sweep-summary")


def test_recommendation_uses_the_lower_confidence_bound(unc_sweep, unc_report):
    from changjing.report.document import Bullets, Paragraph
    from changjing.report.sections.sweep_data import TARGETS

    final, _ = _final(unc_sweep)
    targets = {"super_scenarios": 1, "technologies_promoted": 1, "firms_attracted": 45,
               "firms_served": 200}
    sec = _summary(unc_report)
    words = " ".join([b.text for b in sec.blocks if isinstance(b, Paragraph)] +
                     [i for b in sec.blocks if isinstance(b, Bullets) for i in b.items])
    table = next(t for t in sec.tables() if t.key == "cheapest_arm").frame
    spent = {"low": 1e7, "mid": 4.5e7, "high": 9e7}     # spending rises with the budget
    cleared = 0
    for code in TARGETS:
        lows = {}
        for arm, g in final.groupby("arm"):
            k = int((g[code] >= targets[code]).sum())
            lows[arm] = wilson_low(k, len(g))
        clears = [a for a in ("low", "mid", "high") if lows[a] >= 0.8 - 1e-12]
        from changjing.report.i18n import label

        row = table[table["target"] == label(code, "en")].iloc[0]
        if clears:
            assert row["arm"] == clears[0], (code, lows)      # the cheapest that clears
            assert row["ci_low"] == pytest.approx(lows[clears[0]])
            assert f"With arm {clears[0]}" in words
            cleared += 1
        else:
            assert row["arm"] is None or pd.isna(row["arm"])
    assert "cheapest swept arm whose lower bound clears 80%" in words or \
        "No swept arm reaches" in words
    assert cleared >= 1 and spent          # both branches of the rule are exercised


def test_baseline_parameters_next_to_the_assumptions(unc_sweep, unc_report):
    final, points = _final(unc_sweep)
    sec = _summary(unc_report)
    table = next(t for t in sec.tables() if t.key == "assumptions").frame
    base_points = set(points.loc[np.isclose(points["pilot_success"], 0.55), "point"])
    assert len(base_points) == 1
    for arm in ("low", "mid", "high"):
        runs = final[(final["arm"] == arm) & final["point"].isin(base_points)]
        k, n = int((runs["firms_served"] >= 200).sum()), len(runs)
        from changjing.report.i18n import label

        cell = table[(table["arm"] == arm) & (table["target"] == label("firms_served", "en"))]
        assert cell.iloc[0]["at_base"].startswith(f"{k / n:.0%} (") and f"n={n}" in \
            cell.iloc[0]["at_base"]
        allr = final[final["arm"] == arm]
        assert cell.iloc[0]["over"].startswith(f"{(allr['firms_served'] >= 200).mean():.0%}")


def test_an_unfinished_sweep_says_n_of_N_on_the_first_page(unc_sweep, tmp_path):
    from changjing.report.build import build_report

    copy = tmp_path / "part"
    shutil.copytree(unc_sweep, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    done = m["n_runs"]
    m["n_runs"] = done + 6                 # as if 6 planned runs never finished
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    report = build_report([copy], lang="zh", date="2026-04-16")
    msg = f"计划 {done + 6} 次运行，已完成 {done} 次"
    assert any(msg in w for w in report.warnings)
    sec = _summary(report)
    assert msg in sec.blocks[1].text and sec.blocks[1].kind == "warning"
    full = build_report([unc_sweep], lang="zh", date="2026-04-16")
    assert not any("尚未完成" in w for w in full.warnings)


def test_a_single_run_report_says_it_has_no_uncertainty_band(inputs):
    from changjing.report.build import build_report

    report = build_report([inputs["run"]], lang="en", date="2026-04-16")
    texts = [b.text for s in report.sections for b in s.blocks if hasattr(b, "kind")]
    assert any("no uncertainty band" in t for t in texts)


def test_the_impact_section_opens_with_a_plain_summary(inputs):
    from changjing.report.build import build_report

    m = json.loads((inputs["impact"] / "manifest.json").read_text(encoding="utf-8"))
    report = build_report([inputs["impact"]], lang="zh", date="2026-04-16")
    sec = next(s for s in report.sections if s.key.endswith("-estimates"))
    first = sec.blocks[0].text
    assert first.startswith("结论：") and f"{m['estimate']:.3g}" in first
    lo, hi = m["ci"]
    assert f"{lo:.3g} 至 {hi:.3g}" in first
    assert ("不包含 0" in first) == (lo > 0 or hi < 0)
    bal = pd.read_csv(inputs["impact"] / "diagnostics_balance.csv")
    assert f"{bal['smd_after'].abs().max():.3f}" in first
