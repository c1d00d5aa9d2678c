"""The report's tables as an Excel workbook: one sheet a table, raw values (full precision),
headers as shown in the report, strings neutralised against formula injection
(:func:`changjing.evaluate.tables.neutralise_frame`), sheet names sanitised and unique.
The workbook's timestamps are fixed so equal reports give equal files' contents.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from changjing.report.document import Report, Table, is_text

_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(key: str, used: set[str]) -> str:
    """Excel sheet name: no []:*?/\\ , at most 31 characters, unique (case-insensitive)."""
    base = _BAD.sub("_", key).strip("'") or "sheet"
    base = base[:31]
    name, i = base, 2
    while name.lower() in used:
        suffix = f"_{i}"
        name = base[:31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def sheet_frame(t: Table) -> pd.DataFrame:
    frame = t.frame.copy()
    for col in frame.columns:
        if is_text(frame[col]):
            frame[col] = frame[col].astype(object).map(lambda v: v if v is None or isinstance(
                v, (str, int, float, bool, np.generic)) else str(v))
    frame.columns = [t.header(c) or str(c) for c in frame.columns]
    from changjing.evaluate.tables import neutralise_frame

    return neutralise_frame(frame)


def write_xlsx(report: Report, path: str | Path) -> list[str]:
    """Write every table with ``sheet=True``; returns the sheet names in order."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    names = []
    fixed = _dt.datetime(2000, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "changjing report"
    index = wb.create_sheet(sheet_name("contents", used))
    index.append(["sheet", "table", "section"])
    for s in report.sections:
        for t in s.tables():
            if not t.sheet:
                continue
            name = sheet_name(t.key, used)
            names.append(name)
            ws = wb.create_sheet(name)
            frame = sheet_frame(t)
            ws.append([_printable(str(c)) for c in frame.columns])
            for cell in ws[1]:
                cell.font = Font(bold=True)
            for row in frame.itertuples(index=False, name=None):
                ws.append([_cell(v) for v in row])
            ws.freeze_panes = "A2"
            for j, col in enumerate(frame.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in frame.iloc[:200, j - 1]])
                ws.column_dimensions[ws.cell(1, j).column_letter].width = min(60, width + 2)
            index.append([name, _plain(t.title), _plain(s.title)])
    from changjing.evaluate.tables import neutralise

    for row in index.iter_rows(min_row=2):
        for cell in row:
            cell.value = neutralise(cell.value)
    import io

    from changjing.evaluate.tables import deterministic_xlsx_bytes

    buf = io.BytesIO()
    wb.save(buf)
    Path(path).write_bytes(deterministic_xlsx_bytes(buf.getvalue()))
    return names


def _plain(s: str) -> str:
    return _printable(str(s))


def _printable(s: str) -> str:
    """XML 1.0 cannot carry most control characters (openpyxl refuses them): each becomes
    U+FFFD, so a name with a stray control character is written, visibly marked."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", s)


def _cell(v):
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, str):
        return _printable(v)
    return v
