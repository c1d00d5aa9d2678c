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
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from . import ahp as _ahp
from ._common import rank_desc
from .data import apply_missing, indicator_matrix, validate_table
from .fuzzy import membership_matrix
from .grades import assign_grades
from .hierarchy import ahp_cr, hierarchy_weights, weight_specs
from .method_scores import method_scores, oriented
from .result import ScoreResult
from .robustness import rank_robustness
from .system import IndicatorSystem, load_indicator_system

__all__ = ["ScoreResult", "score_scenarios"]
ROBUSTNESS_MODES = ("hierarchical", "dirichlet", "experts", "none")
RANK_REVERSAL_MAX = 200


def score_scenarios(
    table: pd.DataFrame | str | Path,
    system: IndicatorSystem | str | Path,
    *,
    method: str | None = None,
    seed: int | None = 0,
    n_draws: int | None = None,
    robustness: str | None = None,
    sheet: str | list[str] | None = None,
    header_row: int | None = None,
    include_hidden: bool | None = None,
    include_struck: bool | None = None,
    on_refused: str | None = None,
    min_coverage: float | None = None,
    rank_reversal: bool | None = None,
) -> ScoreResult:
    """Score and rank completed scenarios (see module docstring for every convention).

    ``table``: a DataFrame or a CSV/XLSX path.  Workbooks are read by
    :func:`changjing.evaluate.workbook.read_workbook` (header detection, units, formats,
    hidden / struck-through / summary rows, formulas without saved values): ``sheet`` is
    one sheet name, a list of names, or ``"all"`` (every sheet with the header);
    ``header_row``, ``include_hidden``, ``include_struck`` and ``on_refused`` override the
    system's ``[data]`` options.  Everything the reader did is in ``cleaning_log_``.
    ``system``: an :class:`IndicatorSystem` or the path of its TOML file.
    ``method``, ``n_draws``, ``robustness`` (mode) and ``min_coverage`` override the file.
    ``seed`` seeds the robustness draws (numpy Generator).
    ``rank_reversal``: run the remove-one / add-a-copy checks (:mod:`.rank_reversal`);
    default: when at most ``RANK_REVERSAL_MAX`` scenarios are scored.
    """
    if not isinstance(system, IndicatorSystem):
        system = load_indicator_system(system)
    from ..cleaning import CleaningLog

    log = CleaningLog()
    wt = None
    read_warnings: list[str] = []
    if isinstance(table, (str, Path)) and Path(table).suffix.lower() in (".xlsx", ".xlsm"):
        from .reading import read_scenarios

        wt = read_scenarios(
            table,
            system,
            on_refused=on_refused,
            sheets=sheet,
            header_row=header_row,
            include_hidden=include_hidden,
            include_struck=include_struck,
        )
        log = wt.log
        read_warnings = list(wt.warnings)
        frame = wt.frame
        source = str(table)
    elif isinstance(table, (str, Path)):
        from ..tables import read_table

        source = str(table) + (f" [sheet {sheet}]" if sheet else "")
        frame = read_table(table, sheet if not isinstance(sheet, list) else sheet[0])
    else:
        source, frame = "<table>", table
    cov_min = float(system.min_coverage if min_coverage is None else min_coverage)
    if not 0 <= cov_min <= 1:
        raise SpecError(f"min_coverage: must be in [0, 1], got {min_coverage!r}")
    method = method or system.method
    from .system import SCORING_METHODS

    if method not in SCORING_METHODS:
        from ._common import did_you_mean

        raise SpecError(
            f"method: expected one of {SCORING_METHODS}, got {method!r}"
            f"{did_you_mean(method, SCORING_METHODS)}"
        )
    mode = robustness or system.robustness_mode
    if mode not in ROBUSTNESS_MODES:
        raise SpecError(f"robustness: expected one of {ROBUSTNESS_MODES}, got {mode!r}")
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

    vt = validate_table(frame, system, source, locate=wt.cell if wt is not None else None)
    if wt is not None:
        from ..workbook import SOURCE_ROW, SOURCE_SHEET

        vt.rows = [int(r) for r in wt.frame[SOURCE_ROW]]
        vt.sheets = [str(x) for x in wt.frame[SOURCE_SHEET]]
    X = indicator_matrix(vt, system)
    mo, cover, not_scorable, weights_out = _coverage_rule(X, vt, system, cov_min)
    keep_idx = np.flatnonzero(mo.keep)
    ids = [vt.ids[i] for i in keep_idx]
    present = None if mo.nan_policy == "raise" else ~np.isnan(mo.X)
    Xm, dirs, Z, (g, local, cw, S, prov_c, prov_g) = weights_out
    score, extra, info, grade_idx = method_scores(
        method, system, Xm, Z, dirs, g, present, mo.nan_policy
    )
    notes: list[str] = list(read_warnings)
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
        q = dict(basis=system.grade_basis, quotas=system.grade_quotas, tie_rule=system.grade_tie_rule)
        grade = assign_grades(score, system.grade_cutoffs, system.grade_labels_zh, **q)
        grade_en = assign_grades(score, system.grade_cutoffs, system.grade_labels_en, **q)

    # ---------------------------------------------------------------- robustness
    rob = None
    rob_prov: dict[str, Any] = {"mode": mode}
    if mode != "none":
        weight_draws = None
        if mode == "hierarchical":
            from .robustness import hierarchical_draws

            weight_draws = hierarchical_draws(
                cw,
                [local[c.id] for c in system.criteria],
                draws,
                system.concentration,
                np.random.default_rng(seed),
            )
            rob_prov["distribution"] = (
                "criteria ~ Dirichlet(concentration * criterion weights), indicators of each "
                "criterion ~ Dirichlet(concentration * local weights); global = product"
            )
            rob_prov["concentration"] = system.concentration
        if mode == "experts":
            has_panel = any(spec.experts and len(spec.experts) > 1 for spec in weight_specs(system))
            if not has_panel:
                raise SpecError(
                    f'{system.path}: robustness.mode = "experts" needs an AHP '
                    "weights table with several experts somewhere in the hierarchy"
                )
            rng = np.random.default_rng(seed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                weight_draws = np.stack(
                    [hierarchy_weights(system, Xm, Z, dirs, present, rng)[0] for _ in range(draws)]
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
            keep_prov = {k: rob_prov[k] for k in ("distribution", "concentration") if k in rob_prov}
            rob_prov.update(rob.provenance())
            rob_prov.update(keep_prov)
            rob_prov["mode"] = mode
            rob_prov["seed"] = seed

    # ---------------------------------------------------------------- tables
    out = pd.DataFrame({"scenario_id": ids})
    if vt.names is not None:
        out["scenario_name"] = [vt.names[i] for i in keep_idx]
    if vt.sheets is not None:
        out["sheet"] = [vt.sheets[i] for i in keep_idx]
    out["row"] = (
        np.asarray(vt.rows, dtype=np.int64)[keep_idx] if vt.rows is not None else keep_idx + 2
    )
    out["rank"] = rank
    out["score"] = score
    out["grade"] = grade
    out["grade_en"] = grade_en
    for k, c in enumerate(system.criteria):
        scale = 1.0 if all(i.normalisation == "zscore" for i in c.indicators) else 100.0
        out[f"sub_{c.id}"] = scale * S[:, k]
    for key, val in extra.items():
        out[key] = val
    out["coverage"] = cover
    from .committee import committee_table, movers

    out["moved_most"] = movers(Z, g, [i.label_zh for i in system.indicators])
    out["n_indicators_present"] = (~np.isnan(X[keep_idx])).sum(axis=1)
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
                    "criterion_weight_cr": ahp_cr(prov_g),
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
                    "local_weight_cr": ahp_cr(prov_c[c.id]),
                    "ri_table": system.ri_table
                    if ahp_cr(prov_g) != "" or ahp_cr(prov_c[c.id]) != ""
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
            "quotas": system.grade_quotas,
            "tie_rule": system.grade_tie_rule,
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
    provenance["coverage"] = {
        "min_coverage": cov_min,
        "definition": "share of the total global weight carried by the indicators a "
        "scenario reported (missing = \"zero\" indicators count as reported)",
        "n_not_scorable": int(len(not_scorable)),
    }
    provenance["reading"] = log.counts()
    res = ScoreResult(
        out, weights, provenance, rob, mo.excluded, mo.imputed, system, method, seed, notes
    )
    if rank_reversal or (rank_reversal is None and len(ids) <= RANK_REVERSAL_MAX):
        from .rank_reversal import rank_reversal as _rr

        def scores_of(Xsub: np.ndarray) -> np.ndarray:
            pres = None if not np.isnan(Xsub).any() else ~np.isnan(Xsub)
            pol = "raise" if pres is None else "renormalise"
            a, d, z = oriented(Xsub, system)
            gg = hierarchy_weights(system, a, z, d, pres)[0]
            return method_scores(method, system, a, z, d, gg, pres, pol)[0]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res_rr = _rr(scores_of, mo.X, ids, score)
        provenance["rank_reversal"] = {
            "checks": "remove each scenario; add a copy of the last one (pipeline rerun, "
            "objective weights included)",
            "pairs_reversed_max_share": float(res_rr["share_reversed"].max()),
            "best_changed": int(res_rr["best_changed"].sum()),
        }
    else:
        res_rr = pd.DataFrame()
    res.cleaning_log_ = log
    res.rank_reversal_ = res_rr
    res.not_scorable_ = not_scorable
    res.report_ = committee_table(out, not_scorable)
    return res


def _coverage_rule(X: np.ndarray, vt, system: IndicatorSystem, min_coverage: float):
    """Apply the missing policy and the minimum coverage, until no scored scenario is below.

    Coverage of a scenario = the share of the total (global) weight carried by the
    indicators it reported.  Weights are those used for scoring; objective weights depend
    on the scored set, so after setting scenarios below ``min_coverage`` aside the weights
    are recomputed and the rule applied again.
    """
    observed = ~np.isnan(X)
    cand = np.ones(X.shape[0], dtype=bool)
    names = [i.id for i in system.indicators]
    set_aside: dict[int, float] = {}
    for _ in range(X.shape[0] + 1):
        mo = apply_missing(X, vt, system, candidates=cand)
        present = None if mo.nan_policy == "raise" else ~np.isnan(mo.X)
        Xm, dirs, Z = oriented(mo.X, system)
        wts = hierarchy_weights(system, Xm, Z, dirs, present)
        g = wts[0] / wts[0].sum()
        keep_idx = np.flatnonzero(mo.keep)
        cov = observed[keep_idx] @ g
        low = cov < min_coverage - 1e-12
        if not low.any():
            break
        for i, c in zip(keep_idx[low], cov[low]):
            set_aside[int(i)] = float(c)
        cand[keep_idx[low]] = False
    rows = []
    for i, c in sorted(set_aside.items()):
        miss = [names[j] for j in np.flatnonzero(~observed[i])]
        rows.append(
            {
                "scenario_id": vt.ids[i],
                "sheet": vt.sheets[i] if vt.sheets else "",
                "row": vt.row_of(i),
                "coverage": c,
                "min_coverage": min_coverage,
                "missing_indicators": ", ".join(miss),
            }
        )
    not_scorable = pd.DataFrame(
        rows,
        columns=["scenario_id", "sheet", "row", "coverage", "min_coverage", "missing_indicators"],
    )
    if len(not_scorable):
        extra = pd.DataFrame(
            {
                "scenario_id": not_scorable["scenario_id"],
                **({"sheet": not_scorable["sheet"]} if vt.sheets else {}),
                "row": not_scorable["row"],
                "reason": [
                    f"not scorable: coverage {c:.0%} of the weight < {min_coverage:.0%}; missing {m}"
                    for c, m in zip(not_scorable["coverage"], not_scorable["missing_indicators"])
                ],
            }
        )
        mo.excluded = pd.concat([mo.excluded, extra], ignore_index=True)
    cover = observed[np.flatnonzero(mo.keep)] @ g
    return mo, cover, not_scorable, (Xm, dirs, Z, wts)
