"""Analytic Hierarchy Process: priority weights from pairwise comparison matrices.

Conventions
-----------
* ``A[i, j]`` says how much more important criterion *i* is than criterion *j* on Saaty's
  1–9 scale; the matrix must be positive with ``A[j, i] = 1 / A[i, j]`` and ones on the
  diagonal.  Strings such as ``"1/3"`` are accepted (indicator-system files use them).
* Priority method (``method``), each recorded in the result as ``ahp-<method>``:

  - ``"eigen"`` (特征根法, Saaty 1980): the principal right eigenvector, λmax its
    eigenvalue.
  - ``"geometric"`` (根法 / 方根法, row geometric mean; Crawford & Williams 1985):
    w_i ∝ (Π_j a_ij)^(1/n).  Alias ``"root"``.
  - ``"sum"`` (和法, normalised-column average; e.g. 姜启源《数学模型》 ch. 8): divide
    every column by its sum, then average each row: w_i = (1/n) Σ_j a_ij / Σ_k a_kj.
    Alias ``"arithmetic"``.

  For the two approximate methods λmax is estimated as (1/n) Σ_i (A w)_i / w_i, the
  companion estimate the textbooks print next to them.  On a perfectly consistent matrix
  all three give the same weights.
* CI = (λmax − n) / (n − 1); CR = CI / RI(n).  RI comes from a *selectable* table — the
  tables differ between sources, so the table used is recorded in every result:

  - ``"saaty"``: Saaty, T. L. (1980) *The Analytic Hierarchy Process*, McGraw-Hill,
    random indices for n = 1..15 (0, 0, .58, .90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49,
    1.51, 1.48, 1.56, 1.57, 1.59).
  - ``"chinese"``: the table of Chinese AHP textbooks, after 许树柏 (1988)《实用决策方法：
    层次分析法原理》, 天津大学出版社, as used in e.g. 司守奎《数学建模算法与应用》
    (0, 0, .52, .89, 1.12, 1.26, 1.36, 1.41, 1.46, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59).
  - a user-supplied table: a sequence of RI(1), RI(2), … (or a ``{n: RI}`` mapping), for
    reproducing a report that used another simulation's indices; recorded as
    ``ri_table = "custom"`` with the values themselves.

  For n ≤ 2 every reciprocal matrix is consistent and CR is defined as 0.
* CR ≥ ``max_cr`` (0.1, Saaty's rule) is refused with a :class:`SpecError` naming the
  matrix and its most inconsistent judgement, or only warned about when
  ``on_inconsistent="warn"``.
* Group AHP (:func:`group_ahp`), ``aggregation``:

  - ``"aij"`` (default; aggregating individual judgements): the element-wise weighted
    geometric mean of the matrices (Aczél & Saaty 1983), which keeps the reciprocal
    property, then one priority vector and one CR for the aggregate matrix.
  - ``"aip"`` (aggregating individual priorities; Forman & Peniwati 1998): each
    expert's priority vector first, then their weighted geometric mean (re-normalised to
    sum 1; ``mean="geometric"``) or weighted arithmetic mean (``mean="arithmetic"``).
    There is no aggregate matrix, so no group CR: each expert's CR is reported.

  Every expert's own CR is reported either way; expert weights default to equal.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from ..errors import SpecError
from ._common import did_you_mean

RANDOM_INDEX: dict[str, tuple[float, ...]] = {
    "saaty": (
        0.0,
        0.0,
        0.58,
        0.90,
        1.12,
        1.24,
        1.32,
        1.41,
        1.45,
        1.49,
        1.51,
        1.48,
        1.56,
        1.57,
        1.59,
    ),
    "chinese": (
        0.0,
        0.0,
        0.52,
        0.89,
        1.12,
        1.26,
        1.36,
        1.41,
        1.46,
        1.49,
        1.52,
        1.54,
        1.56,
        1.58,
        1.59,
    ),
}
RANDOM_INDEX_SOURCES: dict[str, str] = {
    "saaty": "Saaty, T. L. (1980). The Analytic Hierarchy Process. McGraw-Hill (RI, n=1..15).",
    "chinese": "许树柏 (1988). 实用决策方法：层次分析法原理. 天津大学出版社 (RI, n=1..15), the "
    "table used in Chinese AHP textbooks such as 司守奎《数学建模算法与应用》.",
}
METHODS = ("eigen", "geometric", "sum")
_METHOD_ALIASES = {"root": "geometric", "arithmetic": "sum"}
AGGREGATIONS = ("aij", "aip")
MEANS = ("geometric", "arithmetic")
_RECIPROCITY_RTOL = 0.02  # "0.333" for 1/3 passes; a genuine mismatch like 3 vs 1/2 does not


def _ri_values(table: Any) -> tuple[str, tuple[float, ...]]:
    """(name, values) of a named or user-supplied random-index table."""
    if isinstance(table, str):
        random_index(1, table)  # validates the name
        return table, RANDOM_INDEX[table]
    if isinstance(table, dict):
        try:
            items = {int(k): float(v) for k, v in table.items()}
        except (TypeError, ValueError) as exc:
            raise SpecError(f"ri_table: expected {{n: RI}} with integer n, got {table!r}") from exc
        top = max(items, default=0)
        if sorted(items) != list(range(1, top + 1)) and not set(range(3, top + 1)) <= set(items):
            raise SpecError(
                f"ri_table: a custom table must give RI for every n from 3 to its largest n, "
                f"got n = {sorted(items)}"
            )
        values = tuple(items.get(n, 0.0) for n in range(1, top + 1))
    else:
        try:
            values = tuple(float(v) for v in table)
        except (TypeError, ValueError) as exc:
            raise SpecError(
                f"ri_table: expected 'saaty', 'chinese' or a list of RI(1), RI(2), ..., "
                f"got {table!r}"
            ) from exc
    if not values or any(not np.isfinite(v) or v < 0 for v in values):
        raise SpecError(f"ri_table: RI values must be finite and >= 0, got {list(values)}")
    if any(v <= 0 for v in values[2:]):
        raise SpecError(f"ri_table: RI(n) for n >= 3 must be > 0, got {list(values)}")
    return "custom", values


def random_index(n: int, table: Any = "saaty") -> float:
    """Random index RI(n) from the named table, or from a user-supplied sequence / mapping
    (see module docstring for sources)."""
    if not isinstance(table, str):
        _, values = _ri_values(table)
        if not 1 <= n <= len(values):
            raise SpecError(
                f"AHP matrix of order {n}: the custom random-index table covers n = 1.."
                f"{len(values)}; give RI up to n = {n}"
            )
        return values[n - 1]
    if table not in RANDOM_INDEX:
        raise SpecError(
            f"ri_table: unknown random-index table {table!r}; expected one of "
            f"{sorted(RANDOM_INDEX)}{did_you_mean(table, sorted(RANDOM_INDEX))}"
        )
    values = RANDOM_INDEX[table]
    if not 1 <= n <= len(values):
        raise SpecError(
            f"AHP matrix of order {n}: the {table!r} random-index table covers n = 1.."
            f"{len(values)}; split the criteria into smaller groups"
        )
    return values[n - 1]


def _parse_entry(value: Any, where: str) -> float:
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError) as exc:
            raise SpecError(
                f"{where}: cannot read {value!r} as a number or fraction like '1/3'"
            ) from exc
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"{where}: expected a number, got {value!r}") from exc


def pairwise_matrix(matrix: Any, name: str = "matrix") -> np.ndarray:
    """Validate a pairwise comparison matrix and return it as an exactly reciprocal array.

    The upper triangle is authoritative; the lower triangle must agree with its reciprocal
    to 2 % (so ``0.333`` for ``1/3`` passes) and is then replaced by the exact reciprocal.
    """
    if isinstance(matrix, np.ndarray) and matrix.dtype.kind in "fi":
        A = matrix.astype(float)
    else:
        rows = list(matrix)
        A = (
            np.array(
                [
                    [_parse_entry(v, f"{name}[{i}][{j}]") for j, v in enumerate(row)]
                    for i, row in enumerate(rows)
                ],
                dtype=float,
            )
            if rows and all(hasattr(r, "__len__") for r in rows)
            else np.asarray(rows, float)
        )
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise SpecError(f"{name}: a pairwise comparison matrix must be square, got shape {A.shape}")
    n = A.shape[0]
    if not np.all(np.isfinite(A)) or np.any(A <= 0):
        i, j = np.argwhere(~np.isfinite(A) | (A <= 0))[0]
        raise SpecError(f"{name}[{i}][{j}]: judgements must be positive numbers, got {A[i, j]}")
    diag = np.diag(A)
    if not np.allclose(diag, 1.0):
        i = int(np.argmax(np.abs(diag - 1)))
        raise SpecError(f"{name}[{i}][{i}]: diagonal entries must be 1, got {diag[i]}")
    iu = np.triu_indices(n, 1)
    upper = A[iu]
    lower = A.T[iu]
    rel = np.abs(upper * lower - 1.0)
    if np.any(rel > _RECIPROCITY_RTOL):
        k = int(np.argmax(rel))
        i, j = iu[0][k], iu[1][k]
        raise SpecError(
            f"{name}: not reciprocal at [{i}][{j}] = {A[i, j]:g} and [{j}][{i}] = {A[j, i]:g}; "
            f"expected [{j}][{i}] = 1/{A[i, j]:g} = {1 / A[i, j]:.4g}"
        )
    out = np.ones((n, n))
    out[iu] = upper
    out.T[iu] = 1.0 / upper
    return out


@dataclass
class AHPResult:
    """Priority weights and consistency of one pairwise comparison matrix."""

    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float
    ri: float
    ri_table: str
    method: str
    matrix: np.ndarray
    labels: list[str] = field(default_factory=list)
    max_cr: float = 0.1
    ri_values: tuple = ()

    @property
    def consistent(self) -> bool:
        return bool(self.cr < self.max_cr)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.weights, dtype=dtype)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(
            {"criterion": self.labels or list(range(len(self.weights))), "weight": self.weights}
        )

    def provenance(self) -> dict:
        return {
            "method": f"ahp-{self.method}",
            "lambda_max": round(self.lambda_max, 10),
            "ci": round(self.ci, 10),
            "cr": round(self.cr, 10),
            "ri": self.ri,
            "ri_table": self.ri_table,
            "ri_source": RANDOM_INDEX_SOURCES.get(
                self.ri_table, f"user-supplied RI table {list(self.ri_values)}"
            ),
            "matrix": np.round(self.matrix, 10).tolist(),
        }

    def summary(self) -> str:
        lines = [
            f"AHP ({self.method}), n = {len(self.weights)}, RI table {self.ri_table!r}",
            f"  lambda_max = {self.lambda_max:.4f}  CI = {self.ci:.4f}  RI = {self.ri:.2f}"
            f"  CR = {self.cr:.4f} ({'acceptable' if self.consistent else 'NOT acceptable'}"
            f", threshold {self.max_cr})",
        ]
        labels = self.labels or [f"C{i + 1}" for i in range(len(self.weights))]
        lines += [f"  {lab:<24s} {w:.4f}" for lab, w in zip(labels, self.weights)]
        return "\n".join(lines)


def _principal_eigen(A: np.ndarray) -> tuple[np.ndarray, float]:
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)  # Perron vector of a positive matrix has one sign
    return v / v.sum(), float(vals[k].real)


def _check_method(method: str) -> str:
    method = _METHOD_ALIASES.get(method, method)
    if method not in METHODS:
        raise SpecError(
            f"method: expected one of {METHODS} (or 'root' / 'arithmetic'), got {method!r}"
            f"{did_you_mean(method, METHODS)}"
        )
    return method


def priority_vector(A: np.ndarray, method: str = "eigen") -> tuple[np.ndarray, float]:
    """(weights summing to 1, λmax) of a validated reciprocal matrix by ``method``."""
    if method == "eigen":
        return _principal_eigen(A)
    if method == "geometric":
        g = np.exp(np.log(A).mean(axis=1))
        w = g / g.sum()
    else:  # 和法: every column scaled to sum 1, then the row means
        w = (A / A.sum(axis=0, keepdims=True)).mean(axis=1)
        w = w / w.sum()
    return w, float(np.mean((A @ w) / w))


def _check_consistency(res: AHPResult, name: str, on_inconsistent: str) -> None:
    if res.consistent:
        return
    A, w = res.matrix, res.weights
    # the judgement farthest from the ratio its own weights imply is the one to revisit
    dev = np.abs(np.log(A * w[None, :] / w[:, None]))
    i, j = np.unravel_index(int(np.argmax(np.triu(dev, 1))), A.shape)
    labels = res.labels or [str(k) for k in range(len(w))]
    msg = (
        f"{name}: consistency ratio CR = {res.cr:.4f} >= {res.max_cr} (RI table "
        f"{res.ri_table!r}, n = {len(w)}); the most inconsistent judgement is "
        f"[{labels[i]}][{labels[j]}] = {A[i, j]:.4g} while the weights imply about "
        f"{w[i] / w[j]:.3g}. Revise the judgements, or allow it explicitly "
        "(on_inconsistent='warn' / allow_inconsistent = true)"
    )
    if on_inconsistent == "warn":
        warnings.warn(msg, stacklevel=3)
    elif on_inconsistent == "raise":
        raise SpecError(msg)
    elif on_inconsistent != "ignore":
        raise SpecError(
            f"on_inconsistent: expected 'raise', 'warn' or 'ignore', got {on_inconsistent!r}"
        )


def ahp_weights(
    matrix: Any,
    *,
    method: str = "eigen",
    ri_table: Any = "saaty",
    max_cr: float = 0.1,
    on_inconsistent: str = "raise",
    labels: list[str] | None = None,
    name: str = "matrix",
) -> AHPResult:
    """Weights from one pairwise comparison matrix.

    Parameters
    ----------
    matrix : (n × n) array-like, ``A[i, j]`` = importance of *i* over *j* (Saaty 1–9 scale).
    method : ``"eigen"`` (特征根法), ``"geometric"`` (根法, row geometric mean) or ``"sum"``
        (和法, normalised-column average).
    ri_table : ``"saaty"``, ``"chinese"`` or a sequence RI(1), RI(2), … (see module docstring).
    max_cr : refuse (or warn about) matrices with CR >= max_cr; Saaty's rule is 0.1.
    on_inconsistent : ``"raise"`` (default), ``"warn"`` or ``"ignore"``.
    """
    method = _check_method(method)
    A = pairwise_matrix(matrix, name)
    n = A.shape[0]
    if labels is not None and len(labels) != n:
        raise SpecError(f"{name}: {len(labels)} labels for a matrix of order {n}")
    table_name, ri_values = _ri_values(ri_table)
    ri = random_index(n, ri_table)
    w, lam = priority_vector(A, method)
    ci = max((lam - n) / (n - 1), 0.0) if n > 2 else 0.0  # tiny negative round-off -> 0
    cr = ci / ri if ri > 0 else 0.0
    res = AHPResult(
        w,
        lam,
        ci,
        cr,
        ri,
        table_name,
        method,
        A,
        list(labels or []),
        float(max_cr),
        tuple(ri_values) if table_name == "custom" else (),
    )
    _check_consistency(res, name, on_inconsistent)
    return res


@dataclass
class GroupAHPResult:
    """Group priorities of several experts (AIJ or AIP), with each expert's CR.

    ``aggregate`` is the AHP result of the aggregated matrix for AIJ and ``None`` for AIP
    (which aggregates priority vectors, so there is no group matrix and no group CR).
    """

    aggregate: AHPResult | None
    experts: list[AHPResult]
    expert_weights: np.ndarray
    aggregation: str = "aij"
    mean: str = "geometric"
    group_weights: np.ndarray | None = None

    @property
    def weights(self) -> np.ndarray:
        return self.aggregate.weights if self.aggregate is not None else self.group_weights

    @property
    def cr(self) -> float:
        """CR of the aggregate matrix (AIJ); for AIP the largest expert CR."""
        if self.aggregate is not None:
            return self.aggregate.cr
        return max(e.cr for e in self.experts)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.weights, dtype=dtype)

    def to_frame(self):
        import pandas as pd

        rows = [
            {
                "expert": "aggregate",
                "cr": self.aggregate.cr if self.aggregate is not None else float("nan"),
                **{f"w[{lab}]": w for lab, w in zip(self._labels(), self.weights)},
            }
        ]
        for k, e in enumerate(self.experts):
            rows.append(
                {
                    "expert": k + 1,
                    "cr": e.cr,
                    **{f"w[{lab}]": w for lab, w in zip(self._labels(), e.weights)},
                }
            )
        return pd.DataFrame(rows)

    def _labels(self) -> list[str]:
        labels = self.experts[0].labels
        return labels or [f"C{i + 1}" for i in range(len(self.weights))]

    def provenance(self) -> dict:
        first = self.experts[0]
        if self.aggregate is not None:
            out = self.aggregate.provenance()
            out["method"] = f"group-ahp-{self.aggregate.method} (AIJ: element-wise geometric mean)"
        else:
            out = {
                "method": f"group-ahp-{first.method} (AIP: weighted {self.mean} mean of priorities)",
                "weights": np.round(self.group_weights, 10).tolist(),
                "ri_table": first.ri_table,
                "ri_source": first.provenance()["ri_source"],
            }
        out["aggregation"] = self.aggregation
        out["mean"] = self.mean
        out["expert_weights"] = np.round(self.expert_weights, 10).tolist()
        out["expert_cr"] = [round(e.cr, 10) for e in self.experts]
        out["expert_matrices"] = [np.round(e.matrix, 10).tolist() for e in self.experts]
        return out

    def summary(self) -> str:
        crs = ", ".join(f"{e.cr:.4f}" for e in self.experts)
        head = (
            f"Group AHP ({self.aggregation.upper()}, {self.mean} mean), {len(self.experts)} "
            f"experts (CR each: {crs})"
        )
        if self.aggregate is not None:
            return head + "\n" + self.aggregate.summary()
        lines = [head] + [
            f"  {lab:<24s} {w:.4f}" for lab, w in zip(self._labels(), self.group_weights)
        ]
        return "\n".join(lines)


def group_ahp(
    matrices: Any,
    *,
    expert_weights: Any = None,
    method: str = "eigen",
    ri_table: Any = "saaty",
    max_cr: float = 0.1,
    on_inconsistent: str = "raise",
    check_experts: bool = True,
    labels: list[str] | None = None,
    name: str = "experts",
    aggregation: str = "aij",
    mean: str = "geometric",
) -> GroupAHPResult:
    """Group priorities from several experts' matrices (see module docstring).

    ``aggregation="aij"`` aggregates the judgements (element-wise weighted geometric mean;
    ``mean`` must be ``"geometric"``, the arithmetic mean of judgements is not reciprocal),
    ``"aip"`` aggregates each expert's priority vector by the weighted ``mean``
    (``"geometric"`` or ``"arithmetic"``).  ``expert_weights`` (default equal) must be
    non-negative; they are normalised to sum 1.  With ``check_experts`` each expert's own
    matrix must also pass the CR threshold.
    """
    if aggregation not in AGGREGATIONS:
        raise SpecError(
            f"aggregation: expected one of {AGGREGATIONS}, got {aggregation!r}"
            f"{did_you_mean(aggregation, AGGREGATIONS)}"
        )
    if mean not in MEANS:
        raise SpecError(f"mean: expected one of {MEANS}, got {mean!r}{did_you_mean(mean, MEANS)}")
    if aggregation == "aij" and mean != "geometric":
        raise SpecError(
            "mean: aggregating judgements (aggregation='aij') needs the geometric mean - "
            "the arithmetic mean of reciprocal matrices is not reciprocal; use "
            "aggregation='aip' for an arithmetic mean of priorities"
        )
    mats = [pairwise_matrix(m, f"{name}[{k}]") for k, m in enumerate(matrices)]
    if not mats:
        raise SpecError(f"{name}: at least one expert matrix is required")
    n = mats[0].shape[0]
    for k, m in enumerate(mats):
        if m.shape[0] != n:
            raise SpecError(f"{name}[{k}]: order {m.shape[0]} differs from expert 0's order {n}")
    if expert_weights is None:
        lam = np.full(len(mats), 1.0 / len(mats))
    else:
        lam = np.asarray(expert_weights, dtype=float).ravel()
        if lam.size != len(mats) or np.any(lam < 0) or lam.sum() <= 0:
            raise SpecError(
                f"expert_weights: expected {len(mats)} non-negative numbers (not all zero), "
                f"got {lam.tolist()}"
            )
        lam = lam / lam.sum()
    experts = [
        ahp_weights(
            m,
            method=method,
            ri_table=ri_table,
            max_cr=max_cr,
            on_inconsistent=on_inconsistent if check_experts else "ignore",
            labels=labels,
            name=f"{name}[{k}]",
        )
        for k, m in enumerate(mats)
    ]
    if aggregation == "aip":
        P = np.stack([e.weights for e in experts])
        if mean == "geometric":
            g = np.exp(lam @ np.log(P))
        else:
            g = lam @ P
        return GroupAHPResult(None, experts, lam, "aip", mean, g / g.sum())
    agg = np.exp(np.tensordot(lam, np.log(np.stack(mats)), axes=1))
    aggregate = ahp_weights(
        agg,
        method=method,
        ri_table=ri_table,
        max_cr=max_cr,
        on_inconsistent=on_inconsistent,
        labels=labels,
        name=f"{name} (aggregate)",
    )
    return GroupAHPResult(aggregate, experts, lam, "aij", "geometric")
