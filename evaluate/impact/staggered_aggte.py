"""Aggregation of ATT(g,t) into summary effects (Callaway & Sant'Anna 2021 sec. 3; ``did::aggte``).

``simple`` (post cells weighted by group size), ``dynamic`` (event time ``e = t - g``; the
overall number averages ``e >= 0``), ``group`` (average over each group's post cells; overall
weighted by group size) and ``calendar`` (average over groups treated by ``t``; overall averages
periods).  Influence functions include the estimation of the group-size weights (``did``'s
``wif``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .multiplier import analytic_se, multiplier_bootstrap, summarise_draws
from .result import ImpactResult, check_alpha, normal_ci
from scipy import stats

AGGREGATIONS = ("simple", "dynamic", "group", "calendar")


def _wif(keep: np.ndarray, share_cells: np.ndarray, cell_groups: np.ndarray,
         gvec: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Influence function of the estimated group-share weights (did's ``wif``), n x |keep|.

    With sampling weights the share of group g is ``mean(w_i * 1{G_i = g})`` (did's ``pg``).
    """
    pk = share_cells[keep]
    ind = (gvec[:, None] == cell_groups[keep][None, :]).astype(float)
    if weights is not None:
        ind *= weights[:, None]
    ind -= pk[None, :]
    total = pk.sum()
    return ind / total - ind.sum(axis=1, keepdims=True) * (pk / total**2)[None, :]


def _wif_coef(share_cells: np.ndarray, cell_groups: np.ndarray, a: np.ndarray,
              groups: np.ndarray) -> np.ndarray:
    """Coefficients of ``_wif(...) @ a`` on the basis columns ``w * 1{G = g}`` (one per group
    of ``groups``) and the constant column, so that the estimated-weight part of an aggregate's
    influence function is a fixed combination of basis columns (used by the bootstrap).

    With ``ind_j = w 1{G = g_j} - p_j`` and ``P = sum p``: ``wif @ a = sum_j ind_j b_j``,
    ``b_j = a_j / P - (a . p) / P^2``.
    """
    total = share_cells.sum()
    b = a / total - (a @ share_cells) / total**2
    coef = np.zeros(len(groups) + 1)
    np.add.at(coef, np.searchsorted(groups, cell_groups), b)
    coef[-1] = -(share_cells @ b)
    return coef


class _Basis:
    """Bookkeeping of every aggregate's influence function as ``basis @ coef``.

    ``basis = [cell influence functions | w 1{G = g} per group | 1]`` (n x (K + G + 1)): every
    aggregate of :func:`aggte` is linear in these columns, so one set of multiplier-bootstrap
    draws of the basis gives the draws of any aggregate (``draws_basis @ coef``) - exactly the
    draws a fresh bootstrap with the same seed would give, without redrawing the multipliers.
    """

    def __init__(self, n_cells: int, groups: np.ndarray):
        self.k = n_cells
        self.groups = groups

    def cells(self, keep: np.ndarray, weights: np.ndarray) -> np.ndarray:
        coef = np.zeros(self.k + len(self.groups) + 1)
        coef[np.flatnonzero(keep)] = weights
        return coef

    def wif(self, share_cells: np.ndarray, cell_groups: np.ndarray, a: np.ndarray
            ) -> np.ndarray:
        coef = np.zeros(self.k + len(self.groups) + 1)
        coef[self.k:] = _wif_coef(share_cells, cell_groups, a, self.groups)
        return coef


def basis_matrix(extra: dict) -> np.ndarray:
    """The n x (K + G + 1) basis of :class:`_Basis` from an ``att_gt`` result's ``extra``."""
    gvec = extra["first_treated"]
    groups = np.array(sorted(extra["share"]))
    w = extra.get("weights")
    ind = (gvec[:, None] == groups[None, :]).astype(float)
    if w is not None:
        ind *= w[:, None]
    return np.column_stack([extra["inf"], ind, np.ones(len(gvec))])


def basis_draws(result: ImpactResult, n_boot: int, seed: int, kind: str) -> np.ndarray:
    """Multiplier-bootstrap draws (``n_boot`` x (K + G + 1)) of the basis of ``result``,
    reused from the ``att_gt`` call when its draws, seed and weights are the same."""
    cached = result.extra.get("boot_basis")
    if cached is not None and cached[0] == (int(n_boot), seed, kind):
        return cached[1]
    return multiplier_bootstrap(basis_matrix(result.extra), n_boot, np.random.default_rng(seed),
                                result.extra["cluster"], weights=kind)["draws"]


