"""Live replications: R common-random-number runs of one configuration, summarised at once.

For a page that answers while the planner watches (the what-if page): a warm pool of worker
processes runs ``replications`` seeded runs of one configuration and the parent aggregates
them into bands (mean, median, 5 % and 95 % quantiles per step and indicator) and the
probability of reaching each target by the end, with its Wilson interval.

    from changjing.simulate import Config
    from changjing.simulate.live import LivePool

    with LivePool(workers=2) as pool:            # start once, keep while the page is open
        res = pool.replicate(Config().with_overrides({"funding.annual_budget_yuan": 1.2e8}))
        res.bands          # step, date, indicator, n, mean, median, p05, p95
        res.targets        # target, target_value, runs, reached, probability, ci_low, ci_high

Conventions (recorded in :attr:`LiveResult.conventions`): replication r runs with seed
``run_seed(root_seed, point, r)`` — the seed rule of experiment sweeps, the same for every
configuration, so two configurations answered with one root seed are compared on common
random numbers, and replication r here is replication r of a sweep's point ``point``.
Quantiles are numpy's default (linear interpolation); P(target) is the share of replications
whose final value reaches the target, with a Wilson interval at ``level``.  Results depend only
on the configuration, the seeds and the indicators, never on the number of workers.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from .config import Config, parse_config
from .indicators import TARGETS

DEFAULT_ROOT_SEED = 20260416          # the experiments' default root_seed
DEFAULT_REPLICATIONS = 32


@dataclass
class LiveResult:
    """Summary of ``replications`` runs of one configuration (see the module docstring)."""

    config_hash: str
    root_seed: int
    point: int
    seeds: list[int]
    bands: pd.DataFrame          # step, date, indicator, n, mean, median, p05, p95
    targets: pd.DataFrame        # target, target_value, runs, reached, probability, ci_low, ...
    final: pd.DataFrame          # replication, seed, then each indicator's final value
    seconds: float               # wall time of the request (runs and aggregation)
    conventions: dict[str, str] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return len(self.seeds)

    def p_target(self, name: str = "all_targets") -> float:
        """P(reaching ``name`` by the end); ``"all_targets"``: all of them together."""
        row = self.targets[self.targets["target"] == name]
        if row.empty:
            raise KeyError(f"unknown target {name!r}; known: {list(self.targets['target'])}")
        return float(row["probability"].iloc[0])


# ------------------------------------------------------------------ the worker side

_CONFIGS: dict[str, Config] = {}      # per worker process: parsed configurations by hash


def _run_seeds(config: dict[str, Any], config_hash: str, seeds: list[int],
               indicators: list[str]) -> tuple[list[int], list[str], np.ndarray]:
    """Run one configuration for each seed; returns steps, dates and an array
    (len(seeds), steps, len(indicators)) — plain arrays, small to send back."""
    from .memory import release_model
    from .model import ScenarioModel

    cfg = _CONFIGS.get(config_hash)
    if cfg is None:
        cfg = _CONFIGS[config_hash] = parse_config(config, "live replications")
        if len(_CONFIGS) > 64:                      # a page explores a few configurations
            _CONFIGS.pop(next(iter(_CONFIGS)))
    out = []
    steps: list[int] = []
    dates: list[str] = []
    for seed in seeds:
        model = ScenarioModel(cfg, int(seed))
        while model.running:
            model.step()
        mv = model.datacollector.model_vars
        out.append(np.column_stack([np.asarray(mv[k], dtype=np.float64) for k in indicators]))
        steps, dates = list(mv["step"]), list(mv["date"])
        release_model(model)
    return steps, dates, np.stack(out)


def _warm() -> int:
    """Import the model and run a tiny one, so the first request pays no start-up."""
    from .model import ScenarioModel

    model = ScenarioModel(Config().with_overrides({"firms.n": 200, "run.months": 2,
                                                   "run.warmup_months": 0}), 0)
    model.run_for(2)
    return os.getpid()


# ------------------------------------------------------------------ the pool

class LivePool:
    """A warm pool of worker processes for :meth:`replicate` (keep one per server process).

    ``workers``: processes (default: one per core); 1 runs in this process.  The pool starts
    and warms its workers when created; close it (or use it as a context manager) when done.
    """

    def __init__(self, workers: int | None = None) -> None:
        from .executors import ExecutorSpec, sigint_blocked

        self.workers = workers or os.cpu_count() or 1
        with sigint_blocked():
            self._executor: Executor
            self._executor, self._close = ExecutorSpec(self.workers, None, 0).make()
        # one warm-up task per worker, all at once (each spawned worker takes one)
        for f in [self._executor.submit(_warm) for _ in range(self.workers)]:
            f.result()

    def replicate(self, config: Config, replications: int = DEFAULT_REPLICATIONS, *,
                  root_seed: int = DEFAULT_ROOT_SEED, point: int = 0,
                  indicators: tuple[str, ...] = TARGETS, level: float = 0.95) -> LiveResult:
        """Run ``replications`` CRN replications of ``config`` and summarise them.

        Bands cover ``indicators`` (default: the four 十百千 targets); P(target) is computed
        for every target of ``config.targets`` among them, and for all of them jointly."""
        from .experiment import run_seed

        if replications < 1:
            raise ValueError(f"replications must be at least 1, got {replications}")
        t0 = time.perf_counter()
        seeds = [run_seed(root_seed, point, r) for r in range(replications)]
        cfg_dict, cfg_hash = config.to_dict(), config.config_hash()
        # a few chunks per worker: balanced, and few round trips
        n_chunks = min(replications, 4 * self.workers if self.workers > 1 else 1)
        chunks = [c.tolist() for c in np.array_split(np.array(seeds, dtype=object), n_chunks)
                  if len(c)]
        futures = [self._executor.submit(_run_seeds, cfg_dict, cfg_hash, c, list(indicators))
                   for c in chunks]
        parts = [f.result() for f in futures]              # in seed order
        steps, dates = parts[0][0], parts[0][1]
        values = np.concatenate([p[2] for p in parts])     # (replications, steps, indicators)
        result = summarise(values, steps, dates, list(indicators), seeds, config, level)
        return LiveResult(cfg_hash, int(root_seed), int(point), seeds, *result,
                          seconds=time.perf_counter() - t0, conventions={
                              "seeds": f"run_seed(root_seed={root_seed}, point={point}, r), "
                                       "r = 0..replications-1 (the experiments' seed rule: "
                                       "common random numbers across configurations)",
                              "bands": "numpy quantiles (linear interpolation) over "
                                       "replications, per step",
                              "p_target": f"share of replications with final value >= target; "
                                          f"Wilson {level:.0%} interval",
                          })

    def close(self) -> None:
        self._close()

    def __enter__(self) -> LivePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def summarise(values: np.ndarray, steps: list[int], dates: list[str], indicators: list[str],
              seeds: list[int], config: Config, level: float = 0.95
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Bands, target probabilities and final values from ``values`` (replications x steps x
    indicators)."""
    from .analysis.summaries import wilson_interval

    r, t, k = values.shape
    q05, med, q95 = np.quantile(values, [0.05, 0.5, 0.95], axis=0)
    bands = pd.DataFrame({
        "step": np.tile(np.asarray(steps), k), "date": np.tile(np.asarray(dates), k),
        "indicator": np.repeat(indicators, t), "n": r,
        "mean": values.mean(axis=0).T.ravel(), "median": med.T.ravel(),
        "p05": q05.T.ravel(), "p95": q95.T.ravel()})
    last = values[:, -1, :]
    final = pd.DataFrame(last, columns=indicators)
    final.insert(0, "seed", seeds)
    final.insert(0, "replication", np.arange(r))
    goals = {name: float(getattr(config.targets, name)) for name in TARGETS
             if name in indicators}
    reached = {name: last[:, indicators.index(name)] >= v for name, v in goals.items()}
    if reached:
        reached["all_targets"] = np.logical_and.reduce(list(reached.values()))
    rows = []
    for name, hit in reached.items():
        n_hit = int(hit.sum())
        lo, hi = wilson_interval(np.array([n_hit]), np.array([r]), level)
        rows.append({"target": name, "target_value": goals.get(name, np.nan), "runs": r,
                     "reached": n_hit, "probability": n_hit / r, "ci_low": float(lo[0]),
                     "ci_high": float(hi[0]), "interval": f"Wilson {level:.0%}"})
    targets = pd.DataFrame(rows, columns=["target", "target_value", "runs", "reached",
                                          "probability", "ci_low", "ci_high", "interval"])
    return bands, targets, final


_POOL: LivePool | None = None


def live_replications(config: Config | None = None,
                      replications: int = DEFAULT_REPLICATIONS, *,
                      root_seed: int = DEFAULT_ROOT_SEED, pool: LivePool | None = None,
                      workers: int | None = None, **kwargs: Any) -> LiveResult:
    """:meth:`LivePool.replicate` on ``pool``, or on a pool kept for this process (started,
    with ``workers`` processes, on the first call; :func:`close_live_pool` ends it)."""
    global _POOL
    if pool is None:
        if _POOL is None:
            _POOL = LivePool(workers)
        pool = _POOL
    return pool.replicate(config if config is not None else Config(), replications,
                          root_seed=root_seed, **kwargs)


def close_live_pool() -> None:
    """End the pool kept by :func:`live_replications` (if any)."""
    global _POOL
    if _POOL is not None:
        _POOL.close()
        _POOL = None


__all__ = ["LivePool", "LiveResult", "close_live_pool", "live_replications", "summarise"]
