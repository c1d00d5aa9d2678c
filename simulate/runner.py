"""One-call runs: ``run(config, seed)`` → tidy pandas frames, and writing them to a folder.

Output files (documented column by column in docs/outputs.md):

* ``timeseries.csv`` — one row a step, one column an indicator;
* ``funnel.csv`` — one row a step and lifecycle stage;
* ``budget.csv`` — one row a step and funding instrument;
* ``summary.csv`` — final 十百千 indicators against their targets;
* ``manifest.json`` — resolved config, seed, config hash, package versions.

Files are written with fixed formatting so that the same config and seed give byte-identical
files.
"""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from .config import Config
from .indicators import TARGETS
from .provenance import package_versions, write_csv, write_manifest


@dataclass
class RunResult:
    """Outputs of one run."""

    config: Config
    seed: int
    timeseries: pd.DataFrame
    funnel: pd.DataFrame
    budget: pd.DataFrame
    summary: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.summary = summarise(self.timeseries, self.config)

    def manifest(self) -> dict[str, Any]:
        return build_manifest(self.config, self.seed)

    def write(self, folder: str | Path) -> None:
        """Write all outputs into an existing folder (see module docstring)."""
        folder = Path(folder)
        for name in ("timeseries", "funnel", "budget", "summary"):
            write_csv(getattr(self, name), folder / f"{name}.csv")
        write_manifest(folder, self.manifest())


def run(config: Config | None = None, seed: int | None = None,
        progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Run the model over the configured horizon and return its outputs as DataFrames.

    ``seed`` overrides ``config.run.seed``.  ``progress(step, n_steps)`` is called after each
    step (the CLI draws a progress bar with it).
    """
    from .memory import release_model
    from .model import ScenarioModel

    config = config if config is not None else Config()
    seed = int(config.run.seed if seed is None else seed)
    model = ScenarioModel(config, seed)
    while model.running:
        model.step()
        if progress is not None:
            progress(model.steps, model.n_steps)
    dc = model.datacollector
    timeseries = dc.get_model_vars_dataframe().reset_index(drop=True)
    funnel = dc.get_table_dataframe("funnel")
    budget = dc.get_table_dataframe("budget")
    release_model(model)
    return RunResult(config, seed, timeseries, funnel, budget)


def summarise(timeseries: pd.DataFrame, config: Config) -> pd.DataFrame:
    """Final value of each 十百千 indicator against its target."""
    last = timeseries.iloc[-1]
    rows = []
    for key in TARGETS:
        target = getattr(config.targets, key)
        value = int(last[key])
        rows.append({"indicator": key, "value": value, "target": target,
                     "share_of_target": value / target if target else float("nan"),
                     "reached": bool(value >= target)})
    return pd.DataFrame(rows)


def build_manifest(config: Config, seed: int) -> dict[str, Any]:
    """Everything needed to reproduce a run (no timestamps: equal runs give equal bytes)."""
    return {
        "kind": "changjing.run",
        "seed": seed,
        "seed_use": "numpy SeedSequence(seed, spawn_key=(crc32(stream name),)) per process; "
                    "Mesa's own generators unused by the dynamics",
        "config_hash": config.config_hash(),
        "config": config.to_dict(),
        "versions": package_versions(),
        "python": platform.python_version(),
        "command": "changjing run CONFIG --seed SEED --out DIR (config = the 'config' above)",
        "platform": sys.platform,
    }
