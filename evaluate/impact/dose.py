"""Dose-response DiD: the effect per yuan of support (Callaway, Goodman-Bacon & Sant'Anna 2024,
"Difference-in-differences with a continuous treatment"; R ``contdid``).

Design: each treated unit receives a dose ``D > 0`` (here: the funding actually paid, in yuan),
constant over time; untreated units have ``D = 0``.  Two ways to form outcome changes ``dY``:

* ``method="long"`` (one treatment date): ``dY_i`` = mean post-period minus mean pre-period
  outcome, treated units against never-treated ones (the two-period reduction contdid's README
  recommends);
* ``method="gt"`` (staggered dates; contdid's ``cont_did``): one comparison per timing group
  ``g`` and period ``t``: ``dY = Y_t - Y_base`` with the varying base period (``g - 1`` for
  ``t >= g``, ``t - 1`` before), group ``g`` against not-yet-treated (``G > t`` or never) or
  never-treated units.

In each comparison ``ATT(d) = E[dY | D = d] - E[dY | comparison]`` (CGBS Theorem 3.1),
estimated by least squares of ``dY`` on a spline in the dose among the treated (``degree``,
``knots`` interior knots at quantiles of the treated doses, as contdid's
``choose_knots_quantile``; contdid's default is a cubic without interior knots), and
``ACRT(d) = dATT(d)/dd``, the average causal response per unit of dose - it equals the causal
marginal effect only under CGBS's *strong* parallel trends (no selection on gains);
``settings`` says so.  Per comparison ``ATT`` = the binary DiD and ``ACRT`` = mean of
``ACRT(D_i)`` over its treated units.  Aggregation (``gt``) as contdid / ptetools: overall
parameters and curves weight group ``g`` by its share of treated units, spread equally over
its post-treatment periods; the event study weights the cells with ``t - g = e`` by group
share.  ``per_10k`` = ``10 000 x ACRT^o`` ("effect per 10 000 yuan"), and the average effect
per 10 000 yuan ``10 000 x ATT^o / mean dose``.

Inference: influence functions of every estimate (OLS on the treated, means of the comparison
group, and the estimated group shares), each scaled to the whole sample (``se = sqrt(sum
psi^2) / n``, dividing by ``n`` like ``att_gt``); multiplier bootstrap (Rademacher, ``seed``)
for **uniform** bands over the dose grid and over event times (sup-t).  contdid scales the
ACRT influence function of a (g, t) cell by ``n / (treated + comparison units)`` instead of
``n / treated`` and so reports ACRT standard errors 2-4x too small; the test shows it on
contdid's README example.

:func:`dose_from_ledger` builds the dose from a funding ledger (one row per payment:
scenario id, month, amount), the columns of the simulator's budget outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import InputError, SpecError
from .panel import _label, _numeric, prepare_panel, require_columns
from .result import ImpactResult, check_alpha, normal_ci
from .staggered_aggte import _wif

__all__ = ["dose_from_ledger", "dose_response"]


def dose_from_ledger(ledger: pd.DataFrame, *, unit: str = "scenario_id", amount: str = "amount",
                     month: str | None = "month", until: object | None = None,
                     source: str | None = None) -> pd.DataFrame:
    """Total amount paid per unit (optionally only payments with ``month <= until``).

    Returns a frame with columns ``unit`` and ``dose`` (same unit as ``amount``, e.g. yuan).
    Negative amounts (refunds, claw-backs) are netted; a unit whose net total is negative is an
    error naming it.
    """
    require_columns(ledger, {"unit": unit, "amount": amount,
                             "month": month if until is not None else None}, source)
    amt = _numeric(ledger, amount, source, "the amount paid")
    frame = pd.DataFrame({"unit": ledger[unit].to_numpy(), "dose": amt})
    if until is not None:
        frame = frame[(ledger[month] <= until).to_numpy()]
    out = frame.groupby("unit", sort=True, as_index=False)["dose"].sum()
    neg = out["dose"] < 0
    if neg.any():
        raise InputError(f"{_label(source)}: unit {out.loc[neg.idxmax(), 'unit']!r} has a "
                         f"negative net amount {out.loc[neg.idxmax(), 'dose']:g}; check refunds")
    return out


def _basis(d: np.ndarray, degree: int, knots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Truncated-power spline basis (intercept, d..d^degree, (d-k)_+^degree) and derivative.

    It spans the same functions on the data range as contdid's B-spline basis
    (``splines2::bSpline`` with the same interior knots, plus an intercept), so fitted values
    and slopes agree exactly.
    """
    cols = [np.ones_like(d)] + [d**p for p in range(1, degree + 1)]
    dcols = [np.zeros_like(d)] + [p * d ** (p - 1) for p in range(1, degree + 1)]
    for k in knots:
        cols.append(np.maximum(d - k, 0) ** degree)
        dcols.append(degree * np.maximum(d - k, 0) ** (degree - 1))
    return np.column_stack(cols), np.column_stack(dcols)


