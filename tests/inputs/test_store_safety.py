"""One writer per sweep folder (lock with holder pid and host, stale after kill -9), and write
failures (unwritable folder, full disk) that stop cleanly and resume."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from changjing.simulate.store import LOCK, FolderLock, FolderLockedError, ResultStore
from changjing.simulate.sweep import sweep

from changjing.cli import main

BASE = "[meta]\nname = 'small'\n[run]\nmonths = 6\nwarmup_months = 0\n[firms]\nn = 500\n"
EXPERIMENT = """
[experiment]
name = "tiny"
base = "base.toml"
replications = {reps}
root_seed = 7

[levers.b]
key = "funding.annual_budget_yuan"
values = [2e7, 4.5e7]
"""

HOLD = """
import sys, time
from changjing.simulate.store import FolderLock
lock = FolderLock(sys.argv[1]).acquire()
print("locked", flush=True)
time.sleep(120)
"""


def make_experiment(tmp_path: Path, reps: int = 2) -> Path:
    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    path = tmp_path / "exp.toml"
    path.write_text(EXPERIMENT.format(reps=reps), encoding="utf-8")
    return path


def hold_lock(folder: Path) -> subprocess.Popen:
    folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_sweep_into_a_held_folder_refuses_naming_pid_and_host(tmp_path, capsys):
    out = tmp_path / "out"
    holder = hold_lock(out)
    try:
        code = main(["sweep", str(make_experiment(tmp_path)), "--out", str(out), "--quiet",
                     "--workers", "1"])
        err = capsys.readouterr().err
        assert code == 2 and "Traceback" not in err
        assert f"pid {holder.pid}" in err and f"host {socket.gethostname()}" in err
        assert "another sweep is writing into this folder" in err
        assert os.listdir(out) == [LOCK]          # nothing written next to the holder's lock
    finally:
        holder.kill()
        holder.wait()


def test_stale_lock_after_kill_9_is_detected_and_taken_over(tmp_path, capsys):
    out = tmp_path / "out"
    holder = hold_lock(out)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    record = json.loads((out / LOCK).read_text())
    assert record["pid"] == holder.pid           # the killed holder's record is still there
    code = main(["sweep", str(make_experiment(tmp_path)), "--out", str(out), "--quiet",
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 0
    assert f"pid {holder.pid}" in err and "stale" in err
    assert not (out / LOCK).exists()             # released at the end
    store = ResultStore(out)
    assert (store.runs()["status"] == "ok").all()
    store.close()


def test_two_real_sweeps_at_once_one_refuses_and_the_store_stays_whole(tmp_path):
    exp = make_experiment(tmp_path, reps=40)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "changjing.cli", "sweep", str(exp), "--out", str(out),
           "--workers", "1", "--chunk-size", "1", "--quiet"]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not (out / "results.sqlite").exists() and time.time() < deadline:
            time.sleep(0.05)
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        assert second.returncode == 2, second.stderr
        assert f"pid {first.pid}" in second.stderr and "Traceback" not in second.stderr
    finally:
        first.wait(timeout=300)
    assert first.returncode == 0
    con = sqlite3.connect(out / "results.sqlite")
    status = dict(con.execute("SELECT status, COUNT(*) FROM runs GROUP BY status").fetchall())
    attempts = con.execute("SELECT MAX(attempts) FROM runs").fetchone()[0]
    con.close()
    assert status == {"ok": 80} and attempts == 1   # every run written once, by one sweep


def test_lock_is_exclusive_within_a_process_too(tmp_path):
    a = FolderLock(tmp_path).acquire()
    with pytest.raises(FolderLockedError, match=f"pid {os.getpid()}"):
        FolderLock(tmp_path).acquire()
    a.release()
    with FolderLock(tmp_path):
        pass


class _FullDisk:
    """A connection that fails like a full disk once ``after`` batches are committed."""

    def __init__(self, con: sqlite3.Connection, after: int) -> None:
        self.con, self.after, self.commits = con, after, 0

    def execute(self, sql: str, *args):
        if sql == "COMMIT":
            if self.commits >= self.after:
                raise sqlite3.OperationalError("database or disk is full")
            self.commits += 1
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self.con, name)


def test_full_disk_during_a_sweep_stops_cleanly_and_resumes(tmp_path, monkeypatch, capsys):
    exp = make_experiment(tmp_path, reps=3)
    out, reference = tmp_path / "out", tmp_path / "ref"
    assert sweep(exp, reference, workers=1, chunk_size=1).ok == 6
    original = ResultStore.__init__

    def failing_init(self, folder):
        original(self, folder)
        self.con = _FullDisk(self.con, after=3)   # the creation, then 2 batches

    monkeypatch.setattr(ResultStore, "__init__", failing_init)
    code = main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--chunk-size", "1",
                 "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "results.sqlite: cannot write results (database or disk is full)" in err
    assert "the 2 run(s) saved before are kept" in err and "run the same command again" in err
    monkeypatch.setattr(ResultStore, "__init__", original)
    con = sqlite3.connect(out / "results.sqlite")
    assert con.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0] == 2
    con.close()
    assert not (out / LOCK).exists()
    report = sweep(exp, out, workers=1, chunk_size=1)        # resume: only what is missing
    assert (report.skipped, report.ok) == (2, 4)
    a, b = ResultStore(out), ResultStore(reference)
    try:
        assert a.timeseries().equals(b.timeseries())          # same as an uninterrupted sweep
    finally:
        a.close()
        b.close()


def test_unwritable_output_folder_is_a_clear_error_leaving_nothing(tmp_path, monkeypatch,
                                                                     capsys):
    import changjing.simulate.sweep as sweep_mod

    exp = make_experiment(tmp_path)
    out = tmp_path / "out"

    def refuse(folder, payload):
        raise PermissionError(13, "Permission denied", str(folder / "manifest.json"))

    monkeypatch.setattr(sweep_mod, "write_manifest", refuse)
    code = main(["sweep", str(exp), "--out", str(out), "--quiet", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{out}: cannot create the result store (Permission denied)" in err
    assert not out.exists()                                   # no half-made store left
    monkeypatch.undo()
    assert main(["sweep", str(exp), "--out", str(out), "--quiet", "--workers", "1"]) == 0


def test_os_write_refusals_are_user_errors_for_every_command(tmp_path, monkeypatch, capsys):
    import errno

    import changjing.cli._output as output

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "o"))

    monkeypatch.setattr(output, "check_target", full)
    code = main(["run", str(make_experiment(tmp_path).parent / "base.toml"), "--out",
                 str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "No space left on device" in err and "free some disk space" in err
