"""Running an experiment: chunks of runs on an executor, results into the store as they finish.

Executors (in-process, local process pool, Dask) and the map that survives dying workers are in
``executors.py``.  Small runs are grouped in chunks so that per-task overhead stays small.
A run that raises is recorded as failed with its error and seed and the sweep goes on; a
worker that dies breaks only its own runs: the pool is rebuilt and the runs it held are retried
one at a time, and a run that kills a worker on its own is recorded as failed.
Each run depends only on its config and seed, so results are identical whatever the executor,
the number of workers or the completion order.
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from .executors import (
    DEFAULT_RECYCLE_AFTER_RUNS,
    ExecutorHandle,
    ExecutorSpec,
    refuse_in_worker_bootstrap,
    StopOnSigint,
    resilient_map,
)
from .experiment import Experiment, load_experiment
from .provenance import (
    MANIFEST,
    git_commit,
    open_job_folder,
    package_versions,
    write_manifest,
)
from .store import (
    FILE,
    LOCK,
    FolderLock,
    ResultStore,
    RunOutcome,
    StoreWriteError,
)

# Fault injection for the test suite: a worker running the run with this seed exits at once,
# as a crashed worker would.  Never set in normal use.
FAULT_ENV = "CHANGJING_FAULT_EXIT_SEED"
Task = tuple[int, dict[str, Any], int]      # run_id, config as plain data, seed


# ------------------------------------------------------------------ the worker side

def run_one(run_id: int, config: dict[str, Any], seed: int,
            outputs: list[str]) -> RunOutcome:
    """Run one simulation; never raises (a failure is an outcome with its error)."""
    t0 = time.perf_counter()
    if os.environ.get(FAULT_ENV) == str(seed):  # test hook: simulate a worker that dies
        os._exit(70)
    try:
        from .config import parse_config
        from .memory import release_model
        from .model import ScenarioModel

        # The model's own records, read without building DataFrames (a run's outputs are a
        # few hundred numbers; pandas would cost a noticeable share of a 20,000-firm run).
        model = ScenarioModel(parse_config(config, f"run {run_id}"), seed)
        while model.running:
            model.step()
        mv, tables = model.datacollector.model_vars, model.datacollector.tables
        steps = np.asarray(mv["step"])
        values = (np.column_stack([np.asarray(mv[k], dtype=np.float64) for k in outputs])
                  if outputs else np.empty((steps.size, 0)))
        dates = list(mv["date"])
        f = {k: np.asarray(v) for k, v in tables["funnel"].items()}
        totals = []
        for stage in dict.fromkeys(tables["funnel"]["stage"]):     # stages in order
            sel = f["stage"] == stage
            lf = f["left"][sel] + f["failed"][sel]
            left = int(lf.sum())
            spent = (np.nan_to_num(f["mean_months_spent"][sel].astype(np.float64), nan=0.0)
                     * lf).sum()
            totals.append((stage, int(f["entered"][sel].sum()), int(f["left"][sel].sum()),
                           int(f["failed"][sel].sum()), int(f["waiting"][sel][-1]),
                           float(spent / left) if left else None))
        b = tables["budget"]
        last = max(b["step"])
        budget = [(b["instrument"][i], float(b["appropriated_yuan"][i]),
                   float(b["committed_yuan"][i]), float(b["spent_yuan"][i]))
                  for i in range(len(b["step"])) if b["step"][i] == last]
        release_model(model)
        return RunOutcome(run_id, "ok", time.perf_counter() - t0, None, steps, dates, values,
                          totals, budget)
    except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return RunOutcome(run_id, "failed", time.perf_counter() - t0,
                          f"{tb} (seed {seed})")


def run_chunk(tasks: list[Task], outputs: list[str]) -> list[RunOutcome]:
    from .memory import rss_mb

    outcomes = [run_one(rid, cfg, seed, outputs) for rid, cfg, seed in tasks]
    pid, rss = os.getpid(), rss_mb()
    for o in outcomes:
        o.worker_pid, o.worker_rss_mb = pid, rss
    return outcomes


# ------------------------------------------------------------------ the sweep

class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the sweep; ``report`` counts what was recorded (all of it kept; the
    folder resumes with the same command)."""

    def __init__(self, report: SweepReport) -> None:
        super().__init__(f"interrupted: {report.skipped + report.ran} of {report.total} runs "
                         f"are recorded in {report.folder}/")
        self.report = report


