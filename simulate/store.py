"""The sweep result store: one SQLite database per sweep folder (``DIR/results.sqlite``).

Why SQLite: it ships with Python (no extra dependency), every batch of finished runs is
written in one transaction, so a sweep killed at any moment — ``kill -9`` included — keeps
every run it had committed and never a half-written one (write-ahead log); the run table
says exactly which runs are missing, so a restart runs only those; and analysis reads single
columns with SQL, so memory stays bounded at 10,000+ runs.  Only the parent process writes;
workers return results.

Tables
------
``meta`` (key, value); ``arms`` (arm_index, arm, settings JSON); ``points`` (point, values
JSON); ``runs`` (run_id, arm_index, arm, point, replication, seed, status — pending, ok or
failed — error, wall_time_s, attempts); ``timeseries`` (run_id, step, date, one REAL column
per kept indicator: one tidy row a run and step); ``funnel`` (run_id, stage, entered, left,
failed, waiting_end, mean_months_spent) and ``budget`` (run_id, instrument, appropriated_yuan,
committed_yuan, spent_yuan) with each run's totals.

One writer at a time
--------------------
A sweep holds ``DIR/.lock`` (:class:`FolderLock`) while it runs: a second sweep into the same
folder refuses at once, naming the holder's pid, host and start time, instead of interleaving
its writes.  The lock is an ``flock`` on that file, which the kernel drops when its process
dies, so a lock left behind by ``kill -9`` is recognised as stale and taken over.

Write failures
--------------
A full disk or an unwritable folder while results are written raises :class:`StoreWriteError`
(a user error naming the file and the reason); the failed batch is rolled back, every run
committed before it is kept, and running the same command again resumes.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from .errors import SimulateError

SCHEMA_VERSION = "1"
FILE = "results.sqlite"
LOCK = ".lock"


class StoreWriteError(SimulateError):
    """Results could not be written (full disk, read-only or unwritable folder)."""


class FolderLockedError(SimulateError):
    """Another live process holds the folder's lock."""


def _write_failure(path: Path, exc: BaseException, saved: str = "") -> StoreWriteError:
    reason = getattr(exc, "strerror", None) or str(exc)
    full = "full" in reason.lower() or getattr(exc, "errno", None) in (28, 122)
    fix = "free some disk space" if full else "make the folder writable or choose another --out"
    return StoreWriteError(f"{path}: cannot write results ({reason}); {saved}{fix} and run the "
                           "same command again: it resumes with the runs that are missing")


class FolderLock:
    """An exclusive, process-held lock on a job folder (``DIR/.lock``).

    The file records the holder (pid, host, start time, command) so that a refusal can say
    who holds the folder.  ``flock`` makes the lock die with its process; the record left by
    a killed holder is reported in :attr:`stale` and replaced.
    """

    def __init__(self, folder: str | Path, what: str = "sweep") -> None:
        self.folder = Path(folder)
        self.path = self.folder / LOCK
        self.what = what
        self.stale: dict[str, Any] | None = None
        self._fd: int | None = None

    def acquire(self) -> Self:
        import fcntl

        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise _write_failure(self.path, exc) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                holder = _read_holder(fd)
                os.close(fd)
                raise FolderLockedError(self._refusal(holder)) from None
            # The file may have been removed (released) between open and flock: retry on
            # the file that is there now, so two processes never lock two different files.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        previous = _read_holder(fd)
        self.stale = previous or None
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                  "what": self.what}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record, sort_keys=True) + "\n").encode(), 0)
        self._fd = fd
        return self

    def _refusal(self, holder: dict[str, Any]) -> str:
        who = (f"pid {holder.get('pid')} on host {holder.get('host')}, since "
               f"{holder.get('started')}") if holder else "another process"
        return (f"{self.folder}: another {self.what} is writing into this folder ({who}); "
                f"wait for it to finish, or choose another --out.  (The lock is "
                f"{self.path}; it is released when that process ends.)")

    def release(self) -> None:
        if self._fd is None:
            return
        # Unlink first, so a process that opened the old file retries on a new one; in a
        # read-only folder the unlink fails and the flock still ends with the descriptor.
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def stale_note(self) -> str | None:
        """A sentence about the killed holder whose lock was taken over, if any."""
        h = self.stale
        if not h:
            return None
        return (f"{self.folder}: the previous {h.get('what', 'job')} (pid {h.get('pid')} on host "
                f"{h.get('host')}, started {h.get('started')}) stopped without releasing the "
                "folder (killed?); its lock was stale and has been taken over")

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        data = json.loads(os.pread(fd, 4096, 0).decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class RunOutcome:
    """What a worker sends back for one run."""

    run_id: int
    status: str                                  # "ok" or "failed"
    wall_time_s: float = 0.0
    error: str | None = None
    steps: np.ndarray | None = None              # (n_steps,) int
    dates: list[str] | None = None
    values: np.ndarray | None = None             # (n_steps, n_outputs) float64
    funnel: list[tuple[Any, ...]] = field(default_factory=list)
    budget: list[tuple[Any, ...]] = field(default_factory=list)
    worker_pid: int = 0                          # process that ran it (not stored)
    worker_rss_mb: float = 0.0                   # its resident memory after the run (not stored)


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"not a column name: {name!r}")
    return f'"{name}"'


