"""Indicator systems (指标体系): a TOML file describing goal → criteria → indicators.

See ``docs/evaluate_scoring.md`` for the full file format.  In short::

    [system]      id, name_zh, name_en, version, description
    [scoring]     method, normalisation, topsis_normalisation, vikor_v, gra_rho,
                  fuzzy_operator, fuzzy_centres, fuzzy_grade_values, missing,
                  ri_table, max_cr, allow_inconsistent, min_coverage
    [robustness]  mode ("hierarchical" | "dirichlet" | "experts" | "none"), n_draws,
                  concentration,
                  tolerance, top_k
    [grades]      basis ("score" | "percentile" | "quota"), cutoffs, quotas, tie_rule,
                  labels_zh, labels_en
    [data]        id_column, name_column, header_row, sheets, include_hidden,
                  include_struck, on_refused, [data.rules] (approx, range, bound),
                  [[data.columns]] (name, type, min, max, required, unit, label_zh,
                  label_en, choices), [[data.date_order]] (earlier, later)
    [goal]        label_zh, label_en, [goal.weights] (weights of the criteria)
    [[criteria]]  id, label_zh, label_en, [criteria.weights] (weights of its indicators),
                  [[criteria.indicators]] id, label_zh, label_en, unit, column,
                  baseline / per, direction, target / interval, normalisation, min, max,
                  missing, source, rationale

A weights table has ``source`` = ``fixed`` (``values``), ``equal``, ``ahp`` (``matrix``
or ``experts`` + optional ``expert_weights``; optional ``order`` of child ids),
``entropy``, ``critic``, ``std`` or ``combined`` (``subjective`` and ``objective``
sub-tables, ``combine`` = ``linear`` with ``alpha``, ``multiplicative``, ``game_theory``
or ``game_theory_abs``).  Conventions of a weights table: ``aggregation`` (``aij`` |
``aip``) and ``mean`` (``geometric`` | ``arithmetic``) for group AHP; ``convention``
(``raw`` | ``standardised``) and ``offset`` for entropy; ``contrast`` (``std`` |
``entropy``) and, with ``entropy``, ``epsilon`` for CRITIC.  ``scoring.ri_table`` is ``saaty``, ``chinese`` or an array of
RI(1), RI(2), …; ``scoring.ahp_method`` is ``eigen``, ``geometric`` (根法) or ``sum`` (和法).

Every problem raises :class:`SpecError` naming the file, the dotted key, the value and
what was expected, with a did-you-mean suggestion for misspelt keys and choices.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from ..errors import SpecError
from .spec_reader import (  # noqa: F401  (sources re-exported)
    OBJECTIVE_SOURCES,
    WEIGHT_SOURCES,
    SpecReader,
    ids_unique,
)

SCORING_METHODS = ("weighted_sum", "topsis", "vikor", "gra", "fuzzy")
NORMALISATIONS = ("minmax", "vector", "zscore", "max")
DIRECTIONS = ("benefit", "cost", "target", "interval")
MISSING_POLICIES = ("exclude", "impute_median", "impute_mean", "renormalise")
COLUMN_TYPES = ("number", "integer", "date", "text")

_KEYS = {
    "": {"system", "scoring", "robustness", "grades", "data", "goal", "criteria"},
    "system": {"id", "name_zh", "name_en", "version", "description", "sources"},
    "scoring": {
        "method",
        "normalisation",
        "topsis_normalisation",
        "vikor_v",
        "gra_rho",
        "fuzzy_operator",
        "fuzzy_centres",
        "fuzzy_grade_values",
        "missing",
        "ri_table",
        "max_cr",
        "allow_inconsistent",
        "ahp_method",
        "min_coverage",
    },
    "robustness": {"mode", "n_draws", "concentration", "tolerance", "top_k"},
    "grades": {"basis", "cutoffs", "labels_zh", "labels_en", "quotas", "tie_rule"},
    "data": {
        "id_column",
        "name_column",
        "columns",
        "date_order",
        "header_row",
        "sheets",
        "include_hidden",
        "include_struck",
        "on_refused",
        "rules",
    },
    "data.rules": {"approx", "range", "bound"},
    "data.columns": {
        "name",
        "type",
        "min",
        "max",
        "required",
        "unit",
        "label_zh",
        "label_en",
        "choices",
    },
    "data.date_order": {"earlier", "later"},
    "goal": {"label_zh", "label_en", "weights"},
    "criteria": {"id", "label_zh", "label_en", "weights", "indicators", "source", "rationale"},
    "indicator": {
        "id",
        "label_zh",
        "label_en",
        "unit",
        "column",
        "baseline",
        "per",
        "direction",
        "target",
        "interval",
        "normalisation",
        "min",
        "max",
        "missing",
        "source",
        "rationale",
    },
    "weights": {
        "source",
        "values",
        "matrix",
        "experts",
        "expert_weights",
        "order",
        "subjective",
        "objective",
        "combine",
        "alpha",
        "note",
        "aggregation",
        "mean",
        "convention",
        "offset",
        "contrast",
        "epsilon",
    },
}


@dataclass
class WeightSpec:
    source: str
    values: dict | None = None
    matrix: list | None = None
    experts: list | None = None
    expert_weights: list | None = None
    order: list | None = None
    subjective: WeightSpec | None = None
    objective: WeightSpec | None = None
    combine: str = "linear"
    alpha: float = 0.5
    note: str = ""
    where: str = ""
    aggregation: str = "aij"  # group AHP: aggregate judgements (aij) or priorities (aip)
    mean: str = "geometric"  # group AHP mean
    convention: str = "raw"  # entropy: raw values or standardise-first (熵权法)
    offset: float = 1e-4  # entropy "standardised": shift after min–max
    contrast: str = "std"  # CRITIC contrast measure
    epsilon: float = 0.0  # CRITIC "entropy": 0/1 cells replaced by epsilon / 1 - epsilon

    def describe(self) -> str:
        if self.source == "combined":
            how = f"alpha={self.alpha:g}" if self.combine == "linear" else self.combine
            return f"combined({self.subjective.describe()}, {self.objective.describe()}, {how})"
        if self.source == "ahp" and self.experts:
            return f"group-ahp({len(self.experts)} experts, {self.aggregation})"
        if self.source == "entropy" and self.convention != "raw":
            return f"entropy({self.convention})"
        if self.source == "critic" and self.contrast != "std":
            eps = f", epsilon={self.epsilon:g}" if self.epsilon else ""
            return f"critic({self.contrast}{eps})"
        return self.source


@dataclass
class Indicator:
    id: str
    label_zh: str
    label_en: str
    unit: str
    column: str
    direction: str
    normalisation: str
    baseline: str | None = None
    per: str | None = None
    target: float | None = None
    interval: tuple[float, float] | None = None
    min: float | None = None
    max: float | None = None
    missing: str | None = None
    source: str = ""
    rationale: str = ""

    @property
    def columns(self) -> list[str]:
        return [c for c in (self.column, self.baseline, self.per) if c]


@dataclass
class Criterion:
    id: str
    label_zh: str
    label_en: str
    weights: WeightSpec
    indicators: list[Indicator]
    source: str = ""
    rationale: str = ""


@dataclass
class IndicatorSystem:
    """A validated indicator system (see module docstring)."""

    id: str
    name_zh: str
    name_en: str
    version: str
    description: str
    goal_label_zh: str
    goal_label_en: str
    goal_weights: WeightSpec
    criteria: list[Criterion]
    method: str = "topsis"
    normalisation: str = "minmax"
    topsis_normalisation: str = "vector"
    vikor_v: float = 0.5
    gra_rho: float = 0.5
    fuzzy_operator: str = "M(.,+)"
    fuzzy_centres: list[float] = field(default_factory=lambda: [0.85, 0.7, 0.55, 0.3])
    fuzzy_grade_values: list[float] = field(default_factory=lambda: [95.0, 80.0, 65.0, 40.0])
    missing: str = "renormalise"
    ri_table: str | list[float] = "saaty"
    max_cr: float = 0.1
    allow_inconsistent: bool = False
    ahp_method: str = "eigen"
    robustness_mode: str = "hierarchical"
    n_draws: int = 1000
    concentration: float = 100.0
    tolerance: int = 0
    top_k: int | None = None
    grade_basis: str = "score"
    grade_quotas: list[float] | None = None
    grade_tie_rule: str = "strict"
    grade_cutoffs: list[float] = field(default_factory=lambda: [85.0, 70.0, 60.0])
    grade_labels_zh: list[str] = field(default_factory=lambda: ["优秀", "良好", "合格", "不合格"])
    grade_labels_en: list[str] = field(
        default_factory=lambda: ["excellent", "good", "pass", "fail"]
    )
    id_column: str = "scenario_id"
    name_column: str | None = None
    columns: list[dict] = field(default_factory=list)
    date_order: list[dict] = field(default_factory=list)
    # reading workbooks (see changjing.evaluate.workbook) and the coverage rule
    header_row: int | None = None
    sheets: list[str] | str | None = None
    include_hidden: bool = False
    include_struck: bool = False
    on_refused: str = "raise"
    value_rules: dict = field(
        default_factory=lambda: {"approx": "refuse", "range": "refuse", "bound": "refuse"}
    )
    min_coverage: float = 0.7
    path: str = "<dict>"
    sha256: str = ""

    @property
    def indicators(self) -> list[Indicator]:
        return [ind for c in self.criteria for ind in c.indicators]

    def summary(self) -> str:
        lines = [
            f"{self.name_zh} / {self.name_en} (v{self.version}), method {self.method}, "
            f"missing: {self.missing}",
            f"  goal weights: {self.goal_weights.describe()}",
        ]
        for c in self.criteria:
            lines.append(f"  {c.id}: {c.label_zh} / {c.label_en} — weights {c.weights.describe()}")
            for ind in c.indicators:
                lines.append(f"    {ind.id:<22s} {ind.direction:<8s} {ind.column}")
        return "\n".join(lines)


def parse_indicator_system(doc: dict, path: str = "<dict>", sha256: str = "") -> IndicatorSystem:
    """Validate a parsed TOML document and build an :class:`IndicatorSystem`."""
    r = SpecReader(path, _KEYS)
    r.table(doc, "", "")
    sysd = r.table(r.get(doc, "system", "", dict), "system", "system")
    sc = r.table(doc.get("scoring", {}), "scoring", "scoring")
    rb = r.table(doc.get("robustness", {}), "robustness", "robustness")
    gr = r.table(doc.get("grades", {}), "grades", "grades")
    da = r.table(doc.get("data", {}), "data", "data")
    goal = r.table(r.get(doc, "goal", "", dict), "goal", "goal")
    crits_raw = r.get(doc, "criteria", "", list)
    if not crits_raw:
        raise r.fail("criteria", "at least one [[criteria]] table is required")

    default_norm = r.get(sc, "normalisation", "scoring", str, "minmax", NORMALISATIONS)
    criteria: list[Criterion] = []
    for ci, craw in enumerate(crits_raw):
        ckey = f"criteria[{ci}]"
        if isinstance(craw, dict) and isinstance(craw.get("id"), str):
            ckey = f"criteria[{ci}] ({craw['id']})"
        c = r.table(craw, ckey, "criteria")
        cid = r.get(c, "id", ckey, str)
        ckey = f"criteria[{ci}] ({cid})"
        inds_raw = r.get(c, "indicators", ckey, list)
        if not inds_raw:
            raise r.fail(f"{ckey}.indicators", "at least one [[criteria.indicators]] is required")
        inds = []
        for ii, iraw in enumerate(inds_raw):
            ikey = f"{ckey}.indicators[{ii}]"
            if isinstance(iraw, dict) and isinstance(iraw.get("id"), str):
                ikey = f"{ikey} ({iraw['id']})"
            t = r.table(iraw, ikey, "indicator")
            iid = r.get(t, "id", ikey, str)
            ikey = f"{ckey}.indicators[{ii}] ({iid})"
            direction = r.get(t, "direction", ikey, str, choices=DIRECTIONS)
            ind = Indicator(
                id=iid,
                label_zh=r.get(t, "label_zh", ikey, str),
                label_en=r.get(t, "label_en", ikey, str),
                unit=r.get(t, "unit", ikey, str, "1"),
                column=r.get(t, "column", ikey, str),
                direction=direction,
                normalisation=r.get(t, "normalisation", ikey, str, default_norm, NORMALISATIONS),
                baseline=r.get(t, "baseline", ikey, str, None),
                per=r.get(t, "per", ikey, str, None),
                min=r.get(t, "min", ikey, float, None),
                max=r.get(t, "max", ikey, float, None),
                missing=r.get(t, "missing", ikey, str, None, ("zero", "policy")),
                source=r.get(t, "source", ikey, str, ""),
                rationale=r.get(t, "rationale", ikey, str, ""),
            )
            if ind.baseline and ind.per:
                raise r.fail(ikey, "give at most one of 'baseline' (difference) and 'per' (ratio)")
            if direction == "target":
                ind.target = r.get(t, "target", ikey, float)
            elif direction == "interval":
                iv = r.number_list(t, "interval", ikey)
                if len(iv) != 2 or iv[0] > iv[1]:
                    raise r.fail(
                        f"{ikey}.interval", f"expected [low, high] with low <= high, got {iv}"
                    )
                ind.interval = (iv[0], iv[1])
            for extra in ("target", "interval"):
                if extra in t and direction != extra:
                    raise r.fail(
                        f"{ikey}.{extra}",
                        f"only used with direction = {extra!r} (direction is {direction!r})",
                    )
            if ind.min is not None and ind.max is not None and ind.min > ind.max:
                raise r.fail(ikey, f"min {ind.min} exceeds max {ind.max}")
            inds.append(ind)
        ids_unique(r, [i.id for i in inds], f"{ckey}.indicators")
        ids = [i.id for i in inds]
        wraw = c.get("weights", {"source": "equal"})
        criteria.append(
            Criterion(
                id=cid,
                label_zh=r.get(c, "label_zh", ckey, str),
                label_en=r.get(c, "label_en", ckey, str),
                weights=r.weights(wraw, f"{ckey}.weights", ids),
                indicators=inds,
                source=r.get(c, "source", ckey, str, ""),
                rationale=r.get(c, "rationale", ckey, str, ""),
            )
        )
    ids_unique(r, [c.id for c in criteria], "criteria")
    all_ind = [i.id for c in criteria for i in c.indicators]
    dup = sorted({i for i in all_ind if all_ind.count(i) > 1})
    if dup:
        raise r.fail("criteria", f"indicator ids must be unique across criteria; repeated: {dup}")

    system = IndicatorSystem(
        id=r.get(sysd, "id", "system", str),
        name_zh=r.get(sysd, "name_zh", "system", str),
        name_en=r.get(sysd, "name_en", "system", str),
        version=str(sysd.get("version", "1")),
        description=sysd.get("description", ""),
        goal_label_zh=r.get(goal, "label_zh", "goal", str),
        goal_label_en=r.get(goal, "label_en", "goal", str),
        goal_weights=r.weights(
            goal.get("weights", {"source": "equal"}), "goal.weights", [c.id for c in criteria]
        ),
        criteria=criteria,
        path=path,
        sha256=sha256,
    )
    s = system
    s.method = r.get(sc, "method", "scoring", str, s.method, SCORING_METHODS)
    s.normalisation = default_norm
    s.topsis_normalisation = r.get(
        sc, "topsis_normalisation", "scoring", str, s.topsis_normalisation, ("vector", "minmax")
    )
    s.vikor_v = r.get(sc, "vikor_v", "scoring", float, s.vikor_v)
    s.gra_rho = r.get(sc, "gra_rho", "scoring", float, s.gra_rho)
    if not 0 <= s.vikor_v <= 1:
        raise r.fail("scoring.vikor_v", f"must be in [0, 1], got {s.vikor_v}")
    if not 0 < s.gra_rho <= 1:
        raise r.fail("scoring.gra_rho", f"must be in (0, 1], got {s.gra_rho}")
    from .fuzzy import _OP_ALIASES, OPERATORS

    op = r.get(sc, "fuzzy_operator", "scoring", str, s.fuzzy_operator)
    op = _OP_ALIASES.get(op, op)
    if op not in OPERATORS:
        raise r.fail("scoring.fuzzy_operator", f"{op!r} is not one of {', '.join(OPERATORS)}")
    s.fuzzy_operator = op
    s.fuzzy_centres = r.number_list(sc, "fuzzy_centres", "scoring", s.fuzzy_centres)
    s.fuzzy_grade_values = r.number_list(sc, "fuzzy_grade_values", "scoring", s.fuzzy_grade_values)
    s.missing = r.get(sc, "missing", "scoring", str, s.missing, MISSING_POLICIES)
    from .ahp import RANDOM_INDEX

    if isinstance(sc.get("ri_table"), list):  # a user-supplied RI(1), RI(2), ... table
        s.ri_table = r.number_list(sc, "ri_table", "scoring")
        if len(s.ri_table) < 3 or any(v <= 0 for v in s.ri_table[2:]):
            raise r.fail(
                "scoring.ri_table",
                f"expected RI(1), RI(2), ... with RI(n) > 0 for n >= 3, got {s.ri_table}",
            )
    else:
        s.ri_table = r.get(sc, "ri_table", "scoring", str, s.ri_table, tuple(sorted(RANDOM_INDEX)))
    s.max_cr = r.get(sc, "max_cr", "scoring", float, s.max_cr)
    if not 0 < s.max_cr <= 1:
        raise r.fail("scoring.max_cr", f"must be in (0, 1], got {s.max_cr}")
    s.allow_inconsistent = r.get(sc, "allow_inconsistent", "scoring", bool, s.allow_inconsistent)
    s.ahp_method = r.get(
        sc,
        "ahp_method",
        "scoring",
        str,
        s.ahp_method,
        ("eigen", "geometric", "sum", "root", "arithmetic"),
    )
    s.ahp_method = {"root": "geometric", "arithmetic": "sum"}.get(s.ahp_method, s.ahp_method)

    s.robustness_mode = r.get(
        rb,
        "mode",
        "robustness",
        str,
        s.robustness_mode,
        ("hierarchical", "dirichlet", "experts", "none"),
    )
    s.n_draws = r.get(rb, "n_draws", "robustness", int, s.n_draws)
    if s.n_draws < 1:
        raise r.fail("robustness.n_draws", f"must be >= 1, got {s.n_draws}")
    s.concentration = r.get(rb, "concentration", "robustness", float, s.concentration)
    if s.concentration <= 0:
        raise r.fail("robustness.concentration", f"must be > 0, got {s.concentration}")
    s.tolerance = r.get(rb, "tolerance", "robustness", int, s.tolerance)
    s.top_k = r.get(rb, "top_k", "robustness", int, s.top_k)

    s.grade_basis = r.get(
        gr, "basis", "grades", str, s.grade_basis, ("score", "percentile", "quota")
    )
    s.grade_quotas = r.number_list(gr, "quotas", "grades", None)
    s.grade_tie_rule = r.get(gr, "tie_rule", "grades", str, "strict", ("strict", "generous"))
    s.grade_cutoffs = r.number_list(gr, "cutoffs", "grades", s.grade_cutoffs)
    s.grade_labels_zh = r.get(gr, "labels_zh", "grades", list, s.grade_labels_zh)
    s.grade_labels_en = r.get(gr, "labels_en", "grades", list, s.grade_labels_en)
    from .grades import check_grades

    try:
        check_grades(s.grade_cutoffs, s.grade_labels_zh)
        check_grades(s.grade_cutoffs, s.grade_labels_en)
        if s.grade_basis == "quota":
            from .grades import check_quotas

            if s.grade_quotas is None:
                raise SpecError('quotas: basis = "quota" needs quotas, e.g. [0.15, 0.35, 0.35]')
            check_quotas(s.grade_quotas, s.grade_labels_zh, s.grade_tie_rule)
    except SpecError as exc:
        raise r.fail("grades", str(exc)) from None
    if s.method == "fuzzy":
        K = len(s.grade_labels_zh)
        if len(s.fuzzy_centres) != K or len(s.fuzzy_grade_values) != K:
            raise r.fail(
                "scoring",
                f"fuzzy_centres and fuzzy_grade_values need one entry per "
                f"grade ({K} grades: {', '.join(s.grade_labels_zh)})",
            )
        if any(i.normalisation == "zscore" for i in s.indicators):
            raise r.fail(
                "scoring.method",
                "fuzzy evaluation needs memberships on a bounded "
                "scale; 'zscore' normalisation is not allowed with it",
            )
    if (
        s.grade_basis == "score"
        and s.method == "weighted_sum"
        and any(i.normalisation == "zscore" for i in s.indicators)
    ):
        raise r.fail(
            "grades.basis",
            'z-score normalised weighted sums have no 0–100 scale; use basis = "percentile"',
        )

    s.id_column = r.get(da, "id_column", "data", str, s.id_column)
    s.name_column = r.get(da, "name_column", "data", str, None)
    for k, col in enumerate(r.get(da, "columns", "data", list, [])):
        key = f"data.columns[{k}]"
        t = r.table(col, key, "data.columns")
        s.columns.append(
            {
                "name": r.get(t, "name", key, str),
                "type": r.get(t, "type", key, str, "number", COLUMN_TYPES),
                "min": r.get(t, "min", key, float, None),
                "max": r.get(t, "max", key, float, None),
                "required": r.get(t, "required", key, bool, True),
                "unit": t.get("unit", ""),
                "label_zh": t.get("label_zh", ""),
                "label_en": t.get("label_en", ""),
                "choices": r.get(t, "choices", key, list, None),
            }
        )
    s.header_row = r.get(da, "header_row", "data", int, None)
    if s.header_row is not None and s.header_row < 1:
        raise r.fail("data.header_row", f"must be a spreadsheet row >= 1, got {s.header_row}")
    sheets = da.get("sheets")
    if sheets is not None and sheets != "all" and not (
        isinstance(sheets, list) and sheets and all(isinstance(x, str) and x for x in sheets)
    ):
        raise r.fail("data.sheets", f'expected "all" or an array of sheet names, got {sheets!r}')
    s.sheets = sheets
    s.include_hidden = r.get(da, "include_hidden", "data", bool, False)
    s.include_struck = r.get(da, "include_struck", "data", bool, False)
    s.on_refused = r.get(da, "on_refused", "data", str, "raise", ("raise", "missing"))
    from ..cell_values import APPROX_RULES, BOUND_RULES, RANGE_RULES

    ru = r.table(da.get("rules", {}), "data.rules", "data.rules")
    s.value_rules = {
        "approx": r.get(ru, "approx", "data.rules", str, "refuse", APPROX_RULES),
        "range": r.get(ru, "range", "data.rules", str, "refuse", RANGE_RULES),
        "bound": r.get(ru, "bound", "data.rules", str, "refuse", BOUND_RULES),
    }
    s.min_coverage = r.get(sc, "min_coverage", "scoring", float, s.min_coverage)
    if not 0 <= s.min_coverage <= 1:
        raise r.fail("scoring.min_coverage", f"must be in [0, 1], got {s.min_coverage}")
    for k, col in enumerate(s.columns):
        ch = col["choices"]
        if ch is not None and (
            col["type"] != "text" or not ch or not all(isinstance(x, str) and x for x in ch)
        ):
            raise r.fail(
                f"data.columns[{k}].choices",
                f"a non-empty array of strings for a text column, got {ch!r} (type {col['type']!r})",
            )
    for k, pair in enumerate(r.get(da, "date_order", "data", list, [])):
        key = f"data.date_order[{k}]"
        t = r.table(pair, key, "data.date_order")
        s.date_order.append(
            {"earlier": r.get(t, "earlier", key, str), "later": r.get(t, "later", key, str)}
        )
    return s


def load_indicator_system(path: str | Path) -> IndicatorSystem:
    """Read and validate an indicator-system TOML file (errors name file and key)."""
    p = Path(path)
    if not p.exists():
        raise SpecError(f"{p}: indicator-system file not found")
    raw = p.read_bytes()
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecError(f"{p}: not valid UTF-8 (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{p}: TOML syntax error: {exc}") from exc
    return parse_indicator_system(doc, str(p), hashlib.sha256(raw).hexdigest())


def default_system_path() -> Path:
    """The programme's default indicator system shipped in ``scenarios_data/indicators``."""
    from importlib.resources import files

    return Path(str(files("changjing.scenarios_data") / "indicators" / "qingdao_default.toml"))
