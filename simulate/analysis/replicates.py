"""Replicates of a stochastic model: means per design point and the share of variance due to
the seed alone (replications at fixed parameters), with bootstrap intervals, and the test of
whether that seed share swamps a sensitivity index."""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SimulateError
from .problem import Problem

@dataclass(frozen=True)
class ReplicateSummary:
    """Replicate means per design point and how much of the output variance is seed noise.

    * ``means`` — mean output per design point, ordered by ``point_ids``.
    * ``n_replicates`` — replicates per point.
    * ``within_var`` — pooled within-point (seed) variance, ddof 1 per point.
    * ``total_var`` — variance of all single runs, ddof 1.
    * ``noise_share`` — ``within_var / total_var``: the share of a single run's variance due to
      the seed (≈ 1: the parameters hardly matter next to noise; 0: deterministic).
    * ``noise_share_of_means`` — ``mean(within_var / R_i) / var(means)``: the share of the
      variance of the analysed means that is still noise; indices computed on the means are
      shrunk by about ``1 - noise_share_of_means``.  Shares are capped at 1.

    Both shares are ``None`` when every point has a single replicate (noise not estimable).
    ``within_ss`` keeps each point's sum of squared deviations from its mean, so that
    :func:`seed_share_interval` can resample design points.
    """

    means: np.ndarray
    point_ids: np.ndarray
    n_replicates: np.ndarray
    within_var: float | None
    total_var: float
    noise_share: float | None
    noise_share_of_means: float | None
    within_ss: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """Scalars only (JSON-friendly), for manifests and ``DataFrame.attrs``."""
        return {"n_points": int(self.means.size),
                "replicates_min": int(self.n_replicates.min()),
                "replicates_max": int(self.n_replicates.max()),
                "within_var": self.within_var, "total_var": self.total_var,
                "noise_share": self.noise_share,
                "noise_share_of_means": self.noise_share_of_means}


def replicate_means(Y: Any, *, point: str = "point", output: str | None = None,
                    name: str = "Y") -> ReplicateSummary:
    """Average replicates per design point and measure the seed share of variance.

    ``Y`` is one of

    * a 1-D array, one value a design point (no replicates: shares are ``None``);
    * a 2-D array of shape ``(n_points, R)``, one column a replicate (seed);
    * a long DataFrame with a design-point id column ``point`` and an output column
      ``output`` (which may be omitted when it is the only other numeric column besides an
      optional ``replicate``/``seed`` column).  Point ids are sorted; replicates may be unequal.
    """
    if isinstance(Y, pd.DataFrame):
        ids, values = _long_frame(Y, point, output, name)
        _finite(values, name)
        codes, uniq = pd.factorize(ids, sort=True)
        counts = np.bincount(codes)
        sums = np.bincount(codes, weights=values)
        means = sums / counts
        resid2 = np.bincount(codes, weights=(values - means[codes]) ** 2)
        point_ids = np.asarray(uniq)
    else:
        arr = np.asarray(Y, dtype=float) if _numeric_like(Y) else None
        if arr is None or arr.ndim not in (1, 2) or arr.size == 0:
            shape = getattr(Y, "shape", type(Y).__name__)
            raise SimulateError(f"{name}: expected a non-empty numeric array of shape (n_points,) "
                                f"or (n_points, R), or a long DataFrame; got {shape}")
        _finite(arr, name)
        if arr.ndim == 1:
            arr = arr[:, None]
        counts = np.full(arr.shape[0], arr.shape[1])
        means = arr.mean(axis=1)
        resid2 = ((arr - means[:, None]) ** 2).sum(axis=1)
        values = arr.ravel()
        point_ids = np.arange(arr.shape[0])
    total_var = float(values.var(ddof=1)) if values.size > 1 else 0.0
    dof = int((counts - 1).sum())
    if dof == 0:
        within = share = share_means = None
    else:
        within = float(resid2.sum() / dof)
        # Per-point noise variance of a mean is within/R_i; points with R_i = 1 carry it too.
        noise_of_means = float(np.mean(within / counts))
        var_means = float(means.var(ddof=1)) if means.size > 1 else 0.0
        share = _share(within, total_var)
        share_means = _share(noise_of_means, var_means)
    return ReplicateSummary(means=means, point_ids=point_ids, n_replicates=counts,
                            within_var=within, total_var=total_var, noise_share=share,
                            noise_share_of_means=share_means, within_ss=resid2)


def _share(noise: float, total: float) -> float:
    if total <= 0.0:
        return 0.0 if noise <= 0.0 else 1.0
    return float(min(1.0, noise / total))


def _numeric_like(Y: Any) -> bool:
    try:
        return np.asarray(Y).dtype.kind in "biuf"
    except (TypeError, ValueError):  # ragged lists and the like
        return False


