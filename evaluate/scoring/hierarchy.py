"""Weights over an indicator hierarchy (goal → criteria → indicators).

Every level's weights come from its weights table: fixed, equal, AHP (one expert or a
group), objective (entropy, CRITIC, std) or a combination.  Objective weights of a
criterion's indicators are computed from the raw indicator values of the scenarios with
all of them present; objective weights of the criteria from the criterion sub-scores.
Global indicator weight = criterion weight × local indicator weight.
"""

from __future__ import annotations

import numpy as np
from ..errors import InputError
from . import ahp as _ahp
from ._common import row_weights
from .combine import combine_weights, game_theory_coefficients
from .system import IndicatorSystem, WeightSpec
from .weights_objective import (
    critic_weights,
    entropy_weights,
    std_weights,
)


def subjective_weights(
    spec: WeightSpec,
    ids: list[str],
    system: IndicatorSystem,
    name: str,
    rng: np.random.Generator | None = None,
):
    if spec.source == "equal":
        return np.full(len(ids), 1.0 / len(ids)), {"method": "equal"}
    if spec.source == "fixed":
        w = np.array([spec.values[i] for i in ids], dtype=float)
        return w / w.sum(), {
            "method": "fixed",
            "values": dict(zip(ids, (w / w.sum()).round(10).tolist())),
        }
    order = spec.order or ids
    policy = "warn" if system.allow_inconsistent else "raise"
    kwargs = dict(
        method=system.ahp_method,
        ri_table=system.ri_table,
        max_cr=system.max_cr,
        labels=list(order),
        name=f"{system.path}: {spec.where}",
    )
    if spec.experts:
        mats = spec.experts
        ew = spec.expert_weights
        if rng is not None:  # bootstrap resample of the experts (robustness mode "experts")
            pick = rng.integers(0, len(mats), size=len(mats))
            mats = [mats[k] for k in pick]
            ew = None if ew is None else [ew[k] for k in pick]
            policy = "ignore"
        kwargs["on_inconsistent"] = policy
        res = _ahp.group_ahp(
            mats, expert_weights=ew, aggregation=spec.aggregation, mean=spec.mean, **kwargs
        )
    else:
        kwargs["on_inconsistent"] = policy
        res = _ahp.ahp_weights(spec.matrix, **kwargs)
    pos = {cid: k for k, cid in enumerate(order)}
    w = np.array([res.weights[pos[i]] for i in ids])
    prov = res.provenance()
    prov["order"] = list(order)
    return w, prov


def objective_weights(spec: WeightSpec, M: np.ndarray, dirs: list[str], ids: list[str], name: str):
    complete = ~np.isnan(M).any(axis=1)
    Mc = M[complete]
    if Mc.shape[0] < 3:
        raise InputError(
            f"{name}: {spec.source} weights need at least 3 scenarios with every value present, "
            f"got {Mc.shape[0]}; use fixed/AHP weights or another missing-value policy"
        )
    if spec.source == "entropy":
        if spec.convention == "standardised":
            res = entropy_weights(
                Mc, convention="standardised", directions=dirs, offset=spec.offset
            )
        else:
            res = entropy_weights(Mc)
    elif spec.source == "critic":
        res = critic_weights(
            Mc,
            dirs,
            contrast=spec.contrast,
            epsilon=spec.epsilon if spec.contrast == "entropy" else 0.0,
        )
    else:
        res = std_weights(Mc)
    prov = res.provenance()
    prov["n_scenarios_used"] = int(Mc.shape[0])
    return res.weights, prov


def level_weights(
    spec: WeightSpec,
    M: np.ndarray,
    dirs: list[str],
    ids: list[str],
    system: IndicatorSystem,
    rng=None,
):
    name = f"{system.path}: {spec.where}"
    if spec.source in ("entropy", "critic", "std"):
        return objective_weights(spec, M, dirs, ids, name)
    if spec.source != "combined":
        return subjective_weights(spec, ids, system, name, rng)
    ws, ps = subjective_weights(spec.subjective, ids, system, name, rng)
    wo, po = objective_weights(spec.objective, M, dirs, ids, name)
    w = combine_weights(ws, wo, method=spec.combine, alpha=spec.alpha)
    prov = {
        "method": f"combined-{spec.combine}",
        "subjective": ps,
        "objective": po,
        "subjective_weights": ws.round(10).tolist(),
        "objective_weights": wo.round(10).tolist(),
    }
    if spec.combine == "linear":
        prov["alpha"] = spec.alpha
    elif spec.combine.startswith("game_theory"):
        a = game_theory_coefficients(ws, wo, method=spec.combine)
        prov["game_theory_coefficients"] = a.round(10).tolist()
    return w, prov


def hierarchy_weights(system, Xm, Z, dirs, present, rng=None):
    """Local indicator weights per criterion, criterion weights and global weights."""
    inds = system.indicators
    col = {ind.id: j for j, ind in enumerate(inds)}
    local, prov_c, sub = {}, {}, []
    for c in system.criteria:
        idx = [col[i.id] for i in c.indicators]
        ids = [i.id for i in c.indicators]
        w, p = level_weights(c.weights, Xm[:, idx], [dirs[j] for j in idx], ids, system, rng)
        local[c.id] = w
        prov_c[c.id] = p
        P = None if present is None else present[:, idx]
        Wr = row_weights(w, P)
        sub.append(
            np.where(Wr.sum(axis=1) > 0, (np.nan_to_num(Z[:, idx]) * Wr).sum(axis=1), np.nan)
        )
    S = np.column_stack(sub)
    cw, prov_g = level_weights(
        system.goal_weights,
        S,
        ["benefit"] * S.shape[1],
        [c.id for c in system.criteria],
        system,
        rng,
    )
    g = np.concatenate([cw[k] * local[c.id] for k, c in enumerate(system.criteria)])
    return g, local, cw, S, prov_c, prov_g


def ahp_cr(prov: dict):
    """CR of the (aggregate) AHP matrix behind a weight provenance, or '' if none."""
    if "cr" in prov:
        return prov["cr"]
    sub = prov.get("subjective", {})
    return sub.get("cr", "") if isinstance(sub, dict) else ""


def weight_specs(system: IndicatorSystem):
    for spec in [system.goal_weights] + [c.weights for c in system.criteria]:
        yield spec
        if spec.source == "combined":
            yield spec.subjective
