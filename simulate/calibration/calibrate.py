"""``calibrate(file, out)``: fit free parameters to observed programme moments by ABC-SMC.

A calibration file (``experiments/calibrate_history.toml``) names the base config, the targets
file (``scenarios_data/calibration_targets.toml`` by default), fixed settings of the historical
period (``[calibration.set]``), the free parameters with their priors (``[priors.NAME]``) and
the ABC-SMC settings.  Simulations run on the sweep's executors (in-process, process pool or
Dask) and every simulated proposal is stored at once in ``DIR/calibration.sqlite``: a killed
calibration resumes where it stopped and gives the same posterior as an uninterrupted one.

Outputs in DIR: ``prior_predictive.csv`` (can the priors reach each target? checked before
the SMC generations: an unreachable target is refused, or flagged with ``reachability =
"warn"``), ``posterior.csv`` (particles, values, weights), ``posterior_summary.csv`` (mean,
sd, 5/50/95 % quantiles — the 90 % credible interval — against the prior, the
regression-adjusted interval, and a verdict that accounts for convergence, misfit and, after
``check_recovery``, recovery), ``trace.csv`` (tolerance, its fall, simulations, acceptance,
ESS and quantile shift per generation), ``ppc.csv`` and ``ppc.png`` (plain 90 % posterior
predictive interval of every moment, a fit verdict and each moment's share of the misfit),
``posterior_pairs.png``, ``inferred.json`` (the calibrated values marked *inferred*, with
intervals, for reports) and ``manifest.json`` (stopping rule, convergence, simulations).
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
from .abc_smc import (
    Generation,
    Prior,
    abc_smc,
    converged,
    recovery_summary,
    regression_adjust,
    trace_table,
    weighted_quantile,
)
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
    min_epsilon: float = Field(0.0, ge=0, description="Stop once the tolerance (RMS distance "
                               "in sd) reaches this.")
    min_decrease: float = Field(0.02, ge=0, lt=1, description="Stop when the tolerance falls "
                                "by less than this share in a generation (0: never).")
    reachability: Literal["refuse", "warn"] = "refuse"
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
        if self.dist == "loguniform" and self.integer and lo < 1:
            raise ValueError("an integer log-uniform prior needs a range starting at 1 or more")
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


def load_calibration(path: str | Path, *, evaluation: str | Path | None = None) -> Calibration:
    """Read a calibration file (and the base config and targets it names).

    ``evaluation``: an evaluation table (跟踪评估) whose outcomes become enabled target
    moments (:mod:`.evaluation`), replacing same-named moments of the targets file.
    """
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
    if evaluation is not None:
        from .evaluation import add_evaluation_moments

        targets = add_evaluation_moments(targets, evaluation)
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

def _targets_from(data: dict[str, Any]) -> TargetsFile:
    # Revalidated in the worker; "future" checks are against the same clock, and evaluation
    # moments were validated when they were made.
    return TargetsFile.model_validate(data)


def simulate_chunk(tasks: list[tuple[tuple[int, int, int], dict[str, Any], int]],
                   targets: dict[str, Any]) -> list[tuple[tuple[int, int, int], list[float] | None,
                                                        str | None]]:
    """Run proposals and return their moments (None and the error if a run fails)."""
    from ..config import parse_config
    from ..runner import run

    tf = _targets_from(targets)
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

    def moments_of(self, keys: list[tuple[int, int, int]], n: int) -> np.ndarray:
        """(len(keys), n) simulated moments; NaN rows for runs that failed."""
        out = []
        for k in keys:
            row = self.con.execute("SELECT moments FROM sims WHERE gen=? AND batch=? AND idx=?",
                                   k).fetchone()
            out.append(json.loads(row[0]) if row and row[0] else [np.nan] * n)
        return np.array(out, dtype=float).reshape(len(keys), n)

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
    stop_reason: str = "generations"
    converged: bool = False
    prior_predictive: pd.DataFrame | None = None
    recovery: pd.DataFrame | None = None


def calibrate(calibration: Calibration | str | Path, out: str | Path, *,
              workers: int | None = None, scheduler: str | None = None,
              overwrite: bool = False, chunk_size: int | None = None,
              progress: Callable[[int, int], None] | None = None,
              plot: bool = True, predictive: bool = True) -> CalibrationResult:
    """Run (or resume) a calibration into ``out`` and write its outputs there.

    Generation 0 (prior draws) doubles as the prior predictive check: a target outside the
    range the priors can reach (± 2 sd) is refused (``reachability = "refuse"``, default) or
    flagged (``"warn"``) before any SMC generation runs.  ``predictive=False`` skips the
    posterior predictive simulations (used by recovery runs).
    """
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

    settings = {"particles": c.particles, "quantile": c.quantile,
                "min_acceptance": c.min_acceptance, "min_epsilon": c.min_epsilon,
                "min_decrease": c.min_decrease, "root_seed": c.root_seed}
    try:
        gens = abc_smc(cal.priors, evaluate, generations=1, completed=store.generations(),
                       on_generation=store.save_generation, **settings)  # type: ignore[arg-type]
        if not gens:
            raise SimulateError("calibration produced no generation")
        prior_pred = prior_predictive(cal, store, gens[0])
        write_csv(prior_pred, folder / "prior_predictive.csv")
        bad = prior_pred[~prior_pred["reachable"]]
        if len(bad) and c.reachability == "refuse":
            raise SimulateError(_unreachable_message(cal, bad))
        why: list[str] = []
        gens = abc_smc(cal.priors, evaluate, generations=c.generations, completed=gens,
                       on_generation=store.save_generation, stop=why,
                       **settings)  # type: ignore[arg-type]
        result = _summarise(cal, gens, store, folder, handle, plot, why[0], prior_pred,
                            predictive)
    finally:
        handle.close()
        sims = store.total_simulations()
        store.close()
    result.simulations = sims
    result.seconds = time.perf_counter() - t0
    _finish_manifest(cal, result)
    return result


def _prepare(cal: Calibration, folder: Path, overwrite: bool) -> None:
    if open_job_folder(folder, overwrite, what="calibration", hash_key="spec_hash",
                       hash_value=cal.spec_hash()):
        return
    write_manifest(folder, _manifest_base(cal))


def _manifest_base(cal: Calibration) -> dict[str, Any]:
    return {
        "kind": "changjing.calibration", "name": cal.spec.calibration.name,
        "calibration_file": cal.path, "calibration_as_given": cal.source,
        "resolved": cal.resolved(), "spec_hash": cal.spec_hash(),
        "priors": [p.__dict__ for p in cal.priors],
        "seed_rule": "proposal batch (generation g, batch b): random numbers from "
                     "SeedSequence(root_seed, spawn_key=(g, b, 0)); simulation seeds from "
                     "SeedSequence(root_seed, spawn_key=(g, b, 1))",
        "versions": package_versions(), "git_commit": git_commit(),
        "algorithm": "ABC-SMC, Beaumont et al. (2009); adaptive tolerance (quantile of "
                     "previous distances, next smaller distance on ties); Gaussian kernel, 2x "
                     "weighted covariance; distance = RMS of (simulated - observed) / sd; "
                     "regression adjustment Beaumont, Zhang & Balding (2002) reported beside "
                     "the plain posterior",
        "stopping_rule": {"generations": cal.spec.calibration.generations,
                          "min_epsilon": cal.spec.calibration.min_epsilon,
                          "min_decrease": cal.spec.calibration.min_decrease,
                          "min_acceptance": cal.spec.calibration.min_acceptance}}


def _finish_manifest(cal: Calibration, result: CalibrationResult) -> None:
    man = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))
    man.update({"stop_reason": result.stop_reason, "converged": result.converged,
                "generations_run": len(result.generations),
                "simulations": result.simulations,
                "final_epsilon": float(result.generations[-1].epsilon),
                "inferred_parameters": json.loads(
                    (result.folder / "inferred.json").read_text(encoding="utf-8"))["parameters"]})
    write_manifest(result.folder, man)


# ------------------------------------------------------------------ checks

REACH_SD = 2.0    # a target counts as reachable within 2 of its sd of the prior predictive range


def prior_predictive(cal: Calibration, store: CalibrationStore, gen0: Generation
                     ) -> pd.DataFrame:
    """The moments of generation 0 (draws from the prior) against each observation."""
    obs, sd, names = observed(cal.targets)
    keys = [(0, b, i) for b, i in store.con.execute(
        "SELECT batch, idx FROM sims WHERE gen = 0 ORDER BY batch, idx").fetchall()]
    m = store.moments_of(keys, len(names))
    rows = []
    for j, name in enumerate(names):
        col = m[:, j]
        fin = col[np.isfinite(col)]
        lo, hi = (float(fin.min()), float(fin.max())) if len(fin) else (np.nan, np.nan)
        q05, q95 = np.quantile(fin, [0.05, 0.95]) if len(fin) else (np.nan, np.nan)
        reach = bool(len(fin) and lo - REACH_SD * sd[j] <= obs[j] <= hi + REACH_SD * sd[j])
        rows.append({"moment": name, "observed": obs[j], "sd": sd[j], "prior_min": lo,
                     "prior_q05": q05, "prior_q95": q95, "prior_max": hi,
                     "not_produced_share": 1 - len(fin) / max(1, len(col)),
                     "draws": len(col), "reachable": reach})
    return pd.DataFrame(rows)


def _unreachable_message(cal: Calibration, bad: pd.DataFrame) -> str:
    lines = [f"{cal.path}: the priors cannot reach {len(bad)} target(s) (prior predictive "
             f"range of generation 0, ± {REACH_SD:g} sd of the observation):"]
    for r in bad.itertuples():
        if not np.isfinite(r.prior_min):
            lines.append(f"  - moment {r.moment!r}: no prior draw produced it (a ratio over "
                         "zero?)")
        else:
            lines.append(f"  - moment {r.moment!r} = {r.observed:g} (sd {r.sd:g}) but the "
                         f"priors give {r.prior_min:g} to {r.prior_max:g}")
    lines.append("Widen the priors, correct [calibration.set] or the base config, or drop "
                 "the moment (enabled = false); reachability = \"warn\" calibrates anyway and "
                 "marks the fit as not trusted.")
    return "\n".join(lines)


RECOVERY_COVERAGE = 0.85     # 90 % intervals must cover at least 85 % of synthetic truths


def narrowing(width_ratio: float) -> str:
    """How much the posterior's 90 % interval narrowed the prior's (no claim of truth)."""
    if not np.isfinite(width_ratio):
        return "unknown"
    return ("narrowed" if width_ratio < IDENTIFIED else
            "somewhat narrowed" if width_ratio < WEAK else "stays near its prior")


def identification_verdict(width_ratio: float, converged_: bool, misfits: list[str],
                           recovery: dict[str, float] | None) -> str:
    """The identification verdict (stated conventions of this project).

    *identified* only when the run converged, every target fits, and simulation-based
    recovery shows it: its 90 % intervals covered ≥ 85 % of synthetic truths with a median
    width under half the prior's (*weakly identified*: under 0.8).  Without recovery the
    verdict says how far the posterior narrowed and that recovery was not checked.
    """
    if not converged_:
        return "not converged (tolerance still falling)"
    if misfits:
        return "not trusted: misfit of " + ", ".join(misfits)
    if recovery is None:
        n = narrowing(width_ratio)
        return f"{n} (recovery not checked)"
    cov, width = recovery["coverage_90"], recovery["median_width_ratio"]
    if cov < RECOVERY_COVERAGE:
        return f"not identified: recovery coverage {cov:.0%}"
    if width < IDENTIFIED and width_ratio < IDENTIFIED:
        return "identified"
    if width < WEAK and width_ratio < WEAK:
        return "weakly identified"
    return "stays near its prior"


# ------------------------------------------------------------------ summaries

def _summarise(cal: Calibration, gens: list[Generation], store: CalibrationStore,
               folder: Path, handle: ExecutorHandle, plot: bool, stop_reason: str,
               prior_pred: pd.DataFrame, predictive: bool = True) -> CalibrationResult:
    last = gens[-1]
    names = [p.name for p in cal.priors]
    values = np.column_stack([p.to_value(last.z[:, j]) for j, p in enumerate(cal.priors)])
    posterior = pd.DataFrame(values, columns=names)
    posterior.insert(0, "particle", np.arange(len(posterior)))
    posterior["weight"] = last.weights
    posterior["distance"] = last.distances
    trace = trace_table(cal.priors, gens)
    conv = converged(stop_reason, trace)
    obs, sd, mnames = observed(cal.targets)
    summ = store.moments_of(last.accepted_keys, len(obs))
    try:
        adj = regression_adjust(cal.priors, last.z, last.weights, summ, obs, last.epsilon,
                                sd)
    except (np.linalg.LinAlgError, ValueError):
        adj = values
    ppc = _predictive_check(cal, last, handle) if predictive else None
    unreachable = list(prior_pred.loc[~prior_pred["reachable"], "moment"])
    misfits = sorted(set(unreachable) | (set(ppc.loc[ppc["fit"] == "misfit", "moment"])
                                         if ppc is not None else set()))
    rng = np.random.default_rng(np.random.SeedSequence(cal.spec.calibration.root_seed,
                                                       spawn_key=(9999,)))
    rows = []
    for j, p in enumerate(cal.priors):
        x = values[:, j]
        mean = float(np.dot(last.weights, x))
        sdv = float(np.sqrt(np.dot(last.weights, (x - mean) ** 2)))
        q05, q50, q95 = weighted_quantile(x, last.weights, [0.05, 0.5, 0.95])
        a05, a50, a95 = weighted_quantile(adj[:, j], last.weights, [0.05, 0.5, 0.95])
        prior_draws = p.sample(rng, 20_000)
        p05, p95 = np.quantile(prior_draws, [0.05, 0.95])
        ratio = (q95 - q05) / (p95 - p05) if p95 > p05 else np.nan
        rows.append({"parameter": p.name, "key": p.key, "mean": mean, "sd": sdv, "q05": q05,
                     "median": q50, "q95": q95, "adjusted_q05": a05, "adjusted_median": a50,
                     "adjusted_q95": a95, "prior": p.dist, "prior_q05": p05,
                     "prior_q95": p95, "width_ratio": ratio, "narrowing": narrowing(ratio),
                     "converged": conv, "recovery_coverage_90": np.nan,
                     "recovery_median_abs_error": np.nan,
                     "identification": identification_verdict(ratio, conv, misfits, None)})
    summary = pd.DataFrame(rows)
    for name, frame in (("posterior", posterior), ("posterior_summary", summary),
                        ("trace", trace)):
        write_csv(frame, folder / f"{name}.csv")
    if ppc is not None:
        write_csv(ppc, folder / "ppc.csv")
    _write_inferred(cal, summary, folder, stop_reason, conv)
    if plot:
        if ppc is not None:
            _plot_ppc(ppc, folder / "ppc.png")
        _plot_pairs(posterior, names, folder / "posterior_pairs.png")
    return CalibrationResult(folder, gens, posterior, summary, trace,
                             ppc if ppc is not None else pd.DataFrame(), 0, 0.0, stop_reason,
                             conv, prior_pred)


def _write_inferred(cal: Calibration, summary: pd.DataFrame, folder: Path, stop_reason: str,
                    conv: bool) -> None:
    params = []
    for r in summary.itertuples():
        integer = next(p.integer for p in cal.priors if p.name == r.parameter)
        med = int(round(r.median)) if integer else float(r.median)
        params.append({"key": r.key, "name": r.parameter, "status": "inferred",
                       "value": med, "q05": float(r.q05), "q95": float(r.q95),
                       "interval": "90 % credible interval (weighted 5-95 % quantiles)",
                       "identification": r.identification, "converged": bool(conv)})
    payload = {"kind": "changjing.inferred_parameters", "calibration": cal.spec.calibration.name,
               "spec_hash": cal.spec_hash(), "stop_reason": stop_reason,
               "note": "values estimated from the programme record by ABC-SMC (posterior "
                       "median), not observed: show them as inferred, with their interval",
               "parameters": params}
    write_manifest_like(folder / "inferred.json", payload)


def write_manifest_like(path: Path, payload: dict[str, Any]) -> None:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)


def inferred_parameters(folder: str | Path) -> pd.DataFrame:
    """The parameters a calibration inferred (``inferred.json``), for reports: key, name,
    status ('inferred'), value (posterior median), q05, q95, identification, converged."""
    path = Path(folder) / "inferred.json"
    if not path.is_file():
        raise ConfigError(f"{folder}: no inferred.json (run `changjing calibrate` first)")
    return pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))["parameters"])


def _predictive_check(cal: Calibration, last: Generation,
                      handle: ExecutorHandle) -> pd.DataFrame:
    """Simulate the moments at posterior draws (fresh seeds) against each observation.

    ``simulated_q05``–``simulated_q95`` is the plain 90 % posterior predictive interval of the
    model's moment.  ``fit``: *matched* when the observation lies inside it, *within
    observation error* when outside by at most 2 of its sd, *misfit* otherwise.
    ``misfit_share``: the moment's share of Σ ((mean − observed) / sd)², i.e. which targets the
    posterior fails to fit.
    """
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
    obs, sd, names = observed(cal.targets)
    got = [moments[i] for i in range(len(tasks)) if moments.get(i) is not None]
    return predictive_table(np.array(got, dtype=float).reshape(len(got), len(names)), obs, sd,
                            names)


def predictive_table(sims: np.ndarray, obs: np.ndarray, sd: np.ndarray, names: list[str]
                     ) -> pd.DataFrame:
    """Per moment: the plain 5–95 % range of the simulated moments (draws × moments), the fit
    verdict and the misfit share (see :func:`_predictive_check`)."""
    rows = []
    for j, name in enumerate(names):
        col = sims[:, j][np.isfinite(sims[:, j])]
        lo, hi = np.quantile(col, [0.05, 0.95]) if len(col) else (np.nan, np.nan)
        mean = float(col.mean()) if len(col) else np.nan
        gap = max(lo - obs[j], obs[j] - hi, 0.0) if len(col) else np.inf
        fit = ("matched" if gap == 0 else "within observation error"
               if gap <= 2 * sd[j] else "misfit")
        rows.append({"moment": name, "observed": obs[j], "sd": sd[j],
                     "simulated_mean": mean, "simulated_q05": lo, "simulated_q95": hi,
                     "z": (obs[j] - mean) / np.sqrt(col.var() + sd[j] ** 2) if len(col)
                     else np.nan,
                     "within_90": bool(len(col) and lo <= obs[j] <= hi), "fit": fit,
                     "standardised_error": (mean - obs[j]) / sd[j], "draws": len(col)})
    out = pd.DataFrame(rows)
    sq = out["standardised_error"].fillna(np.inf) ** 2
    out["misfit_share"] = sq / sq.sum() if np.isfinite(sq.sum()) and sq.sum() > 0 else np.nan
    return out


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
        ax.set_title(f"{row.moment.replace('_', ' ')}\n{row.fit}", fontsize=9)
    axes[0][0].legend(fontsize=7, loc="best")
    fig.suptitle("Posterior predictive check of the calibration targets", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_pairs(posterior: pd.DataFrame, names: list[str], path: Path) -> None:
    """Pairs plot of the weighted posterior: histograms on the diagonal, scatter below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = len(names)
    w = posterior["weight"].to_numpy()
    fig, axes = plt.subplots(d, d, figsize=(1.8 * d + 1, 1.8 * d + 1), squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                ax.hist(posterior[a], bins=20, weights=w, color="tab:blue")
            else:
                ax.scatter(posterior[b], posterior[a], s=4, alpha=0.5, c="tab:blue")
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=7)
    fig.suptitle("Posterior (weighted particles)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------ recovery

def check_recovery(calibration: Calibration | str | Path, truths: int, out: str | Path, *,
                   workers: int | None = None, scheduler: str | None = None,
                   particles: int | None = None, generations: int | None = None,
                   overwrite: bool = False,
                   main: CalibrationResult | None = None) -> pd.DataFrame:
    """Simulation-based calibration of a calibration: ``truths`` parameter vectors drawn from
    the prior, the targets simulated at each (one run, its own seed, same sds), and a
    calibration to each in ``out/recovery/truth_NN`` (resumable; ``particles`` and
    ``generations`` may be reduced).  Writes ``recovery.csv`` (one row per truth and
    parameter) and ``recovery_summary.csv`` (coverage of the 90 % intervals, median absolute
    error and median width ratio in units of the prior's 5–95 % width) into ``out``; with
    ``main`` (the calibration written in ``out``), rewrites its verdicts with the recovery.
    """
    from ..config import parse_config
    from ..runner import run

    cal = calibration if isinstance(calibration, Calibration) else load_calibration(calibration)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    c = cal.spec.calibration
    rng = np.random.default_rng(np.random.SeedSequence(c.root_seed, spawn_key=(8888,)))
    sub_spec = cal.spec.model_copy(deep=True)
    sub_spec.calibration.particles = particles or c.particles
    sub_spec.calibration.generations = generations or c.generations
    sub_spec.calibration.reachability = "warn"
    enabled = [m for m in cal.targets.moment if m.enabled]
    rows = []
    for k in range(truths):
        theta = [float(p.sample(rng, 1)[0]) for p in cal.priors]
        seed = int(rng.integers(2**62))
        vals = {p.key: int(v) if p.integer else v
                for p, v in zip(cal.priors, theta, strict=True)}
        res = run(parse_config(cal.config_for(vals).to_dict(), "recovery truth"), seed)
        sim = simulated_moments(cal.targets, res.timeseries, res.funnel)
        by_name = dict(zip([m.name for m in enabled], sim, strict=True))
        moments = [m.model_copy(update={"value": float(max(by_name[m.name], 0.0))})
                   if m.enabled and np.isfinite(by_name[m.name]) else
                   m.model_copy(update={"enabled": False}) if m.enabled else m
                   for m in cal.targets.moment]
        targets = cal.targets.model_copy(update={"moment": moments})
        sub_spec.calibration.root_seed = int(rng.integers(2**31))
        sub = Calibration(sub_spec.model_copy(deep=True), cal.source + f"\n# recovery truth {k}",
                          cal.path, cal.base, targets, cal.priors)
        r = calibrate(sub, folder / "recovery" / f"truth_{k:02d}", workers=workers,
                      scheduler=scheduler, overwrite=overwrite, plot=False, predictive=False)
        for j, p in enumerate(cal.priors):
            s = r.summary.iloc[j]
            width = s.prior_q95 - s.prior_q05
            rows.append({"truth_index": k, "parameter": p.name, "truth": theta[j],
                         "q05": s.q05, "median": s["median"], "q95": s.q95,
                         "covered": bool(s.q05 <= theta[j] <= s.q95),
                         "abs_error": abs(s["median"] - theta[j]) / width,
                         "width_ratio": s.width_ratio,
                         "adjusted_covered": bool(s.adjusted_q05 <= theta[j] <= s.adjusted_q95),
                         "adjusted_abs_error": abs(s.adjusted_median - theta[j]) / width,
                         "converged": r.converged,
                         "simulations": r.simulations})
    table = pd.DataFrame(rows)
    summary = recovery_summary(table)
    write_csv(table, folder / "recovery.csv")
    write_csv(summary, folder / "recovery_summary.csv")
    if main is not None:
        _apply_recovery(cal, main, summary)
    return summary


def _apply_recovery(cal: Calibration, main: CalibrationResult, rec: pd.DataFrame) -> None:
    by = rec.set_index("parameter")
    misfits = sorted(set(main.prior_predictive.loc[~main.prior_predictive["reachable"],
                                                   "moment"])
                     if main.prior_predictive is not None else set())
    if len(main.ppc):
        misfits = sorted(set(misfits) | set(main.ppc.loc[main.ppc["fit"] == "misfit",
                                                         "moment"]))
    s = main.summary
    for i, r in s.iterrows():
        rr = by.loc[r["parameter"]]
        s.loc[i, "recovery_coverage_90"] = rr["coverage_90"]
        s.loc[i, "recovery_median_abs_error"] = rr["median_abs_error"]
        s.loc[i, "identification"] = identification_verdict(
            r["width_ratio"], bool(r["converged"]), misfits,
            {"coverage_90": rr["coverage_90"], "median_width_ratio": rr["median_width_ratio"]})
    write_csv(s, main.folder / "posterior_summary.csv")
    _write_inferred(cal, s, main.folder, main.stop_reason, main.converged)
    _finish_manifest(cal, main)
