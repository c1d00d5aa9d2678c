"""The page's controls, generated from an experiment's levers (or named arms) and the model's
typed parameters.

Units, bounds, provenance and the description of every control come from the model config's
field metadata (:func:`changjing.simulate.config.parameter_table` and the pydantic fields the
config validator checks against: one source of truth); the values a lever sweeps become the
presets and the slider's span.  Only the short zh/en *names* of the parameters are kept here
(the config documents parameters in English sentences, not as labels).
"""

from __future__ import annotations

import math
import typing
from typing import Any

from changjing.simulate.config import INSTRUMENTS, Config
from changjing.simulate.experiment import Experiment

SPLIT_KEY = "funding.split"
BUDGET_KEY = "funding.annual_budget_yuan"

# Short names of the parameters a planner moves (zh, en); others show their dotted key.
NAMES: dict[str, tuple[str, str]] = {
    "funding.annual_budget_yuan": ("年度预算", "Annual budget"),
    "funding.split": ("资金工具分配", "Split across instruments"),
    "funding.subsidy_share": ("试点补贴比例", "Pilot subsidy share"),
    "funding.carry_over": ("结余结转规则", "Carry-over rule"),
    "funding.carry_over_cap": ("结转上限", "Carry-over cap"),
    "funding.event_cost_yuan": ("每场对接活动费用", "Cost of one matchmaking event"),
    "funding.events_per_month_max": ("每月对接活动上限", "Events per month (most)"),
    "funding.firms_per_event": ("每场活动服务企业数", "Firms per event"),
    "funding.incentive_yuan_per_firm": ("每家引进企业激励", "Incentive per attracted firm"),
    "policy.selection_strictness": ("遴选严格程度", "Selection strictness"),
    "policy.release_per_batch": ("每批发布场景上限", "Scenarios per release list"),
    "policy.zone_priority": ("区域优先权重", "Zone priority"),
    "policy.domain_priority": ("领域优先权重", "Domain priority"),
    "policy.selection_rule": ("清单遴选规则", "Selection rule"),
    "policy.procurement_commitment": ("先试后转采购承诺比例", "Procurement commitment"),
    "labs.batch_size": ("每批认定实验室数", "Labs per batch"),
    "labs.grant_yuan_per_year": ("实验室年度资助", "Lab grant per year"),
    "labs.success_uplift": ("实验室试点成功提升", "Lab success uplift"),
    "lifecycle.release_interval_months": ("清单发布间隔", "Months between lists"),
    "lifecycle.match_window_months": ("对接窗口期", "Matching window"),
    "lifecycle.match_rate_per_month": ("对接速率", "Match rate"),
    "attraction.conversion_with_incentive": ("激励下落户概率", "Conversion with incentive"),
    "diffusion.p_per_year": ("外部影响系数 p", "Bass external influence p"),
    "diffusion.q_per_year": ("内部影响系数 q", "Bass internal influence q"),
    "run.months": ("模拟月数", "Months simulated"),
    "firms.n": ("企业数量", "Number of firms"),
}
UNITS_ZH = {"yuan/year": "元/年", "yuan": "元", "share": "比例", "months": "月",
            "scenarios": "个场景", "labs": "个", "weight": "权重", "yuan/firm": "元/家",
            "yuan/event": "元/场", "probability": "概率", "firms": "家"}


def field_of(key: str) -> Any:
    """The pydantic field of a dotted model-config key (``section.name``)."""
    section, _, name = key.partition(".")
    sec = Config.model_fields.get(section)
    if sec is None or "." in name:
        raise KeyError(key)
    model = sec.annotation
    f = model.model_fields.get(name)  # type: ignore[union-attr]
    if f is None:
        raise KeyError(key)
    return f


