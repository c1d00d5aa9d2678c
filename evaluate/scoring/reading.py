"""Reading an evaluator's workbook with what the indicator system declares.

The system says which columns exist, what each is called in a header (the column name,
and the zh/en labels of ``[[data.columns]]`` or of the indicator that reads the column),
its kind (id, text, number, integer, date) and its unit.  :func:`column_specs` turns that
into the reader's :class:`~changjing.evaluate.workbook.ColumnSpec` list and
:func:`read_scenarios` reads the workbook with the system's ``[data]`` reading options
(``header_row``, ``sheets``, ``include_hidden``, ``include_struck``, ``[data.rules]``),
each overridable by the caller.
"""

from __future__ import annotations

from pathlib import Path

from ..cell_values import Rules
from ..errors import InputError
from .system import IndicatorSystem
from ..workbook import ColumnSpec, ReadOptions, WorkbookTable, read_workbook

MAX_REFUSED_SHOWN = 100
ID_HEADER = "编号 / scenario id"
NAME_HEADER = "名称 / name"


def column_specs(system: IndicatorSystem) -> list[ColumnSpec]:
    """Every column the system reads, with the header texts and unit it may appear with."""
    specs: dict[str, ColumnSpec] = {}
    declared = {c["name"]: c for c in system.columns}

    def labels(*texts: str) -> tuple[str, ...]:
        out = [t for t in texts if t]
        if len([t for t in texts[:2] if t]) == 2:  # "财政支持资金 / public funding" (the form)
            out.append(f"{texts[0]} / {texts[1]}")
        return tuple(out)

    specs[system.id_column] = ColumnSpec(
        system.id_column, "id", aliases=("编号", "项目编号", "场景编号", ID_HEADER)
    )
    if system.name_column:
        specs[system.name_column] = ColumnSpec(
            system.name_column, "text", aliases=("名称", "项目名称", "场景名称", NAME_HEADER)
        )
    for ind in system.indicators:
        for col in ind.columns:
            d = declared.get(col, {})
            own = col == ind.column and not ind.per
            unit = d.get("unit") or (ind.unit if own and ind.unit != "1" else "")
            al = labels(d.get("label_zh", ""), d.get("label_en", ""))
            if own and not d.get("label_zh"):
                al = labels(ind.label_zh, ind.label_en)
            kind = "integer" if d.get("type") == "integer" else "number"
            required = d.get("required", True) or True  # an indicator's column is always needed
            specs.setdefault(col, ColumnSpec(col, kind, aliases=al, unit=unit, required=required))
    for d in system.columns:
        if d["name"] in specs:
            continue
        kind = {"number": "number", "integer": "integer", "date": "date", "text": "text"}[d["type"]]
        specs[d["name"]] = ColumnSpec(
            d["name"], kind, aliases=labels(d.get("label_zh", ""), d.get("label_en", "")),
            unit=d.get("unit", ""), required=d["required"],
        )
    for pair in system.date_order:
        for col in (pair["earlier"], pair["later"]):
            specs.setdefault(col, ColumnSpec(col, "date"))
    return list(specs.values())


def read_options(system: IndicatorSystem, **overrides) -> ReadOptions:
    """The system's reading options, with ``overrides`` (None values are ignored)."""
    o = {
        "sheets": system.sheets,
        "header_row": system.header_row,
        "include_hidden": system.include_hidden,
        "include_struck": system.include_struck,
    }
    o.update({k: v for k, v in overrides.items() if v is not None})
    return ReadOptions(rules=Rules(**system.value_rules), **o)


def read_scenarios(
    path: str | Path, system: IndicatorSystem, *, on_refused: str | None = None, **overrides
) -> WorkbookTable:
    """Read a workbook for ``system``; refused cells raise (listing every one) unless
    ``on_refused`` (or the system's ``[data] on_refused``) is ``"missing"``."""
    wt = read_workbook(path, column_specs(system), read_options(system, **overrides))
    policy = on_refused or system.on_refused
    if policy not in ("raise", "missing"):
        raise InputError(f"on_refused: expected 'raise' or 'missing', got {policy!r}")
    refused = wt.refused
    if refused and policy == "raise":
        lines = [f"{e.where} ({e.column}): {e.original!r} — {e.reason}" for e in refused]
        shown = lines[:MAX_REFUSED_SHOWN]
        more = len(lines) - len(shown)
        raise InputError(
            f"{path}: {len(refused)} cell(s) cannot be read:\n  " + "\n  ".join(shown)
            + (f"\n  … and {more} more" if more else "")
            + '\n  (fix them, declare a rule in [data.rules], or set on_refused = "missing" to '
            "score them as not reported)"
        )
    return wt
