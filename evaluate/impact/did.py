"""Difference-in-differences: the canonical 2x2 comparison and two-way fixed effects (TWFE).

``did_2x2`` fits ``y = b0 + b1*group + b2*post + delta*group*post (+ X'g)`` by OLS; ``delta`` is
the DiD estimate, equal (without covariates) to the difference of the treated and control
groups' mean changes.  It works on panels (rows of the same unit in both periods) and on
repeated cross-sections.

``twfe`` fits ``y_it = a_i + l_t + delta*D_it (+ X_it'g)`` with unit and period effects absorbed
by alternating projections (exact in one pass for balanced panels).  With staggered adoption and
effects that change over time or across groups, TWFE's ``delta`` is a weighted average of
group-time effects with possibly negative weights (de Chaisemartin & D'Haultfoeuille 2020;
Goodman-Bacon 2021): the result reports those weights in ``diagnostics["twfe_weights"]`` and
warns; prefer :func:`~changjing.evaluate.impact.att_gt` there.

Standard errors (``vcov``):

* ``"CR1"`` (default when ``cluster`` or ``unit`` is known): cluster-robust with the usual small
  sample factor ``G/(G-1) * (N-1)/(N-K)`` (Stata ``vce(cluster)``, R ``multiwayvcov``,
  ``fixest`` with ``ssc(adj=TRUE, cluster.adj=TRUE)``).  For TWFE, ``K`` counts the slope
  coefficients, the ``T-1`` period effects and the intercept; unit effects are nested in unit
  clusters and not counted (``fixest``'s ``fixef.K = "nested"``, Stata ``xtreg, fe``);
* ``"HC1"``: heteroskedasticity-robust, ``N/(N-K)`` factor;
* ``"iid"``: classical OLS standard errors.

Intervals use the t distribution with ``G-1`` degrees of freedom for CR1 (Stata's convention)
and ``N-K`` otherwise.  With fewer than 30 clusters the result warns and suggests
:func:`~changjing.evaluate.impact.wild_cluster_bootstrap`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from ..errors import InputError, SpecError
from .panel import (_label, _numeric, plain, prepare_panel,
                                             require_columns, where)
from .result import ImpactResult, check_alpha
from scipy import stats

__all__ = ["demean", "did_2x2", "fe_k_dof", "ols_vcov", "twfe"]

VCOVS = ("CR1", "HC1", "iid")


def ols_vcov(x: np.ndarray, resid: np.ndarray, kind: str, cluster: np.ndarray | None,
             k_dof: int | None = None) -> np.ndarray:
    """Covariance of OLS coefficients; ``k_dof`` overrides the ``K`` of small-sample factors."""
    n, k = x.shape
    kk = k if k_dof is None else k_dof
    bread = np.linalg.inv(x.T @ x)
    if kind == "iid":
        return bread * float(resid @ resid) / (n - kk)
    if kind == "HC1":
        meat = (x * resid[:, None] ** 2).T @ x
        return bread @ meat @ bread * n / (n - kk)
    if cluster is None:
        raise SpecError("vcov: 'CR1' needs a cluster (or unit) column")
    g = int(cluster.max()) + 1
    scores = np.zeros((g, k))
    np.add.at(scores, cluster, x * resid[:, None])
    meat = scores.T @ scores
    factor = g / (g - 1) * (n - 1) / (n - kk)
    return bread @ meat @ bread * factor


def demean(v: np.ndarray, codes: Sequence[np.ndarray], tol: float = 1e-12,
           max_iter: int = 10_000) -> np.ndarray:
    """Remove fixed effects (one per code vector) from the columns of ``v`` by alternating
    projections (method of Guimaraes & Portugal 2010; exact in one sweep when balanced)."""
    out = np.array(v, dtype=float, copy=True)
    if out.ndim == 1:
        out = out[:, None]
    counts = [np.bincount(c).astype(float) for c in codes]
    for _ in range(max_iter):
        change = 0.0
        for c, cnt in zip(codes, counts):
            means = np.zeros((len(cnt), out.shape[1]))
            np.add.at(means, c, out)
            means /= cnt[:, None]
            step = means[c]
            out -= step
            change = max(change, float(np.max(np.abs(step))))
        if change < tol * (1 + float(np.max(np.abs(out)))):
            break
    else:  # pragma: no cover - pathological designs only
        raise InputError("fixed effects did not converge; the panel may be disconnected")
    return out


def fe_k_dof(kind: str, n_slopes: int, n_units: int, n_times: int) -> int:
    """``K`` of the small-sample factor for a unit + period fixed-effects regression.

    CR1: slopes + ``T-1`` period effects + intercept; unit effects are nested in the (unit or
    coarser) clusters and not counted (fixest ``fixef.K="nested"``, Stata ``xtreg, fe``).
    HC1 / iid: nothing is nested, so every unit effect counts too.
    """
    if kind == "CR1":
        return n_slopes + (n_times - 1) + 1
    return n_slopes + n_units + n_times - 1


def _vcov_kind(vcov: str, has_cluster: bool) -> str:
    if vcov == "auto":
        return "CR1" if has_cluster else "HC1"
    if vcov not in VCOVS:
        raise SpecError(f"vcov: expected one of auto, {', '.join(VCOVS)}, got {vcov!r}")
    return vcov


def _inference(est: float, se: float, dof: int, alpha: float) -> tuple[float, float, float]:
    q = stats.t.ppf(1 - alpha / 2, dof)
    p = 2 * stats.t.sf(abs(est / se), dof) if se > 0 else float("nan")
    return est - q * se, est + q * se, float(p)


def did_2x2(
    data: pd.DataFrame,
    *,
    outcome: str,
    group: str | None = None,
    post: str | None = None,
    unit: str | None = None,
    time: str | None = None,
    treated_from: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    vcov: Literal["auto", "CR1", "HC1", "iid"] = "auto",
    inference: Literal["auto", "analytic", "wild", "randomization"] = "auto",
    n_boot: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Canonical 2x2 difference-in-differences by OLS with an interaction term.

    Give either ``group`` and ``post`` (0/1 columns: treated group, post period) or ``time``
    and ``treated_from`` with a single treatment date (then ``group`` = ever treated and
    ``post`` = ``time >= treatment date``).  ``unit`` makes rows of one unit a cluster (panel);
    ``cluster`` overrides it.  The estimate is in the outcome's units.

    ``covariates`` enter in levels (shifting both periods alike); they do not make parallel
    trends conditional on them - use :func:`~changjing.evaluate.impact.att_gt` with covariates
    (doubly robust) for that.

    ``inference`` decides where the p-value and interval come from (the reported ``se`` is
    always the one ``vcov`` names): ``"auto"`` picks by the number of treated clusters
    (:func:`~changjing.evaluate.impact.inference.choose_inference`: randomization inference
    below 5, wild cluster bootstrap below 10 or with fewer than 30 clusters, else analytic);
    ``settings["inference"]`` and ``settings["inference_reason"]`` say which was used and why.
    ``n_boot`` draws / permutations with ``seed`` (recorded).
    """
    alpha = check_alpha(alpha)
    covariates = list(covariates or [])
    if (group is None or post is None) and (time is None or treated_from is None):
        raise SpecError("give group= and post= (0/1 columns), or time= and treated_from=")
    require_columns(data, {"outcome": outcome, "group": group, "post": post, "unit": unit,
                           "time": time, "treated_from": treated_from, "cluster": cluster,
                           **{f"covariate {c!r}": c for c in covariates}}, source)
    y = _numeric(data, outcome, source, "the outcome")
    if group is not None and post is not None:
        d = _binary(data, group, source)
        p = _binary(data, post, source)
        date = None
    else:
        if unit is not None:  # panel rows: full validation (duplicates, early treatment ...)
            prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, source=source, balanced=False,
                          need_never_treated=True)
        g = np.nan_to_num(_numeric(data, treated_from, source, "the first treated period",
                                   allow_missing=True), nan=0.0)
        dates = np.unique(g[g > 0])
        if len(dates) != 1:
            raise InputError(
                f"{_label(source)}: did_2x2 needs one common treatment date in {treated_from!r}"
                f", found {len(dates)} ({', '.join(f'{v:g}' for v in dates[:6])}); use "
                "design 'staggered' (att_gt) for staggered adoption"
            )
        date = float(dates[0])
        d = (g > 0).astype(float)
        p = (_numeric(data, time, source, "time") >= date).astype(float)
    for arr, name in ((d, "group"), (p, "post")):
        if arr.min() == arr.max():
            raise InputError(f"{_label(source)}: {name} indicator has no variation; a 2x2 DiD "
                             "needs treated and control units before and after")
    cells = pd.crosstab(d, p)
    if cells.shape != (2, 2) or (cells.to_numpy() == 0).any():
        raise InputError(f"{_label(source)}: a 2x2 DiD needs rows in all four group x period "
                         f"cells; counts: {cells.to_dict()}")
    x = np.column_stack([np.ones(len(y)), d, p, d * p]
                        + [_numeric(data, c, source, f"covariate {c!r}") for c in covariates])
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    clus_col = cluster or unit
    clus = pd.factorize(data[clus_col])[0] if clus_col else None
    kind = _vcov_kind(vcov, clus is not None)
    cov = ols_vcov(x, resid, kind, clus)
    est, se = float(beta[3]), float(np.sqrt(cov[3, 3]))
    n_cl = int(clus.max() + 1) if clus is not None else len(y)
    dof = n_cl - 1 if kind == "CR1" else len(y) - x.shape[1]
    lo, hi, pval = _inference(est, se, dof, alpha)
    means = pd.DataFrame({"y": y, "group": d, "post": p}).groupby(["group", "post"])["y"]
    table = means.agg(["mean", "count"]).reset_index()
    table["term"] = [f"mean(group={int(a)}, post={int(b)})"
                     for a, b in zip(table.group, table.post, strict=True)]
    result = ImpactResult(
        design="did_2x2", estimand="ATT (2x2 DiD: group x post interaction)", estimate=est,
        se=se, ci_low=lo, ci_high=hi, n=n_cl, n_obs=len(y), alpha=alpha, p_value=pval,
        se_type={"CR1": f"cluster-robust CR1 by {clus_col!r} (G/(G-1)*(N-1)/(N-K))",
                 "HC1": "heteroskedasticity-robust HC1", "iid": "classical OLS"}[kind],
        ci_type=f"t({dof}) pointwise",
        table=table.rename(columns={"mean": "estimate", "count": "n"}),
        settings={"vcov": kind, "cluster": clus_col, "covariates": covariates,
                  "treatment_date": date, "alpha": alpha,
                  "coefficients": dict(zip(["intercept", "group", "post", "group:post"]
                                           + covariates, map(float, beta)))},
    )
    can_permute = clus is not None and _constant_within(d, clus)
    _few_treated(result, inference, kind, clus, d * p, n_boot, seed, alpha, can_permute,
                 wild=lambda: _wild_2x2(y, x, clus, n_boot, seed, alpha),
                 permute=lambda: _ri_2x2(y, x, d, clus, n_boot, seed, alpha))
    return result