def _agg(att: np.ndarray, inf: np.ndarray, keep: np.ndarray, weights: np.ndarray,
         wif: np.ndarray | None, basis: _Basis, share: np.ndarray | None = None,
         group: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    est = float(att[keep] @ weights)
    psi = inf[:, keep] @ weights
    coef = basis.cells(keep, weights)
    if wif is not None:
        psi = psi + wif @ att[keep]
        coef = coef + basis.wif(share[keep], group[keep], att[keep])
    return est, psi, coef


def aggte(
    result: ImpactResult,
    type: Literal["simple", "dynamic", "group", "calendar"] = "dynamic",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
    alpha: float | None = None,
) -> ImpactResult:
    """Aggregate ATT(g,t) into an overall effect and a detail table (``did::aggte``).

    ``bootstrap`` / ``seed`` / ``alpha`` default to the settings of the ``att_gt`` call.  With a
    bootstrap, ``table`` gains ``se_boot`` and a simultaneous sup-t band (``band_low``,
    ``band_high``) over its rows.
    """
    if result.design != "att_gt":
        raise SpecError(f"aggte: expected the result of att_gt(), got a {result.design!r} result")
    if type not in AGGREGATIONS:
        raise SpecError(f"type: expected one of {', '.join(AGGREGATIONS)}, got {type!r}")
    alpha = check_alpha(result.alpha if alpha is None else alpha)
    bootstrap = result.settings["bootstrap"] if bootstrap is None else bootstrap
    seed = result.settings["seed"] if seed is None else seed
    bootstrap = _check_bootstrap(bootstrap, seed)
    weights = result.settings.get("bootstrap_weights_kind", "rademacher")
    cells = result.extra["cells"]
    inf = result.extra["inf"]
    gvec = result.extra["first_treated"]
    wts = result.extra.get("weights")
    cluster = result.extra["cluster"]
    times = result.extra["times"]
    att = cells["estimate"].to_numpy()
    group = cells["group"].to_numpy()
    tt = cells["time"].to_numpy()
    e = tt - group
    share = np.array([result.extra["share"][g] for g in group])
    post = (group <= tt) & (tt <= group + max_e)
    detail: list[tuple[dict, float, np.ndarray]] = []
    basis = _Basis(len(att), np.array(sorted(result.extra["share"])))
    coefs: list[np.ndarray] = []  # of the detail rows, on the basis

    if type == "simple":
        keep = post
        if not keep.any():
            raise InputError("aggte: no post-treatment ATT(g,t) cells to aggregate")
        est, psi, coef = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                              _wif(keep, share, group, gvec, wts), basis, share, group)
        estimand = "ATT, simple: post-treatment ATT(g,t) weighted by group size"
    elif type == "dynamic":
        include = np.ones(len(att), dtype=bool)
        eseq = np.unique(e)
        if balance_e is not None:
            include = (times[-1] - group) >= balance_e
            eseq = np.unique(e[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - times[-1] + times[0])]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        for ev in eseq:
            keep = (e == ev) & include
            est_e, psi_e, coef_e = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                                        _wif(keep, share, group, gvec, wts), basis, share,
                                        group)
            detail.append(({"event_time": ev, "term": f"e={_n(ev)}"}, est_e, psi_e))
            coefs.append(coef_e)
        pos = [i for i, (row, _, _) in enumerate(detail) if row["event_time"] >= 0]
        if not pos:
            raise InputError("aggte: no event time >= 0 to aggregate")
        est = float(np.mean([detail[i][1] for i in pos]))
        psi = np.mean([detail[i][2] for i in pos], axis=0)
        coef = np.mean([coefs[i] for i in pos], axis=0)
        estimand = "ATT, dynamic: average of event-time effects e >= 0"
    elif type == "group":
        glist = np.unique(group)
        gvals, gpsis, gshare = [], [], []
        for g in glist:
            keep = (group == g) & post
            if not keep.any():
                continue
            w = np.full(keep.sum(), 1.0 / keep.sum())
            est_g, psi_g, coef_g = _agg(att, inf, keep, w, None, basis)
            detail.append(({"group": g, "term": f"g={_n(g)}"}, est_g, psi_g))
            coefs.append(coef_g)
            gvals.append(est_g)
            gpsis.append(psi_g)
            gshare.append(result.extra["share"][g])
        gvals_a, gshare_a = np.array(gvals), np.array(gshare)
        est = float(gvals_a @ gshare_a / gshare_a.sum())
        keep_all = np.ones(len(gvals_a), dtype=bool)
        gl = np.array([row["group"] for row, _, _ in detail])
        wif = _wif(keep_all, gshare_a, gl, gvec, wts)
        psi = np.column_stack(gpsis) @ (gshare_a / gshare_a.sum()) + wif @ gvals_a
        coef = (np.column_stack(coefs) @ (gshare_a / gshare_a.sum())
                + basis.wif(gshare_a, gl, gvals_a))
        estimand = "ATT, group: group averages weighted by group size"
    else:  # calendar
        tlist = times[times >= group.min()]
        tvals, tpsis = [], []
        for t in tlist:
            keep = (tt == t) & (group <= t)
            if not keep.any():
                continue
            est_t, psi_t, coef_t = _agg(att, inf, keep, share[keep] / share[keep].sum(),
                                        _wif(keep, share, group, gvec, wts), basis, share,
                                        group)
            detail.append(({"time": t, "term": f"t={_n(t)}"}, est_t, psi_t))
            coefs.append(coef_t)
            tvals.append(est_t)
            tpsis.append(psi_t)
        est = float(np.mean(tvals))
        psi = np.mean(tpsis, axis=0)
        coef = np.mean(coefs, axis=0)
        estimand = "ATT, calendar: average over periods of effects among groups treated by t"

    se = float(analytic_se(psi, cluster))
    ci_low, ci_high, p = normal_ci(est, se, alpha)
    z = stats.norm.ppf(1 - alpha / 2)
    table = pd.DataFrame([{**row, "estimate": v} for row, v, _ in detail])
    settings = dict(result.settings)
    settings.update({"aggregation": type, "alpha": alpha, "bootstrap": int(bootstrap),
                     "seed": seed, "min_e": _finite(min_e), "max_e": _finite(max_e),
                     "balance_e": balance_e})
    ci_type = "normal pointwise"
    psis = np.column_stack([p_ for _, _, p_ in detail]) if detail else np.zeros((len(psi), 0))
    if detail:
        table["se"] = analytic_se(psis, cluster)
        table["ci_low"] = table["estimate"] - z * table["se"]
        table["ci_high"] = table["estimate"] + z * table["se"]
    diagnostics = dict(result.diagnostics)
    settings.pop("crit_simultaneous", None)  # the cells' band does not describe this table
    if bootstrap:
        # one set of draws for the rows and the overall effect (did::aggte bootstraps both);
        # the band is simultaneous over the rows, the overall effect gets its own SE
        band = np.r_[np.ones(psis.shape[1], dtype=bool), False]
        draws = basis_draws(result, bootstrap, seed, weights) @ np.column_stack(coefs + [coef])
        sub = summarise_draws(draws, alpha, band)
        se_overall = float(sub["se"][-1])
        settings["se_boot_overall"] = se_overall
        diagnostics["bootstrap_overall"] = pd.DataFrame([{
            "estimate": est, "se_boot": se_overall, "ci_low_boot": est - z * se_overall,
            "ci_high_boot": est + z * se_overall, "draws": int(bootstrap), "seed": seed,
            "weights": weights}])
        ci_type = ("normal pointwise (overall; bootstrap SE in "
                   "diagnostics['bootstrap_overall'])")
        if detail:
            table["se_boot"] = sub["se"][:-1]
            table["band_low"] = table["estimate"] - sub["crit_simultaneous"] * table["se_boot"]
            table["band_high"] = table["estimate"] + sub["crit_simultaneous"] * table["se_boot"]
            settings["crit_simultaneous"] = sub["crit_simultaneous"]
            ci_type += (f"; sup-t simultaneous band over the {type} rows from {bootstrap} "
                        f"{weights} multiplier draws, seed {seed}")
    out = ImpactResult(
        design=f"aggte:{type}", estimand=estimand, estimate=est, se=se, ci_low=ci_low,
        ci_high=ci_high, n=result.n, n_obs=result.n_obs, alpha=alpha, p_value=p,
        se_type=result.se_type, ci_type=ci_type, table=table, settings=settings,
        warnings=list(result.warnings), diagnostics=diagnostics,
        extra={"inf": psi, "detail_inf": [p_ for _, _, p_ in detail], "coef": coef,
               "detail_coef": coefs},
    )
    return out


def _finite(v: float) -> float | None:
    return None if not np.isfinite(v) else float(v)


def _check_bootstrap(bootstrap: int, seed: int | None) -> int:
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise SpecError(f"bootstrap: expected an integer >= 0 (number of draws), got {bootstrap!r}")
    if 0 < bootstrap < 99:
        raise SpecError(f"bootstrap: use at least 99 draws for bands, got {bootstrap}")
    if bootstrap and seed is None:
        raise SpecError("seed: a seed is required when bootstrap > 0 (for reproducible bands)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise SpecError(f"seed: expected a non-negative integer, got {seed!r}")
    return int(bootstrap)


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"