def _finite(values: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise SimulateError(f"{name}: expected finite numbers, got {values[tuple(where)]!r} "
                            f"at position {tuple(int(i) for i in where)} "
                            f"({int(bad.sum())} non-finite value(s) in all)")


def _long_frame(Y: pd.DataFrame, point: str, output: str | None,
                name: str) -> tuple[np.ndarray, np.ndarray]:
    if point not in Y.columns:
        raise SimulateError(f"{name}: a long frame needs a design-point id column {point!r} "
                            f"(argument point=); columns are {list(Y.columns)}")
    if output is None:
        skip = {point, "replicate", "replication", "seed", "run_id", "arm_index"}
        cands = [c for c in Y.columns if c not in skip and Y[c].dtype.kind in "biuf"]
        if len(cands) != 1:
            raise SimulateError(f"{name}: say which column holds the output (argument output=); "
                                f"numeric candidates are {cands}")
        output = cands[0]
    if output not in Y.columns:
        raise SimulateError(f"{name}: output column {output!r} not found; columns are "
                            f"{list(Y.columns)}")
    if Y[output].dtype.kind not in "biuf":
        raise SimulateError(f"{name}: output column {output!r} must be numeric, got dtype "
                            f"{Y[output].dtype}")
    if Y[point].isna().any():
        raise SimulateError(f"{name}: design-point id column {point!r} has missing values "
                            f"(first at row {int(np.flatnonzero(Y[point].isna())[0])})")
    return Y[point].to_numpy(), Y[output].to_numpy(dtype=float)


def _outputs(Y: Any, index: pd.Index, *, point: str, output: str | None,
             name: str = "Y") -> ReplicateSummary:
    """Replicate means aligned with the rows of X (a long frame's ``point`` ids are matched
    to ``X.index``; arrays are taken in row order)."""
    n_rows = len(index)
    rep = replicate_means(Y, point=point, output=output, name=name)
    if rep.means.size != n_rows:
        raise SimulateError(f"{name}: expected {n_rows} design points (one per row of X), got "
                            f"{rep.means.size}")
    if isinstance(Y, pd.DataFrame):
        ids = pd.Index(rep.point_ids)
        if not index.is_unique or not ids.isin(index).all():
            unknown = ids[~ids.isin(index)][:5].tolist()
            raise SimulateError(f"{name}: design-point ids in column {point!r} must match the "
                                f"index of X (one id a row; a fresh sample has 0..{n_rows - 1}); "
                                f"ids not in X.index: {unknown}")
        order = ids.get_indexer(index)
        rep = dataclasses.replace(rep, means=rep.means[order], point_ids=rep.point_ids[order],
                                  n_replicates=rep.n_replicates[order],
                                  within_ss=None if rep.within_ss is None
                                  else rep.within_ss[order])
    spread = float(np.ptp(rep.means))
    if spread <= 1e-12 * max(1.0, float(np.abs(rep.means).max())):
        raise SimulateError(f"{name}: the output is constant ({rep.means[0]!r}) over all "
                            f"{n_rows} design points; sensitivity indices are undefined")
    return rep


def _attrs(conv: dict[str, Any], problem: Problem, rep: ReplicateSummary,
           **extra: Any) -> dict[str, Any]:
    out = dict(conv)
    out.update(extra)
    out["problem"] = problem.to_salib()
    out["noise"] = rep.to_dict()
    return out


def _noise_warning(rep: ReplicateSummary) -> None:
    if rep.noise_share_of_means is not None and rep.noise_share_of_means > 0.5:
        warnings.warn(f"seed noise is {rep.noise_share_of_means:.0%} of the variance of the "
                      "replicate means: sensitivity indices are swamped by noise; add replicates",
                      RuntimeWarning, stacklevel=3)


# --------------------------------------------------------------------------------------------
# Bootstrap interval of the seed share, and whether it swamps an index
# --------------------------------------------------------------------------------------------

def seed_share_interval(rep: ReplicateSummary, *, n_boot: int = 1000, conf_level: float = 0.95,
                        seed: int = 0) -> dict[str, float | None]:
    """Percentile bootstrap interval of both seed shares, resampling design points.

    Each resample draws design points with replacement (a point carries all its replicates)
    and recomputes ``noise_share`` and ``noise_share_of_means`` exactly as
    :func:`replicate_means` does.  Resamples come from ``numpy.random.default_rng([seed, 7])``
    (a stream apart from the index bootstrap's).  Returns ``{noise_share_low, _high,
    noise_share_of_means_low, _high}``; all ``None`` when the shares are not estimable.
    """
    keys = ("noise_share_low", "noise_share_high", "noise_share_of_means_low",
            "noise_share_of_means_high")
    if rep.noise_share is None or rep.within_ss is None or rep.means.size < 2:
        return dict.fromkeys(keys)
    rng = np.random.default_rng([seed, 7])
    n = rep.means.size
    m, r, ss = rep.means, rep.n_replicates.astype(float), rep.within_ss
    shares = np.empty((n_boot, 2))
    # Resample in chunks of weight vectors (multinomial counts of each point).
    chunk = max(1, min(n_boot, 4_000_000 // n))
    done = 0
    while done < n_boot:
        b = min(chunk, n_boot - done)
        w = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(float)     # (b, n)
        runs = w @ r
        grand = (w @ (r * m)) / runs
        total_ss = w @ ss + (w * r) @ (m ** 2) - runs * grand ** 2
        total_var = total_ss / (runs - 1)
        dof = w @ (r - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            within = (w @ ss) / dof
            noise_means = within * (w @ (1.0 / r)) / n
            mbar = (w @ m) / n
            var_means = (w @ (m ** 2) - n * mbar ** 2) / (n - 1)
            shares[done:done + b, 0] = np.minimum(1.0, within / total_var)
            shares[done:done + b, 1] = np.minimum(1.0, noise_means / var_means)
        done += b
    alpha = (1.0 - conf_level) / 2
    lo, hi = np.nanquantile(shares, [alpha, 1 - alpha], axis=0)
    return dict(zip(keys, (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))))


def replications_needed(rep: ReplicateSummary, target_share: float = 0.1) -> int | None:
    """Replicates per point that would bring the seed share of the analysed means down to
    ``target_share``: the smallest R with ``(within/R) / (V + within/R) <= target_share``,
    where ``V = var(means) - mean(within/R_i)`` is the variance due to the parameters."""
    if rep.within_var is None or rep.noise_share_of_means is None:
        return None
    var_means = float(rep.means.var(ddof=1))
    signal = var_means - float(np.mean(rep.within_var / rep.n_replicates))
    if rep.within_var <= 0:
        return int(rep.n_replicates.min())
    if signal <= 0:
        return None  # no variance left to explain: more replicates will not reveal any
    return max(int(rep.n_replicates.min()),
               int(np.ceil(rep.within_var * (1 - target_share) / (target_share * signal))))


def seed_columns(index_own: np.ndarray, noise_floor: float | None, share: float | None,
                 interval: dict[str, float | None]) -> dict[str, Any]:
    """The seed columns shown next to the indices, one value a parameter.

    ``seed_share`` is the share of the analysed (replicate-mean) variance due to the seed
    alone, with its bootstrap interval.  ``seed_swamps`` is True when the parameter's own
    part of the index (``index_own``, in the same unit as ``noise_floor``) is no larger than
    what the seed alone contributes (``noise_floor``): the index cannot be told from noise.
    """
    k = index_own.size
    if share is None or noise_floor is None:
        return {"seed_share": np.full(k, np.nan), "seed_share_low": np.full(k, np.nan),
                "seed_share_high": np.full(k, np.nan), "seed_swamps": np.zeros(k, dtype=bool)}
    lo, hi = interval["noise_share_of_means_low"], interval["noise_share_of_means_high"]
    return {"seed_share": np.full(k, share),
            "seed_share_low": np.full(k, np.nan if lo is None else lo),
            "seed_share_high": np.full(k, np.nan if hi is None else hi),
            "seed_swamps": index_own <= noise_floor}


def _swamp_warning(names: list[str], swamps: np.ndarray, rep: ReplicateSummary,
                   index: str) -> None:
    if not swamps.any():
        return
    need = replications_needed(rep)
    which = ", ".join(n for n, s in zip(names, swamps) if s)
    more = (f"; about {need} replicates per point would bring the seed share under 10%"
            if need is not None else "")
    warnings.warn(f"increase replications: the seed alone accounts for as much of the output "
                  f"variance as {index} of {which} (seed share "
                  f"{rep.noise_share_of_means:.0%} of the replicate means, "
                  f"R = {int(rep.n_replicates.min())}){more}",
                  RuntimeWarning, stacklevel=3)


def seed_noise_table(sensitivity: pd.DataFrame) -> pd.DataFrame:
    """One row per (arm,) output of a :func:`~.sensitivity.sensitivity_table`: how much of the
    variance is the seed's, with its bootstrap interval, and which parameters it swamps.

    Columns: [``arm``,] ``output``, ``noise_share`` (of single runs), ``seed_share`` (of the
    replicate means that the indices are computed on), ``seed_share_low``,
    ``seed_share_high``, ``swamped`` (parameters whose index the seed share swamps, comma
    separated) and ``note`` (the "increase replications" advice, or why shares are missing).
    """
    keys = [k for k in ("arm", "output") if k in sensitivity.columns]
    rows = []
    for key, block in sensitivity.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        first = block.iloc[0]
        rows.append({**dict(zip(keys, key)),
                     "noise_share": first["noise_share"], "seed_share": first["seed_share"],
                     "seed_share_low": first["seed_share_low"],
                     "seed_share_high": first["seed_share_high"],
                     "swamped": ", ".join(block.loc[block["seed_swamps"].astype(bool),
                                                    "param"]),
                     "note": first["note"]})
    return pd.DataFrame(rows, columns=[*keys, "noise_share", "seed_share", "seed_share_low",
                                       "seed_share_high", "swamped", "note"])