def _constant_within(v: np.ndarray, clus: np.ndarray) -> bool:
    lo = np.full(clus.max() + 1, np.inf)
    hi = np.full(clus.max() + 1, -np.inf)
    np.minimum.at(lo, clus, v)
    np.maximum.at(hi, clus, v)
    return bool(np.all(lo == hi))


def _partial(x: np.ndarray, j: int, *cols: np.ndarray) -> list[np.ndarray]:
    """Residuals of each column on every regressor of ``x`` except column ``j`` (FWL)."""
    other = np.delete(x, j, axis=1)
    coef = np.linalg.lstsq(other, np.column_stack(cols), rcond=None)[0]
    res = np.column_stack(cols) - other @ coef
    return [res[:, i] for i in range(len(cols))]


def _wild_2x2(y, x, clus, n_boot, seed, alpha) -> dict:
    from .inference import wild_core

    yt, dt = _partial(x, 3, y, x[:, 3])
    return wild_core(yt, dt, clus, x.shape[1], n_boot, seed, "auto", alpha)


def _ri_2x2(y, x, d, clus, n_boot, seed, alpha) -> dict:
    """Permute the treated-group label across clusters (group sizes kept) and re-estimate."""
    from .inference import permutation_inference

    n_cl = int(clus.max()) + 1
    gcl = np.zeros(n_cl)
    gcl[clus] = d
    post = x[:, 2]
    yt, dt = _partial(x, 3, y, x[:, 3])
    b_obs = float(dt @ yt / (dt @ dt))

    def regressor(perm: np.ndarray) -> np.ndarray:
        dp = perm[clus]
        xp = x.copy()
        xp[:, 1], xp[:, 3] = dp, dp * post
        return _partial(xp, 3, xp[:, 3])[0]

    out = permutation_inference(b_obs, gcl, regressor, y, x[:, 3], n_boot,
                                np.random.default_rng(seed), alpha)
    p, lo, hi = out["p_value"], out["ci_low"], out["ci_high"]
    return {"p_value": p, "ci_low": lo, "ci_high": hi, "draws": n_boot,
            "what": "treated-group label permuted across clusters"}


