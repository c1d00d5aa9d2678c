"""Experiment files: policy arms × uncertainty design × replications, from one TOML file.

An experiment (``experiments/*.toml``) names

* ``[experiment]`` — name, the ``base`` config it starts from (relative to the experiment
  file, or a shipped experiment name), ``replications``, ``root_seed``, optional
  ``horizon_months``, the ``outputs`` (time-series columns) to keep and the ``baseline_arm``;
* **policy levers** — ``[levers.NAME]`` with a config ``key`` and ``values``: their full
  factorial grid makes the policy arms; or explicit ``[[arms]]`` with a ``name`` and a ``set``
  table of dotted keys (named arms, e.g. budget splits);
* **uncertainties** — ``[uncertainties.NAME]`` with a ``key`` and either ``values`` (grid) or
  a ``range`` (and ``scale = "linear" | "log"``, ``integer``), sampled by the ``[design]``
  (``type = "grid" | "lhs" | "sobol" | "morris"``);

and every run is (arm, design point, replication).  Seeds come from
``SeedSequence(root_seed, spawn_key=(point, replication))``: every arm sees the same seeds
(common random numbers), so arm-to-arm differences are paired.

Loading is strict like the base config: unknown keys get a did-you-mean, every design point is
built and validated against the model config before anything runs, and errors name the file
and key.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from .config import Config, check_files, load_config
from .errors import ConfigError, format_validation_error, suggest
from .indicators import timeseries_columns
from .inputs import StrictModel, key_lines, load_toml, where
from .provenance import canonical_hash, read_manifest
from pydantic import Field, ValidationError, model_validator


class _Strict(StrictModel):
    """Unknown keys and silently coerced types are errors (see simulate/inputs.py)."""


class ExperimentSection(_Strict):
    name: str = Field(description="Experiment name (used in reports).")
    description: str = ""
    base: str = Field("baseline.toml", description="Base config, relative to the experiment "
                      "file (or a file in the shipped experiments folder).")
    replications: int = Field(10, ge=1, le=100_000, description="Runs per arm and point.")
    root_seed: int = Field(20260416, ge=0, le=2**63 - 1)
    horizon_months: int | None = Field(None, ge=1, le=600)
    outputs: list[str] | None = Field(None, description="Time-series columns to keep "
                                      "(default: all).")
    baseline_arm: str | None = Field(None, description="Arm that paired differences are "
                                     "taken against (default: the first arm).")


class Variable(_Strict):
    key: str = Field(description="Dotted config key, e.g. funding.annual_budget_yuan.")
    values: list[Any] | None = None
    range: tuple[float, float] | None = None
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False
    label: str | None = None
    labels: list[str] | None = Field(None, description="Arm labels for the values of a "
                                     "lever (default: the values).")

    @model_validator(mode="after")
    def _one_of(self) -> Variable:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of 'values' or 'range'")
        if self.range is not None:
            lo, hi = self.range
            if not lo < hi:
                raise ValueError(f"range must be [low, high] with low < high, got {self.range}")
            if self.scale == "log" and lo <= 0:
                raise ValueError(f"a log scale needs a positive range, got {self.range}")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.labels is not None and (self.values is None or
                                        len(self.labels) != len(self.values)):
            raise ValueError("labels must give one label per value")
        return self


class Arm(_Strict):
    name: str
    set: dict[str, Any] = Field(default_factory=dict)


class DesignSection(_Strict):
    type: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: int = Field(32, ge=1, le=1_000_000, description="LHS points; Sobol base samples "
                         "N (a power of 2: N*(D+2) points); Morris trajectories.")
    levels: int = Field(4, ge=2, le=100, description="Morris grid levels.")
    second_order: bool = False
    include_baseline: bool = Field(False, description="Add the base config's own values of "
                                   "the uncertainties as design point 0 (lhs/grid), so that "
                                   "results at the baseline assumptions and over their "
                                   "uncertainty come from one sweep.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Seed of the design "
                             "sample (default: root_seed).")

    @model_validator(mode="after")
    def _check(self) -> DesignSection:
        # Morris (1991) elementary effects move one factor by delta = p / (2 (p - 1)) on a
        # grid of p levels {0, 1/(p-1), ..., 1}: that is p/2 grid intervals, a whole number
        # only for even p, and then the base points 0 .. p/2-1 and their moves p/2 .. p-1 cover
        # every level exactly once (Saltelli et al. 2004, "Sensitivity analysis in practice",
        # ch. 4).  SALib only warns; an odd p gives moves that leave the grid.
        if self.include_baseline and self.type in ("sobol", "morris"):
            raise ValueError(f"design.include_baseline works with 'lhs' or 'grid' designs, not "
                             f"{self.type!r}: an extra point would break the {self.type} "
                             "estimator's sample structure")
        if self.type == "morris" and self.levels % 2:
            raise ValueError(f"a Morris design needs an even number of levels: the step "
                             f"p/(2(p-1)) is p/2 grid intervals, a whole number only for even "
                             f"p; got design.levels = {self.levels}; use {self.levels - 1} or "
                             f"{self.levels + 1}")
        return self


class ExperimentSpec(_Strict):
    experiment: ExperimentSection
    levers: dict[str, Variable] = Field(default_factory=dict)
    arms: list[Arm] = Field(default_factory=list)
    uncertainties: dict[str, Variable] | str = Field(
        default_factory=dict, description="Uncertain parameters, or 'posterior:DIR' to draw "
        "them from a calibration's posterior.")
    design: DesignSection = Field(default_factory=DesignSection)

    @model_validator(mode="after")
    def _check(self) -> ExperimentSpec:
        if self.levers and self.arms:
            raise ValueError("use either [levers.*] (a grid of arms) or [[arms]] (named arms), "
                             "not both")
        for name, lever in self.levers.items():
            if lever.values is None:
                raise ValueError(f"levers.{name}: policy levers take 'values' (each value is "
                                 "an arm), not a 'range'")
        names = [a.name for a in self.arms]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ValueError(f"arm names must be unique, repeated: {', '.join(sorted(dupes))}")
        if isinstance(self.uncertainties, str):
            if not self.uncertainties.startswith("posterior:") or \
                    not self.uncertainties.removeprefix("posterior:").strip():
                raise ValueError("uncertainties must be a table of parameters or "
                                 f"'posterior:DIR', got {self.uncertainties!r}")
        elif self.design.type != "grid":
            bad = [n for n, u in self.uncertainties.items() if u.range is None]
            if bad:
                raise ValueError(f"design {self.design.type!r} samples ranges; give 'range' "
                                 f"for uncertainties {', '.join(bad)}")
            if not self.uncertainties:
                raise ValueError(f"design {self.design.type!r} needs [uncertainties.*]")
        else:
            bad = [n for n, u in self.uncertainties.items() if u.values is None]
            if bad:
                raise ValueError(f"a grid design takes 'values' for uncertainties "
                                 f"{', '.join(bad)}")
        if self.design.type == "sobol":
            n = self.design.samples
            if n & (n - 1):
                raise ValueError(f"design.samples must be a power of 2 for a Sobol design, "
                                 f"got {n}")
        return self


@dataclass
class Experiment:
    """A loaded, fully validated experiment: arms, design points and run plan."""

    spec: ExperimentSpec
    source: str                       # the file as given (text)
    path: str
    base: Config
    arms: pd.DataFrame                # arm_index, arm, settings (dict of dotted overrides)
    points: pd.DataFrame              # point, one column per uncertainty
    configs: dict[tuple[int, int], Config] = field(repr=False, default_factory=dict)
    unc_keys: dict[str, str] = field(default_factory=dict)   # uncertainty name -> config key
    unc_integer: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.unc_keys and isinstance(self.spec.uncertainties, dict):
            self.unc_keys = {n: v.key for n, v in self.spec.uncertainties.items()}
            self.unc_integer = {n: v.integer for n, v in self.spec.uncertainties.items()}

    @property
    def name(self) -> str:
        return self.spec.experiment.name

    @property
    def replications(self) -> int:
        return self.spec.experiment.replications

    @property
    def n_runs(self) -> int:
        return len(self.arms) * len(self.points) * self.replications

    @property
    def baseline_arm(self) -> str:
        return self.spec.experiment.baseline_arm or str(self.arms["arm"].iloc[0])

    @property
    def outputs(self) -> list[str]:
        return self.spec.experiment.outputs or timeseries_columns()[2:]

    def run_plan(self) -> pd.DataFrame:
        """One row a run: run_id, arm_index, arm, point, replication, seed (ordered by id)."""
        reps = self.replications
        n_pts = len(self.points)
        arm_idx, point, rep = np.meshgrid(np.arange(len(self.arms)), np.arange(n_pts),
                                          np.arange(reps), indexing="ij")
        plan = pd.DataFrame({"arm_index": arm_idx.ravel(), "point": point.ravel(),
                             "replication": rep.ravel()})
        plan.insert(0, "run_id", np.arange(len(plan)))
        plan.insert(2, "arm", self.arms["arm"].to_numpy()[plan["arm_index"]])
        seeds = {(p, r): run_seed(self.spec.experiment.root_seed, p, r)
                 for p in range(n_pts) for r in range(reps)}
        plan["seed"] = [seeds[(p, r)] for p, r in zip(plan["point"], plan["replication"],
                                                       strict=True)]
        return plan

    def config_for(self, arm_index: int, point: int) -> Config:
        """The model config of one (arm, point): base + arm settings + point values."""
        key = (arm_index, point)
        if key not in self.configs:
            overrides = dict(self.arms["settings"].iloc[arm_index])
            for name, param in self.unc_keys.items():
                value = self.points[name].iloc[point]
                overrides[param] = _cast(value, self.unc_integer.get(name, False))
            self.configs[key] = self.base.with_overrides(
                overrides, source=f"{self.path}: arm {self.arms['arm'].iloc[arm_index]!r}, "
                f"point {point}")
        return self.configs[key]

    def resolved(self) -> dict[str, Any]:
        return {
            "spec": self.spec.model_dump(mode="json"),
            "base_config": self.base.to_dict(),
            "arms": [{"arm": a, "settings": s} for a, s in
                     zip(self.arms["arm"], self.arms["settings"], strict=True)],
            "points": json.loads(self.points.to_json(orient="records", double_precision=15)),
            "uncertainty_keys": self.unc_keys,
            "uncertainty_integer": self.unc_integer,
        }

    def experiment_hash(self) -> str:
        return canonical_hash(self.resolved())


RAW_SUFFIX = "__as_sampled"


def run_seed(root: int, point: int, replication: int) -> int:
    """Seed of one run: independent of arm (common random numbers) and of worker count."""
    seq = np.random.SeedSequence(int(root), spawn_key=(int(point), int(replication)))
    return int(seq.generate_state(2, dtype=np.uint32).astype(np.uint64) @
               np.array([1 << 32, 1], dtype=np.uint64) % np.uint64(2**63 - 1))


def _cast(value: Any, integer: bool) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if integer and isinstance(value, float):
        return int(round(value))
    return value


# ------------------------------------------------------------------ loading

EXPERIMENT_HINTS = {
    k: "is a model-config table: set model parameters in the base config (experiment.base), "
       "in an arm's set table or as a lever's key" for k in Config.model_fields
} | {k: "belongs in a calibration file (`changjing calibrate`)" for k in ("calibration", "priors")}


def load_experiment(path: str | Path) -> Experiment:
    """Read, validate and expand an experiment file (see module docstring)."""
    path = Path(path)
    data, text = load_toml(path, "experiment", empty_hint="an experiment needs at least an "
                           "[experiment] table with a name (docs/experiments.md)")
    lines = key_lines(text)
    if "experiment" not in data:
        near = [k for k in data if suggest(k, ["experiment"])]
        hint = " — this looks like a model config; use `changjing run`" if "run" in data or \
            "funding" in data else (f"; found [{near[0]}] (did you mean 'experiment'?)"
                                    if near else "")
        n = lines.get((near[0],)) if near else None
        at = f"{path}, line {n}" if n else str(path)
        raise ConfigError(f"{at}: missing the [experiment] table{hint}")
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, str(path), ExperimentSpec,
                                                  "experiment", text, EXPERIMENT_HINTS)) from None
    base_path = (path.parent / spec.experiment.base)
    if not base_path.is_file():
        raise ConfigError(f"{where(str(path), lines, 'experiment.base')}: "
                          f"{spec.experiment.base}: file not found (looked in {path.parent})")
    try:
        base = load_config(base_path)
    except ConfigError as exc:
        raise ConfigError(f"{where(str(path), lines, 'experiment.base')} -> {exc}") from None
    if spec.experiment.horizon_months is not None:
        base = base.with_overrides({"run.months": spec.experiment.horizon_months}, str(path))
    _check_outputs(spec, path, lines)
    arms = _build_arms(spec, base, path, lines)
    arm_keys = {k for settings in arms["settings"] for k in settings}
    if isinstance(spec.uncertainties, str):
        points, keys, integer = _posterior_points(spec, path, lines)
        # Policy arms set their own keys: those posterior draws give way (e.g. a calibrated
        # historical budget when the experiment varies the budget).
        dropped = [n for n, k in keys.items() if k in arm_keys]
        points = points.drop(columns=dropped)
        keys = {n: k for n, k in keys.items() if n not in dropped}
        exp = Experiment(spec, text, str(path), base, arms, points, unc_keys=keys,
                         unc_integer=integer)
    else:
        both = sorted(arm_keys & {v.key for v in spec.uncertainties.values()})
        if both:
            raise ConfigError(f"{path}: {', '.join(both)} is both a policy lever (or arm "
                              "setting) and an uncertainty; keep it in one place")
        points = _build_points(spec)
        if spec.design.include_baseline and spec.uncertainties:
            data = base.to_dict()
            row = {"point": 0}
            for n, v in spec.uncertainties.items():
                node: Any = data
                for part in v.key.split("."):
                    node = node[part] if isinstance(node, dict) and part in node else None
                if node is None:
                    raise ConfigError(f"{where(str(path), lines, 'uncertainties', n, 'key')}: "
                                      f"{v.key!r} is not a model parameter")
                row[n] = node
            points = pd.concat([pd.DataFrame([row]), points.assign(point=points["point"] + 1)],
                               ignore_index=True)
        exp = Experiment(spec, text, str(path), base, arms, points)
    if exp.baseline_arm not in set(arms["arm"]):
        raise ConfigError(f"{where(str(path), lines, 'experiment.baseline_arm')}: no arm "
                          f"named {exp.baseline_arm!r}" + suggest(exp.baseline_arm, arms["arm"])
                          + f"; the arms are {', '.join(map(repr, arms['arm']))}")
    # Build every (arm, point) config now: an impossible design fails before any run.
    files = {}
    for a in range(len(arms)):
        for p in range(len(points)):
            try:
                config = exp.config_for(a, p)
            except ConfigError as exc:
                raise ConfigError(_locate_setting(str(exc), exp, a, lines)) from None
            files.setdefault(config.owners.file, (a, config))
    for file, (a, config) in files.items():
        if file != base.owners.file:
            check_files(config, f"{path}: arm {arms['arm'].iloc[a]!r}")
    return exp


def _locate_setting(msg: str, exp: Experiment, arm_index: int,
                    lines: dict[tuple[str | int, ...], int]) -> str:
    """Add the line of the arm, lever or uncertainty behind a failed design point."""
    spec = exp.spec
    if spec.arms:
        n = lines.get(("arms", arm_index))
        return f"{msg}\n  (arms[{arm_index}] starts at line {n})" if n else msg
    for section in ("levers", "uncertainties"):
        table = getattr(spec, section)
        if not isinstance(table, dict):
            continue
        for name, var in table.items():
            if f"{var.key}" in msg and (section, name) in lines:
                return f"{msg}\n  (set by {section}.{name}, line {lines[(section, name)]})"
    return msg


def _check_outputs(spec: ExperimentSpec, path: Path,
                   lines: dict[tuple[str | int, ...], int] | None = None) -> None:
    known = timeseries_columns()
    for name in spec.experiment.outputs or []:
        if name not in known:
            raise ConfigError(f"{where(str(path), lines, 'experiment.outputs')}: unknown "
                              f"indicator {name!r}" + suggest(name, known)
                              + " (`changjing params` and docs/outputs.md list the columns)")


def _current(config: Config, key: str) -> Any:
    node: Any = config.to_dict()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            options = list(node.keys()) if isinstance(node, dict) else []
            raise ConfigError(f"unknown config key {key!r}" + suggest(part, options))
        node = node[part]
    return node


def _build_arms(spec: ExperimentSpec, base: Config, path: Path,
                lines: dict[tuple[str | int, ...], int] | None = None) -> pd.DataFrame:
    rows: list[tuple[str, dict[str, Any]]] = []
    unc = spec.uncertainties if isinstance(spec.uncertainties, dict) else {}
    for name, var in {**spec.levers, **unc}.items():
        try:
            _current(base, var.key)
        except ConfigError as exc:
            section = "levers" if name in spec.levers else "uncertainties"
            raise ConfigError(f"{where(str(path), lines, f'{section}.{name}.key')}: {exc}"
                              ) from None
    if spec.levers:
        names = list(spec.levers)
        choices = [list(range(len(spec.levers[n].values))) for n in names]  # type: ignore[arg-type]
        for combo in itertools.product(*choices):
            settings = {spec.levers[n].key: spec.levers[n].values[i]  # type: ignore[index]
                        for n, i in zip(names, combo, strict=True)}
            label = ", ".join(f"{spec.levers[n].label or n}={_value_label(spec.levers[n], i)}"
                              for n, i in zip(names, combo, strict=True))
            rows.append((label, settings))
    elif spec.arms:
        for i, arm in enumerate(spec.arms):
            for key in arm.set:
                try:
                    _current(base, key)
                except ConfigError as exc:
                    raise ConfigError(f"{where(str(path), lines, f'arms[{i}].set')} "
                                      f"({arm.name}): {exc}") from None
            rows.append((arm.name, dict(arm.set)))
    else:
        rows.append(("base", {}))
    return pd.DataFrame({"arm_index": range(len(rows)), "arm": [r[0] for r in rows],
                         "settings": [r[1] for r in rows]})


def _value_label(var: Variable, i: int) -> str:
    if var.labels is not None:
        return var.labels[i]
    value = var.values[i]  # type: ignore[index]
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _build_points(spec: ExperimentSpec) -> pd.DataFrame:
    from . import designs

    unc = spec.uncertainties
    if not unc:
        return pd.DataFrame({"point": [0]})
    d = spec.design
    seed = spec.experiment.root_seed if d.seed is None else d.seed
    if d.type == "grid":
        frame = designs.grid({n: v.values for n, v in unc.items()})
    else:
        bounds = {n: _unit_bounds(v) for n, v in unc.items()}
        if d.type == "lhs":
            frame = designs.lhs(bounds, d.samples, seed)
        elif d.type == "sobol":
            frame = designs.sobol(bounds, d.samples, seed, second_order=d.second_order)
        else:
            frame = designs.morris(bounds, d.samples, d.levels, seed)
            # Morris effects need the design as sampled (before log/rounding): keep it
            for n in unc:
                frame[f"{n}{RAW_SUFFIX}"] = frame[n]
        for n, v in unc.items():
            if v.scale == "log":
                frame[n] = np.exp(frame[n])
            if v.integer:
                frame[n] = np.rint(frame[n]).astype(int)
    frame.insert(0, "point", np.arange(len(frame)))
    return frame


def _posterior_points(spec: ExperimentSpec, path: Path,
                      lines: dict[tuple[str | int, ...], int] | None = None
                      ) -> tuple[pd.DataFrame, dict[str, str], dict[str, bool]]:
    """``design.samples`` weighted draws from a calibration's posterior (seeded)."""
    folder = Path(str(spec.uncertainties).removeprefix("posterior:").strip())
    if not folder.is_absolute():
        folder = path.parent / folder
    post_path, man_path = folder / "posterior.csv", folder / "manifest.json"
    if not post_path.is_file() or not man_path.is_file():
        raise ConfigError(f"{where(str(path), lines, 'uncertainties')}: {folder} holds no "
                          "calibration result (posterior.csv and manifest.json); run "
                          "`changjing calibrate` first")
    manifest = read_manifest(man_path)
    priors = manifest.get("priors", [])
    if not isinstance(priors, list) or not all(isinstance(p, dict) and "name" in p and "key" in p
                                               for p in priors):
        raise ConfigError(f"{man_path}: priors: expected a list of {{name, key}} tables; is "
                          "this a calibration's manifest?")
    try:
        post = pd.read_csv(post_path)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"{post_path}: cannot read the posterior ({exc})") from None
    names = [p["name"] for p in priors]
    missing = [n for n in names if n not in post.columns]
    if missing or "weight" not in post.columns:
        raise ConfigError(f"{post_path}: expected columns {', '.join(names)} and weight")
    w = pd.to_numeric(post["weight"], errors="coerce").to_numpy(dtype=float)
    if not len(w) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ConfigError(f"{post_path}: column weight: expected non-negative numbers with a "
                          "positive sum")
    seed = spec.experiment.root_seed if spec.design.seed is None else spec.design.seed
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    pick = rng.choice(len(post), size=spec.design.samples, p=w / w.sum())
    points = post.iloc[pick][names].reset_index(drop=True)
    points.insert(0, "point", np.arange(len(points)))
    return (points, {p["name"]: p["key"] for p in priors},
            {p["name"]: bool(p.get("integer", False)) for p in priors})


def _unit_bounds(var: Variable) -> tuple[float, float]:
    lo, hi = var.range  # type: ignore[misc]
    return (float(np.log(lo)), float(np.log(hi))) if var.scale == "log" else (lo, hi)

