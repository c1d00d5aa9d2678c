"""The task tutorials in docs/tutorials/ run top to bottom and give what they say.

Each tutorial's ```bash blocks are run in order as one shell script in a fresh folder, with
the installed ``changjing`` on PATH.  To keep the suite quick the script is changed in one
documented way only: the funding experiment runs 4 replications instead of 40 (the working
folder's copy is edited right after ``changjing init`` and the sweep is pointed at it).
Every other command runs as printed.  Then the key outputs the tutorial names are checked —
file and column names, and properties that follow from their definitions — not numbers that
the model's authors may legitimately change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "docs" / "tutorials"
REPLICATIONS = 2
SAMPLES = 2
POINTS = SAMPLES + 1          # design point 0: the baseline values of the uncertain parameters
N_ARMS = 6

# slow: each tutorial runs its sweeps end to end (minutes); `python -m pytest` still runs them
pytestmark = [pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash"),
              pytest.mark.slow]


def bash_blocks(page: Path) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```", page.read_text(encoding="utf-8"), re.DOTALL | re.MULTILINE)


def small(script: str) -> str:
    """The one change for speed: fewer replications and design points of the funding
    experiment."""
    edit = (f"{shlex_quote(sys.executable)} -c \"import pathlib; p = pathlib.Path("
            f"'work/experiments/funding_sweep.toml'); p.write_text(p.read_text("
            f"encoding='utf-8').replace('replications = 10', 'replications = {REPLICATIONS}')"
            f".replace('samples = 12', 'samples = {SAMPLES}'), encoding='utf-8')\"")
    out = script.replace("changjing init work\n", f"changjing init work\n{edit}\n")
    out = out.replace("changjing sweep funding_sweep ",
                      "changjing sweep experiments/funding_sweep.toml ")
    return out


def shlex_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def run_tutorial(name: str, tmp_path: Path) -> subprocess.CompletedProcess:
    blocks = bash_blocks(TUTORIALS / name)
    assert blocks, f"{name}: no ```bash blocks"
    script = "set -euo pipefail\n" + small("\n".join(blocks))
    if "funding_sweep" in "".join(blocks):
        text = (ROOT / "experiments/funding_sweep.toml").read_text("utf-8")
        assert "replications = 10" in text and "samples = 12" in text, \
            "the speed-up edit no longer applies; update small()"
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=600, check=False)
    assert out.returncode == 0, f"{name} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def check_targets_table(path: Path) -> pd.DataFrame:
    """targets.csv as the planner tutorial defines it: probability = reached / runs; 'all
    four' needs all four in the same run, so it is never likelier than any single target."""
    t = pd.read_csv(path)
    for col in ("arm", "target", "runs", "reached", "probability", "ci_low", "ci_high"):
        assert col in t.columns, col
    assert (t["runs"] == REPLICATIONS * POINTS).all()
    assert t["probability"].tolist() == pytest.approx((t["reached"] / t["runs"]).tolist())
    assert ((t["ci_low"] <= t["probability"]) & (t["probability"] <= t["ci_high"])).all()
    assert t["arm"].nunique() == N_ARMS
    for _, g in t.groupby("arm"):
        g = g.set_index("target")
        singles = g.drop(index="all_targets")
        assert g.loc["all_targets", "reached"] <= singles["reached"].min()
    return t