def _few_treated(result: ImpactResult, inference: str, kind: str, clus, dmat, n_boot, seed,
                 alpha, can_permute, wild, permute) -> None:
    """Replace the p-value and interval by few-treated-safe inference when asked or needed,
    and record which inference was used and why (``settings`` and ``ci_type``)."""
    from .inference import choose_inference

    if inference not in ("auto", "analytic", "wild", "randomization"):
        raise SpecError(f"inference: expected auto, analytic, wild or randomization, got "
                        f"{inference!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 99:
        raise SpecError(f"n_boot: expected an integer >= 99, got {n_boot!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError(f"seed: expected a non-negative integer, got {seed!r}")
    n_cl = int(clus.max()) + 1 if clus is not None else 0
    n_tc = len(np.unique(clus[dmat == 1])) if clus is not None else 0
    if inference == "auto":
        if kind != "CR1":
            method, why = "analytic", f"vcov {kind}: no clusters, analytic inference"
        else:
            method, why = choose_inference(n_tc, n_cl, can_permute)
    else:
        method, why = inference, "requested"
        if method != "analytic" and clus is None:
            raise SpecError(f"inference={method!r} needs clusters (give unit= or cluster=)")
        if method == "randomization" and not can_permute:
            raise SpecError("inference='randomization' needs the treatment group constant "
                            "within each cluster")
    result.settings.update({"inference": method, "inference_reason": why,
                            "treated_clusters": n_tc, "clusters": n_cl})
    if method == "analytic":
        if kind == "CR1" and n_tc < 10:
            result.warnings.append(
                f"only {n_tc} treated cluster(s): the cluster-robust test over-rejects; use "
                "inference='randomization' or 'wild'")
        elif kind == "CR1" and n_cl < 30:
            result.warnings.append(
                f"only {n_cl} clusters: cluster-robust SEs are unreliable; use "
                "inference='wild' or 'randomization'")
        return
    out = wild() if method == "wild" else permute()
    result.p_value, result.ci_low, result.ci_high = out["p_value"], out["ci_low"], out["ci_high"]
    result.settings.update({"n_boot": out["draws"], "seed": seed})
    if method == "wild":
        result.ci_type = (f"restricted wild cluster bootstrap-t, test inversion ({out['weights']} "
                          f"weights, {out['draws']} draws, seed {seed})")
        result.settings["wild_weights"] = out["weights"]
        if n_tc == 1:
            result.warnings.append("only one treated cluster: the wild cluster bootstrap is "
                                   "unreliable (MacKinnon & Webb 2017)")
    else:
        result.ci_type = (f"randomization inference ({out['what']}; {out['draws']} "
                          f"permutations, seed {seed}); interval by test inversion under a "
                          "constant additive effect")
    result.warnings.append(f"inference: {why}")


def _coef_table(names, beta, se, dof, alpha) -> pd.DataFrame:
    t = beta / se
    q = stats.t.ppf(1 - alpha / 2, dof)
    return pd.DataFrame({"term": names, "estimate": beta, "se": se, "statistic": t,
                         "p_value": 2 * stats.t.sf(np.abs(t), dof), "ci_low": beta - q * se,
                         "ci_high": beta + q * se})


def _binary(data: pd.DataFrame, col: str, source: str | None) -> np.ndarray:
    v = pd.to_numeric(data[col], errors="coerce")
    bad = ~v.isin([0, 1])
    if bad.any():
        idx = bad.idxmax()
        raise InputError(f"{where(source, idx)}, column {col!r}: expected 0 or 1, got "
                         f"{plain(data[col][idx])}")
    return v.to_numpy(float)


def twfe(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str | None = None,
    treated: str | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    vcov: Literal["auto", "CR1", "HC1", "iid"] = "auto",
    inference: Literal["auto", "analytic", "wild", "randomization"] = "auto",
    n_boot: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    source: str | None = None,
) -> ImpactResult:
    """Two-way fixed effects regression of the outcome on the treatment indicator.

    Unbalanced panels are allowed.  Clusters default to units.  ``diagnostics`` holds
    ``"twfe_weights"``: the implicit weight of each treated group-time cell (de Chaisemartin &
    D'Haultfoeuille 2020, Theorem 1) and the share that is negative.  ``inference``,
    ``n_boot`` and ``seed`` as in :func:`did_2x2` (randomization inference permutes adoption
    dates across clusters; the wild bootstrap is
    :func:`~changjing.evaluate.impact.wild_cluster_bootstrap`).
    """
    alpha = check_alpha(alpha)
    covariates = list(covariates or [])
    panel = prepare_panel(data, unit=unit, time=time, outcome=outcome,
                          treated_from=treated_from, treated=treated, covariates=covariates,
                          cluster=cluster, source=source, balanced=False)
    obs = np.isfinite(panel.y)
    ui, ti = np.nonzero(obs)
    y = panel.y[ui, ti]
    dmat = panel.treated_at()[ui, ti]
    cols = [dmat] + ([panel.x[ui, ti, j] for j in range(len(covariates))] if covariates else [])
    xraw = np.column_stack(cols)
    both = demean(np.column_stack([y, xraw]), [ui, ti])
    yt, xt = both[:, 0], both[:, 1:]
    if np.max(np.abs(xt[:, 0])) < 1e-10:
        raise InputError(f"{panel.source}: the treatment indicator is collinear with unit and "
                         "period effects (e.g. all treated units start together and no unit is "
                         "untreated); TWFE cannot separate it")
    beta, *_ = np.linalg.lstsq(xt, yt, rcond=None)
    resid = yt - xt @ beta
    clus = panel.cluster[ui] if panel.cluster is not None else ui
    kind = _vcov_kind(vcov, True)
    k_dof = fe_k_dof(kind, xt.shape[1], panel.n_units, len(panel.times))
    cov = ols_vcov(xt, resid, kind, clus, k_dof=k_dof)
    est, se = float(beta[0]), float(np.sqrt(cov[0, 0]))
    n_cl = int(clus.max() + 1)
    dof = n_cl - 1 if kind == "CR1" else len(y) - k_dof
    lo, hi, pval = _inference(est, se, dof, alpha)

    # implicit weights on treated cells: residualised D over its sum on treated cells
    dres = xt[:, 0] if not covariates else demean(dmat, [ui, ti])[:, 0]
    tr = dmat == 1
    w = dres[tr] / dres[tr].sum()
    g_of = panel.first_treated[ui][tr]
    cellw = (pd.DataFrame({"group": g_of, "time": panel.times[ti][tr], "weight": w})
             .groupby(["group", "time"], as_index=False)["weight"].sum())
    neg = cellw["weight"] < 0
    weights_diag = cellw.assign(negative=neg)
    result = ImpactResult(
        design="twfe", estimand="TWFE coefficient on the treatment indicator", estimate=est,
        se=se, ci_low=lo, ci_high=hi, n=panel.n_units, n_obs=len(y), alpha=alpha,
        p_value=pval,
        se_type={"CR1": f"cluster-robust CR1 by {cluster or unit!r}; K = slopes + (T-1) + 1 "
                        "(unit effects nested in clusters)",
                 "HC1": "heteroskedasticity-robust HC1", "iid": "classical OLS"}[kind],
        ci_type=f"t({dof}) pointwise",
        table=_coef_table(["treated"] + covariates, beta, np.sqrt(np.diag(cov)), dof, alpha),
        diagnostics={"twfe_weights": weights_diag},
        settings={"vcov": kind, "cluster": cluster or unit, "covariates": covariates,
                  "fixed_effects": ["unit", "time"], "alpha": alpha,
                  "negative_weight_cells": int(neg.sum()),
                  "negative_weight_sum": float(cellw["weight"][neg].sum())},
        warnings=list(panel.warnings),
    )
    n_groups = len(np.unique(panel.first_treated[np.isfinite(panel.first_treated)]))
    if n_groups > 1:
        result.warnings.append(
            f"staggered adoption ({n_groups} treatment dates): TWFE averages group-time effects "
            f"with {int(neg.sum())} negative weight(s) "
            f"(sum {float(cellw['weight'][neg].sum()):.3f})"
            "; if effects vary over time or groups it is biased - prefer att_gt()")
    from . import inference as inf_mod

    common = dict(unit=unit, time=time, outcome=outcome, treated_from=treated_from,
                  treated=treated, covariates=covariates, cluster=cluster, alpha=alpha,
                  source=source)
    first = panel.first_treated
    can_permute = (panel.cluster is None
                   or _constant_within(np.where(np.isfinite(first), first, -1.0), panel.cluster))

    def wild():
        r = inf_mod.wild_cluster_bootstrap(data, n_boot=n_boot, seed=seed, **common)
        return {"p_value": r.p_value, "ci_low": r.ci_low, "ci_high": r.ci_high,
                "draws": r.settings["n_boot"], "weights": r.settings["weights"]}

    def permute():
        r = inf_mod.randomization_test(data, n_perm=n_boot, seed=seed, **common)
        return {"p_value": r.p_value, "ci_low": r.ci_low, "ci_high": r.ci_high,
                "draws": n_boot, "what": r.settings["permuted"]}

    _few_treated(result, inference, kind, clus, dmat, n_boot, seed, alpha, can_permute,
                 wild=wild, permute=permute)
    return result
