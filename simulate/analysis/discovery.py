"""Sensitivity indices and scenario discovery for a sweep store (used by :func:`analyze`)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from .prim import prim
from .sensitivity import Problem, sensitivity_table
from ..experiment import RAW_SUFFIX


def sweep_sensitivity(resolved: dict[str, Any], points: pd.DataFrame, final: pd.DataFrame,
                      outputs: list[str], seed: int) -> pd.DataFrame | None:
    """Sobol' or Morris indices per arm, when the sweep's design is one of those."""
    spec = resolved["spec"]
    method = spec["design"]["type"]
    unc = spec["uncertainties"]
    if method not in ("sobol", "morris") or not isinstance(unc, dict) or not unc:
        return None
    names = list(unc)
    if method == "morris":
        bounds = [tuple(np.log(v["range"])) if v["scale"] == "log" else tuple(v["range"])
                  for v in unc.values()]
        X = points.set_index("point")[[f"{n}{RAW_SUFFIX}" for n in names]]
        X.columns = names
    else:
        bounds = [tuple(v["range"]) for v in unc.values()]
        X = points.set_index("point")[names]
    problem = Problem(names, bounds)
    frames = []
    for arm, runs in final.groupby("arm", sort=False):
        options = {"second_order": spec["design"]["second_order"]} if method == "sobol" else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            table = sensitivity_table(method, problem, X, runs, outputs, seed=seed, **options)
        table.insert(0, "arm", arm)
        table.insert(1, "method", method)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def design_matrix(resolved: dict[str, Any], points: pd.DataFrame, final: pd.DataFrame
                  ) -> pd.DataFrame:
    """One row a finished run: the uncertain parameters' values and the policy levers."""
    X = pd.DataFrame(index=final.index)
    pts = points.set_index("point")
    for name in resolved.get("uncertainty_keys") or {}:
        X[name] = pts.loc[final["point"], name].to_numpy()
    arms = {a["arm"]: a["settings"] for a in resolved["arms"]}
    keys = sorted({k for s in arms.values() for k in s})
    for key in keys:
        values = [arms[a].get(key) for a in final["arm"]]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            X[key] = np.array(values, dtype=float)
        elif len(keys) > 0:
            X["arm"] = final["arm"].astype(str).to_numpy()
    return X.loc[:, X.nunique() > 1]


def scenario_discovery(X: pd.DataFrame, final: pd.DataFrame, targets: dict[str, float]
                       ) -> tuple[pd.DataFrame, list[dict[str, str]]]:
    """PRIM box of the conditions under which each target is missed (when some runs miss)."""
    rows: list[pd.DataFrame] = []
    texts: list[dict[str, str]] = []
    if X.shape[1] == 0:
        return pd.DataFrame(), texts
    for target, value in targets.items():
        missed = (final[target].to_numpy() < value)
        if missed.all() or not missed.any():
            texts.append({"target": target, "en": f"{target}: missed in "
                          f"{'all' if missed.all() else 'no'} runs — no conditions to "
                          "discover.", "zh": f"{target}：{'全部' if missed.all() else '没有'}"
                          "运行未达标，无需识别条件。"})
            continue
        res = prim(X.reset_index(drop=True), missed, label=f"{target} is missed")
        frame = res.to_frame()
        frame.insert(0, "target", target)
        frame["miss_rate"] = missed.mean()
        rows.append(frame)
        texts.append({"target": target, "en": res.describe("en"),
                      "zh": res.describe("zh", label=f"{target} 未达标")})
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return table, texts
