"""Sweeps: identical results whatever the executor, failures recorded, resumable after kill -9."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from changjing.simulate.errors import ConfigError, SimulateError
from changjing.simulate.experiment import load_experiment, run_seed
from changjing.simulate.reproduce import reproduce
from changjing.simulate.store import ResultStore
from changjing.simulate.sweep import FAULT_ENV, sweep

BASE = """
[meta]
name = "small"
[run]
months = 12
warmup_months = 3
[firms]
n = 1500
"""

EXPERIMENT = """
[experiment]
name = "tiny"
base = "base.toml"
replications = {reps}
root_seed = 7
baseline_arm = "{baseline}"

[levers.b]
key = "funding.annual_budget_yuan"
values = [{low}, 4.5e7]
labels = ["low", "1x"]
"""


def make_experiment(tmp_path: Path, reps: int = 4, low: str = "2e7", extra: str = "",
                    baseline: str = "b=1x") -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(reps=reps, low=low, baseline=baseline) + extra, encoding="utf-8")
    return path


def store_frames(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = ResultStore(folder)
    try:
        runs = store.runs().drop(columns=["wall_time_s", "attempts"])
        return runs, store.timeseries()
    finally:
        store.close()


def test_results_identical_in_process_and_in_a_pool(tmp_path):
    exp = make_experiment(tmp_path)
    a = sweep(exp, tmp_path / "a", workers=1)
    b = sweep(exp, tmp_path / "b", workers=2, chunk_size=3)
    assert a.ok == b.ok == 8 and a.failed == b.failed == 0
    runs_a, ts_a = store_frames(tmp_path / "a")
    runs_b, ts_b = store_frames(tmp_path / "b")
    pd.testing.assert_frame_equal(runs_a, runs_b)
    pd.testing.assert_frame_equal(ts_a, ts_b)
    assert len(ts_a) == 8 * 12


def test_common_random_numbers_and_seed_rule(tmp_path):
    exp = load_experiment(make_experiment(tmp_path))
    plan = exp.run_plan()
    by_arm = plan.pivot(index=["point", "replication"], columns="arm", values="seed")
    assert (by_arm.nunique(axis=1) == 1).all()            # same seeds in every arm
    assert plan.groupby("arm")["seed"].nunique().eq(4).all()
    assert run_seed(7, 0, 1) == plan.query("arm == 'b=1x' and replication == 1")["seed"].item()
    assert run_seed(7, 0, 1) != run_seed(8, 0, 1)


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    # one arm's owners file is there when the experiment is validated, then removed: every
    # run of that arm raises at set-up
    from changjing.simulate.experiment import load_experiment
    from changjing.simulate.programme import data_path

    gone = tmp_path / "missing.csv"
    gone.write_bytes(data_path("owners.csv").read_bytes())
    extra = f'\n[levers.owners]\nkey = "owners.file"\nvalues = ["owners.csv", "{gone}"]\n'
    exp = load_experiment(make_experiment(tmp_path, reps=2, extra=extra,
                                          baseline="b=1x, owners=owners.csv"))
    gone.unlink()
    report = sweep(exp, tmp_path / "out", workers=1)
    assert report.ok == 4 and report.failed == 4
    runs = store_frames(tmp_path / "out")[0]
    failed = runs[runs["status"] == "failed"]
    assert failed["arm"].str.contains("missing.csv").all()
    assert failed["error"].str.contains("missing.csv").all()
    assert all(f"seed {s}" in e for s, e in zip(failed["seed"], failed["error"], strict=True))


def test_a_dying_worker_fails_only_its_run(tmp_path, monkeypatch):
    exp = make_experiment(tmp_path, reps=3)
    victim = run_seed(7, 0, 1)
    monkeypatch.setenv(FAULT_ENV, str(victim))
    report = sweep(exp, tmp_path / "out", workers=2, chunk_size=2)
    assert report.failed == 2 and report.ok == 4           # the victim seed in both arms
    runs = store_frames(tmp_path / "out")[0]
    dead = runs[runs["status"] == "failed"]
    assert set(dead["seed"]) == {victim}
    assert dead["error"].str.contains("worker process died").all()


def test_resume_after_kill_9_runs_only_what_is_missing(tmp_path):
    exp = make_experiment(tmp_path, reps=30)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "changjing.cli", "sweep", str(exp), "--out", str(out),
           "--workers", "1", "--chunk-size", "1", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "results.sqlite"
    deadline = time.time() + 120
    done = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            try:
                con = sqlite3.connect(db, timeout=5)
                done = con.execute("SELECT COUNT(*) FROM runs WHERE status='ok'").fetchone()[0]
                con.close()
            except sqlite3.Error:
                continue
            if done >= 5:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert 5 <= done < 60, done
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ok_ids = [r[0] for r in con.execute("SELECT run_id FROM runs WHERE status='ok'")]
    rows = dict(con.execute("SELECT run_id, COUNT(*) FROM timeseries GROUP BY run_id"))
    con.close()
    assert set(rows) == set(ok_ids) and set(rows.values()) == {12}   # no half-written run
    report = sweep(exp, out, workers=1)
    assert report.skipped == len(ok_ids) and report.ran == 60 - len(ok_ids)
    fresh = sweep(exp, tmp_path / "fresh", workers=1)
    assert fresh.ok == 60
    pd.testing.assert_frame_equal(store_frames(out)[1], store_frames(tmp_path / "fresh")[1])


def test_another_experiment_into_the_same_folder_is_refused(tmp_path):
    exp = make_experiment(tmp_path, reps=1)
    sweep(exp, tmp_path / "out", workers=1)
    other = make_experiment(tmp_path, reps=1, low="3e7")
    with pytest.raises(SimulateError, match="holds a different experiment"):
        sweep(other, tmp_path / "out", workers=1)
    assert sweep(other, tmp_path / "out", workers=1, overwrite=True).ok == 2


def test_reproduce_detects_a_tampered_store(tmp_path):
    exp = make_experiment(tmp_path, reps=2)
    sweep(exp, tmp_path / "out", workers=1)
    assert reproduce(tmp_path / "out").ok
    con = sqlite3.connect(tmp_path / "out" / "results.sqlite")
    con.execute("UPDATE timeseries SET firms_served = firms_served + 1 WHERE run_id = 2 "
                "AND step = 5")
    con.commit()
    con.close()
    report = reproduce(tmp_path / "out")
    assert not report.ok and report.checked == 4 and report.identical == 3
    assert report.differences.iloc[0][["run_id", "column", "step"]].tolist() == \
        [2, "firms_served", 5]


@pytest.mark.parametrize(("extra", "message"), [
    ("[experiment]\nname='x'\nreplicatons=3\n", "did you mean 'replications'"),
    ("[experiment]\nname='x'\n[levers.b]\nkey='funding.anual_budget_yuan'\nvalues=[1]\n",
     "did you mean 'annual_budget_yuan'"),
    ("[experiment]\nname='x'\nbaseline_arm='nope'\n", "no arm named 'nope'"),
    ("[experiment]\nname='x'\n[design]\ntype='sobol'\nsamples=10\n"
     "[uncertainties.p]\nkey='diffusion.p_per_year'\nrange=[0.01,0.05]\n", "power of 2"),
    ("[experiment]\nname='x'\n[levers.b]\nkey='funding.annual_budget_yuan'\nrange=[1,2]\n",
     "policy levers take 'values'"),
    ("[experiment]\nname='x'\n[levers.b]\nkey='funding.annual_budget_yuan'\nvalues=[-5]\n",
     "greater than or equal to 0"),
    ("[run]\nmonths=3\n", r"missing the \[experiment\] table"),
    ("[experiment]\nname='x'\n[uncertainties.p]\nkey='diffusion.p_per_year'\nvalues=[0.01]\n"
     "scal='log'\n", r"uncertainties\.p\.scal: unknown key \(did you mean 'scale'\?\)"),
])
def test_bad_experiment_files_are_clear_errors(tmp_path, extra, message):
    (tmp_path / "baseline.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(extra, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as err:
        load_experiment(path)
    assert str(path) in str(err.value)


def test_designs_have_the_documented_sizes(tmp_path):
    (tmp_path / "baseline.toml").write_text(BASE, encoding="utf-8")
    unc = ("[uncertainties.p]\nkey='diffusion.p_per_year'\nrange=[0.01,0.05]\n"
           "[uncertainties.q]\nkey='diffusion.q_per_year'\nrange=[0.2,0.6]\n"
           "[uncertainties.n]\nkey='firms.network_degree'\nrange=[2,8]\ninteger=true\n")
    sizes = {"lhs": 20, "sobol": 16 * (3 + 2), "morris": 5 * (3 + 1)}
    for design, n in sizes.items():
        samples = {"lhs": 20, "sobol": 16, "morris": 5}[design]
        path = tmp_path / f"{design}.toml"
        path.write_text(f"[experiment]\nname='d'\n[design]\ntype='{design}'\nsamples={samples}\n"
                        + unc, encoding="utf-8")
        exp = load_experiment(path)
        assert len(exp.points) == n
        assert exp.points["p"].between(0.01, 0.05).all()
        assert exp.points["n"].dtype.kind == "i"
        cfg = exp.config_for(0, 3)
        assert cfg.diffusion.p_per_year == pytest.approx(exp.points["p"].iloc[3])
    lhs = load_experiment(tmp_path / "lhs.toml").points
    # Latin hypercube: one point in each of the 20 equal strata of every dimension
    strata = np.floor((lhs["p"] - 0.01) / 0.04 * 20).astype(int)
    assert sorted(strata) == list(range(20))


def test_dask_executor_gives_the_same_results(tmp_path):
    pytest.importorskip("distributed")
    exp = make_experiment(tmp_path, reps=2)
    a = sweep(exp, tmp_path / "a", workers=1)
    b = sweep(exp, tmp_path / "b", workers=2, scheduler="local", chunk_size=1)
    assert a.ok == b.ok == 4
    pd.testing.assert_frame_equal(store_frames(tmp_path / "a")[1], store_frames(tmp_path / "b")[1])


@pytest.mark.parametrize("design", ["sobol", "morris"])
def test_analyze_gives_sensitivity_and_discovery(tmp_path, design):
    from changjing.simulate.analysis import analyze

    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "s.toml"
    path.write_text(
        "[experiment]\nname='s'\nbase='base.toml'\nreplications=2\nroot_seed=3\n"
        f"[design]\ntype='{design}'\nsamples=4\n"
        "[uncertainties.budget]\nkey='funding.annual_budget_yuan'\nrange=[5e6,9e7]\n"
        "scale='log'\n"
        "[uncertainties.degree]\nkey='firms.network_degree'\nrange=[1,8]\ninteger=true\n",
        encoding="utf-8")
    report = sweep(path, tmp_path / "out", workers=1)
    assert report.failed == 0
    result = analyze(tmp_path / "out")
    sens = result.tables["sensitivity"]
    assert set(sens["param"]) == {"budget", "degree"}
    assert set(sens["output"]) >= {"firms_served", "budget_spent_yuan"}
    served = sens[(sens.output == "budget_spent_yuan")].set_index("param")
    index = "ST" if design == "sobol" else "mu_star"
    # money spent is driven by the budget, not by the network
    assert served.loc["budget", index] > served.loc["degree", index]
    written = result.write(tmp_path / "analysis")
    assert (tmp_path / "analysis" / "sensitivity.csv") in written
    noise = result.tables["seed_noise"]   # the seed share next to the indices, per output
    assert len(noise) == sens.groupby(["arm", "output"]).ngroups
    assert (noise.seed_share.between(0, 1) | noise.seed_share.isna()).all()
    assert (tmp_path / "analysis" / "seed_noise.csv") in written


def test_uncertainties_drawn_from_a_posterior(tmp_path):
    """`uncertainties = "posterior:DIR"` draws weighted particles; lever keys give way."""
    import json

    post = tmp_path / "cal"
    post.mkdir()
    pd.DataFrame({"particle": [0, 1, 2], "q": [0.2, 0.3, 0.4], "budget": [1e7, 2e7, 3e7],
                  "weight": [0.0, 0.0, 1.0], "distance": [1, 1, 1]}).to_csv(
        post / "posterior.csv", index=False)
    (post / "manifest.json").write_text(json.dumps({"priors": [
        {"name": "q", "key": "diffusion.q_per_year", "integer": False},
        {"name": "budget", "key": "funding.annual_budget_yuan", "integer": False}]}))
    exp_path = make_experiment(tmp_path, reps=1)
    text = exp_path.read_text(encoding="utf-8")
    exp_path.write_text('uncertainties = "posterior:cal"\n' + text
                        + "\n[design]\nsamples = 5\n", encoding="utf-8")
    exp = load_experiment(exp_path)
    assert list(exp.points.columns) == ["point", "q"]          # budget is a lever here
    assert (exp.points["q"] == 0.4).all()                      # all weight on particle 2
    cfg = exp.config_for(0, 3)
    assert cfg.diffusion.q_per_year == 0.4 and cfg.funding.annual_budget_yuan == 2e7
    report = sweep(exp, tmp_path / "out", workers=1)
    assert report.ok == 10
    assert reproduce(tmp_path / "out", sample=3).ok
    (post / "posterior.csv").unlink()
    with pytest.raises(ConfigError, match="holds no calibration result"):
        load_experiment(exp_path)


def test_a_script_without_main_guard_gets_a_clear_error(tmp_path):
    """Spawned workers re-import the script; they must not restart (or overwrite) the sweep,
    and the user must learn why, instead of a hang or silently failed runs."""
    exp = make_experiment(tmp_path, reps=2)
    script = tmp_path / "script.py"
    script.write_text("from changjing.simulate.sweep import sweep\n"
                      f"sweep({str(exp)!r}, {str(tmp_path / 'out')!r}, workers=2)\n",
                      encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode != 0
    assert 'if __name__ == "__main__":' in proc.stderr.splitlines()[-1]
    assert (tmp_path / "out" / "results.sqlite").is_file()   # children did not wipe it