def test_planner_tutorial(tmp_path):
    out = run_tutorial("planner_funding.md", tmp_path)
    work = tmp_path / "work"
    summary = pd.read_csv(work / "runs/baseline/summary.csv")
    assert list(summary.columns) == ["indicator", "value", "target", "share_of_target",
                                     "reached"]
    assert (summary["reached"] == (summary["value"] >= summary["target"])).all()
    assert "funding_sweep" in out.stdout and "budget=1x" in out.stdout
    analysis = work / "runs/funding/analysis"
    for name in ("targets.csv", "paired.csv", "cost.csv", "bands.csv", "funnel.csv",
                 "discovery.txt"):
        assert (analysis / name).is_file(), name
    check_targets_table(analysis / "targets.csv")
    paired = pd.read_csv(analysis / "paired.csv")
    for col in ("arm", "baseline", "indicator", "mean_difference", "ci_low", "ci_high"):
        assert col in paired.columns, col
    assert set(paired["baseline"]) == {"budget=1x"}
    cost = pd.read_csv(analysis / "cost.csv")
    assert {"mean_spent_yuan", "yuan_per_unit"} <= set(cost.columns)
    html = (work / "reports/funding.html").read_text(encoding="utf-8")
    assert "来源与复现" in html
    assert (work / "reports/funding.pdf").read_bytes()[:5] == b"%PDF-"
    assert (work / "reports/funding_figures").is_dir()
    double = json.loads((work / "runs/double/manifest.json").read_text(encoding="utf-8"))
    assert double["config"]["funding"]["annual_budget_yuan"] == pytest.approx(1.226e8)


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs sha256sum (GNU coreutils)")
def test_evaluator_tutorial(tmp_path):
    out = run_tutorial("evaluator_scoring.md", tmp_path)
    work = tmp_path / "work"
    assert "ok       font covers data/completed_scenarios.xlsx" in out.stdout
    score = work / "out/score"
    for name in ("scores.csv", "scores.xlsx", "weights.csv", "weights_provenance.json",
                 "excluded.csv", "manifest.json"):
        assert (score / name).is_file(), name
    s = pd.read_csv(score / "scores.csv", encoding="utf-8-sig")
    excluded = pd.read_csv(score / "excluded.csv", encoding="utf-8-sig")
    assert list(excluded.columns) == ["scenario_id", "sheet", "row", "reason"]
    assert len(s) + len(excluded) == 150               # every workbook row accounted for
    assert sorted(s["rank"]) == list(range(1, len(s) + 1))
    assert s.sort_values("rank")["score"].is_monotonic_decreasing
    for col in ("p_same_rank", "p_within_2", "p_top_15"):
        assert s[col].between(0, 1).all(), col
    assert (s["p_same_rank"] <= s["p_within_2"]).all()  # keeping the rank is within 2 places
    assert ((s["min_rank"] <= s["mean_rank"]) & (s["mean_rank"] <= s["max_rank"])).all()
    assert s["grade"].isin(["优秀", "良好", "合格", "不合格"]).all()
    assert (work / "out/score_vikor/scores.csv").is_file()
    # The signed report carries the hashes that sha256sum printed for the inputs.
    hashes = dict(line.split()[::-1] for line in out.stdout.splitlines()
                  if re.fullmatch(r"[0-9a-f]{64}\s+\S+", line.strip()))
    book = work / "data/completed_scenarios.xlsx"
    assert hashes["data/completed_scenarios.xlsx"] == hashlib.sha256(
        book.read_bytes()).hexdigest()
    html = (work / "reports/score.html").read_text(encoding="utf-8")
    for digest in hashes.values():
        assert digest in html
    assert "场景创新项目跟踪评估报告" in html and "2026-06-30" in html
    assert (work / "reports/score.pdf").read_bytes()[:5] == b"%PDF-"
    assert (work / "reports/score.xlsx").is_file()


def test_researcher_tutorial(tmp_path):
    out = run_tutorial("researcher_reproduce.md", tmp_path)
    work = tmp_path / "work"
    n = REPLICATIONS * POINTS * N_ARMS
    assert f"funding_sweep {n} runs" in out.stdout
    assert f"reproduced: {n}/{n} runs identical" in out.stdout
    published = work / "published/funding"
    mine = work / "mine/funding"
    for name in ("targets.csv", "paired.csv", "cost.csv", "bands.csv", "funnel.csv"):
        assert (published / "analysis" / name).read_bytes() == \
            (mine / "analysis" / name).read_bytes(), name
    hashes = {json.loads((f / "manifest.json").read_text("utf-8"))["experiment_hash"]
              for f in (published, mine)}
    assert len(hashes) == 1 and next(iter(hashes)) in out.stdout
    check_targets_table(published / "analysis/targets.csv")


def test_tutorials_are_the_three_tasks():
    pages = sorted(p.name for p in TUTORIALS.glob("*.md"))
    assert pages == ["evaluator_scoring.md", "planner_funding.md", "researcher_reproduce.md"]
