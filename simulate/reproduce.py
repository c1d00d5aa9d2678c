"""Re-run runs of a finished sweep from its manifest and check the outputs are identical."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from .config import parse_config
from .errors import SimulateError
from .experiment import Experiment, ExperimentSpec
from .provenance import read_manifest
from .store import ResultStore
from .sweep import run_chunk


def experiment_from_manifest(folder: str | Path) -> Experiment:
    """Rebuild the experiment exactly as it was resolved (no file needed)."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not path.is_file():
        raise SimulateError(f"{folder}: no manifest.json; not a sweep folder")
    manifest = read_manifest(path)
    if "experiment_resolved" not in manifest:
        raise SimulateError(f"{path}: not a sweep manifest (no experiment_resolved)")
    res = manifest["experiment_resolved"]
    spec = ExperimentSpec.model_validate(res["spec"])
    base = parse_config(res["base_config"], f"{path} (base_config)")
    arms = pd.DataFrame({"arm_index": range(len(res["arms"])),
                         "arm": [a["arm"] for a in res["arms"]],
                         "settings": [a["settings"] for a in res["arms"]]})
    points = pd.DataFrame(res["points"])
    exp = Experiment(spec, manifest.get("experiment_as_given", ""), str(path), base, arms,
                     points, unc_keys=res.get("uncertainty_keys", {}),
                     unc_integer=res.get("uncertainty_integer", {}))
    if exp.experiment_hash() != manifest["experiment_hash"]:
        raise SimulateError(f"{path}: the resolved experiment does not match its recorded "
                            "hash; the manifest was edited or is damaged")
    return exp


@dataclass
class ReproduceReport:
    checked: int
    identical: int
    differences: pd.DataFrame      # run_id, seed, column, first differing step, stored, rerun

    @property
    def ok(self) -> bool:
        return self.checked == self.identical


def reproduce(folder: str | Path, sample: int | None = None, seed: int = 0) -> ReproduceReport:
    """Re-run all finished runs (or a seeded sample of ``sample``) and compare them."""
    exp = experiment_from_manifest(folder)
    store = ResultStore(folder)
    try:
        plan = exp.run_plan().set_index("run_id")
        runs = store.runs()
        ok = runs.loc[runs["status"] == "ok", "run_id"].to_numpy()
        if ok.size == 0:
            raise SimulateError(f"{folder}: no finished runs to reproduce")
        if sample is not None and sample < ok.size:
            ok = np.sort(np.random.default_rng(seed).choice(ok, size=sample, replace=False))
        outputs = store.outputs
        stored = store.timeseries(run_ids=list(map(int, ok)))
        diffs = []
        identical = 0
        for rid in ok:
            row = plan.loc[int(rid)]
            cfg = exp.config_for(int(row["arm_index"]), int(row["point"])).to_dict()
            (outcome,) = run_chunk([(int(rid), cfg, int(row["seed"]))], outputs)
            old = stored[stored["run_id"] == rid]
            if outcome.status != "ok":
                diffs.append({"run_id": int(rid), "seed": int(row["seed"]), "column": "(run)",
                              "step": None, "stored": "ok", "rerun": outcome.error})
                continue
            same = True
            for j, col in enumerate(outputs):
                a = old[col].to_numpy(dtype=float)
                b = outcome.values[:, j]  # type: ignore[index]
                if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                    same = False
                    k = int(np.argmax(~np.isclose(a, b, rtol=0, atol=0, equal_nan=True))) \
                        if a.shape == b.shape else 0
                    diffs.append({"run_id": int(rid), "seed": int(row["seed"]), "column": col,
                                  "step": k + 1, "stored": a[k] if a.size else None,
                                  "rerun": b[k] if b.size else None})
            identical += same
        return ReproduceReport(int(ok.size), identical, pd.DataFrame(
            diffs, columns=["run_id", "seed", "column", "step", "stored", "rerun"]))
    finally:
        store.close()
