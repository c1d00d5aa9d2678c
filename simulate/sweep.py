"""Running an experiment: chunks of runs on an executor, results into the store as they finish.

One code path serves every executor: ``concurrent.futures`` executors — in-process
(``workers=1``), a local process pool (default: one worker per core), or a Dask cluster
(``scheduler=ADDRESS``, or ``"local"`` for a LocalCluster) through
``distributed.Client.get_executor()``.  Small runs are grouped in chunks so that per-task
overhead stays small.  A run that raises is recorded as failed with its error and seed and the
sweep goes on; a worker that dies breaks only its own runs: the pool is rebuilt and the runs it
held are retried one at a time, and a run that kills a worker on its own is recorded as failed.
Each run depends only on its config and seed, so results are identical whatever the executor,
the number of workers or the completion order.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
import traceback
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from changjing.simulate.errors import SimulateError
from changjing.simulate.experiment import Experiment, load_experiment
from changjing.simulate.store import FILE, ResultStore, RunOutcome

MANIFEST = "manifest.json"
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
        from changjing.simulate.config import parse_config
        from changjing.simulate.runner import run

        result = run(parse_config(config, f"run {run_id}"), seed)
        ts = result.timeseries
        funnel = result.funnel
        totals = []
        for stage, g in funnel.groupby("stage", sort=False):
            left = g["left"].sum() + g["failed"].sum()
            spent = (g["mean_months_spent"].fillna(0) * (g["left"] + g["failed"])).sum()
            totals.append((stage, int(g["entered"].sum()), int(g["left"].sum()),
                           int(g["failed"].sum()), int(g["waiting"].iloc[-1]),
                           float(spent / left) if left else None))
        last = result.budget[result.budget["step"] == result.budget["step"].max()]
        budget = [(r.instrument, float(r.appropriated_yuan), float(r.committed_yuan),
                   float(r.spent_yuan)) for r in last.itertuples()]
        return RunOutcome(run_id, "ok", time.perf_counter() - t0, None,
                          ts["step"].to_numpy(), ts["date"].tolist(),
                          ts[outputs].to_numpy(dtype=np.float64), totals, budget)
    except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
        tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return RunOutcome(run_id, "failed", time.perf_counter() - t0,
                          f"{tb} (seed {seed})")


def run_chunk(tasks: list[Task], outputs: list[str]) -> list[RunOutcome]:
    return [run_one(rid, cfg, seed, outputs) for rid, cfg, seed in tasks]


# ------------------------------------------------------------------ executors

class InlineExecutor(Executor):
    """Runs each task at submission, in this process (workers=1; easy to debug)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001
            fut.set_exception(exc)
        return fut


@dataclass
class ExecutorSpec:
    workers: int | None = None
    scheduler: str | None = None

    def describe(self) -> str:
        if self.scheduler:
            return f"dask ({self.scheduler})"
        return "in-process" if self.n_workers == 1 else f"process pool ({self.n_workers})"

    @property
    def n_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def make(self) -> tuple[Executor, Callable[[], None]]:
        if self.scheduler:
            try:
                from distributed import Client
            except ImportError:
                raise SimulateError("--scheduler needs Dask: pip install 'changjing[distributed]'"
                                    ) from None
            if self.scheduler == "local":
                client = Client(n_workers=self.n_workers, threads_per_worker=1,
                                processes=True, dashboard_address=None)
            else:
                client = Client(self.scheduler)
            return client.get_executor(), client.close
        if self.n_workers == 1:
            return InlineExecutor(), lambda: None
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn: the same start method everywhere, and no fork of a threaded parent
        pool = ProcessPoolExecutor(max_workers=self.n_workers,
                                   mp_context=mp.get_context("spawn"))
        return pool, lambda: pool.shutdown(wait=True, cancel_futures=True)


def _is_worker_loss(exc: BaseException) -> bool:
    from concurrent.futures.process import BrokenProcessPool

    return isinstance(exc, BrokenProcessPool) or type(exc).__name__ in (
        "KilledWorker", "CommClosedError")


# ------------------------------------------------------------------ the sweep

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


