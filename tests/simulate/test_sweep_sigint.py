"""Ctrl-C during a sweep, with real processes: the terminal sends SIGINT to the whole process
group (the CLI and its worker processes).  The first Ctrl-C stops scheduling, keeps every
recorded run and exits 130 with a message saying how to continue; a second exits at once.
Twenty interruptions of the same folder never hang and never lose a recorded run, and the
recorded runs are the ones an uninterrupted run gives (same seeds, same values)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

BASE = """
[run]
months = 6
warmup_months = 0
[firms]
n = 300
"""

EXPERIMENT = """
[experiment]
name = "sigint"
base = "base.toml"
replications = 400
root_seed = 5

[[arms]]
name = "a"
set = { "funding.annual_budget_yuan" = 3e7 }
"""


def _recorded(folder: Path) -> dict[int, float]:
    """run id → final firms_served of every recorded run (ok or failed)."""
    from changjing.simulate.store import ResultStore

    if not (folder / "manifest.json").is_file():
        return {}
    try:
        store = ResultStore(folder)
    except Exception:  # noqa: BLE001 - not created yet
        return {}
    try:
        final = store.final(["firms_served"])
    except Exception:  # noqa: BLE001 - interrupted before the store's tables existed
        return {}
    finally:
        store.close()
    return dict(zip(final["run_id"].astype(int), final["firms_served"].astype(float),
                    strict=True))


def _start(tmp: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "changjing.cli", "sweep", str(tmp / "exp.toml"), "--out",
         str(out), "--workers", "2", "--chunk-size", "1", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        process_group=0)                    # its own group: SIGINT reaches it and its workers


def _ctrl_c(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGINT)      # as a terminal does: the whole foreground group


@pytest.mark.slow
def test_twenty_interruptions_never_hang_and_never_lose_a_run(tmp_path):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "exp.toml").write_text(EXPERIMENT, encoding="utf-8")
    out = tmp_path / "sweep"
    rng = random.Random(0)
    before: dict[int, float] = {}
    for attempt in range(20):
        proc = _start(tmp_path, out)
        time.sleep(rng.uniform(0.3, 2.5))    # sometimes while workers start, mostly mid-run
        _ctrl_c(proc)
        try:
            _, err = proc.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"attempt {attempt}: the sweep hung after Ctrl-C")
        after = _recorded(out)
        assert proc.returncode in (130, 0), (attempt, proc.returncode, err[-2000:])
        assert "Traceback" not in err, err
        if proc.returncode == 130 and "interrupted:" in err:   # stopped inside the sweep
            assert "continue with: changjing sweep" in err, err
            assert f"{len(after)} of 400 runs are recorded" in err, err
        elif proc.returncode == 130:        # so early the command had not started the sweep
            assert err.strip().splitlines()[-1] == "interrupted", err
        # nothing recorded before is lost or changed
        assert set(before) <= set(after), attempt
        assert all(after[r] == v for r, v in before.items()), attempt
        before = after
    assert before, "no run was ever recorded"
    # the recorded runs are what an uninterrupted run with the same seeds gives
    from changjing.simulate.experiment import load_experiment
    from changjing.simulate.sweep import run_one

    exp = load_experiment(tmp_path / "exp.toml")
    plan = exp.run_plan().set_index("run_id")
    for rid in random.Random(1).sample(sorted(before), min(4, len(before))):
        row = plan.loc[rid]
        cfg = exp.config_for(int(row["arm_index"]), int(row["point"])).to_dict()
        outcome = run_one(rid, cfg, int(row["seed"]), ["firms_served"])
        assert outcome.status == "ok"
        assert float(outcome.values[-1, 0]) == before[rid]


@pytest.mark.slow
def test_a_second_ctrl_c_exits_at_once(tmp_path):
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "exp.toml").write_text(EXPERIMENT, encoding="utf-8")
    out = tmp_path / "sweep"
    proc = _start(tmp_path, out)
    deadline = time.monotonic() + 60
    while not _recorded(out) and time.monotonic() < deadline:
        time.sleep(0.2)
    kept = _recorded(out)
    _ctrl_c(proc)
    time.sleep(0.2)
    _ctrl_c(proc)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and time.monotonic() - t0 < 10
    assert "stopped at once" in err or "interrupted:" in err, err
    after = _recorded(out)
    assert set(kept) <= set(after) and all(after[r] == v for r, v in kept.items())