@dataclass
class SweepReport:
    folder: Path
    total: int
    ran: int
    ok: int
    failed: int
    skipped: int
    seconds: float
    failures: list[dict[str, Any]]
    peak_worker_rss_mb: float = 0.0     # largest resident memory a worker reported after a run
    workers_seen: int = 0               # distinct worker processes (more than --workers if recycled)
    notes: list[str] = field(default_factory=list)   # e.g. a stale lock taken over


def prepare_folder(exp: Experiment, folder: Path, overwrite: bool) -> ResultStore:
    """Create the store, or reopen it to resume the same experiment; refuse another one.

    A store that cannot be created (unwritable folder, full disk) leaves no partial files."""
    if open_job_folder(folder, overwrite, what="experiment", hash_key="experiment_hash",
                       hash_value=exp.experiment_hash(), required=[FILE], keep=[LOCK]):
        return ResultStore(folder)
    try:
        return _create_store(exp, folder)
    except (OSError, sqlite3.Error) as exc:
        for name in (MANIFEST, MANIFEST + ".tmp", FILE, FILE + "-wal", FILE + "-shm",
                     FILE + "-journal"):
            with contextlib.suppress(OSError):
                (folder / name).unlink(missing_ok=True)
        raise StoreWriteError(f"{folder}: cannot create the result store "
                              f"({getattr(exc, 'strerror', None) or exc}); make the folder "
                              "writable (or free disk space) or choose another --out"
                              ) from None


def _create_store(exp: Experiment, folder: Path) -> ResultStore:
    write_manifest(folder, {
        "kind": "changjing.sweep",
        "name": exp.name,
        "experiment_file": exp.path,
        "experiment_as_given": exp.source,
        "experiment_resolved": exp.resolved(),
        "experiment_hash": exp.experiment_hash(),
        "root_seed": exp.spec.experiment.root_seed,
        "seed_rule": "run seed = SeedSequence(root_seed, spawn_key=(point, replication)), "
                     "the same for every arm (common random numbers)",
        "n_runs": exp.n_runs,
        "versions": package_versions(),
        "git_commit": git_commit(),
        "reproduce": f"changjing reproduce {folder}",
    })
    return ResultStore.create(folder, exp.run_plan(), exp.arms, exp.points, exp.outputs,
                              {"name": exp.name, "experiment_hash": exp.experiment_hash()})


def sweep(experiment: Experiment | str | Path, out: str | Path, *, workers: int | None = None,
          scheduler: str | None = None, chunk_size: int | None = None,
          overwrite: bool = False, retry_failed: bool = False,
          progress: Callable[[int, int], None] | None = None,
          recycle_after_runs: int | None = DEFAULT_RECYCLE_AFTER_RUNS,
          memory: Callable[[float, int], None] | None = None) -> SweepReport:
    """Run every missing run of ``experiment`` into the store in ``out`` (resumable).

    ``recycle_after_runs``: replace the local worker pool after this many runs per worker
    (0 or None: never); results do not depend on it.  ``memory(mb, n)`` is called as runs
    finish with the largest resident memory (MB) among the ``n`` live workers that reported.
    """
    refuse_in_worker_bootstrap("sweep()")
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    folder = Path(out)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreWriteError(f"{folder}: cannot create the sweep folder "
                              f"({exc.strerror or exc}); choose another --out") from None
    lock = FolderLock(folder, "sweep")
    try:
        lock.acquire()      # a second sweep into the same folder refuses here
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    try:
        # Ctrl-C from here on is handled: while the folder is prepared it only sets the flag,
        # so the store is never left half-created; then no run is started and the sweep stops.
        with StopOnSigint("stopping: no new runs are started; the running ones finish and are "
                          "recorded (press Ctrl-C again to quit at once)") as stop:
            store = prepare_folder(exp, folder, overwrite)
            try:
                report = _execute(exp, store,
                                  ExecutorSpec(workers, scheduler, recycle_after_runs),
                                  chunk_size, retry_failed, progress, memory, stop)
            finally:
                store.close()
    finally:
        lock.release()
        if created and not any(folder.iterdir()):
            folder.rmdir()   # refused before anything was written: leave no folder behind
    note = lock.stale_note()
    if note:
        report.notes.append(note)
    return report