def prepare_folder(exp: Experiment, folder: Path, overwrite: bool) -> ResultStore:
    """Create the store, or reopen it to resume the same experiment; refuse another one."""
    manifest_path = folder / MANIFEST
    if folder.exists() and any(folder.iterdir()):
        if overwrite:
            shutil.rmtree(folder)
        elif not manifest_path.is_file() or not (folder / FILE).is_file():
            raise SimulateError(f"{folder}: folder is not empty and holds no sweep; choose "
                                "another --out or pass --overwrite")
        else:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
            if old.get("experiment_hash") != exp.experiment_hash():
                raise SimulateError(
                    f"{folder}: holds a different experiment ({old.get('name')!r}, hash "
                    f"{str(old.get('experiment_hash'))[:12]}); pass --overwrite to replace it "
                    "or choose another --out")
            return ResultStore(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_manifest(exp, folder)
    return ResultStore.create(folder, exp.run_plan(), exp.arms, exp.points, exp.outputs,
                              {"name": exp.name, "experiment_hash": exp.experiment_hash()})


def _write_manifest(exp: Experiment, folder: Path) -> None:
    from changjing.simulate.runner import package_versions

    manifest = {
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
        "git_commit": _git_commit(),
        "reproduce": f"changjing reproduce {folder}",
    }
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False,
                              default=str) + "\n", encoding="utf-8")
    tmp.replace(folder / MANIFEST)


def _git_commit() -> str | None:
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"],
                             capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def sweep(experiment: Experiment | str | Path, out: str | Path, *, workers: int | None = None,
          scheduler: str | None = None, chunk_size: int | None = None,
          overwrite: bool = False, retry_failed: bool = False,
          progress: Callable[[int, int], None] | None = None) -> SweepReport:
    """Run every missing run of ``experiment`` into the store in ``out`` (resumable)."""
    exp = experiment if isinstance(experiment, Experiment) else load_experiment(experiment)
    folder = Path(out)
    store = prepare_folder(exp, folder, overwrite)
    try:
        return _execute(exp, store, ExecutorSpec(workers, scheduler), chunk_size,
                        retry_failed, progress)
    finally:
        store.close()


def _execute(exp: Experiment, store: ResultStore, spec: ExecutorSpec, chunk_size: int | None,
             retry_failed: bool, progress: Callable[[int, int], None] | None) -> SweepReport:
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
    queue: deque[list[int]] = deque(todo[i:i + size] for i in range(0, len(todo), size))
    suspects: deque[list[int]] = deque()     # runs in flight when a worker died: one at a time
    lost: dict[int, int] = {}                # run_id -> times its worker died under it
    done = ok = failed = 0
    failures: list[dict[str, Any]] = []
    if progress:
        progress(skipped, total)

    def record(outcomes: list[RunOutcome]) -> None:
        nonlocal done, ok, failed
        store.write(outcomes)
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

    executor, close = spec.make() if queue else (None, lambda: None)
    inflight: dict[Future, list[int]] = {}
    try:
        while queue or suspects or inflight:
            window = 1 if suspects else 2 * n_workers
            source = suspects if suspects else queue
            while source and len(inflight) < window:
                ids = source.popleft()
                fut = executor.submit(run_chunk, [task(r) for r in ids], outputs)
                inflight[fut] = ids
            finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                ids = inflight.pop(fut)
                exc = fut.exception()
                if exc is None:
                    record(fut.result())
                elif _is_worker_loss(exc):
                    broken = True
                    for r in ids:
                        lost[r] = lost.get(r, 0) + 1
                    if len(ids) == 1 and lost[ids[0]] >= 2:   # died alone: it is the culprit
                        record([RunOutcome(ids[0], "failed", 0.0,
                                           f"worker process died ({type(exc).__name__}) "
                                           f"(seed {int(plan.loc[ids[0], 'seed'])})")])
                    else:
                        suspects.extend([r] for r in ids)
                else:  # an error outside the model (e.g. pickling): record, go on
                    record([RunOutcome(r, "failed", 0.0, f"{type(exc).__name__}: {exc}")
                            for r in ids])
            if broken and not spec.scheduler:
                for fut, ids in list(inflight.items()):   # the dead pool took these too
                    for r in ids:
                        lost[r] = lost.get(r, 0) + 1
                    suspects.extend([r] for r in ids)
                inflight.clear()
                close_pool(executor)
                executor, close = spec.make()
    finally:
        close()
    return SweepReport(store.folder, total, done, ok, failed, skipped,
                       time.perf_counter() - t0, failures)


def close_pool(executor: Executor) -> None:
    try:
        executor.shutdown(wait=False, cancel_futures=True)
    except Exception:  # noqa: BLE001 - a broken pool may complain on shutdown
        pass