def parameter_meta(key: str) -> dict[str, Any]:
    """Unit, provenance, description, type and bounds of ``key`` from the config's metadata."""
    from changjing.simulate.config import parameter_table

    row = next((r for r in parameter_table() if r["key"] == key), None)
    if row is None:
        raise KeyError(key)
    f = field_of(key)
    bounds: dict[str, float] = {}
    for meta in f.metadata:
        for attr in ("ge", "gt", "le", "lt"):
            v = getattr(meta, attr, None)
            if v is not None:
                bounds[attr] = float(v)
    ann = f.annotation
    origin = typing.get_origin(ann)
    if ann is bool:
        kind, options = "bool", [True, False]
    elif ann is int:
        kind, options = "int", None
    elif ann is float:
        kind, options = "float", None
    elif origin is typing.Literal:
        kind, options = "choice", list(typing.get_args(ann))
    else:
        kind, options = "value", None      # dicts, tuples, lists: the lever's values only
    zh, en = NAMES.get(key, (key, key))
    return {"key": key, "kind": kind, "options": options, "bounds": bounds,
            "unit": row["unit"], "unit_zh": UNITS_ZH.get(row["unit"], row["unit"]),
            "range": row["range"], "source": row["source"], "doc": row["description"],
            "name_zh": zh, "name_en": en}


def current_value(config: Config, key: str) -> Any:
    node: Any = config.to_dict()
    for part in key.split("."):
        node = node[part]
    return node


def _span(values: list[float], baseline: float, bounds: dict[str, float]) -> tuple[float, float]:
    """The slider's span: the swept values and the baseline's value, or (with no lever values)
    half to three times the baseline, kept inside the parameter's bounds."""
    pts = [v for v in values if math.isfinite(v)] + [baseline]
    lo, hi = min(pts), max(pts)
    if lo == hi:
        lo, hi = (baseline * 0.5, baseline * 3) if baseline > 0 else (0.0, 1.0)
    if "ge" in bounds:
        lo = max(lo, bounds["ge"])
    if "le" in bounds:
        hi = min(hi, bounds["le"])
    return lo, hi


def build_controls(exp: Experiment, baseline: Config) -> list[dict[str, Any]]:
    """One control per parameter a lever or an arm sets, plus the budget and the instrument
    split (always shown): kind, span, presets (the swept values with their labels), metadata."""
    presets: dict[str, list[tuple[str, Any]]] = {}
    spec = exp.spec
    for name, lever in spec.levers.items():
        labels = lever.labels or [str(v) for v in lever.values or []]
        presets[lever.key] = list(zip(labels, lever.values or [], strict=True))
    for arm in spec.arms:
        for key, value in arm.set.items():
            presets.setdefault(key, []).append((arm.name, value))
    keys = list(dict.fromkeys([BUDGET_KEY, SPLIT_KEY, *presets]))
    controls = []
    for key in keys:
        try:
            meta = parameter_meta(key)
        except KeyError:
            continue                          # e.g. a nested key: shown by its arm presets
        value = current_value(baseline, key)
        c = meta | {"baseline": value, "presets": [{"label": str(lb), "value": v}
                                                   for lb, v in presets.get(key, [])]}
        named = next((v.label for v in spec.levers.values() if v.key == key and v.label), None)
        if named is not None and key not in NAMES:   # the experiment's own lever label
            c["name_en"] = c["name_zh"] = named
        if key == SPLIT_KEY:
            c["kind"] = "split"
            c["instruments"] = list(INSTRUMENTS)
        elif meta["kind"] in ("int", "float"):
            nums = [float(v) for _, v in presets.get(key, []) if isinstance(v, int | float)
                    and not isinstance(v, bool)]
            lo, hi = _span(nums, float(value), meta["bounds"])
            c["min"], c["max"] = lo, hi
            c["step"] = 1 if meta["kind"] == "int" else _step(lo, hi)
        elif meta["kind"] == "value":
            # a dict or tuple parameter: choose among the swept values
            opts = [p["value"] for p in c["presets"]]
            if value not in opts:
                c["presets"].insert(0, {"label": "baseline", "value": value})
        controls.append(c)
    return controls


def _step(lo: float, hi: float) -> float:
    """A round slider step giving about 200 positions between ``lo`` and ``hi``."""
    raw = (hi - lo) / 200 if hi > lo else 1.0
    mag = 10 ** math.floor(math.log10(raw))
    return float(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))