@dataclass
class _Cell:
    """One comparison: treated units ``tr`` against ``co`` on the outcome change ``dy``."""

    group: float
    time: float
    event: int
    post: bool
    tr: np.ndarray
    co: np.ndarray
    dy: np.ndarray


def _cells(y: np.ndarray, g: np.ndarray, times: np.ndarray, method: str,
           control: str) -> list[_Cell]:
    """The comparisons of ``method``: one long difference, or contdid's (g, t) cells."""
    never = ~np.isfinite(g)
    if method == "long":
        date = float(g[~never].min())
        post = times >= date
        dy = y[:, post].mean(axis=1) - y[:, ~post].mean(axis=1)
        return [_Cell(date, float("nan"), 0, True, ~never, never, dy)]
    gidx = np.searchsorted(times, g)  # position of the first treated period
    out = []
    for k in range(1, len(times)):
        for gk in np.unique(gidx[~never]):
            base = k - 1 if k < gk else gk - 1
            tr = gidx == gk
            co = never | ((gidx > k) & ~tr) if control == "notyettreated" else never
            out.append(_Cell(float(times[gk]), float(times[k]), int(k - gk), bool(k >= gk),
                             tr, co, y[:, k] - y[:, base]))
    return out


def _share_if(groups: Sequence[float], g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``pi_g = P(G = g) / sum P(G = g')`` over ``groups`` and their influence
    functions (n x len(groups)), from the sample shares (R did's ``wif``, as ``aggte``)."""
    cell_groups = np.asarray(groups, dtype=float)
    p = (g[:, None] == cell_groups[None, :]).mean(axis=0)
    return p / p.sum(), _wif(np.arange(cell_groups.size), p, cell_groups, g)


def dose_response(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    dose: str,
    treated_from: str,
    degree: int = 3,
    knots: int = 0,
    grid: Sequence[float] | int = 50,
    per: float = 10_000.0,
    method: str = "auto",
    control: str = "notyettreated",
    bootstrap: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """ATT(d) and ACRT(d) curves with uniform bands, and the effect per ``per`` dose units.

    ``dose`` is a per-unit column (constant within unit; 0 for never-treated units), e.g.
    merged from :func:`dose_from_ledger`.  ``treated_from`` gives each unit's first treated
    period (0 or empty: never).  ``method``: ``"long"`` (one treatment date, mean post minus
    mean pre against never-treated units), ``"gt"`` (contdid's group-time cells with the
    varying base period; ``control`` = ``"notyettreated"`` or ``"nevertreated"``), or
    ``"auto"`` (``long`` with one date, else ``gt``).  Units treated from the first period
    have no pre-period and are dropped with a warning (as contdid).  ``estimate`` is ``per x
    ACRT^o`` (the average effect of ``per`` more yuan, in outcome units); ``table`` holds the
    curves; ``diagnostics["overall"]`` the overall parameters; with ``gt`` also
    ``diagnostics["event_study"]`` (binary ATT(e) and ACRT(e), uniform bands over event times)
    and ``diagnostics["cells"]``.
    """
    alpha = check_alpha(alpha)
    if isinstance(degree, bool) or not isinstance(degree, int) or not 1 <= degree <= 5:
        raise SpecError(f"degree: expected an integer in 1..5, got {degree!r}")
    if isinstance(knots, bool) or not isinstance(knots, int) or knots < 0:
        raise SpecError(f"knots: expected a non-negative integer, got {knots!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or bootstrap < 99:
        raise SpecError(f"bootstrap: expected an integer >= 99, got {bootstrap!r}")
    if method not in ("auto", "long", "gt"):
        raise SpecError(f"method: expected 'auto', 'long' or 'gt', got {method!r}")
    if control not in ("notyettreated", "nevertreated"):
        raise SpecError(f"control: expected 'notyettreated' or 'nevertreated', got {control!r}")
    require_columns(data, {"dose": dose}, source)
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome, treated_from=treated_from,
                          source=source, balanced=True, need_never_treated=True)
    raw = pd.Series(_numeric(data, dose, source, "the dose", allow_missing=True)).fillna(0.0)
    codes = pd.Index(panel.units).get_indexer(data[unit].to_numpy())
    dmin = np.full(panel.n_units, np.inf)
    dmax = np.full(panel.n_units, -np.inf)
    np.minimum.at(dmin, codes, raw.to_numpy())
    np.maximum.at(dmax, codes, raw.to_numpy())
    if np.any(dmin != dmax):
        u = int(np.argmax(dmin != dmax))
        raise InputError(f"{panel.source}: column {dose!r} must be constant within a unit; unit "
                         f"{panel.units[u]!r} has {dmin[u]:g} and {dmax[u]:g}")
    g_all = panel.first_treated
    tr_all = np.isfinite(g_all)
    if np.any(dmin[~tr_all] != 0) or np.any(dmin[tr_all] <= 0):
        raise InputError(f"{panel.source}: column {dose!r} must be > 0 for treated and 0 for "
                         "untreated units")
    times = panel.times
    warnings = []
    keep = ~(g_all <= times[0])
    if not keep.all():
        warnings.append(f"{int((~keep).sum())} unit(s) treated from the first period "
                        f"({times[0]:g}) have no pre-period and were dropped")
    y, g, dvec = panel.y[keep], g_all[keep], dmin[keep]
    tr = np.isfinite(g)
    dates = np.unique(g[tr])
    if len(dates) == 0:
        raise InputError(f"{panel.source}: no unit is treated after the first period")
    if method == "auto":
        method = "long" if len(dates) == 1 else "gt"
    if method == "long" and len(dates) != 1:
        raise InputError(f"{panel.source}: method='long' needs one common treatment date; found "
                         f"{', '.join(f'{v:g}' for v in dates)}; use method='gt'")
    off_grid = dates[~np.isin(dates, times)]
    if len(off_grid):
        raise InputError(f"{panel.source}: treatment date {off_grid[0]:g} is not a period of "
                         f"column {time!r}")
    n, n1 = len(g), int(tr.sum())
    # the basis works on dose / mean dose so yuan-sized doses stay well conditioned
    scale = float(dvec[tr].mean())
    inner = np.quantile(dvec[tr], np.linspace(0, 1, knots + 2)[1:-1]) if knots else np.array([])
    if isinstance(grid, int):
        grid = np.quantile(dvec[tr], np.linspace(0.05, 0.95, grid))
    grid = np.asarray(grid, dtype=float)
    bg, dbg = _basis(grid / scale, degree, inner / scale)
    dbg = dbg / scale

    cells = _cells(y, g, times, method, control if method == "gt" else "nevertreated")
    est: dict[str, list] = {k: [] for k in ("att", "acrt", "att_d", "acrt_d")}
    inf: dict[str, list] = {k: [] for k in ("att", "acrt", "att_d", "acrt_d")}
    rows = []
    for c in cells:
        n1c, n0c = int(c.tr.sum()), int(c.co.sum())
        where_ = (f"group {c.group:g}" if method == "long"
                  else f"group {c.group:g}, period {c.time:g}")
        b_tr, db_tr = _basis(dvec[c.tr] / scale, degree, inner / scale)
        if n1c <= b_tr.shape[1] + 1 or np.linalg.matrix_rank(b_tr) < b_tr.shape[1]:
            raise InputError(f"{panel.source}: {where_}: {n1c} treated units / distinct doses "
                             f"are too few for a degree-{degree} curve with {knots} knots; "
                             "lower degree= or knots=")
        if n0c == 0:
            raise InputError(f"{panel.source}: {where_}: no comparison units "
                             f"({control}); use control='nevertreated' or fewer periods")
        dy = c.dy
        bread = np.linalg.inv(b_tr.T @ b_tr / n1c)
        beta = bread @ (b_tr.T @ dy[c.tr]) / n1c
        resid = dy[c.tr] - b_tr @ beta
        m1, m0 = float(dy[c.tr].mean()), float(dy[c.co].mean())
        psi_beta = np.zeros((n, len(beta)))
        psi_beta[c.tr] = (b_tr * resid[:, None]) @ bread * (n / n1c)
        psi_m0 = np.zeros(n)
        psi_m0[c.co] = (dy[c.co] - m0) * (n / n0c)
        slopes = db_tr @ beta / scale
        acrt = float(slopes.mean())
        psi_acrt = psi_beta @ (db_tr.mean(axis=0) / scale)
        psi_acrt[c.tr] += (slopes - acrt) * (n / n1c)
        psi_att = -psi_m0
        psi_att[c.tr] += (dy[c.tr] - m1) * (n / n1c)
        est["att"].append(m1 - m0)
        est["acrt"].append(acrt)
        est["att_d"].append(bg @ beta - m0)
        est["acrt_d"].append(dbg @ beta)
        inf["att"].append(psi_att)
        inf["acrt"].append(psi_acrt)
        inf["att_d"].append(psi_beta @ bg.T - psi_m0[:, None])
        inf["acrt_d"].append(psi_beta @ dbg.T)
        rows.append({"group": c.group, "time": c.time, "event_time": c.event, "post": c.post,
                     "n_treated": n1c, "n_comparison": n0c, "att": m1 - m0, "acrt": acrt})

    def aggregate(which: list[int]) -> dict[str, tuple]:
        """Weighted cell average: groups by share; within a group, its cells equally."""
        groups = sorted({cells[i].group for i in which})
        pi, wif = _share_if(groups, g)
        out = {}
        for key in est:
            theta, psi = [], []
            for gv in groups:
                mine = [i for i in which if cells[i].group == gv]
                theta.append(np.mean([est[key][i] for i in mine], axis=0))
                psi.append(np.mean([inf[key][i] for i in mine], axis=0))
            value = sum(p * t for p, t in zip(pi, theta))
            psi_tot = sum(p * s for p, s in zip(pi, psi))
            psi_tot = psi_tot + sum(np.multiply.outer(wif[:, j], theta[j])
                                    for j in range(len(groups)))
            out[key] = (value, psi_tot)
        return out

    overall = aggregate([i for i, c in enumerate(cells) if c.post])

    def se(psi: np.ndarray) -> np.ndarray:
        return np.sqrt(np.sum(psi**2, axis=0)) / n

    rng = np.random.default_rng(seed)
    v = rng.integers(0, 2, size=(bootstrap, n)) * 2.0 - 1.0
    z = stats.norm.ppf(1 - alpha / 2)

    def band(psi: np.ndarray) -> tuple[np.ndarray, float]:
        s = se(psi)
        ok = s > 0
        if not ok.any():
            return s, float("nan")
        draws = v @ psi[:, ok] / n
        crit = float(np.quantile(np.max(np.abs(draws / s[ok]), axis=1), 1 - alpha))
        return s, crit

    att_d, psi_att_d = overall["att_d"]
    acrt_d, psi_acrt_d = overall["acrt_d"]
    s_att, c_att = band(psi_att_d)
    s_acrt, c_acrt = band(psi_acrt_d)
    table = pd.DataFrame({"dose": grid, "att": att_d, "att_se": s_att,
                          "att_band_low": att_d - c_att * s_att,
                          "att_band_high": att_d + c_att * s_att,
                          "acrt": acrt_d, "acrt_se": s_acrt,
                          "acrt_band_low": acrt_d - c_acrt * s_acrt,
                          "acrt_band_high": acrt_d + c_acrt * s_acrt,
                          f"acrt_per_{per:g}": acrt_d * per})
    att_o, psi_att_o = overall["att"]
    acrt_o, psi_acrt_o = overall["acrt"]
    att_o, acrt_o = float(att_o), float(acrt_o)
    se_acrt_o, se_att_o = float(se(psi_acrt_o)), float(se(psi_att_o))
    mean_dose = float(dvec[tr].mean())
    overall_tab = pd.DataFrame([
        {"parameter": "ATT^o (binary DiD)", "estimate": att_o, "se": se_att_o,
         "ci_low": att_o - z * se_att_o, "ci_high": att_o + z * se_att_o},
        {"parameter": "ACRT^o (per unit of dose)", "estimate": acrt_o, "se": se_acrt_o,
         "ci_low": acrt_o - z * se_acrt_o, "ci_high": acrt_o + z * se_acrt_o},
        {"parameter": f"effect per {per:g} (ACRT^o x {per:g})", "estimate": acrt_o * per,
         "se": se_acrt_o * per, "ci_low": (acrt_o - z * se_acrt_o) * per,
         "ci_high": (acrt_o + z * se_acrt_o) * per},
        {"parameter": f"average effect per {per:g} (ATT^o / mean dose x {per:g})",
         "estimate": att_o / mean_dose * per, "se": se_att_o / mean_dose * per,
         "ci_low": (att_o - z * se_att_o) / mean_dose * per,
         "ci_high": (att_o + z * se_att_o) / mean_dose * per},
    ])
    diagnostics = {"overall": overall_tab}
    settings_extra: dict[str, object] = {}
    if method == "gt":
        events = sorted({c.event for c in cells})
        es = [aggregate([i for i, c in enumerate(cells) if c.event == e])
              for e in events]
        es_tab = pd.DataFrame({"event_time": events})
        for key in ("att", "acrt"):
            vals = np.array([float(r[key][0]) for r in es])
            psi = np.column_stack([r[key][1] for r in es])
            s, crit = band(psi)
            es_tab[key] = vals
            es_tab[f"{key}_se"] = s
            es_tab[f"{key}_band_low"] = vals - crit * s
            es_tab[f"{key}_band_high"] = vals + crit * s
            settings_extra[f"band_critical_value_event_{key}"] = crit
        diagnostics["event_study"] = es_tab
        diagnostics["cells"] = pd.DataFrame(rows)
    est_h = acrt_o * per
    lo, hi, p = normal_ci(est_h, se_acrt_o * per, alpha)
    return ImpactResult(
        design="dose_response", estimand=f"average causal response per {per:g} units of dose "
        "(ACRT^o; causal slope only under strong parallel trends)",
        estimate=est_h, se=se_acrt_o * per, ci_low=lo, ci_high=hi, n=n, n_obs=panel.n_obs,
        alpha=alpha, p_value=p,
        se_type="influence function (analytic), divides by n",
        ci_type=f"normal pointwise (headline); curves: uniform sup-t bands from {bootstrap} "
                f"Rademacher multiplier draws, seed {seed}",
        table=table, diagnostics=diagnostics, warnings=warnings,
        settings={"method": method, "control": control if method == "gt" else "nevertreated",
                  "degree": degree, "knots": [float(k) for k in inner], "per": per,
                  "treatment_dates": [float(v) for v in dates], "treated_units": n1,
                  "mean_dose": mean_dose, "bootstrap": bootstrap, "seed": seed,
                  "band_critical_value_att": c_att, "band_critical_value_acrt": c_acrt,
                  **settings_extra,
                  "aggregation": "one long difference" if method == "long" else
                  "groups weighted by their share of treated units, each group's post periods "
                  "equally (contdid / ptetools overall_weights); event time e: cells with "
                  "t - g = e weighted by group share",
                  "identification": "ATT(d): parallel trends; ACRT(d) as a causal slope: "
                  "strong parallel trends (CGBS 2024, Assumption 5)", "alpha": alpha},
    )
