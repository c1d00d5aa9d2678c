"""An Excel form generated from an indicator system, which the reader reads back losslessly.

Sheet ``填报表`` (the form): a title row; a criteria row merged over each criterion's
columns; the header row with "中文名 / English name" of every column the system reads; a
units row; then one row per scenario.  Cells carry data validation (numbers ≥ min and ≤
max where the system declares them, whole numbers for integer columns, dates for date
columns).  Sheet ``填表说明`` (instructions) lists every column with labels, unit, type,
bounds, direction and how to fill it.  The header row, units row and labels are exactly
what :func:`changjing.evaluate.scoring.reading.read_scenarios` matches, so a filled form
reads back with no cell changed.
"""

from __future__ import annotations

from pathlib import Path

from .reading import ID_HEADER, NAME_HEADER, column_specs
from .system import IndicatorSystem

FORM_SHEET = "填报表"
INFO_SHEET = "填表说明"
HEADER_ROW = 3
UNITS_ROW = 4
FIRST_ROW = 5
N_ROWS = 1000  # rows carrying data validation

_TYPE_ZH = {"id": "编号（文本）", "text": "文本", "number": "数值", "integer": "整数", "date": "日期"}


def _columns(system: IndicatorSystem):
    """(spec, header text, criterion label or None, description) in form order."""
    specs = {s.name: s for s in column_specs(system)}
    info = {c["name"]: c for c in system.columns}
    out = [(specs[system.id_column], ID_HEADER, None, "每个场景一个唯一编号")]
    if system.name_column:
        out.append((specs[system.name_column], NAME_HEADER, None, "场景名称"))
    seen = {system.id_column, system.name_column}
    for c in system.criteria:
        for ind in c.indicators:
            for col in ind.columns:
                if col in seen:
                    continue
                seen.add(col)
                s = specs[col]
                head = f"{s.aliases[0]} / {s.aliases[1]}" if len(s.aliases) >= 2 else col
                how = f"{ind.label_zh}（{ind.direction}）" if col == ind.column else f"用于计算{ind.label_zh}"
                out.append((s, head, f"{c.label_zh} / {c.label_en}", how))
    for name, s in specs.items():
        if name in seen:
            continue
        d = info.get(name, {})
        head = f"{d['label_zh']} / {d['label_en']}" if d.get("label_zh") and d.get("label_en") else name
        out.append((s, head, None, ""))
    return out


def _bounds(system: IndicatorSystem, name: str):
    lo = hi = None
    for ind in system.indicators:
        if ind.column == name:
            lo = ind.min if ind.min is not None else lo
            hi = ind.max if ind.max is not None else hi
    for d in system.columns:
        if d["name"] == name:
            lo = d["min"] if d["min"] is not None else lo
            hi = d["max"] if d["max"] is not None else hi
    return lo, hi


def write_template(system: IndicatorSystem, path: str | Path) -> Path:
    """Write the form for ``system`` to ``path`` (.xlsx); returns the path."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    path = Path(path)
    cols = _columns(system)
    choices = {c["name"]: c.get("choices") for c in system.columns}
    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    n = len(cols)
    ws.cell(row=1, column=1, value=f"{system.name_zh} — 填报表 / {system.name_en} — form")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    k = 1
    while k <= n:  # criteria row: merge runs of the same criterion
        crit = cols[k - 1][2]
        end = k
        while end < n and cols[end][2] == crit and crit is not None:
            end += 1
        if crit is None:  # id, name, other columns: header cell spans rows 2–3
            ws.cell(row=2, column=k, value=cols[k - 1][1])
            ws.merge_cells(start_row=2, start_column=k, end_row=HEADER_ROW, end_column=k)
        else:
            ws.cell(row=2, column=k, value=crit)
            if end > k:
                ws.merge_cells(start_row=2, start_column=k, end_row=2, end_column=end)
        k = end + 1
    for j, (spec, head, crit, how) in enumerate(cols, 1):
        if crit is not None:
            ws.cell(row=HEADER_ROW, column=j, value=head)
        ws.cell(row=UNITS_ROW, column=j, value=spec.unit or None)
        for r in (2, HEADER_ROW):
            ws.cell(row=r, column=j).font = bold
            ws.cell(row=r, column=j).fill = fill
            ws.cell(row=r, column=j).alignment = Alignment(horizontal="center", wrap_text=True)
        ws.cell(row=HEADER_ROW if crit else 2, column=j).comment = Comment(
            f"column key: {spec.name}", "changjing"
        )
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(30, len(head) + 4))
        rng = f"{get_column_letter(j)}{FIRST_ROW}:{get_column_letter(j)}{FIRST_ROW + N_ROWS - 1}"
        dv = None
        if spec.kind in ("number", "integer"):
            lo, hi = _bounds(system, spec.name)
            kind = "whole" if spec.kind == "integer" else "decimal"
            if lo is not None and hi is not None:
                dv = DataValidation(type=kind, operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}")
            elif lo is not None:
                dv = DataValidation(type=kind, operator="greaterThanOrEqual", formula1=f"{lo:g}")
            elif hi is not None:
                dv = DataValidation(type=kind, operator="lessThanOrEqual", formula1=f"{hi:g}")
            else:
                dv = DataValidation(type=kind, operator="between", formula1="-1E+300", formula2="1E+300")
            dv.error = f"{head}: 请填写数值（{spec.unit or '无单位'}），只填数字 / a number only"
        elif spec.kind == "text" and choices.get(spec.name):
            opts = ",".join(choices[spec.name])
            dv = DataValidation(type="list", formula1=f'"{opts}"', allow_blank=True)
            dv.error = f"{head}: 请从列表中选择 / pick one of: {opts}"
        elif spec.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="1")
            dv.error = f"{head}: 请填写日期 / a date (YYYY-MM-DD)"
        if dv is not None:
            dv.showErrorMessage = True
            dv.add(rng)
            ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=3)

    info = wb.create_sheet(INFO_SHEET)
    info.append([f"{system.name_zh} / {system.name_en} (v{system.version})"])
    info.append(
        [
            "每个场景填一行；数值单元格只填数字（单位见第 4 行，百分比填 28.6 或 28.6%）；"
            "未报告的留空；不要合并数据单元格、不要插入合计行；撤回的场景请删除整行。",
        ]
    )
    info.append(
        [
            "One row per scenario; numbers only in numeric cells (units in row 4; percentages "
            "as 28.6 or 28.6%); leave not-reported cells empty; no merged data cells or total "
            "rows; delete the row of a withdrawn scenario.",
        ]
    )
    info.append([])
    info.append(["列 column", "表头 header", "类型 type", "单位 unit", "最小 min", "最大 max", "说明 notes"])
    for spec, head, crit, how in cols:
        lo, hi = _bounds(system, spec.name)
        info.append([spec.name, head, _TYPE_ZH[spec.kind], spec.unit, lo, hi, how])
    for c in info[5]:
        c.font = bold
    wb.save(path)
    return path