class ResultStore:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / FILE
        try:
            self.con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.con.execute("PRAGMA journal_mode=WAL")
            self.con.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc):
                raise SimulateError(f"{self.path}: not a result store ({exc}); the file was "
                                    "replaced or is damaged") from None
            raise _write_failure(self.path, exc) from None

    # ------------------------------------------------------------------ creation
    @classmethod
    def create(cls, folder: str | Path, plan: pd.DataFrame, arms: pd.DataFrame,
               points: pd.DataFrame, outputs: Sequence[str], meta: dict[str, str]) -> ResultStore:
        store = cls(folder)
        cols = ", ".join(f"{_quote(c)} REAL" for c in outputs)
        con = store.con
        con.execute("BEGIN")
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        con.execute("CREATE TABLE arms (arm_index INTEGER PRIMARY KEY, arm TEXT, settings TEXT)")
        con.execute("CREATE TABLE points (point INTEGER PRIMARY KEY, vals TEXT)")
        con.execute("CREATE TABLE runs (run_id INTEGER PRIMARY KEY, arm_index INTEGER, arm TEXT, "
                    "point INTEGER, replication INTEGER, seed INTEGER, status TEXT NOT NULL "
                    "CHECK (status IN ('pending','ok','failed')), error TEXT, wall_time_s REAL, "
                    "attempts INTEGER DEFAULT 0)")
        con.execute(f"CREATE TABLE timeseries (run_id INTEGER, step INTEGER, date TEXT, {cols}, "
                    "PRIMARY KEY (run_id, step)) WITHOUT ROWID")
        con.execute("CREATE TABLE funnel (run_id INTEGER, stage TEXT, entered INTEGER, "
                    "\"left\" INTEGER, failed INTEGER, waiting_end INTEGER, "
                    "mean_months_spent REAL, PRIMARY KEY (run_id, stage)) WITHOUT ROWID")
        con.execute("CREATE TABLE budget (run_id INTEGER, instrument TEXT, appropriated_yuan "
                    "REAL, committed_yuan REAL, spent_yuan REAL, PRIMARY KEY (run_id, "
                    "instrument)) WITHOUT ROWID")
        con.executemany("INSERT INTO meta VALUES (?, ?)",
                        [*meta.items(), ("schema_version", SCHEMA_VERSION),
                         ("outputs", json.dumps(list(outputs)))])
        con.executemany("INSERT INTO arms VALUES (?, ?, ?)",
                        [(int(i), a, json.dumps(s, sort_keys=True, default=str))
                         for i, a, s in zip(arms["arm_index"], arms["arm"], arms["settings"],
                                            strict=True)])
        pcols = [c for c in points.columns if c != "point"]
        con.executemany("INSERT INTO points VALUES (?, ?)",
                        [(int(p), json.dumps({c: _plain(points[c].iloc[i]) for c in pcols}))
                         for i, p in enumerate(points["point"])])
        con.executemany("INSERT INTO runs (run_id, arm_index, arm, point, replication, seed, "
                        "status) VALUES (?, ?, ?, ?, ?, ?, 'pending')",
                        plan[["run_id", "arm_index", "arm", "point", "replication", "seed"]]
                        .astype(object).itertuples(index=False, name=None))
        con.execute("COMMIT")
        return store

    # ------------------------------------------------------------------ writing
    def write(self, outcomes: Iterable[RunOutcome]) -> None:
        """Record finished runs, all in one transaction (all or nothing)."""
        outputs = self.outputs
        placeholders = ", ".join("?" * (3 + len(outputs)))
        con = self.con
        try:
            con.execute("BEGIN IMMEDIATE")
            for o in outcomes:
                con.execute("DELETE FROM timeseries WHERE run_id = ?", (o.run_id,))
                con.execute("DELETE FROM funnel WHERE run_id = ?", (o.run_id,))
                con.execute("DELETE FROM budget WHERE run_id = ?", (o.run_id,))
                if o.status == "ok":
                    rows = ((o.run_id, int(s), d, *map(float, v)) for s, d, v in
                            zip(o.steps, o.dates, o.values, strict=True))  # type: ignore[arg-type]
                    con.executemany(f"INSERT INTO timeseries VALUES ({placeholders})", rows)
                    con.executemany("INSERT INTO funnel VALUES (?, ?, ?, ?, ?, ?, ?)",
                                    [(o.run_id, *r) for r in o.funnel])
                    con.executemany("INSERT INTO budget VALUES (?, ?, ?, ?, ?)",
                                    [(o.run_id, *r) for r in o.budget])
                con.execute("UPDATE runs SET status = ?, error = ?, wall_time_s = ?, "
                            "attempts = attempts + 1 WHERE run_id = ?",
                            (o.status, o.error, o.wall_time_s, o.run_id))
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:    # SQLite may already have rolled back (disk full)
                con.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError | OSError):
                done = con.execute("SELECT COUNT(*) FROM runs WHERE status != 'pending'"
                                   ).fetchone()[0]
                raise _write_failure(self.path, exc, f"the {done} run(s) saved before are "
                                     "kept; ") from None
            raise

    # ------------------------------------------------------------------ reading
    @property
    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM meta").fetchall())

    @property
    def outputs(self) -> list[str]:
        return json.loads(self.meta["outputs"])

    def runs(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", self.con)

    def missing_run_ids(self, include_failed: bool = False) -> list[int]:
        states = ("pending", "failed") if include_failed else ("pending",)
        q = f"SELECT run_id FROM runs WHERE status IN ({','.join('?' * len(states))}) " \
            "ORDER BY run_id"
        return [r[0] for r in self.con.execute(q, states)]

    def arms(self) -> pd.DataFrame:
        frame = pd.read_sql_query("SELECT * FROM arms ORDER BY arm_index", self.con)
        frame["settings"] = frame["settings"].map(json.loads)
        return frame

    def points(self) -> pd.DataFrame:
        rows = self.con.execute("SELECT point, vals FROM points ORDER BY point").fetchall()
        return pd.DataFrame([{"point": p, **json.loads(v)} for p, v in rows])

    def timeseries(self, columns: Sequence[str] | None = None,
                   run_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """Tidy rows (run_id, step, date, columns…) of finished runs, ordered by run and step."""
        cols = list(columns) if columns is not None else self.outputs
        unknown = [c for c in cols if c not in self.outputs]
        if unknown:
            raise KeyError(f"not in this store: {', '.join(unknown)}")
        sel = ", ".join(["run_id", "step", "date", *map(_quote, cols)])
        q = f"SELECT {sel} FROM timeseries"
        params: list[Any] = []
        if run_ids is not None:
            q += f" WHERE run_id IN ({','.join('?' * len(run_ids))})"
            params = [int(r) for r in run_ids]
        return pd.read_sql_query(q + " ORDER BY run_id, step", self.con, params=params)

    def final(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Last step of every finished run, joined with the run table."""
        cols = list(columns) if columns is not None else self.outputs
        sel = ", ".join(f"t.{_quote(c)}" for c in cols)
        q = (f"SELECT r.run_id, r.arm_index, r.arm, r.point, r.replication, r.seed, {sel} "
             "FROM runs r JOIN timeseries t ON t.run_id = r.run_id "
             "WHERE r.status = 'ok' AND t.step = (SELECT MAX(step) FROM timeseries "
             "WHERE run_id = r.run_id) ORDER BY r.run_id")
        return pd.read_sql_query(q, self.con)

    def funnel(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM funnel ORDER BY run_id, stage", self.con)

    def budget(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM budget ORDER BY run_id, instrument", self.con)

    def close(self) -> None:
        self.con.close()


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