def _execute(exp: Experiment, store: ResultStore, spec: ExecutorSpec, chunk_size: int | None,
             retry_failed: bool, progress: Callable[[int, int], None] | None,
             memory: Callable[[float, int], None] | None = None,
             stop: StopOnSigint | None = None) -> SweepReport:
    t0 = time.perf_counter()
    plan = exp.run_plan().set_index("run_id")
    todo = store.missing_run_ids(include_failed=retry_failed)
    outputs = store.outputs
    total = exp.n_runs
    skipped = total - len(todo)
    configs: dict[tuple[int, int], dict[str, Any]] = {}

    def task(rid: int) -> Task:
        row = plan.loc[rid]
        key = (int(row["arm_index"]), int(row["point"]))
        if key not in configs:
            configs[key] = exp.config_for(*key).to_dict()
        return (rid, configs[key], int(row["seed"]))

    n_workers = spec.n_workers
    size = chunk_size or max(1, min(50, math.ceil(len(todo) / (n_workers * 4)) or 1))
    done = ok = failed = 0
    failures: list[dict[str, Any]] = []
    worker_rss: dict[int, float] = {}       # latest report per worker process
    peak_rss = 0.0
    if progress:
        progress(skipped, total)

    def record(outcomes: list[RunOutcome]) -> None:
        nonlocal done, ok, failed, peak_rss
        store.write(outcomes)
        for o in outcomes[-1:]:
            if o.worker_pid:
                worker_rss[o.worker_pid] = o.worker_rss_mb
                peak_rss = max(peak_rss, o.worker_rss_mb)
        if memory and worker_rss:
            recent = list(worker_rss.values())[-spec.n_workers:]  # retired pools drop out
            memory(max(recent), len(recent))
        for o in outcomes:
            done += 1
            if o.status == "ok":
                ok += 1
            else:
                failed += 1
                failures.append({"run_id": o.run_id, "seed": int(plan.loc[o.run_id, "seed"]),
                                 "arm": plan.loc[o.run_id, "arm"], "error": o.error})
        if progress:
            progress(skipped + done, total)

    def lost(rid: int, why: str) -> None:
        record([RunOutcome(rid, "failed", 0.0, f"worker process died ({why}) "
                           f"(seed {int(plan.loc[rid, 'seed'])})")])

    def error(ids: list[int], exc: BaseException) -> None:   # outside the model, e.g. pickling
        record([RunOutcome(r, "failed", 0.0, f"{type(exc).__name__}: {exc}") for r in ids])

    stopped = stop is not None and stop.requested
    if todo and not stopped:
        with ExecutorHandle(spec) as handle:
            stopped = resilient_map(
                handle, todo, size,
                lambda ex, ids: ex.submit(run_chunk, [task(r) for r in ids], outputs),
                record, lost, error, stop=stop)
    report = SweepReport(store.folder, total, done, ok, failed, skipped,
                         time.perf_counter() - t0, failures, peak_rss, len(worker_rss))
    if stopped:
        raise SweepInterrupted(report)
    return report


