"""Staggered adoption: Callaway & Sant'Anna (2021) group-time average treatment effects.

Units are grouped by the period ``g`` in which they are first treated (funded).  For every
group ``g`` and period ``t``, ATT(g,t) compares the outcome change of group ``g`` between a
base period and ``t`` with the change among comparison units:

* ``control="never"``: units never treated in the panel;
* ``control="notyet"``: never-treated units plus units first treated after
  ``max(t, base) + anticipation`` (and not in group ``g``).

Base period (``base_period``), as R ``did``: ``"varying"`` (default) uses ``t - 1`` for every
cell with ``t < g`` (including the anticipation window ``g - anticipation <= t < g``) and the
last period before ``g - anticipation`` for ``t >= g``; ``"universal"`` uses the latter for all
cells, from the first period of the panel on (the reference cell ``t = g - 1 - anticipation``
is then zero by construction).

Each 2x2 comparison is estimated by :mod:`drdid` (``method``: ``reg``, ``ipw``, ``dr`` =
traditional DR as R ``did``, ``dr_imp`` = improved DR), covariates taken in the base period;
without covariates all four coincide with the unconditional difference of mean changes.

Inference.  Each ATT(g,t) has an influence function ``psi_i`` (rescaled to the full sample of
``n`` units, as in the ``did`` package); the analytic variance of any smooth aggregation is
``sum_c (sum_{i in c} psi_i)^2 / n^2`` over clusters ``c`` (units by default).  The multiplier
bootstrap draws Rademacher weights per cluster from ``numpy.random.default_rng(seed)``,
estimates the bootstrap standard error by the normalised inter-quartile range (as ``did``) and
forms **simultaneous** (sup-t) bands from the ``1 - alpha`` quantile of the maximum absolute
t-statistic over all components of the band (all ATT(g,t) cells, or all event times).  The
pre-trend test is the Wald test that all pre-treatment ATT(g,t) are zero, with the analytic
covariance (``did``'s "pre-test of parallel trends").

Aggregations: :func:`aggte` in :mod:`staggered_aggte`.  Standard errors, bootstrap and pre-test:
:mod:`multiplier`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..blas import single_threaded_blas
from ..errors import InputError, SpecError
from .drdid import (  # noqa: F401  (re-exported)
    METHODS,
    _dr_imp,
    _dr_trad,
    _ols_lin_rep,
    _ps_lin_rep,
    _reg,
    _std_ipw,
    _two_by_two,
)
from .drdid_rc import rc_two_by_two
from .staggered_batch import two_by_two_batch
from .multiplier import (  # noqa: F401
    BOOTSTRAP_WEIGHTS,
    _cluster_sums,
    analytic_se,
    multiplier_bootstrap,
    pretrend_test,
)
from .panel import Panel, prepare_panel, require_columns, where
from .result import ImpactResult, check_alpha
from .staggered_aggte import (  # noqa: F401
    AGGREGATIONS,
    _check_bootstrap,
    _n,
    aggte,
    basis_matrix,
    summarise_draws,
)
from scipy import stats

CONTROLS = {"never": "never treated", "notyet": "not yet treated (including never treated)"}


@single_threaded_blas
def att_gt(
    data: pd.DataFrame | Panel,
    *,
    unit: str | None = None,
    time: str | None = None,
    outcome: str | None = None,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    factors: Sequence[str] = (),
    control: Literal["never", "notyet"] = "never",
    method: Literal["dr", "ipw", "reg", "dr_imp"] = "dr",
    base_period: Literal["varying", "universal"] = "varying",
    anticipation: int = 0,
    cluster: str | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    bootstrap_weights: Literal["rademacher", "mammen"] = "rademacher",
    alpha: float = 0.05,
    trim: float = 0.995,
    drop_incomplete: bool = False,
    weights: str | None = None,
    panel: bool = True,
    allow_unbalanced_panel: bool = False,
    source: str | None = None,
) -> ImpactResult:
    """Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

    Parameters
    ----------
    data:
        Long balanced panel (one row per unit and period) or a prepared :class:`Panel`.
    unit, time, outcome:
        Column names; ``time`` numeric (e.g. year).  The outcome's units carry to the ATT.
    treated_from / treated:
        First treated period per unit (empty/0 = never) or a 0/1 absorbing indicator.
    covariates:
        Columns used for conditional parallel trends (values from each cell's base period).
    factors:
        Covariates to treat as categorical although their values are numbers (e.g. region
        codes).  Text, boolean and pandas categorical covariates are categorical anyway.  A
        categorical covariate with L levels enters as L-1 indicator columns named
        ``<column><level>``, the first level (sorted, or the categorical's own order) being
        the reference - R's treatment contrasts in ``xformla = ~ factor(column)``.
    control:
        ``"never"`` or ``"notyet"`` (see module docstring).
    method:
        ``"dr"`` (traditional DR, as R ``did``), ``"dr_imp"`` (improved DR), ``"ipw"``, ``"reg"``.
    base_period:
        ``"varying"`` or ``"universal"``.
    anticipation:
        Number of periods before ``g`` in which units may already react (>= 0).
    cluster:
        Column of clusters containing whole units (default: units).
    bootstrap:
        Number of multiplier-bootstrap draws for simultaneous bands (0 = analytic only).
    seed:
        Seed of the bootstrap's ``numpy.random.default_rng``; required when ``bootstrap > 0``.
    bootstrap_weights:
        Multiplier distribution, one draw per cluster: ``"rademacher"`` (R ``did``) or
        ``"mammen"``.
    alpha:
        1 - confidence level.
    weights:
        Column of sampling weights (R ``did``'s ``weightsname``): non-negative, constant
        within a unit.  They enter the propensity-score and outcome fits, the 2x2 means,
        the influence functions (hence analytic and bootstrap SEs) and the group shares
        that weight the aggregations.  ``None`` = equal weights.
    panel:
        ``False`` for repeated cross-sections (R ``panel = FALSE``): every row is a separate
        observation (``unit`` is not needed), ``treated_from`` gives its group, covariates
        are its own values, and each cell uses the repeated cross-section estimators of
        :mod:`drdid_rc` on the observations of the two periods.
    allow_unbalanced_panel:
        As R ``allow_unbalanced_panel = TRUE``: an unbalanced panel is estimated with the
        repeated cross-section estimators on the observed rows of the two periods, the
        influence function summed by unit (so SEs account for the repeated observations of a
        unit).  A panel that turns out balanced uses the panel estimators, as R.
    drop_incomplete:
        Drop units not observed in every period (with a warning) instead of refusing an
        unbalanced panel.

    Returns
    -------
    ImpactResult
        ``estimate``/``se`` are the simple aggregation (post cells weighted by group size);
        ``table`` holds one row per ATT(g,t) with analytic SE, pointwise interval and (with
        bootstrap) the bootstrap SE and simultaneous band; ``diagnostics["pretrend"]`` holds
        the Wald pre-test.  Pass the result to :func:`aggte` for other aggregations.
    """
    alpha = check_alpha(alpha)
    if method not in METHODS:
        raise SpecError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if control not in CONTROLS:
        raise SpecError(f"control: expected 'never' or 'notyet', got {control!r}")
    if base_period not in ("varying", "universal"):
        raise SpecError(f"base_period: expected 'varying' or 'universal', got {base_period!r}")
    if not isinstance(anticipation, (int, np.integer)) or anticipation < 0:
        raise SpecError(f"anticipation: expected an integer >= 0, got {anticipation!r}")
    if not (0.5 < trim <= 1):
        raise SpecError(f"trim: expected a number in (0.5, 1], got {trim!r}")
    bootstrap = _check_bootstrap(bootstrap, seed)
    if bootstrap_weights not in BOOTSTRAP_WEIGHTS:
        raise SpecError(f"bootstrap_weights: expected one of {', '.join(BOOTSTRAP_WEIGHTS)}, "
                        f"got {bootstrap_weights!r}")

    if drop_incomplete and (allow_unbalanced_panel or not panel):
        raise SpecError("drop_incomplete: cannot be combined with allow_unbalanced_panel=True "
                        "or panel=False (those use every observed row)")
    rc_mode = not panel
    levels: dict[str, list] = {}
    ignored_unit: str | None = None
    if isinstance(data, Panel):
        if factors or rc_mode:
            raise SpecError("factors / panel=False: give a data frame, not a prepared Panel")
        pan = data
    else:
        if time is None or outcome is None or (unit is None and panel):
            raise SpecError("unit, time and outcome: all three column names are required "
                            "(unit may be omitted only for repeated cross-sections)")
        if treated is not None and rc_mode:
            raise SpecError("treated: repeated cross-sections need treated_from (the group's "
                            "first treated period); a 0/1 indicator cannot be traced")
        require_columns(data, {"weights": weights}, source)
        data, covariates, levels = expand_factors(data, covariates, factors, source)
        ignored_unit = unit if rc_mode else None
        if rc_mode:
            # every row its own unit: the panel checks then validate the rows
            unit = "__row__"
            data = data.assign(__row__=np.arange(len(data)))
        pan = prepare_panel(
            data, unit=unit, time=time, outcome=outcome, treated_from=treated_from,
            treated=treated, covariates=covariates, cluster=cluster, source=source,
            balanced=not (drop_incomplete or allow_unbalanced_panel or rc_mode),
            need_never_treated=(control == "never"),
        )
        if drop_incomplete:
            pan = _drop_incomplete(pan)
    unbalanced = bool(allow_unbalanced_panel and not rc_mode and not np.isfinite(pan.y).all())
    rows_mode = rc_mode or unbalanced
    wu = None
    if weights is not None:
        if isinstance(data, Panel):
            raise SpecError("weights: give a data frame with the weights column, not a Panel")
        wu = _unit_weights(data, unit, weights, pan, source)
    panel = pan
    times = panel.times
    n = panel.n_units
    gvec = panel.first_treated
    groups = np.unique(gvec[np.isfinite(gvec)])
    y = panel.y
    xall = panel.x
    warnings = list(panel.warnings)
    if ignored_unit is not None:
        warnings.append(f"unit column {ignored_unit!r} ignored: with panel=False every row is an "
                        "independent observation; for repeated observations of units use "
                        "allow_unbalanced_panel=True (influence function summed by unit)")
    obs = _observations(panel) if rows_mode else None

    rows: list[dict] = []
    infs: list[np.ndarray] = []
    skipped: list[str] = []
    # R did's loop: the varying base is t-1 (so the first period has no cell); the universal
    # base includes the first period.  A cell is post-treatment from t >= g; the long
    # difference to the group's base g-1-anticipation is used only there, and cells inside
    # the anticipation window (g-anticipation <= t < g) keep the short difference t-1.
    first_t = 0 if base_period == "universal" else 1
    specs: list[dict] = []  # cells to estimate, in output order
    for g in groups:
        # last period strictly before g - anticipation (did's pret_g)
        bg_idx = int(np.searchsorted(times, g - anticipation, side="left")) - 1
        for t_idx in range(first_t, len(times)):
            t = times[t_idx]
            post = t >= g
            if base_period == "universal" or post:
                b_idx = bg_idx
            else:
                b_idx = t_idx - 1
            if b_idx < 0:
                skipped.append(f"ATT({_n(g)},{_n(t)}): base period before the panel")
                continue
            if base_period == "universal" and b_idx == t_idx:
                specs.append({"g": g, "t": t, "b_idx": b_idx, "post": False, "ref": True})
                continue
            later = max(t_idx, b_idx)
            if control == "never":
                ctrl = ~np.isfinite(gvec)
            else:
                ctrl = (~np.isfinite(gvec)) | (gvec > times[later] + anticipation)
                ctrl &= gvec != g
            if ctrl.sum() == 0:
                skipped.append(f"ATT({_n(g)},{_n(t)}): no comparison units")
                continue
            specs.append({"g": g, "t": t, "t_idx": t_idx, "b_idx": b_idx, "post": bool(post),
                          "treat": gvec == g, "ctrl": ctrl, "ref": False})
    if rows_mode:
        for sp in specs:
            if sp["ref"]:
                continue
            est = _rows_cell(obs, sp["treat"], sp["ctrl"], sp["t_idx"], sp["b_idx"], method,
                             trim, wu, n)
            if isinstance(est, str):
                sp["skip"] = est
                continue
            try:
                sp["att"], sp["inf"], sp["n_t"], sp["n_c"] = est()
            except InputError as exc:
                raise InputError(f"{panel.source}: ATT(g={_n(sp['g'])}, t={_n(sp['t'])}): "
                                 f"{exc}") from None
    else:
        _panel_cells(specs, y, xall, method, trim, wu, n, panel.source)
    for sp in specs:
        g, t = sp["g"], sp["t"]
        if sp["ref"]:
            rows.append({"group": g, "time": t, "event_time": t - g, "base": times[sp["b_idx"]],
                         "estimate": 0.0, "n_treated": int((gvec == g).sum()),
                         "n_control": 0, "post": False})
            infs.append(np.zeros(n))
            continue
        if "skip" in sp:
            skipped.append(f"ATT({_n(g)},{_n(t)}): {sp['skip']}")
            continue
        rows.append({"group": g, "time": t, "event_time": t - g, "base": times[sp["b_idx"]],
                     "estimate": sp["att"], "n_treated": sp["n_t"], "n_control": sp["n_c"],
                     "post": sp["post"]})
        infs.append(sp["inf"])
    if not rows:
        raise InputError(f"{panel.source}: no group-time effect can be estimated "
                         f"({'; '.join(skipped[:3])})")
    if skipped:
        warnings.append(f"{len(skipped)} group-time cell(s) skipped: " + "; ".join(skipped[:5]))
    cells = pd.DataFrame(rows)
    inf = np.column_stack(infs)
    se = analytic_se(inf, panel.cluster)
    cells["se"] = np.where(se > 1e-12, se, np.nan)
    z = stats.norm.ppf(1 - alpha / 2)
    cells["ci_low"] = cells["estimate"] - z * cells["se"]
    cells["ci_high"] = cells["estimate"] + z * cells["se"]

    settings = {
        "estimator": "Callaway & Sant'Anna (2021) ATT(g,t)",
        "method": method, "method_description": METHODS[method],
        "control": control, "control_description": CONTROLS[control],
        "base_period": base_period, "anticipation": int(anticipation),
        "covariates": list(panel.covariates), "factor_levels": levels,
        "covariates_period": "base period of each cell",
        "cluster": cluster or "unit", "bootstrap": int(bootstrap), "seed": seed,
        "bootstrap_weights": (BOOTSTRAP_WEIGHTS[bootstrap_weights] + ", one per cluster"
                              if bootstrap else None),
        "bootstrap_weights_kind": bootstrap_weights,
        "alpha": alpha, "trim": trim, "weights": weights,
        "data_structure": ("repeated cross-sections (each row an observation)" if rc_mode
                           else "unbalanced panel: repeated cross-section estimators on the "
                           "observed rows, influence function summed by unit" if unbalanced
                           else "panel"),
    }
    # group shares among all units (did's pg), for aggregation weights
    wshare = np.ones(n) if wu is None else wu
    share = {g: float(np.mean(wshare * (gvec == g))) for g in groups}
    extra = {"cells": cells, "inf": inf, "cluster": panel.cluster, "first_treated": gvec,
             "weights": wu,
             "share": share, "times": times, "n": n}
    if bootstrap:
        # one set of multiplier draws for the cells and every aggregate (did draws the same
        # multipliers again for each aggte() with the same seed): the draws of the basis
        # [cell IFs | group indicators | 1] of which every aggregate is a fixed combination
        draws = multiplier_bootstrap(
            basis_matrix(extra), bootstrap, np.random.default_rng(seed), panel.cluster,
            alpha, weights=bootstrap_weights)["draws"]
        extra["boot_basis"] = ((int(bootstrap), seed, bootstrap_weights), draws)
        boot = summarise_draws(draws[:, :inf.shape[1]], alpha)
        cells["se_boot"] = boot["se"]
        cells["band_low"] = cells["estimate"] - boot["crit_simultaneous"] * cells["se_boot"]
        cells["band_high"] = cells["estimate"] + boot["crit_simultaneous"] * cells["se_boot"]
        settings["crit_simultaneous"] = boot["crit_simultaneous"]
    result = ImpactResult(
        design="att_gt", estimand="ATT(g,t) cells; headline = simple aggregation",
        estimate=float("nan"), se=float("nan"), ci_low=float("nan"), ci_high=float("nan"),
        n=n, n_obs=panel.n_obs, alpha=alpha,
        # as R did: sqrt(sum psi^2) / n, not n - 1 (R DRDID's sd(psi) / sqrt(n))
        se_type="influence function (analytic)" + (", clustered" if panel.cluster is not None
                                                   else "") + "; divides by n, as R did",
        ci_type="normal pointwise per cell" + ("; sup-t simultaneous band over all cells "
                                               f"({bootstrap} multiplier draws)" if bootstrap
                                               else ""),
        table=cells.drop(columns=["post"]).assign(term=[f"ATT({_n(g)},{_n(t)})" for g, t in
                                                        zip(cells.group, cells.time)]),
        settings=settings, warnings=warnings, extra=extra,
    )
    result.diagnostics["pretrend"] = pretrend_test(result)
    simple = aggte(result, "simple")
    result.estimate, result.se = simple.estimate, simple.se
    result.ci_low, result.ci_high, result.p_value = simple.ci_low, simple.ci_high, simple.p_value
    if bootstrap:
        result.settings["se_boot_simple"] = simple.settings["se_boot_overall"]
        result.diagnostics["bootstrap_overall"] = simple.diagnostics["bootstrap_overall"]
    _check_few_clusters(result, panel)
    return result


def _panel_cells(specs: list[dict], y: np.ndarray, xall: np.ndarray | None, method: str,
                 trim: float, wu: np.ndarray | None, n: int, source: str) -> None:
    """Panel 2x2 of every cell, batched over cells that share a design (in place).

    A design is the treated group, the comparison units and the period the covariates are
    taken from (any period when they are time-invariant): its propensity score and outcome
    regression bread are fitted once, the outcome changes of its cells solved together
    (:func:`staggered_batch.two_by_two_batch`; equal to the cell-by-cell estimators).
    """
    static = xall is None or bool(np.array_equal(xall, np.broadcast_to(xall[:, :1, :],
                                                                       xall.shape)))
    designs: dict[tuple, list[dict]] = {}
    for sp in specs:
        if sp["ref"]:
            continue
        key = (sp["g"], sp["ctrl"].tobytes(), 0 if static else sp["b_idx"])
        designs.setdefault(key, []).append(sp)
    for (_, _, xb), cells in designs.items():
        treat, ctrl = cells[0]["treat"], cells[0]["ctrl"]
        sub = treat | ctrl
        ysub = y[sub]
        dy = ysub[:, [c["t_idx"] for c in cells]] - ysub[:, [c["b_idx"] for c in cells]]
        x = None
        if xall is not None:
            x = np.column_stack([np.ones(int(sub.sum())), xall[sub, xb, :]])
        try:
            att, inf_sub = two_by_two_batch(dy, treat[sub].astype(float), x, method, trim,
                                            None if wu is None else wu[sub])
        except InputError as exc:
            first = cells[0]
            also = (f" (and the {len(cells) - 1} other cell(s) sharing its comparison)"
                    if len(cells) > 1 else "")
            raise InputError(f"{source}: ATT(g={_n(first['g'])}, t={_n(first['t'])}){also}: "
                             f"{exc}") from None
        scale = n / sub.sum()
        n_t, n_c = int(treat.sum()), int(ctrl.sum())
        for j, c in enumerate(cells):
            full = np.zeros(n)
            full[sub] = inf_sub[:, j] * scale
            c.update(att=float(att[j]), inf=full, n_t=n_t, n_c=n_c)


def _observations(panel: Panel) -> dict[str, np.ndarray]:
    """The observed rows of a panel (unit index, period index, outcome, covariates)."""
    u, ti = np.nonzero(np.isfinite(panel.y))
    x = None if panel.x is None else panel.x[u, ti, :]
    return {"unit": u, "t": ti, "y": panel.y[u, ti], "x": x}


def _rows_cell(obs, treat, ctrl, t_idx, b_idx, method, trim, wu, n):
    """Deferred repeated cross-section 2x2 of one cell (R did's ``panel = FALSE`` branch).

    Uses the rows of groups g and comparison observed in period t or the base period; the
    influence function is rescaled by ``n / n1`` (``n1`` rows in the cell, ``n`` units or
    observations in all) and summed by unit, as did does for unbalanced panels.
    """
    u = obs["unit"]
    sel = ((obs["t"] == t_idx) | (obs["t"] == b_idx)) & (treat[u] | ctrl[u])
    post = (obs["t"][sel] == t_idx).astype(float)
    d = treat[u[sel]].astype(float)
    for dd, pp, what in ((1, 1, "no treated observation in period t"),
                         (1, 0, "no treated observation in the base period"),
                         (0, 1, "no comparison observation in period t"),
                         (0, 0, "no comparison observation in the base period")):
        if not np.any((d == dd) & (post == pp)):
            return what

    def run():
        x = None
        if obs["x"] is not None:
            x = np.column_stack([np.ones(int(sel.sum())), obs["x"][sel]])
        att, psi = rc_two_by_two(obs["y"][sel], post, d, x, method, trim,
                                 None if wu is None else wu[u[sel]])
        n1 = int(sel.sum())
        inf = np.bincount(u[sel], weights=psi * (n / n1), minlength=n)
        return att, inf, int((d == 1).sum()), int((d == 0).sum())
    return run


def expand_factors(data: pd.DataFrame, covariates: Sequence[str], factors: Sequence[str],
                   source: str | None = None,
                   ) -> tuple[pd.DataFrame, list[str], dict[str, list]]:
    """Replace categorical covariates by L-1 indicator columns (R treatment contrasts).

    Returns the (copied if changed) frame, the expanded covariate names and, per categorical
    covariate, its levels (the first is the reference).  Missing values are refused.
    """
    covariates = list(covariates or [])
    factors = list(factors or [])
    unknown = [f for f in factors if f not in covariates]
    if unknown:
        raise SpecError(f"factors: {unknown[0]!r} is not among the covariates "
                        f"({', '.join(covariates) or 'none'}); list it in covariates too")
    require_columns(data, {f"covariate {c!r}": c for c in covariates}, source)
    out_cols: list[str] = []
    levels: dict[str, list] = {}
    frame = data
    for c in covariates:
        col = data[c]
        categorical = (c in factors or isinstance(col.dtype, pd.CategoricalDtype)
                       or pd.api.types.is_bool_dtype(col)
                       or not pd.api.types.is_numeric_dtype(col))
        if not categorical:
            out_cols.append(c)
            continue
        if col.isna().any():
            idx = col.isna().idxmax()
            raise InputError(f"{where(source, idx)}, column {c!r}: categorical covariate is "
                             "missing")
        if isinstance(col.dtype, pd.CategoricalDtype):
            lv = [v for v in col.cat.categories if (col == v).any()]
        else:
            lv = sorted(col.unique().tolist(), key=lambda v: (str(type(v)), v))
        if len(lv) < 2:
            raise InputError(f"{_label_of(source)}: categorical covariate {c!r} has a single "
                             f"level ({lv[0]!r}); it cannot adjust for anything - drop it")
        if frame is data:
            frame = data.copy()
        levels[c] = lv
        for v in lv[1:]:
            name = f"{c}{v}"
            frame[name] = (col == v).astype(float)
            out_cols.append(name)
    return frame, out_cols, levels


def _label_of(source: str | None) -> str:
    return source or "the data frame"


def _unit_weights(data: pd.DataFrame, unit: str, column: str, panel: Panel,
                  source: str | None) -> np.ndarray:
    """Sampling weight of every unit of ``panel``, normalised to mean one (as DRDID)."""
    raw = pd.to_numeric(data[column], errors="coerce")
    bad = raw.isna() | ~np.isfinite(raw) | (raw < 0)
    if bad.any():
        idx = bad.idxmax()
        raise InputError(f"{where(source, idx)}, column {column!r}: sampling weights "
                         f"must be non-negative numbers, got {data.loc[idx, column]!r}")
    span = raw.groupby(data[unit]).agg(["min", "max"])
    varying = span["min"] != span["max"]
    if varying.any():
        u = getattr(varying.idxmax(), "item", lambda: varying.idxmax())()  # 5, not np.int64(5)
        raise InputError(
            f"{panel.source}: column {column!r}: the weight of unit {u!r} changes over time "
            f"({span.loc[u, 'min']:g} to {span.loc[u, 'max']:g}); panel sampling weights must "
            "be constant within a unit (as R did)")
    w = span["min"].reindex(list(panel.units)).to_numpy(dtype=float)
    if not w.sum() > 0:
        raise InputError(f"{panel.source}: column {column!r}: all sampling weights are zero")
    return w / w.mean()


def _drop_incomplete(panel: Panel) -> Panel:
    complete = np.all(np.isfinite(panel.y), axis=1)
    if complete.all():
        return panel
    if not complete.any():
        raise InputError(f"{panel.source}: no unit is observed in every period")
    kept_rows = int(np.isfinite(panel.y[complete]).sum())
    warnings = list(panel.warnings) + [
        (f"{int((~complete).sum())} unit(s) not observed in every period were dropped "
         f"({panel.n_obs - kept_rows} rows)")]
    cluster = panel.cluster[complete] if panel.cluster is not None else None
    if cluster is not None:
        cluster = np.unique(cluster, return_inverse=True)[1]
    return Panel(units=panel.units[complete], times=panel.times, y=panel.y[complete],
                 first_treated=panel.first_treated[complete],
                 x=panel.x[complete] if panel.x is not None else None,
                 covariates=panel.covariates, cluster=cluster, source=panel.source,
                 n_obs=kept_rows, warnings=warnings)


def _check_few_clusters(result: ImpactResult, panel: Panel) -> None:
    gvec = panel.first_treated
    n_treated = int(np.isfinite(gvec).sum())
    n_clusters = int(panel.cluster.max() + 1) if panel.cluster is not None else panel.n_units
    if n_clusters < 30:
        result.warnings.append(
            f"only {n_clusters} clusters: influence-function standard errors rely on many "
            "clusters; prefer randomization inference (inference.randomization_test)"
        )
    for g, k in zip(*np.unique(gvec[np.isfinite(gvec)], return_counts=True)):
        if k < 5:
            result.warnings.append(
                f"group first treated in {_n(g)} has only {k} unit(s); its ATT(g,t) standard "
                "errors are unreliable"
            )
    if n_treated < 10:
        result.warnings.append(f"only {n_treated} treated units in all; inference is fragile")
