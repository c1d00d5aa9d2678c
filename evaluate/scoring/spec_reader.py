"""Reading one indicator-system TOML document: key and type checks, and the grammar of a
weights table (fixed / equal / AHP / objective / combined).

:class:`SpecReader` raises :class:`SpecError` naming the file, the dotted key, the value and
what was expected, with a did-you-mean for misspelt keys and choices.  The system model and
the top-level layout of the file live in :mod:`.system`.
"""

from __future__ import annotations

from typing import Any

from ..errors import SpecError
from ._common import did_you_mean

WEIGHT_SOURCES = ("fixed", "equal", "ahp", "entropy", "critic", "std", "combined")
OBJECTIVE_SOURCES = ("entropy", "critic", "std")


def _weight_spec():
    from .system import WeightSpec

    return WeightSpec


class SpecReader:
    """Type- and key-checks of one TOML document; every failure names file and dotted key."""

    def __init__(self, path: str, keys: dict[str, set[str]]):
        self.path = path
        self.keys = keys

    def fail(self, key: str, msg: str) -> SpecError:
        return SpecError(f"{self.path}: {key}: {msg}")

    def table(self, obj: Any, key: str, kind: str) -> dict:
        if not isinstance(obj, dict):
            raise self.fail(key, f"expected a table, got {type(obj).__name__} {obj!r}")
        allowed = self.keys[kind]
        for k in obj:
            if k not in allowed:
                raise self.fail(
                    f"{key}.{k}" if key else k,
                    f"unknown key{did_you_mean(k, sorted(allowed))} (allowed: "
                    f"{', '.join(sorted(allowed))})",
                )
        return obj

    def get(self, obj: dict, name: str, key: str, typ, default=..., choices=None):
        if name not in obj:
            if default is ...:
                raise self.fail(f"{key}.{name}" if key else name, "required key is missing")
            return default
        val = obj[name]
        where = f"{key}.{name}" if key else name
        if typ is float:
            if isinstance(val, bool) or not isinstance(val, (int, float)):
                raise self.fail(where, f"expected a number, got {val!r}")
            val = float(val)
        elif typ is int:
            if isinstance(val, bool) or not isinstance(val, int):
                raise self.fail(where, f"expected an integer, got {val!r}")
        elif typ is bool:
            if not isinstance(val, bool):
                raise self.fail(where, f"expected true or false, got {val!r}")
        elif typ is str:
            if not isinstance(val, str) or not val.strip():
                raise self.fail(where, f"expected a non-empty string, got {val!r}")
            val = val.strip()
        elif typ is list:
            if not isinstance(val, list):
                raise self.fail(where, f"expected an array, got {val!r}")
        if choices is not None and val not in choices:
            raise self.fail(
                where,
                f"{val!r} is not one of {', '.join(choices)}{did_you_mean(str(val), choices)}",
            )
        return val

    def number_list(self, obj: dict, name: str, key: str, default=...):
        val = self.get(obj, name, key, list, default)
        if val is default and default is not ...:
            return val
        out = []
        for k, v in enumerate(val):
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.fail(f"{key}.{name}[{k}]", f"expected a number, got {v!r}")
            out.append(float(v))
        return out

    def weights(self, obj: Any, key: str, child_ids: list[str]) -> Any:
        t = self.table(obj, key, "weights")
        source = self.get(t, "source", key, str, choices=WEIGHT_SOURCES)
        spec = _weight_spec()(source=source, where=key, note=t.get("note", ""))
        if "order" in t:
            order = self.get(t, "order", key, list)
            for k, cid in enumerate(order):
                if cid not in child_ids:
                    raise self.fail(
                        f"{key}.order[{k}]",
                        f"{cid!r} is not one of the ids here "
                        f"({', '.join(child_ids)}){did_you_mean(str(cid), child_ids)}",
                    )
            if sorted(order) != sorted(child_ids):
                missing = sorted(set(child_ids) - set(order))
                raise self.fail(
                    f"{key}.order",
                    f"must list every id exactly once; missing "
                    f"{missing}, duplicates {sorted({o for o in order if order.count(o) > 1})}",
                )
            spec.order = list(order)
        n = len(child_ids)
        if source == "fixed":
            vals = self.get(t, "values", key, None)
            if isinstance(vals, dict):
                for k in vals:
                    if k not in child_ids:
                        raise self.fail(
                            f"{key}.values.{k}",
                            f"unknown id{did_you_mean(k, child_ids)} (ids: {', '.join(child_ids)})",
                        )
                absent = [c for c in child_ids if c not in vals]
                if absent:
                    raise self.fail(f"{key}.values", f"no weight for {absent}")
                values = {k: vals[k] for k in child_ids}
            elif isinstance(vals, list):
                if len(vals) != n:
                    raise self.fail(
                        f"{key}.values",
                        f"expected {n} weights (one per id: "
                        f"{', '.join(child_ids)}), got {len(vals)}",
                    )
                values = dict(zip(spec.order or child_ids, vals))
            else:
                raise self.fail(
                    f"{key}.values", f"expected a table {{id = weight}} or an array, got {vals!r}"
                )
            for k, v in values.items():
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                    raise self.fail(f"{key}.values.{k}", f"expected a number >= 0, got {v!r}")
            if sum(values.values()) <= 0:
                raise self.fail(f"{key}.values", "weights must not all be zero")
            spec.values = {k: float(v) for k, v in values.items()}
        elif source == "ahp":
            if ("matrix" in t) == ("experts" in t):
                raise self.fail(
                    key,
                    "an AHP weights table needs exactly one of 'matrix' (one "
                    "expert) or 'experts' (several matrices)",
                )
            mats = [t["matrix"]] if "matrix" in t else self.get(t, "experts", key, list)
            for k, m in enumerate(mats):
                where = f"{key}.matrix" if "matrix" in t else f"{key}.experts[{k}]"
                if (
                    not isinstance(m, list)
                    or len(m) != n
                    or any(not isinstance(r, list) or len(r) != n for r in m)
                ):
                    raise self.fail(
                        where,
                        f"expected a {n}×{n} matrix (rows and columns in the "
                        f"order {', '.join(spec.order or child_ids)})",
                    )
            if "matrix" in t:
                spec.matrix = t["matrix"]
            else:
                if not mats:
                    raise self.fail(f"{key}.experts", "expected at least one matrix")
                spec.experts = mats
                if "expert_weights" in t:
                    ew = self.number_list(t, "expert_weights", key)
                    if len(ew) != len(mats) or any(x < 0 for x in ew) or sum(ew) <= 0:
                        raise self.fail(
                            f"{key}.expert_weights", f"expected {len(mats)} numbers >= 0, got {ew}"
                        )
                    spec.expert_weights = ew
                spec.aggregation = self.get(t, "aggregation", key, str, "aij", ("aij", "aip"))
                spec.mean = self.get(t, "mean", key, str, "geometric", ("geometric", "arithmetic"))
                if spec.aggregation == "aij" and spec.mean != "geometric":
                    raise self.fail(
                        f"{key}.mean",
                        "aggregating judgements (aggregation = 'aij') needs the geometric "
                        "mean; use aggregation = 'aip' for an arithmetic mean of priorities",
                    )
        elif source == "entropy":
            spec.convention = self.get(t, "convention", key, str, "raw", ("raw", "standardised"))
            spec.offset = self.get(t, "offset", key, float, 1e-4)
            if not 0 <= spec.offset <= 1:
                raise self.fail(f"{key}.offset", f"must be in [0, 1], got {spec.offset}")
        elif source == "critic":
            spec.contrast = self.get(t, "contrast", key, str, "std", ("std", "entropy"))
            spec.epsilon = self.get(t, "epsilon", key, float, 0.0)
            if not 0 <= spec.epsilon < 0.5:
                raise self.fail(f"{key}.epsilon", f"must be in [0, 0.5), got {spec.epsilon}")
            if spec.epsilon and spec.contrast != "entropy":
                raise self.fail(
                    f"{key}.epsilon",
                    "is only used with contrast = 'entropy' (it shifts the 0 and 1 cells "
                    f"before the entropy), got contrast = {spec.contrast!r}",
                )
        elif source == "combined":
            spec.subjective = self.weights(
                self.get(t, "subjective", key, None), f"{key}.subjective", child_ids
            )
            spec.objective = self.weights(
                self.get(t, "objective", key, None), f"{key}.objective", child_ids
            )
            if spec.subjective.source not in ("fixed", "equal", "ahp"):
                raise self.fail(
                    f"{key}.subjective.source",
                    f"expected fixed, equal or ahp, got {spec.subjective.source!r}",
                )
            if spec.objective.source not in OBJECTIVE_SOURCES:
                raise self.fail(
                    f"{key}.objective.source",
                    f"expected one of {', '.join(OBJECTIVE_SOURCES)}, got {spec.objective.source!r}",
                )
            spec.combine = self.get(
                t,
                "combine",
                key,
                str,
                "linear",
                ("linear", "multiplicative", "game_theory", "game_theory_abs"),
            )
            if spec.combine == "linear":
                spec.alpha = self.get(t, "alpha", key, float)
                if not 0 <= spec.alpha <= 1:
                    raise self.fail(f"{key}.alpha", f"must be in [0, 1], got {spec.alpha}")
        return spec


def ids_unique(reader: SpecReader, ids: list[str], key: str) -> None:
    seen = set()
    for k, i in enumerate(ids):
        if i in seen:
            raise reader.fail(f"{key}[{k}].id", f"duplicate id {i!r}")
        seen.add(i)
