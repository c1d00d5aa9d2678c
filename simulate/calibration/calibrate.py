"""``calibrate(file, out)``: fit free parameters to observed programme moments by ABC-SMC.

A calibration file (``experiments/calibrate_history.toml``) names the base config, the targets
file (``scenarios_data/calibration_targets.toml`` by default), fixed settings of the historical
period (``[calibration.set]``), the free parameters with their priors (``[priors.NAME]``) and
the ABC-SMC settings.  Simulations run on the sweep's executors (in-process, process pool or
Dask) and every simulated proposal is stored at once in ``DIR/calibration.sqlite``: a killed
calibration resumes where it stopped and gives the same posterior as an uninterrupted one.

Outputs in DIR: ``posterior.csv`` (particles, values, weights), ``posterior_summary.csv``
(mean, sd, 5/50/95 % quantiles — the 90 % credible interval — against the prior, and whether
the data identify the parameter), ``trace.csv`` (tolerance, simulations, acceptance and ESS
per generation), ``ppc.csv`` and ``ppc.png`` (posterior predictive check of every moment) and
``manifest.json``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from .abc_smc import Generation, Prior, abc_smc, weighted_quantile
from .targets import (
    TargetsFile,
    distance,
    load_targets,
    observed,
    period_overrides,
    simulated_moments,
)
from ..config import Config, load_config
from ..errors import ConfigError, SimulateError, format_validation_error
from ..executors import (
    ExecutorHandle,
    ExecutorSpec,
    refuse_in_worker_bootstrap,
    resilient_map,
)
from ..inputs import StrictModel, key_lines, load_toml, where
from ..provenance import (
    canonical_hash,
    git_commit,
    open_job_folder,
    package_versions,
    write_csv,
    write_manifest,
)
from pydantic import Field, ValidationError, model_validator

IDENTIFIED, WEAK = 0.5, 0.8   # posterior / prior 90 % width thresholds (stated conventions)


class _Strict(StrictModel):
    """Unknown keys and silently coerced types are errors (see simulate/inputs.py)."""


class CalibrationSection(_Strict):
    name: str
    description: str = ""
    base: str = "baseline.toml"
    targets: str = "calibration_targets.toml"
    root_seed: int = Field(20260416, ge=0)
    particles: int = Field(200, ge=10, le=100_000)
    generations: int = Field(6, ge=1, le=100)
    quantile: float = Field(0.5, gt=0, lt=1)
    min_acceptance: float = Field(0.02, gt=0, le=1)
    predictive_draws: int = Field(100, ge=10, le=100_000)
    set: dict[str, Any] = Field(default_factory=dict)


class PriorSpec(_Strict):
    key: str
    dist: Literal["uniform", "loguniform", "normal"] = "uniform"
    range: tuple[float, float]
    mean: float | None = None
    sd: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _check(self) -> PriorSpec:
        lo, hi = self.range
        if not lo < hi:
            raise ValueError(f"range must be [low, high] with low < high, got {self.range}")
        if self.dist == "loguniform" and lo <= 0:
            raise ValueError("a log-uniform prior needs a positive range")
        if self.dist == "normal" and (self.mean is None or self.sd is None or self.sd <= 0):
            raise ValueError("a normal prior needs 'mean' and a positive 'sd' (truncated to "
                             "'range')")
        return self


class CalibrationSpec(_Strict):
    calibration: CalibrationSection
    priors: dict[str, PriorSpec]

    @model_validator(mode="after")
    def _check(self) -> CalibrationSpec:
        if not self.priors:
            raise ValueError("give at least one [priors.NAME]")
        return self


@dataclass
class Calibration:
    spec: CalibrationSpec
    source: str
    path: str
    base: Config                  # base + historical period + [calibration.set]
    targets: TargetsFile
    priors: list[Prior]

    def config_for(self, values: dict[str, Any]) -> Config:
        return self.base.with_overrides(values, f"{self.path}: proposal")

    def values_of(self, z: np.ndarray) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for p, zj in zip(self.priors, z, strict=True):
            v = float(p.to_value(np.array([zj]))[0])
            out[p.key] = int(v) if p.integer else v
        return out

    def resolved(self) -> dict[str, Any]:
        return {"spec": self.spec.model_dump(mode="json"), "base_config": self.base.to_dict(),
                "targets": self.targets.model_dump(mode="json")}

    def spec_hash(self) -> str:
        return canonical_hash(self.resolved())


CALIBRATION_HINTS = {
    k: "is a model-config table: set model parameters in the base config (calibration.base) "
       "or in [calibration.set]" for k in Config.model_fields
} | {k: "belongs in an experiment file (`changjing sweep`)"
     for k in ("experiment", "levers", "arms", "uncertainties", "design")
     } | {k: "belongs in the targets file named by calibration.targets" for k in
          ("moment", "period")}


def load_calibration(path: str | Path) -> Calibration:
    path = Path(path)
    data, text = load_toml(path, "calibration", empty_hint="a calibration needs a "
                           "[calibration] table and [priors.NAME] (docs/calibration.md)")
    lines = key_lines(text)
    try:
        spec = CalibrationSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), CalibrationSpec,
                                                  "calibration", text, CALIBRATION_HINTS)
                          ) from None
    c = spec.calibration
    if not (path.parent / c.base).is_file():
        raise ConfigError(f"{where(str(path), lines, 'calibration.base')}: {c.base}: file not "
                          f"found (looked in {path.parent})")
    tpath = path.parent / c.targets
    try:
        base = load_config(path.parent / c.base)
    except ConfigError as exc:
        raise ConfigError(f"{where(str(path), lines, 'calibration.base')} -> {exc}") from None
    try:
        targets = load_targets(tpath if tpath.is_file() else c.targets)
    except ConfigError as exc:
        raise ConfigError(f"{where(str(path), lines, 'calibration.targets')} -> {exc}"
                          ) from None
    try:
        base = base.with_overrides({**period_overrides(targets, base.run.start), **c.set},
                                   f"{where(str(path), lines, 'calibration.set')}")
    except ConfigError as exc:
        raise ConfigError(str(exc)) from None
    priors = []
    for name, p in spec.priors.items():
        try:
            base.with_overrides({p.key: p.range[0] if not p.integer else int(p.range[0])},
                                where(str(path), lines, f"priors.{name}.key"))
            base.with_overrides({p.key: p.range[1] if not p.integer else int(p.range[1])},
                                where(str(path), lines, f"priors.{name}.range"))
        except ConfigError as exc:
            raise ConfigError(str(exc)) from None
        priors.append(Prior(name, p.key, p.dist, p.range[0], p.range[1], p.mean, p.sd,
                            p.integer))
    return Calibration(spec, text, str(path), base, targets, priors)


# ------------------------------------------------------------------ the worker side

def simulate_chunk(tasks: list[tuple[tuple[int, int, int], dict[str, Any], int]],
                   targets: dict[str, Any]) -> list[tuple[tuple[int, int, int], list[float] | None,
                                                        str | None]]:
    """Run proposals and return their moments (None and the error if a run fails)."""
    from ..config import parse_config
    from ..runner import run

    tf = TargetsFile.model_validate(targets)
    out: list[tuple[tuple[int, int, int], list[float] | None, str | None]] = []
    for key, cfg, seed in tasks:
        try:
            res = run(parse_config(cfg, "calibration proposal"), seed)
            out.append((key, simulated_moments(tf, res.timeseries, res.funnel).tolist(), None))
        except Exception as exc:  # noqa: BLE001 - a failed proposal counts as far away
            out.append((key, None, f"{type(exc).__name__}: {exc}"))
    return out


# ------------------------------------------------------------------ the store

class CalibrationStore:
    FILE = "calibration.sqlite"

    def __init__(self, folder: Path) -> None:
        self.con = sqlite3.connect(folder / self.FILE, timeout=30, isolation_level=None)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("CREATE TABLE IF NOT EXISTS sims (gen INTEGER, batch INTEGER, idx "
                         "INTEGER, seed INTEGER, z TEXT, moments TEXT, distance REAL, error "
                         "TEXT, PRIMARY KEY (gen, batch, idx))")
        self.con.execute("CREATE TABLE IF NOT EXISTS generations (gen INTEGER PRIMARY KEY, "
                         "epsilon REAL, simulations INTEGER, data TEXT)")

    def batch(self, gen: int, batch: int) -> dict[int, tuple[float, str | None]]:
        rows = self.con.execute("SELECT idx, distance FROM sims WHERE gen=? AND batch=?",
                                (gen, batch)).fetchall()
        return {i: d for i, d in rows}

    def add(self, rows: list[tuple[Any, ...]]) -> None:
        self.con.execute("BEGIN IMMEDIATE")
        self.con.executemany("INSERT OR REPLACE INTO sims VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self.con.execute("COMMIT")

    def save_generation(self, g: Generation) -> None:
        data = {"z": g.z.tolist(), "weights": g.weights.tolist(),
                "distances": g.distances.tolist(), "keys": g.accepted_keys}
        self.con.execute("INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)",
                         (g.index, g.epsilon if np.isfinite(g.epsilon) else None,
                          g.simulations, json.dumps(data)))

    def generations(self) -> list[Generation]:
        out = []
        for gen, eps, sims, data in self.con.execute(
                "SELECT gen, epsilon, simulations, data FROM generations ORDER BY gen"):
            d = json.loads(data)
            out.append(Generation(gen, np.inf if eps is None else eps, np.array(d["z"]),
                                  np.array(d["weights"]), np.array(d["distances"]), sims,
                                  [tuple(k) for k in d["keys"]]))
        return out

    def moments_of(self, keys: list[tuple[int, int, int]]) -> np.ndarray:
        out = []
        for k in keys:
            row = self.con.execute("SELECT moments FROM sims WHERE gen=? AND batch=? AND idx=?",
                                   k).fetchone()
            out.append(json.loads(row[0]) if row and row[0] else None)
        return np.array(out, dtype=float)

    def total_simulations(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM sims").fetchone()[0])

    def close(self) -> None:
        self.con.close()


# ------------------------------------------------------------------ running

@dataclass
class CalibrationResult:
    folder: Path
    generations: list[Generation]
    posterior: pd.DataFrame
    summary: pd.DataFrame
    trace: pd.DataFrame
    ppc: pd.DataFrame
    simulations: int
    seconds: float


def calibrate(calibration: Calibration | str | Path, out: str | Path, *,
              workers: int | None = None, scheduler: str | None = None,
              overwrite: bool = False, chunk_size: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              plot: bool = True) -> CalibrationResult:
    """Run (or resume) a calibration into ``out`` and write its outputs there."""
    refuse_in_worker_bootstrap("calibrate()")
    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    folder = Path(out)
    _prepare(cal, folder, overwrite)
    store = CalibrationStore(folder)
    t0 = time.perf_counter()
    obs, sd, _ = observed(cal.targets)
    targets_data = cal.targets.model_dump(mode="json")
    handle = ExecutorHandle(ExecutorSpec(workers, scheduler))
    n_workers = handle.spec.n_workers
    c = cal.spec.calibration
    total_guess = c.particles * c.generations

    def evaluate(gen: int, batch: int, z: np.ndarray, seeds: list[int]) -> np.ndarray:
        have = store.batch(gen, batch)
        missing = [i for i in range(len(z)) if i not in have]
        if missing:
            def row(i: int, moments: list[float] | None, err: str | None) -> tuple[Any, ...]:
                d = distance(np.array(moments), obs, sd) if moments is not None else np.inf
                return (gen, batch, i, seeds[i], json.dumps(z[i].tolist()),
                        json.dumps(moments) if moments is not None else None, d, err)

            def on_result(results: list[tuple[Any, ...]]) -> None:
                store.add([row(i, m, err) for (_, _, i), m, err in results])
                if progress:
                    progress(min(store.total_simulations(), total_guess), total_guess)

            def submit(ex: Any, ids: list[int]) -> Any:
                tasks = [((gen, batch, i), cal.config_for(cal.values_of(z[i])).to_dict(),
                          seeds[i]) for i in ids]
                return ex.submit(simulate_chunk, tasks, targets_data)

            size = chunk_size or max(1, int(np.ceil(len(missing) / (n_workers * 4))))
            resilient_map(handle, missing, size, submit, on_result,
                          lambda i, why: store.add([row(i, None, f"worker died ({why})")]),
                          lambda ids, exc: store.add([row(i, None, f"{type(exc).__name__}: "
                                                      f"{exc}") for i in ids]))
            have = store.batch(gen, batch)
        return np.array([have[i] for i in range(len(z))], dtype=float)

    try:
        gens = abc_smc(cal.priors, evaluate, particles=c.particles, generations=c.generations,
                       quantile=c.quantile, min_acceptance=c.min_acceptance,
                       root_seed=c.root_seed, completed=store.generations(),
                       on_generation=store.save_generation)
        if not gens:
            raise SimulateError("calibration produced no generation")
        result = _summarise(cal, gens, store, folder, handle, plot)
    finally:
        handle.close()
        sims = store.total_simulations()
        store.close()
    result.simulations = sims
    result.seconds = time.perf_counter() - t0
    return result


def _prepare(cal: Calibration, folder: Path, overwrite: bool) -> None:
    if open_job_folder(folder, overwrite, what="calibration", hash_key="spec_hash",
                       hash_value=cal.spec_hash()):
        return
    write_manifest(folder, {
        "kind": "changjing.calibration", "name": cal.spec.calibration.name,
        "calibration_file": cal.path, "calibration_as_given": cal.source,
        "resolved": cal.resolved(), "spec_hash": cal.spec_hash(),
        "priors": [p.__dict__ for p in cal.priors],
        "seed_rule": "proposal batch (generation g, batch b): random numbers from "
                     "SeedSequence(root_seed, spawn_key=(g, b, 0)); simulation seeds from "
                     "SeedSequence(root_seed, spawn_key=(g, b, 1))",
        "versions": package_versions(), "git_commit": git_commit(),
        "algorithm": "ABC-SMC, Beaumont et al. (2009); adaptive tolerance (quantile of "
                     "previous distances); Gaussian kernel, 2x weighted covariance; "
                     "distance = RMS of (simulated - observed) / sd"})


def _summarise(cal: Calibration, gens: list[Generation], store: CalibrationStore,
               folder: Path, handle: ExecutorHandle, plot: bool) -> CalibrationResult:
    last = gens[-1]
    names = [p.name for p in cal.priors]
    values = np.column_stack([p.to_value(last.z[:, j]) for j, p in enumerate(cal.priors)])
    posterior = pd.DataFrame(values, columns=names)
    posterior.insert(0, "particle", np.arange(len(posterior)))
    posterior["weight"] = last.weights
    posterior["distance"] = last.distances
    rng = np.random.default_rng(np.random.SeedSequence(cal.spec.calibration.root_seed,
                                                       spawn_key=(9999,)))
    rows = []
    for j, p in enumerate(cal.priors):
        x = values[:, j]
        mean = float(np.dot(last.weights, x))
        sdv = float(np.sqrt(np.dot(last.weights, (x - mean) ** 2)))
        q05, q50, q95 = weighted_quantile(x, last.weights, [0.05, 0.5, 0.95])
        prior_draws = p.to_value(p.sample_z(rng, 20_000))
        p05, p95 = np.quantile(prior_draws, [0.05, 0.95])
        ratio = (q95 - q05) / (p95 - p05) if p95 > p05 else np.nan
        verdict = ("identified" if ratio < IDENTIFIED else
                   "weakly identified" if ratio < WEAK else "stays near its prior")
        rows.append({"parameter": p.name, "key": p.key, "mean": mean, "sd": sdv, "q05": q05,
                     "median": q50, "q95": q95, "prior": p.dist, "prior_q05": p05,
                     "prior_q95": p95, "width_ratio": ratio, "identification": verdict})
    summary = pd.DataFrame(rows)
    trace = pd.DataFrame([{"generation": g.index, "epsilon": g.epsilon,
                           "simulations": g.simulations, "acceptance": g.acceptance,
                           "ess": g.ess, "median_distance": float(np.median(g.distances))}
                          for g in gens])
    ppc = _predictive_check(cal, last, handle)
    for name, frame in (("posterior", posterior), ("posterior_summary", summary),
                        ("trace", trace), ("ppc", ppc)):
        write_csv(frame, folder / f"{name}.csv")
    if plot:
        _plot_ppc(ppc, folder / "ppc.png")
    return CalibrationResult(folder, gens, posterior, summary, trace, ppc, 0, 0.0)


def _predictive_check(cal: Calibration, last: Generation,
                      handle: ExecutorHandle) -> pd.DataFrame:
    """Simulate the moments at posterior draws (fresh seeds) against each observation."""
    c = cal.spec.calibration
    seq = np.random.SeedSequence(c.root_seed, spawn_key=(10_000,))
    rng = np.random.default_rng(seq)
    draws = rng.choice(len(last.weights), size=c.predictive_draws, p=last.weights)
    seeds = [int(s) for s in seq.spawn(1)[0].generate_state(c.predictive_draws, np.uint64)
             % np.uint64(2**63 - 1)]
    tasks = [((-1, 0, i), cal.config_for(cal.values_of(last.z[d])).to_dict(), seeds[i])
             for i, d in enumerate(draws)]
    size = max(1, int(np.ceil(len(tasks) / (handle.spec.n_workers * 2))))
    targets_data = cal.targets.model_dump(mode="json")
    moments: dict[int, list[float] | None] = {}

    def on_result(results: list[tuple[Any, ...]]) -> None:
        for key, m, _err in results:
            moments[key[2]] = m

    resilient_map(handle, list(range(len(tasks))), size,
                  lambda ex, ids: ex.submit(simulate_chunk, [tasks[i] for i in ids],
                                            targets_data),
                  on_result, lambda i, why: None, lambda ids, exc: None)
    sims = np.array([moments[i] for i in range(len(tasks)) if moments.get(i) is not None],
                    dtype=float)
    obs, sd, names = observed(cal.targets)
    rows = []
    for j, name in enumerate(names):
        col = sims[:, j]
        lo, hi = np.quantile(col, [0.05, 0.95])
        rows.append({"moment": name, "observed": obs[j], "sd": sd[j],
                     "simulated_mean": col.mean(), "simulated_q05": lo, "simulated_q95": hi,
                     "z": (obs[j] - col.mean()) / np.sqrt(col.var() + sd[j] ** 2),
                     "within_90": bool(lo - sd[j] <= obs[j] <= hi + sd[j]),
                     "draws": len(col)})
    return pd.DataFrame(rows)


def _plot_ppc(ppc: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(ppc)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.0), squeeze=False)
    for ax, row in zip(axes[0], ppc.itertuples(), strict=True):
        ax.errorbar([0], [row.simulated_mean],
                    yerr=[[row.simulated_mean - row.simulated_q05],
                          [row.simulated_q95 - row.simulated_mean]],
                    fmt="o", color="tab:blue", capsize=6, label="posterior predictive 5–95 %")
        ax.errorbar([0.3], [row.observed], yerr=[[2 * row.sd], [2 * row.sd]], fmt="s",
                    color="tab:red", capsize=6, label="observed ± 2 sd")
        ax.set_xlim(-0.5, 0.8)
        ax.set_xticks([])
        ax.set_title(row.moment.replace("_", " "), fontsize=9)
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("Posterior predictive check of the calibration targets", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
