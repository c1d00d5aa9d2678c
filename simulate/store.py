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
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

SCHEMA_VERSION = "1"
FILE = "results.sqlite"


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
        self.con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")

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
        con.execute("BEGIN IMMEDIATE")
        try:
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
        except BaseException:
            con.execute("ROLLBACK")
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
