"""A sweep folder read once for the report: the analysis tables, the arms in the experiment's
order, the baseline arm, the targets and the run table, shared by the sweep section modules
(``sweep_summary``, ``sweep_outcomes``, ``sweep_sensitivity``, ``sweep_discovery``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")
STAGES = ("solicitation", "selection", "release", "implementation", "evaluation")
INSTRUMENTS = ("lab_grants", "pilot_subsidies", "matchmaking", "attraction")
PREFIX = "sweep"                 # section keys and figure stems


@dataclass
class SweepData:
    folder: Path
    manifest: dict[str, Any]
    analysis: Any                       # changjing.simulate.analysis.Analysis
    tables: dict[str, pd.DataFrame]
    arms: list[str]                     # experiment order
    base: str                           # baseline arm
    targets: dict[str, float]
    name: str
    runs: pd.DataFrame

    @property
    def resolved(self) -> dict[str, Any]:
        return self.manifest.get("experiment_resolved", {})

    @property
    def spec(self) -> dict[str, Any]:
        return self.resolved.get("spec", {})

    def spent_by_arm(self) -> pd.Series:
        """Mean spending per arm (yuan), from the analysis's ``cost`` table."""
        cost = self.tables.get("cost")
        if cost is None or not len(cost):
            return pd.Series(dtype=float)
        return cost.groupby("arm", sort=False)["mean_spent_yuan"].first()


def load(folder: Path, manifest: dict[str, Any]) -> SweepData:
    from changjing.simulate.analysis import analyze

    analysis = analyze(folder)
    tables = analysis.tables
    resolved = manifest.get("experiment_resolved", {})
    arms = [str(a["arm"]) for a in resolved.get("arms", [])] or \
        list(dict.fromkeys(tables["targets"]["arm"]))
    return SweepData(folder, manifest, analysis, tables, arms, analysis.baseline_arm,
                     analysis.targets, analysis.name or str(manifest.get("name", folder.name)),
                     tables["runs"])
