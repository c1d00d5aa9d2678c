"""``analyze(folder)``: every summary of a sweep store, as DataFrames; ``write`` saves CSVs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from .discovery import (
    design_matrix,
    scenario_discovery,
    sweep_sensitivity,
)
from .replicates import seed_noise_table
from .summaries import (
    TARGET_COLUMNS,
    bands,
    cost_effectiveness,
    funnel_summary,
    paired_differences,
    target_probabilities,
)
from ..errors import SimulateError
from ..provenance import read_manifest, write_csv
from ..store import FILE, ResultStore


@dataclass
class SweepAnalysis:
    name: str
    baseline_arm: str
    targets: dict[str, float]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    discovery_text: list[dict[str, str]] = field(default_factory=list)

    def write(self, folder: str | Path) -> list[Path]:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.tables.items():
            path = folder / f"{name}.csv"
            write_csv(frame, path)
            written.append(path)
        if self.discovery_text:
            path = folder / "discovery.txt"
            lines = [f"[{t['target']}]\n{t['en']}\n{t['zh']}\n" for t in self.discovery_text]
            path.write_text("\n".join(lines), encoding="utf-8")
            written.append(path)
        return written


def open_store(folder: str | Path) -> tuple[ResultStore, dict]:
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not (folder / FILE).is_file() or not manifest_path.is_file():
        raise SimulateError(f"{folder}: not a sweep folder (no {FILE} and manifest.json); run "
                            "`changjing sweep EXPERIMENT --out DIR` first")
    manifest = read_manifest(manifest_path)
    if "experiment_resolved" not in manifest:
        raise SimulateError(f"{manifest_path}: not a sweep manifest (no experiment_resolved; "
                            f"kind {manifest.get('kind')!r})")
    return ResultStore(folder), manifest


def analyze(folder: str | Path, indicators: list[str] | None = None) -> SweepAnalysis:
    """Bands, target probabilities, paired differences, cost and funnel of a sweep."""
    store, manifest = open_store(folder)
    try:
        resolved = manifest["experiment_resolved"]
        spec = resolved["spec"]["experiment"]
        arms = [a["arm"] for a in resolved["arms"]]
        baseline = spec.get("baseline_arm") or arms[0]
        targets = {k: float(v) for k, v in resolved["base_config"]["targets"].items()}
        runs = store.runs()
        ok = runs[runs["status"] == "ok"]
        if ok.empty:
            raise SimulateError(f"{folder}: no finished runs to analyse")
        outputs = store.outputs
        inds = indicators or [c for c in outputs if c in TARGET_COLUMNS] + \
            [c for c in ("budget_spent_yuan", "adopters", "scenarios_released",
                         "demonstrations") if c in outputs]
        final = store.final()
        out = SweepAnalysis(manifest.get("name", ""), baseline, targets)
        ts = store.timeseries(inds)
        out.tables["bands"] = bands(ts, ok, inds)
        present = {k: v for k, v in targets.items() if k in outputs}
        out.tables["targets"] = target_probabilities(final, present)
        design = resolved["spec"].get("design") or {}
        if design.get("include_baseline") and final["point"].nunique() > 1:
            # P(target) at the baseline assumptions (point 0) next to P over the assumptions'
            # uncertainty (every other design point): how much the answer rests on them
            at = target_probabilities(final[final["point"] == 0], present)
            over = target_probabilities(final[final["point"] > 0], present)
            out.tables["targets_by_assumptions"] = pd.concat(
                [at.assign(assumptions="baseline values"),
                 over.assign(assumptions="uncertain (design points)")], ignore_index=True)
        out.tables["paired"] = paired_differences(final, baseline, inds)
        if "budget_spent_yuan" in outputs:
            out.tables["cost"] = cost_effectiveness(
                final, [c for c in TARGET_COLUMNS if c in outputs])
        out.tables["funnel"] = funnel_summary(store.funnel(), ok)
        points = store.points()
        seed = int(spec.get("root_seed", 0))
        sens = sweep_sensitivity(resolved, points, final, inds, seed)
        if sens is not None:
            out.tables["sensitivity"] = sens
            out.tables["seed_noise"] = seed_noise_table(sens)
        X = design_matrix(resolved, points, final)
        discovery, texts = scenario_discovery(X, final, present)
        if not discovery.empty:
            out.tables["discovery"] = discovery
        out.discovery_text = texts
        out.tables["runs"] = runs
        return out
    finally:
        store.close()
