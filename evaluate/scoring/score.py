"""The one-call pipeline: completed-scenario table + indicator system → scores.

:func:`score_scenarios` validates the table, builds the indicator matrix, applies the
missing-value policy, computes the weights at every level of the hierarchy (fixed, AHP,
group AHP, entropy, CRITIC, std or a combination), scores and ranks the scenarios with the
configured method, grades them, computes criterion sub-scores and the ranking robustness,
and returns a :class:`ScoreResult`.

Conventions (recorded in ``provenance_``):

* indicators with direction ``target`` / ``interval`` are first turned into benefit
  scores in [0, 1] (:func:`.normalise.target_score`); every method then sees benefit/cost;
* criterion sub-scores are the weighted sums of the normalised indicators inside the
  criterion (×100 for bounded normalisations), whatever the overall method;
* objective weights for a criterion's indicators are computed from the raw indicator
  values of the scenarios with all of them present; objective weights of the criteria
  (goal level) from the criterion sub-scores;
* global indicator weight = criterion weight × local indicator weight;
* the overall score is on 0–100: weighted sum ×100, TOPSIS closeness ×100, VIKOR
  (1 − Q) ×100, grey relational grade ×100, or the fuzzy crisp score Σ b̂_k v_k.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from changjing.evaluate.errors import InputError, SpecError
from changjing.evaluate.scoring import ahp as _ahp
from changjing.evaluate.scoring._common import rank_desc, row_weights
from changjing.evaluate.scoring.combine import combine_weights
from changjing.evaluate.scoring.data import apply_missing, indicator_matrix, validate_table
from changjing.evaluate.scoring.fuzzy import _compose, membership_matrix
from changjing.evaluate.scoring.gra import grey_relational
from changjing.evaluate.scoring.grades import assign_grades
from changjing.evaluate.scoring.normalise import normalise, target_score
from changjing.evaluate.scoring.robustness import RobustnessResult, rank_robustness
from changjing.evaluate.scoring.system import IndicatorSystem, WeightSpec, load_indicator_system
from changjing.evaluate.scoring.topsis import topsis
from changjing.evaluate.scoring.vikor import vikor
from changjing.evaluate.scoring.weights_objective import (
    critic_weights,
    entropy_weights,
    std_weights,
)


@dataclass
class ScoreResult:
    """Scores of completed scenarios under an indicator system.

    Attributes end in ``_`` (scikit-learn style) for what was computed from the data.
    """

    scores_: pd.DataFrame
    weights_: pd.DataFrame
    provenance_: dict
    robustness_: RobustnessResult | None
    excluded_: pd.DataFrame
    imputed_: pd.DataFrame
    system: IndicatorSystem
    method: str
    seed: int | None
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.scores_.copy()

    def summary(self) -> str:
        s = self.scores_
        lines = [
            f"{self.system.name_zh} / {self.system.name_en}",
            f"method {self.method}; {len(s)} scenarios scored, {len(self.excluded_)} excluded "
            f"(missing policy {self.system.missing!r})",
            "grades: "
            + ", ".join(f"{g} {int((s['grade'] == g).sum())}" for g in self.system.grade_labels_zh),
            "criterion weights: "
            + ", ".join(
                f"{cid} {w:.3f}" for cid, w in self.provenance_["criterion_weights"].items()
            ),
        ]
        if self.robustness_ is not None:
            lines.append(
                f"robustness: {self.robustness_.n_draws} draws "
                f"({self.provenance_['robustness']['mode']}); median share keeping rank "
                f"{float(np.median(self.robustness_.p_same_rank)):.3f}"
            )
        top = s.head(10)
        lines.append("top scenarios:")
        for _, r in top.iterrows():
            name = f" {r['scenario_name']}" if "scenario_name" in s.columns else ""
            lines.append(
                f"  {int(r['rank']):>4d}  {r['scenario_id']}{name}  score {r['score']:.2f}  {r['grade']}"
            )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


# --------------------------------------------------------------------------- weights


def _subjective(
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


def _objective(spec: WeightSpec, M: np.ndarray, dirs: list[str], ids: list[str], name: str):
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
        res = critic_weights(Mc, dirs, contrast=spec.contrast)
    else:
        res = std_weights(Mc)
    prov = res.provenance()
    prov["n_scenarios_used"] = int(Mc.shape[0])
    return res.weights, prov


def _level_weights(
    spec: WeightSpec,
    M: np.ndarray,
    dirs: list[str],
    ids: list[str],
    system: IndicatorSystem,
    rng=None,
):
    name = f"{system.path}: {spec.where}"
    if spec.source in ("entropy", "critic", "std"):
        return _objective(spec, M, dirs, ids, name)
    if spec.source != "combined":
        return _subjective(spec, ids, system, name, rng)
    ws, ps = _subjective(spec.subjective, ids, system, name, rng)
    wo, po = _objective(spec.objective, M, dirs, ids, name)
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
        from changjing.evaluate.scoring.combine import game_theory_coefficients

        a = game_theory_coefficients(ws, wo, method=spec.combine)
        prov["game_theory_coefficients"] = a.round(10).tolist()
    return w, prov


def _all_weights(system, Xm, Z, dirs, present, rng=None):
    """Local indicator weights per criterion, criterion weights and global weights."""
    inds = system.indicators
    col = {ind.id: j for j, ind in enumerate(inds)}
    local, prov_c, sub = {}, {}, []
    for c in system.criteria:
        idx = [col[i.id] for i in c.indicators]
        ids = [i.id for i in c.indicators]
        w, p = _level_weights(c.weights, Xm[:, idx], [dirs[j] for j in idx], ids, system, rng)
        local[c.id] = w
        prov_c[c.id] = p
        P = None if present is None else present[:, idx]
        Wr = row_weights(w, P)
        sub.append(
            np.where(Wr.sum(axis=1) > 0, (np.nan_to_num(Z[:, idx]) * Wr).sum(axis=1), np.nan)
        )
    S = np.column_stack(sub)
    cw, prov_g = _level_weights(
        system.goal_weights,
        S,
        ["benefit"] * S.shape[1],
        [c.id for c in system.criteria],
        system,
        rng,
    )
    g = np.concatenate([cw[k] * local[c.id] for k, c in enumerate(system.criteria)])
    return g, local, cw, S, prov_c, prov_g


# --------------------------------------------------------------------------- pipeline


def _oriented(X: np.ndarray, system: IndicatorSystem):
    """Target/interval columns → benefit scores; returns matrix, directions, normalised Z."""
    Xm = X.copy()
    dirs, Z = [], np.empty_like(X)
    for j, ind in enumerate(system.indicators):
        if ind.direction in ("target", "interval"):
            Xm[:, j] = target_score(X[:, j], target=ind.target, interval=ind.interval)
            Z[:, j] = Xm[:, j]
            dirs.append("benefit")
        else:
            dirs.append(ind.direction)
            Z[:, j] = normalise(X[:, [j]], ind.normalisation, [ind.direction])[:, 0]
    return Xm, dirs, Z


def _method_scores(method, system, Xm, Z, dirs, g, present, nan_policy):
    """Overall 0–100 score plus method-specific columns and notes."""
    extra: dict[str, np.ndarray] = {}
    info: dict[str, Any] = {}
    grade_idx = None
    if method == "weighted_sum":
        Wr = row_weights(g, present)
        s = (np.nan_to_num(Z) * Wr).sum(axis=1)
        bounded = all(
            i.normalisation != "zscore" or i.direction in ("target", "interval")
            for i in system.indicators
        )
        score = 100.0 * s if bounded else s
        info["normalisation"] = "per indicator (see weights table)"
    elif method == "topsis":
        r = topsis(Xm, g, dirs, normalisation=system.topsis_normalisation, nan_policy=nan_policy)
        score = 100.0 * r.closeness
        extra = {"closeness": r.closeness, "d_plus": r.d_plus, "d_minus": r.d_minus}
        info["normalisation"] = system.topsis_normalisation
    elif method == "vikor":
        r = vikor(Xm, g, dirs, v=system.vikor_v, nan_policy=nan_policy)
        score = 100.0 * (1.0 - r.Q)
        extra = {"vikor_S": r.S, "vikor_R": r.R, "vikor_Q": r.Q}
        info.update(
            v=system.vikor_v,
            advantage_C1=r.advantage,
            stability_C2=r.stability,
            compromise_rows=[int(i) for i in r.compromise],
        )
    elif method == "gra":
        r = grey_relational(Xm, g, dirs, rho=system.gra_rho, nan_policy=nan_policy)
        score = 100.0 * r.grade
        extra = {"grey_grade": r.grade}
        info["rho"] = system.gra_rho
    elif method == "fuzzy":
        Zc = np.clip(Z, 0.0, 1.0)
        R = membership_matrix(np.nan_to_num(Zc), system.fuzzy_centres)
        if present is not None:
            R = R * present[:, :, None]
        W = row_weights(g, present)
        W = np.broadcast_to(W, Z.shape) if W.shape[0] == 1 else W
        B = _compose(R, W, system.fuzzy_operator)
        tot = B.sum(axis=1, keepdims=True)
        K = B.shape[1]
        Bn = np.where(tot > 0, B / np.where(tot > 0, tot, 1.0), 1.0 / K)
        grade_idx = K - 1 - np.argmax(Bn[:, ::-1], axis=1)
        score = Bn @ np.asarray(system.fuzzy_grade_values)
        for k, lab in enumerate(system.grade_labels_en):
            extra[f"membership_{lab}"] = Bn[:, k]
        info.update(
            operator=system.fuzzy_operator,
            centres=system.fuzzy_centres,
            grade_values=system.fuzzy_grade_values,
            grade_rule="maximum membership, ties to the worse grade",
        )
    else:  # pragma: no cover - validated by the system loader
        raise SpecError(f"method: unknown scoring method {method!r}")
    return score, extra, info, grade_idx


def score_scenarios(
    table: pd.DataFrame | str | Path,
    system: IndicatorSystem | str | Path,
    *,
    method: str | None = None,
    seed: int | None = 0,
    n_draws: int | None = None,
    robustness: str | None = None,
    sheet: str | None = None,
) -> ScoreResult:
    """Score and rank completed scenarios (see module docstring for every convention).

    ``table``: a DataFrame or a CSV/XLSX path (``sheet`` selects the Excel sheet).
    ``system``: an :class:`IndicatorSystem` or the path of its TOML file.
    ``method``, ``n_draws`` and ``robustness`` (mode) override the system file.
    ``seed`` seeds the robustness draws (numpy Generator).
    """
    if not isinstance(system, IndicatorSystem):
        system = load_indicator_system(system)
    if isinstance(table, (str, Path)):
        from changjing.evaluate.tables import read_table

        source = str(table) + (f" [sheet {sheet}]" if sheet else "")
        frame = read_table(table, sheet)
    else:
        source, frame = "<table>", table
    method = method or system.method
    from changjing.evaluate.scoring.system import SCORING_METHODS

    if method not in SCORING_METHODS:
        from changjing.evaluate.scoring._common import did_you_mean

        raise SpecError(
            f"method: expected one of {SCORING_METHODS}, got {method!r}"
            f"{did_you_mean(method, SCORING_METHODS)}"
        )
    mode = robustness or system.robustness_mode
    if mode not in ("dirichlet", "experts", "none"):
        raise SpecError(f"robustness: expected 'dirichlet', 'experts' or 'none', got {mode!r}")
    draws = int(n_draws if n_draws is not None else system.n_draws)
    if draws < 1:
        raise SpecError(f"n_draws: must be >= 1, got {draws}")
    if seed is not None and (not isinstance(seed, (int, np.integer)) or seed < 0):
        raise SpecError(f"seed: expected a non-negative integer or None, got {seed!r}")
    unbounded = [
        i.id
        for i in system.indicators
        if i.normalisation == "zscore" and i.direction in ("benefit", "cost")
    ]
    if method == "fuzzy" and unbounded:
        raise SpecError(
            f"method 'fuzzy' needs indicators on a bounded scale; z-score normalised: "
            f"{', '.join(unbounded)}"
        )
    if method == "weighted_sum" and unbounded and system.grade_basis == "score":
        raise SpecError(
            "a weighted sum of z-scores has no 0–100 scale: set [grades] basis = "
            '"percentile" or another normalisation for ' + ", ".join(unbounded)
        )

    vt = validate_table(frame, system, source)
    X = indicator_matrix(vt, system)
    mo = apply_missing(X, vt, system)
    keep_idx = np.flatnonzero(mo.keep)
    ids = [vt.ids[i] for i in keep_idx]
    present = None if mo.nan_policy == "raise" else ~np.isnan(mo.X)
    Xm, dirs, Z = _oriented(mo.X, system)
    g, local, cw, S, prov_c, prov_g = _all_weights(system, Xm, Z, dirs, present)
    score, extra, info, grade_idx = _method_scores(
        method, system, Xm, Z, dirs, g, present, mo.nan_policy
    )
    notes: list[str] = []
    if "compromise_rows" in info:
        info["compromise"] = [ids[i] for i in info.pop("compromise_rows")]
    if np.isnan(score).any():  # pragma: no cover - rows without data were excluded
        raise InputError(
            f"{source}: a score could not be computed (all weighted indicators missing)"
        )
    rank = rank_desc(score)
    if grade_idx is not None:
        grade = np.array([system.grade_labels_zh[k] for k in grade_idx], dtype=object)
        grade_en = np.array([system.grade_labels_en[k] for k in grade_idx], dtype=object)
    else:
        grade = assign_grades(
            score, system.grade_cutoffs, system.grade_labels_zh, basis=system.grade_basis
        )
        grade_en = assign_grades(
            score, system.grade_cutoffs, system.grade_labels_en, basis=system.grade_basis
        )

    # ---------------------------------------------------------------- robustness
    rob = None
    rob_prov: dict[str, Any] = {"mode": mode}
    if mode != "none":
        weight_draws = None
        if mode == "experts":
            has_panel = any(spec.experts and len(spec.experts) > 1 for spec in _specs(system))
            if not has_panel:
                raise SpecError(
                    f'{system.path}: robustness.mode = "experts" needs an AHP '
                    "weights table with several experts somewhere in the hierarchy"
                )
            rng = np.random.default_rng(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                weight_draws = np.stack(
                    [_all_weights(system, Xm, Z, dirs, present, rng)[0] for _ in range(draws)]
                )
            rob_prov["distribution"] = "bootstrap resample of the experts at every group-AHP level"
        kwargs = dict(
            n_draws=draws,
            concentration=system.concentration,
            seed=seed,
            weight_draws=weight_draws,
            tolerance=system.tolerance,
            top_k=min(system.top_k, len(ids)) if system.top_k else None,
            nan_policy=mo.nan_policy,
            n_jobs=-1,
        )
        if method == "weighted_sum":
            rob = rank_robustness(
                Z, g, "benefit", method="weighted_sum", normalisation="none", **kwargs
            )
        elif method == "fuzzy":
            if system.fuzzy_operator != "M(.,+)":
                notes.append(
                    f"rank robustness is computed only for the weighted-average fuzzy "
                    f"operator M(.,+); {system.fuzzy_operator} skipped"
                )
            else:
                Zc = np.clip(np.nan_to_num(Z), 0, 1)
                U = membership_matrix(Zc, system.fuzzy_centres) @ np.asarray(
                    system.fuzzy_grade_values
                )
                U = np.where(np.isnan(Z), np.nan, U)
                rob = rank_robustness(
                    U, g, "benefit", method="weighted_sum", normalisation="none", **kwargs
                )
        else:
            rob = rank_robustness(
                Xm,
                g,
                dirs,
                method=method,
                normalisation=system.topsis_normalisation if method == "topsis" else None,
                v=system.vikor_v,
                rho=system.gra_rho,
                **kwargs,
            )
        if rob is not None:
            rob_prov.update(rob.provenance())
            rob_prov["mode"] = mode

    # ---------------------------------------------------------------- tables
    out = pd.DataFrame({"scenario_id": ids})
    if vt.names is not None:
        out["scenario_name"] = [vt.names[i] for i in keep_idx]
    out["row"] = keep_idx + 2
    out["rank"] = rank
    out["score"] = score
    out["grade"] = grade
    out["grade_en"] = grade_en
    for k, c in enumerate(system.criteria):
        scale = 1.0 if all(i.normalisation == "zscore" for i in c.indicators) else 100.0
        out[f"sub_{c.id}"] = scale * S[:, k]
    for key, val in extra.items():
        out[key] = val
    out["n_indicators_present"] = (~np.isnan(mo.X)).sum(axis=1)
    if rob is not None:
        rf = rob.to_frame().drop(columns=["alternative", "base_rank"])
        for col_name in rf.columns:
            out[col_name] = rf[col_name].to_numpy()
    out = out.sort_values(["rank", "scenario_id"], kind="stable").reset_index(drop=True)

    rows = []
    j = 0
    for k, c in enumerate(system.criteria):
        for i, ind in enumerate(c.indicators):
            rows.append(
                {
                    "criterion_id": c.id,
                    "criterion_zh": c.label_zh,
                    "criterion_en": c.label_en,
                    "criterion_weight": cw[k],
                    "criterion_weight_source": system.goal_weights.describe(),
                    "criterion_weight_cr": _cr(prov_g),
                    "indicator_id": ind.id,
                    "label_zh": ind.label_zh,
                    "label_en": ind.label_en,
                    "unit": ind.unit,
                    "column": ind.column,
                    "computed_as": (
                        f"{ind.column} - {ind.baseline}"
                        if ind.baseline
                        else f"{ind.column} / {ind.per}"
                        if ind.per
                        else ind.column
                    ),
                    "direction": ind.direction,
                    "target": ind.target
                    if ind.direction == "target"
                    else (f"[{ind.interval[0]:g}, {ind.interval[1]:g}]" if ind.interval else ""),
                    "normalisation": "target-score"
                    if ind.direction in ("target", "interval")
                    else ind.normalisation,
                    "local_weight": local[c.id][i],
                    "local_weight_source": c.weights.describe(),
                    "local_weight_cr": _cr(prov_c[c.id]),
                    "ri_table": system.ri_table
                    if _cr(prov_g) != "" or _cr(prov_c[c.id]) != ""
                    else "",
                    "global_weight": g[j],
                    "source": ind.source,
                    "rationale": ind.rationale,
                }
            )
            j += 1
    weights = pd.DataFrame(rows)

    provenance = {
        "system": {
            "id": system.id,
            "version": system.version,
            "file": Path(system.path).name,
            "sha256": system.sha256,
        },
        "method": method,
        "method_settings": info,
        "missing_policy": system.missing,
        "nan_policy_in_methods": mo.nan_policy,
        "n_rows": len(vt.ids),
        "n_scored": len(ids),
        "n_excluded": int(len(mo.excluded)),
        "ri_table": system.ri_table,
        "ri_source": _ahp.RANDOM_INDEX_SOURCES.get(
            system.ri_table if isinstance(system.ri_table, str) else "",
            f"user-supplied RI table {system.ri_table}",
        ),
        "max_cr": system.max_cr,
        "allow_inconsistent": system.allow_inconsistent,
        "ahp_method": system.ahp_method,
        "goal_weights": prov_g,
        "criterion_weights": {c.id: float(round(cw[k], 12)) for k, c in enumerate(system.criteria)},
        "indicator_weights": prov_c,
        "grades": {
            "basis": system.grade_basis,
            "cutoffs": system.grade_cutoffs,
            "labels_zh": system.grade_labels_zh,
            "labels_en": system.grade_labels_en,
        },
        "robustness": rob_prov,
        "seed": seed,
        "conventions": [
            "target/interval indicators become benefit scores in [0, 1] before scoring",
            "criterion sub-scores = weighted sums of normalised indicators in the criterion",
            "global weight = criterion weight x local indicator weight",
            "ranks: 1 = best; ties share the best rank",
        ],
    }
    return ScoreResult(
        out, weights, provenance, rob, mo.excluded, mo.imputed, system, method, seed, notes
    )


def _cr(prov: dict):
    """CR of the (aggregate) AHP matrix behind a weight provenance, or '' if none."""
    if "cr" in prov:
        return prov["cr"]
    sub = prov.get("subjective", {})
    return sub.get("cr", "") if isinstance(sub, dict) else ""


def _specs(system: IndicatorSystem):
    for spec in [system.goal_weights] + [c.weights for c in system.criteria]:
        yield spec
        if spec.source == "combined":
            yield spec.subjective
