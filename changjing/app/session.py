"""A what-if session: one experiment, a warm worker pool, and the current comparison.

The page sends *settings* (dotted config keys and values); they are applied to the
experiment's base config with :meth:`Config.with_overrides` — the validator every config file
goes through — so a value out of range is refused with the validator's own message.  A valid
setting starts a *job*: replications ``0 .. N-1`` of the baseline arm and of the setting, with
the seeds a sweep of the saved experiment uses (``run_seed(root_seed, 0, r)``, common random
numbers), each run by :func:`changjing.simulate.sweep.run_one` — the function ``changjing
sweep`` runs — on a worker pool from :mod:`changjing.simulate.executors`.  Results are kept by
(config hash, seed), so the baseline runs once and going back to an earlier setting is instant.
A new job cancels the old one: runs not started are cancelled, running ones finish into the
cache.

"Save as experiment" writes the comparison as an experiment file with two named arms (the
baseline arm and ``whatif``), the same base, root seed, horizon and outputs; ``changjing sweep``
of that file runs exactly these configs and seeds, so it gives the page's numbers bit for bit.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from changjing.simulate.config import Config
from changjing.simulate.errors import ConfigError, SimulateError
from changjing.simulate.experiment import Experiment, run_seed
from changjing.simulate.executors import (
    ExecutorSpec,
    refuse_in_worker_bootstrap,
    sigint_blocked,
)
from changjing.simulate.store import RunOutcome

from .controls import build_controls, current_value
from .summary import compare, frames_from_outcomes, indicators_of

WHATIF_ARM = "whatif"
MAX_REPLICATIONS = 1000


def _warm() -> int:
    """Run in each worker once: import the model so the first real run does not pay for it."""
    from changjing.simulate import model, sweep  # noqa: F401

    return os.getpid()


@dataclass
class Job:
    id: int
    settings: dict[str, Any]          # canonical values (read back from the validated config)
    config: Config
    replications: int
    cancelled: bool = False
    finished: bool = False
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    seconds: float | None = None      # wall time until the last replication arrived
    summary_seconds: float = 0.0      # time spent summarising (the page's own overhead)
    summaries: int = 0                # how many times the comparison was computed
    _summary: tuple[int, dict[str, Any]] | None = None
    _summary_at: float = 0.0
    _summarising: threading.Lock = field(default_factory=threading.Lock)


class Session:
    """State behind the page; thread-safe (the HTTP server calls it from many threads)."""

    def __init__(self, experiment: Experiment, *, workers: int | None = None,
                 out: Path | None = None, lang: str = "zh") -> None:
        self.exp = experiment
        self.lang = lang
        self.out = out
        self.outputs = experiment.outputs
        self.indicators = indicators_of(self.outputs)
        arms = experiment.arms
        row = arms[arms["arm"] == experiment.baseline_arm].iloc[0]
        self.baseline_name = str(row["arm"])
        self.baseline_settings: dict[str, Any] = dict(row["settings"])
        self.baseline_config = experiment.base.with_overrides(
            self.baseline_settings, source=f"{experiment.path}: arm {self.baseline_name!r}")
        self.controls = build_controls(experiment, self.baseline_config)
        self.targets = {k: float(v) for k, v in
                        self.baseline_config.targets.model_dump().items()}
        self.root_seed = experiment.spec.experiment.root_seed
        refuse_in_worker_bootstrap("Session()")
        self._spec = ExecutorSpec(workers, None, 0)
        self._executor, self._close = self._spec.make()
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, int], RunOutcome] = {}
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._current: Job | None = None
        self._saved = itertools.count(1)
        self.warm_seconds = self._warm_up()

    # ---------------------------------------------------------------- pool
    def _warm_up(self) -> float:
        t0 = time.perf_counter()
        with sigint_blocked():      # workers start with Ctrl-C ignored (the parent's to handle)
            futs = [self._executor.submit(_warm) for _ in range(self._spec.n_workers)]
        for f in futs:
            f.result()
        return time.perf_counter() - t0

    def close(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.cancelled = True
        self._close()

    # ---------------------------------------------------------------- settings
    def validate(self, settings: dict[str, Any]) -> tuple[Config, dict[str, Any]]:
        """The config of ``settings`` (validated) and the settings as the config holds them.

        Raises :class:`ConfigError` with the validator's message for a bad value."""
        if not isinstance(settings, dict):
            raise ConfigError("settings: expected a table of dotted keys and values")
        allowed = {c["key"] for c in self.controls} | set(self.baseline_settings)
        unknown = [k for k in settings if k not in allowed]
        if unknown:
            raise ConfigError(f"page settings: {', '.join(map(repr, unknown))} is not one of "
                              f"this experiment's controls ({', '.join(sorted(allowed))})")
        merged = {**self.baseline_settings, **settings}
        config = self.exp.base.with_overrides(merged, source="page settings")
        canonical = {k: current_value(config, k) for k in merged}
        return config, canonical

    # ---------------------------------------------------------------- jobs
    def start(self, settings: dict[str, Any], replications: int) -> Job:
        """Validate and start a job (cancelling the running one)."""
        if isinstance(replications, bool) or not isinstance(replications, int) or \
                not 1 <= replications <= MAX_REPLICATIONS:
            raise ConfigError(f"replications: expected a whole number from 1 to "
                              f"{MAX_REPLICATIONS}, got {replications!r}")
        config, canonical = self.validate(settings)
        with self._lock:
            if self._current is not None:
                self._current.cancelled = True
            job = Job(next(self._ids), canonical, config, replications)
            self._jobs[job.id] = job
            self._current = job
            if len(self._jobs) > 50:      # keep the recent ones (the page's history)
                for old in sorted(self._jobs)[:-50]:
                    del self._jobs[old]
        threading.Thread(target=self._run, args=(job,), daemon=True,
                         name=f"whatif-job-{job.id}").start()
        return job

    def job(self, job_id: int) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(job_id)
        return job

    def _tasks(self, job: Job) -> list[tuple[str, Config, int]]:
        """(arm, config, replication) in the order results should arrive: replication by
        replication, baseline first, so every result completes a seed pair quickly."""
        return [(arm, cfg, r) for r in range(job.replications)
                for arm, cfg in ((self.baseline_name, self.baseline_config),
                                 (WHATIF_ARM, job.config))]

    def _key(self, config: Config, replication: int) -> tuple[str, int]:
        return (config.config_hash(), run_seed(self.root_seed, 0, replication))

    def _run(self, job: Job) -> None:
        from changjing.simulate.sweep import run_one

        try:
            hashes: dict[int, str] = {}
            todo: list[tuple[tuple[str, int], Config]] = []
            for arm, cfg, r in self._tasks(job):
                key = (hashes.setdefault(id(cfg), cfg.config_hash()),
                       run_seed(self.root_seed, 0, r))
                with self._lock:
                    if key in self._cache or key in [k for k, _ in todo]:
                        continue
                todo.append((key, cfg))
            inflight: dict[Future, tuple[str, int]] = {}
            window = 2 * self._spec.n_workers
            queue = list(todo)
            plain: dict[str, dict[str, Any]] = {}
            while queue or inflight:
                if job.cancelled:
                    for f in list(inflight):
                        if f.cancel():
                            del inflight[f]
                    queue.clear()
                    if not inflight:
                        break
                while queue and len(inflight) < window and not job.cancelled:
                    key, cfg = queue.pop(0)
                    data = plain.setdefault(key[0], cfg.to_dict())
                    inflight[self._executor.submit(run_one, 0, data, key[1],
                                                   self.outputs)] = key
                if not inflight:
                    continue
                done, _ = wait(list(inflight), timeout=0.2, return_when=FIRST_COMPLETED)
                for f in done:
                    key = inflight.pop(f)
                    if f.cancelled():
                        continue
                    outcome = f.result()
                    if outcome.status != "ok":
                        job.error = outcome.error
                        job.cancelled = True
                        continue
                    with self._lock:
                        self._cache[key] = outcome
            if not job.cancelled:
                job.seconds = time.perf_counter() - job.started
        except Exception as exc:  # noqa: BLE001 - shown on the page, the server goes on
            job.error = f"{type(exc).__name__}: {exc}"
        finally:
            job.finished = True

    def outcomes(self, job: Job) -> list[tuple[int, str, int, int, RunOutcome]]:
        """Finished runs of ``job``'s complete seed pairs, with the run ids and arm indices
        of the saved experiment (baseline arm 0, whatif arm 1)."""
        n = job.replications
        base_hash, cur_hash = self.baseline_config.config_hash(), job.config.config_hash()
        rows = []
        with self._lock:
            for r in range(n):
                seed = run_seed(self.root_seed, 0, r)
                a, b = self._cache.get((base_hash, seed)), self._cache.get((cur_hash, seed))
                if a is None or b is None:
                    continue
                rows += [(r, self.baseline_name, 0, r, a), (n + r, WHATIF_ARM, 1, r, b)]
        return rows

    def state(self, job: Job) -> dict[str, Any]:
        """Progress and the comparison over the seed pairs finished so far.

        While runs arrive the comparison is recomputed at most every ``max(0.5 s, 3 x the
        last computation)`` (so summarising takes at most about a quarter of one core away
        from the workers); the last pair always gives the final comparison at once."""
        rows = self.outcomes(job)
        pairs = len(rows) // 2
        last = job._summary
        finished_all = pairs == job.replications
        wait_s = max(0.5, 3 * (job.summary_seconds / job.summaries if job.summaries else 0))
        due = pairs and (last is None or (last[0] != pairs and (
            finished_all or time.perf_counter() - job._summary_at >= wait_s)))
        if due and job._summarising.acquire(blocking=finished_all):
            try:
                if job._summary is None or job._summary[0] != pairs:
                    t0 = time.perf_counter()
                    f = frames_from_outcomes(rows, self.outputs)
                    fresh = compare(f["runs"], f["final"], f["timeseries"], f["funnel"],
                                      f["budget"], baseline=self.baseline_name,
                                      arm=WHATIF_ARM, targets=self.targets,
                                      indicators=self.indicators)
                    job.summary_seconds += time.perf_counter() - t0
                    job.summaries += 1
                    job._summary, job._summary_at = (pairs, fresh), time.perf_counter()
            finally:
                job._summarising.release()
        summary = job._summary[1] if job._summary is not None else None
        complete = summary is not None and summary["n"] == job.replications
        return {"job": job.id, "done": pairs, "total": job.replications,
                "shown": summary["n"] if summary is not None else 0,
                "complete": complete, "cancelled": job.cancelled and not complete,
                "finished": job.finished or complete, "error": job.error,
                "settings": job.settings,
                "seconds": job.seconds, "summary_seconds": round(job.summary_seconds, 4),
                "summaries": job.summaries,
                "summary": summary}

    # ---------------------------------------------------------------- records
    def experiment_toml(self, job: Job, path: Path) -> str:
        """The experiment file of ``job``'s comparison, with ``base`` relative to ``path``."""
        spec = self.exp.spec.experiment
        base_file = (Path(self.exp.path).parent / spec.base).resolve()
        try:
            base = os.path.relpath(base_file, path.resolve().parent)
        except ValueError:               # another drive (Windows)
            base = str(base_file)
        lines = [
            "# Written by `changjing whatif` (save as experiment): the baseline arm and the",
            "# setting on the page, with the page's seeds (common random numbers).  Reproduce",
            "# the page's numbers with:",
            f"#   changjing sweep {_basename(path)} --out DIR && changjing analyze DIR",
            "",
            "[experiment]",
            f"name = {_toml(spec.name + '_whatif')}",
            f"description = {_toml('What-if from ' + Path(self.exp.path).name)}",
            f"base = {_toml(base.replace(os.sep, '/'))}",
            f"replications = {job.replications}",
            f"root_seed = {self.root_seed}",
        ]
        if spec.horizon_months is not None:
            lines.append(f"horizon_months = {spec.horizon_months}")
        if spec.outputs is not None:
            lines.append(f"outputs = {_toml(list(spec.outputs))}")
        lines += [f"baseline_arm = {_toml(self.baseline_name)}", ""]
        for name, settings in ((self.baseline_name, self.baseline_settings),
                               (WHATIF_ARM, job.settings)):
            lines += ["[[arms]]", f"name = {_toml(name)}",
                      "set = { " + ", ".join(f"{_toml(k)} = {_toml(v)}"
                                             for k, v in settings.items()) + " }", ""]
        return "\n".join(lines)

    def _next_path(self, stem: str, suffix: str) -> Path:
        if self.out is None:
            raise SimulateError("this page was started without --out DIR, so it writes "
                                "nothing; restart with `changjing whatif EXPERIMENT --out DIR`")
        self.out.mkdir(parents=True, exist_ok=True)
        while True:
            path = self.out / f"{stem}-{next(self._saved)}{suffix}"
            if not path.exists():
                return path

    def save(self, job: Job) -> Path:
        """Write the comparison as an experiment file in the --out folder (never overwrites)."""
        path = self._next_path("whatif", ".toml")
        text = self.experiment_toml(job, path)
        from changjing.simulate.inputs import parse_toml

        parse_toml(text, path, "experiment")           # what we write must read back
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        return path

    def report(self, job: Job, *, wait_s: float = 600.0,
               progress: Callable[[str], None] | None = None) -> Path:
        """Save the experiment, record the page's runs as its sweep folder (the runs a sweep
        would make, so nothing is run again) and write the policy report of it."""
        deadline = time.monotonic() + wait_s
        while not self.state(job)["complete"]:
            if job.cancelled or job.error or time.monotonic() > deadline:
                raise SimulateError("the replications of this setting did not finish; wait "
                                    "for n of N to complete (or start it again), then build "
                                    "the report")
            time.sleep(0.1)
        from changjing.report.build import build_report, write_report
        from changjing.simulate.experiment import load_experiment
        from changjing.simulate.sweep import prepare_folder

        toml = self.save(job)
        exp = load_experiment(toml)
        folder = toml.with_name(toml.stem + "_sweep")
        store = prepare_folder(exp, folder, overwrite=False)
        try:
            plan = exp.run_plan()
            by_id = {rid: o for rid, _, _, _, o in self.outcomes(job)}
            outcomes = []
            for rid in plan["run_id"]:
                o = by_id[int(rid)]
                outcomes.append(RunOutcome(int(rid), o.status, o.wall_time_s, o.error,
                                           o.steps, o.dates, o.values, o.funnel, o.budget))
            store.write(outcomes)
        finally:
            store.close()
        rep = build_report([folder], lang=self.lang,
                           command=f"changjing report {folder.name} --out "
                                   f"{toml.stem}_report.html --lang {self.lang}")
        written = write_report(rep, toml.with_name(toml.stem + "_report.html"))
        return Path(written.html)


def _basename(path: Path) -> str:
    return path.name


def _toml(value: Any) -> str:
    """A TOML literal for the values a config holds (strings, numbers, booleans, lists,
    tables); floats use Python's repr, which reads back to the same double."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)   # a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml(str(k))} = {_toml(v)}" for k, v in value.items()) \
            + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
