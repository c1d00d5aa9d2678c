"""Reading an office workbook (.xlsx) into one table, as a careful clerk would.

The reader is told which columns it should find (:class:`ColumnSpec`: the column's name,
the labels a header may show instead, its kind and unit) and works out the rest, writing
every decision into a :class:`~changjing.evaluate.cleaning.CleaningLog`:

* **Header row**: the first row (of the first 30) whose cells match the most declared
  columns, the id column among them — or ``header_row`` when given.  A header cell may
  carry the unit in brackets ("投资额（万元）"), checked against the declared unit.
* **Two-level headers**: a criteria row merged above the indicator names; a column then
  matches by its lower name or by "upper/lower".  Merged cells count for every cell they
  cover.
* **Units row**: a row right under the header holding only units; each is checked against
  the column's declared unit (a 元 column where 万元 is declared is refused: 10 000×).
* **Cell formats**: percent-formatted fractions and "28.6%" text both become percentage
  points in a "%" column (see :mod:`.cell_values`); a "%" column whose plain numbers mix
  fractions (≤ 1) and percentage points (> 1) has its fractions refused, by cell.
* **Rows left out**, each named: hidden rows and struck-through rows (the usual way an
  office withdraws an entry; the id cell struck, or most of the row) unless included;
  fully empty separator rows; summary rows — a label such as 合计 / 总计 / 小计 / 平均 in a
  text column, or a row whose every number is the sum or the mean of the rows above it.
* **Formulas without a saved value** (a workbook written by a program that does not
  compute formulas) are refused by cell: never an empty id, never a silent zero.
* **Several sheets**: one, several or all sheets with the header, into one table with a
  ``source_sheet`` column; when only one is read, other sheets sharing its header are
  named in a warning.

Every message names the sheet and cell (``黄岛区!F17``).
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from .cell_values import (
    Rules,
    canonical_unit,
    is_percent_unit,
    parse_number,
)
from .cleaning import CleaningLog
from .errors import InputError

SOURCE_SHEET = "source_sheet"
SOURCE_ROW = "source_row"
KINDS = ("id", "text", "number", "integer", "date")
HEADER_SEARCH_ROWS = 30
MAX_LISTED = 200
_ZH_SUMMARY = "合计|总计|小计|共计|总和|汇总|平均|均值"
_EN_SUMMARY = r"\b(?:total|sum|average|mean|subtotal)\b"
#: a text cell that starts with a summary word; an id cell that contains one
SUMMARY_START = re.compile(rf"^\s*(?:{_ZH_SUMMARY}|{_EN_SUMMARY})", re.I)
SUMMARY_ANY = re.compile(rf"{_ZH_SUMMARY}|{_EN_SUMMARY}", re.I)


@dataclass
class ColumnSpec:
    """A column the reader must find. ``name`` is the column's name in the returned table."""

    name: str
    kind: str = "number"
    aliases: tuple[str, ...] = ()
    unit: str = ""
    required: bool = True


@dataclass
class ReadOptions:
    """How to read the workbook (defaults are the careful ones)."""

    sheets: list[str] | str | None = None  # None: the first sheet with the header; "all"
    header_row: int | None = None  # 1-based spreadsheet row of the (lower) header
    include_hidden: bool = False
    include_struck: bool = False
    include_summary: bool = False
    rules: Rules = field(default_factory=Rules)


@dataclass
class SheetLayout:
    sheet: str
    header_row: int
    units_row: int | None
    columns: dict[str, int]  # spec name -> 1-based column index
    first_data_row: int


@dataclass
class WorkbookTable:
    """The rows read, where each value came from, and everything the reader did."""

    frame: pd.DataFrame  # spec columns + source_sheet + source_row
    layouts: list[SheetLayout]
    log: CleaningLog
    warnings: list[str]
    path: str

    def cell(self, i: int, column: str | None = None) -> str:
        """``sheet!F17`` for row ``i`` of ``frame`` and ``column`` (the row ``17:17`` if None)."""
        sheet = self.frame[SOURCE_SHEET].iat[i]
        r = int(self.frame[SOURCE_ROW].iat[i])
        lay = next(lay for lay in self.layouts if lay.sheet == sheet)
        if column is None or column not in lay.columns:
            return f"{sheet}!{r}:{r}"
        return f"{sheet}!{_letter(lay.columns[column])}{r}"

    @property
    def refused(self):
        return self.log.of("refused")


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _key(text: Any) -> tuple[str, str | None]:
    """Header text → (matching key, unit in brackets or None)."""
    if text is None:
        return "", None
    t = unicodedata.normalize("NFKC", str(text)).strip()
    unit = None
    m = re.search(r"[(\[]([^()\[\]]{1,12})[)\]]\s*$", t)
    if m:
        unit = m.group(1).strip()
        t = t[: m.start()]
    t = re.sub(r"\s+", "", t).lower()
    return t, unit


def _spec_keys(spec: ColumnSpec) -> set[str]:
    out = {_key(spec.name)[0]}
    out |= {_key(a)[0] for a in spec.aliases if a}
    out.discard("")
    return out


class _Grid:
    """Cell values of one sheet with merged ranges filled from their top-left cell."""

    def __init__(self, ws, ws_formulas_loader):
        self.ws = ws
        self._formulas = ws_formulas_loader
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        self.merged[(r, c)] = (rng.min_row, rng.min_col)
        self.max_row = ws.max_row
        self.max_col = ws.max_column

    def cell(self, r: int, c: int):
        r0, c0 = self.merged.get((r, c), (r, c))
        return self.ws.cell(row=r0, column=c0)

    def value(self, r: int, c: int):
        return self.cell(r, c).value

    def formula(self, r: int, c: int) -> str | None:
        """The formula text of a cell whose saved value is empty, or None."""
        wsf = self._formulas()
        if wsf is None:
            return None
        r0, c0 = self.merged.get((r, c), (r, c))
        v = wsf.cell(row=r0, column=c0).value
        if isinstance(v, str) and v.startswith("="):
            return v
        if v is not None and type(v).__name__ in ("ArrayFormula", "DataTableFormula"):
            return str(getattr(v, "text", v))
        return None


def _match_row(grid: _Grid, r: int, specs: list[ColumnSpec]) -> tuple[dict[str, int], dict[str, str | None]]:
    """Columns matched by row ``r`` read as the (lower) header: {spec: col}, {spec: unit}."""
    keys = {s.name: _spec_keys(s) for s in specs}
    found: dict[str, int] = {}
    units: dict[str, str | None] = {}
    for c in range(1, grid.max_col + 1):
        lower, unit = _key(grid.value(r, c))
        if not lower:
            continue
        cands = {lower}
        if r > 1:
            upper, _ = _key(grid.value(r - 1, c))
            if upper and upper != lower:
                cands |= {f"{upper}/{lower}", f"{upper}{lower}"}
        for s in specs:
            if s.name not in found and keys[s.name] & cands:
                found[s.name] = c
                units[s.name] = unit
                break
    return found, units


def _find_header(grid: _Grid, specs: list[ColumnSpec], header_row: int | None, sheet: str):
    id_spec = next(s for s in specs if s.kind == "id")
    if header_row is not None:
        if not 1 <= header_row <= grid.max_row:
            raise InputError(f"{sheet}: header_row {header_row} is outside the sheet (rows 1–{grid.max_row})")
        found, units = _match_row(grid, header_row, specs)
        return header_row, found, units
    best = (0, None, {}, {})
    for r in range(1, min(grid.max_row, HEADER_SEARCH_ROWS) + 1):
        found, units = _match_row(grid, r, specs)
        if id_spec.name in found and len(found) > best[0]:
            best = (len(found), r, found, units)
    if best[1] is None:
        return None, {}, {}
    return best[1], best[2], best[3]


def _is_units_row(grid: _Grid, r: int, cols: dict[str, int], specs: list[ColumnSpec]) -> bool:
    """A row right under the header with no id, whose numeric columns hold words only."""
    if r > grid.max_row:
        return False
    id_name = next(s.name for s in specs if s.kind == "id")
    idv = grid.value(r, cols[id_name])
    if idv is not None and str(idv).strip() and _key(idv)[0] not in ("单位", "unit", "units"):
        if grid.merged.get((r, cols[id_name])) is None:  # a header merged down is no id
            return False
    vals = [grid.value(r, c) for name, c in cols.items() if _spec(specs, name).kind in ("number", "integer")]
    texts = [v for v in vals if v is not None and str(v).strip()]
    if not texts or len(texts) * 2 < len(vals):
        return False
    for v in texts:
        if isinstance(v, (int, float)) or len(str(v)) > 16:
            return False
        if not math.isnan(parse_number(v, "General", "")[0]):
            return False
    return True


def _spec(specs, name):
    return next(s for s in specs if s.name == name)


def _units_match(found: str, declared: str) -> bool | None:
    """True/False when both units are known spellings; None when one is unknown."""
    a, b = canonical_unit(found), canonical_unit(declared)
    if a is None or b is None:
        return None if _key(found)[0] != _key(declared)[0] else True
    return a == b


def _sheet_names(path: Path) -> tuple[Any, list[str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises several types for damaged files
        raise InputError(f"{path}: cannot open as an Excel workbook: {exc}") from exc
    return wb, list(wb.sheetnames)


def read_workbook(
    path: str | Path, specs: list[ColumnSpec], options: ReadOptions | None = None
) -> WorkbookTable:
    """Read the declared columns from one, several or all sheets of ``path`` (see module doc).

    Raises :class:`InputError` naming sheet and cells when the header cannot be found,
    a declared unit disagrees, or (always) when the workbook cannot be opened.  Cells that
    cannot be read are *not* raised here: they are ``refused`` entries of the log, with
    NaN in the table, so that the caller decides (the scorer refuses by default).
    """
    opts = options or ReadOptions()
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    if sum(s.kind == "id" for s in specs) != 1:  # pragma: no cover - programming error
        raise ValueError("specs: exactly one column of kind 'id' is needed")
    wb, names = _sheet_names(path)
    formulas: dict[str, Any] = {}

    def formula_sheet(name):
        def load():
            if "book" not in formulas:
                import openpyxl

                formulas["book"] = openpyxl.load_workbook(path, data_only=False)
            return formulas["book"][name]

        return load

    log = CleaningLog()
    warnings: list[str] = []
    requested = opts.sheets
    if isinstance(requested, str) and requested != "all":
        requested = [requested]
    if isinstance(requested, list):
        for s in requested:
            if s not in names:
                hint = difflib.get_close_matches(s, names, n=1)
                more = f"; did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"{path}: no sheet named {s!r} (sheets: {', '.join(names)}){more}")
        candidates = list(dict.fromkeys(requested))
    else:
        candidates = names

    layouts: list[SheetLayout] = []
    grids: dict[str, _Grid] = {}
    no_header: list[str] = []
    for name in candidates:
        grid = _Grid(wb[name], formula_sheet(name))
        hr, found, units = _find_header(grid, specs, opts.header_row, name)
        id_name = next(s.name for s in specs if s.kind == "id")
        if hr is None or id_name not in found:
            no_header.append(name)
            continue
        layouts.append(_layout(grid, name, hr, found, units, specs, log, path))
        grids[name] = grid
    if not layouts:
        id_spec = next(s for s in specs if s.kind == "id")
        labels = ", ".join(repr(a) for a in (id_spec.name, *id_spec.aliases))
        where = f"header_row {opts.header_row}" if opts.header_row else f"the first {HEADER_SEARCH_ROWS} rows"
        raise InputError(
            f"{path}: no header row found in sheet(s) {', '.join(candidates)}: no row in "
            f"{where} has the id column ({labels}); pass header_row or check the sheet"
        )
    if requested is None:
        others = [lay.sheet for lay in layouts[1:]]
        layouts = layouts[:1]
        if others:
            msg = (
                f"{path}: read sheet {layouts[0].sheet!r} only; sheet(s) {', '.join(others)} have "
                "the same header — read them too with --sheet (repeatable) or --all-sheets"
            )
            warnings.append(msg)
            log.add("note", "", "", msg)
    elif isinstance(requested, list) and no_header:
        raise InputError(
            f"{path}: no header row with the id column found in sheet(s) {', '.join(no_header)}"
        )
    else:
        for name in no_header:
            log.add("note", name, "", "sheet skipped: no header row with the id column")

    frames = [_read_rows(grids[lay.sheet], lay, specs, opts, log) for lay in layouts]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    _mixed_percent_columns(frame, layouts, specs, log)
    return WorkbookTable(frame, layouts, log, warnings, str(path))


def _layout(grid, name, hr, found, units, specs, log, path) -> SheetLayout:
    problems = []
    log.add("note", name, f"{hr}:{hr}", f"header row {hr}", row=hr)
    for s in specs:
        if s.name not in found and s.required:
            continue  # reported by the caller's column check, with a did-you-mean
    for sname, unit in units.items():
        s = _spec(specs, sname)
        if unit and s.unit and s.kind in ("number", "integer") and _units_match(unit, s.unit) is False:
            problems.append(
                f"{name}!{_letter(found[sname])}{hr}: the header gives the unit {unit!r} but column "
                f"{sname!r} is declared in {s.unit!r}"
            )
    units_row = hr + 1 if _is_units_row(grid, hr + 1, found, specs) else None
    if units_row:
        log.add("note", name, f"{units_row}:{units_row}", f"units row {units_row}", row=units_row)
        for sname, c in found.items():
            s = _spec(specs, sname)
            v = grid.value(units_row, c)
            if v is None or not str(v).strip() or not s.unit or s.kind not in ("number", "integer"):
                continue
            ok = _units_match(str(v).strip(), s.unit)
            if ok is False:
                problems.append(
                    f"{name}!{_letter(c)}{units_row}: the units row gives {str(v).strip()!r} but "
                    f"column {sname!r} is declared in {s.unit!r}"
                )
            elif ok is None:
                log.add(
                    "note", name, f"{_letter(c)}{units_row}",
                    f"unit {str(v).strip()!r} not checked against the declared {s.unit!r} "
                    "(unknown spelling)", row=units_row, column=sname,
                )
    if problems:
        raise InputError(f"{path}: the workbook's units disagree with the indicator system:\n  " + "\n  ".join(problems))
    first = (units_row or hr) + 1
    return SheetLayout(name, hr, units_row, dict(found), first)


def _struck(cell) -> bool:
    f = getattr(cell, "font", None)
    return bool(f is not None and f.strike)


def _read_rows(grid: _Grid, lay: SheetLayout, specs, opts: ReadOptions, log: CleaningLog) -> pd.DataFrame:
    sheet = lay.sheet
    ws = grid.ws
    cols = lay.columns
    id_name = next(s.name for s in specs if s.kind == "id")
    text_cols = [s.name for s in specs if s.kind in ("id", "text") and s.name in cols]
    rows: list[dict] = []
    blanks: list[int] = []
    block: list[int] = []  # positions in rows since the last blank/summary row
    for r in range(lay.first_data_row, grid.max_row + 1):
        raw = {name: grid.value(r, c) for name, c in cols.items()}
        formulas = {}
        for name, c in cols.items():
            if raw[name] is None:
                f = grid.formula(r, c)
                if f:
                    formulas[name] = f
        all_cells_empty = all(
            grid.value(r, c) is None or (isinstance(grid.value(r, c), str) and not grid.value(r, c).strip())
            for c in range(1, grid.max_col + 1)
        )
        if all_cells_empty and not formulas:
            blanks.append(r)
            continue
        for b in blanks:  # blank rows between data rows (trailing blank rows are not news)
            log.add("skipped", sheet, f"{b}:{b}", "empty separator row skipped", row=b)
        if blanks:
            blanks = []
            block = []
        label = " ".join(str(raw[n]).strip() for n in text_cols if raw[n] is not None)
        hidden = bool(ws.row_dimensions[r].hidden) if r in ws.row_dimensions else False
        id_cell = grid.cell(r, cols[id_name])
        nonempty = [grid.cell(r, c) for c in cols.values() if grid.value(r, c) is not None]
        struck = _struck(id_cell) or (nonempty and 2 * sum(_struck(c) for c in nonempty) > len(nonempty))
        if hidden and not opts.include_hidden:
            log.add("excluded", sheet, f"{r}:{r}", f"hidden row ({label})", row=r, original=label)
            continue
        if struck and not opts.include_struck:
            log.add("excluded", sheet, f"{r}:{r}", f"struck-through row ({label})", row=r, original=label)
            continue
        if hidden:
            log.add("note", sheet, f"{r}:{r}", "hidden row included (include_hidden)", row=r)
        if struck:
            log.add("note", sheet, f"{r}:{r}", "struck-through row included (include_struck)", row=r)
        if _summary_label(raw, text_cols, id_name) and not opts.include_summary:
            log.add("excluded", sheet, f"{r}:{r}", f"summary row ({label.strip()})", row=r, original=label)
            block = []
            continue
        rec: dict[str, Any] = {SOURCE_SHEET: sheet, SOURCE_ROW: r}
        for s in specs:
            if s.name not in cols:
                continue
            c = cols[s.name]
            ref = f"{_letter(c)}{r}"
            if s.name in formulas:
                log.add(
                    "refused", sheet, ref,
                    f"formula {formulas[s.name]} has no saved value (the workbook was written by a "
                    "program that does not compute formulas): open and save it in Excel/WPS, or type the value",
                    row=r, column=s.name, original=formulas[s.name],
                )
                rec[s.name] = None if s.kind in ("id", "text", "date") else math.nan
                continue
            cell = grid.cell(r, c)
            rec[s.name] = _read_cell(cell, s, sheet, ref, r, opts.rules, log)
            if s.kind in ("number", "integer"):
                rec["_fmt_" + s.name] = _fmt_kind(cell)
        rows.append(rec)
        block.append(len(rows) - 1)
        if not opts.include_summary and _is_arith_summary(rows, block, specs, cols):
            kind = rows[-1].pop("_summary_kind")
            log.add(
                "excluded", sheet, f"{r}:{r}",
                f"summary row: every number is the {kind} of the {len(block) - 1} rows above ({label.strip()})",
                row=r, original=label,
            )
            rows.pop()
            block = []
    frame = pd.DataFrame(rows)
    for s in specs:
        if s.name in cols and s.name not in frame.columns:
            frame[s.name] = pd.Series(dtype=object if s.kind in ("id", "text", "date") else float)
    if SOURCE_SHEET not in frame.columns:
        frame[SOURCE_SHEET] = pd.Series(dtype=object)
        frame[SOURCE_ROW] = pd.Series(dtype=int)
    return frame


def _summary_label(raw: dict, text_cols: list[str], id_name: str) -> bool:
    """A 合计 / 平均 … label: the id cell names it anywhere, or a text cell starts with it."""
    idv = raw.get(id_name)
    if idv is not None and SUMMARY_ANY.search(str(idv)):
        return True
    return any(raw[n] is not None and SUMMARY_START.search(str(raw[n])) for n in text_cols)


def _fmt_kind(cell) -> str:
    v = cell.value
    if isinstance(v, str):
        return "pct_text" if unicodedata.normalize("NFKC", v).strip().endswith("%") else "text"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return "pct_format" if "%" in (cell.number_format or "") else "plain"
    return ""


def _read_cell(cell, s: ColumnSpec, sheet, ref, r, rules, log):
    v = cell.value
    if s.kind in ("id", "text"):
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        out = unicodedata.normalize("NFKC", str(v)).strip() if s.kind == "id" else str(v).strip()
        if s.kind == "id" and out != str(v).strip():
            log.add("changed", sheet, ref, "full-width characters in the id read as ASCII",
                    row=r, column=s.name, original=v, value=out)
        return out
    if s.kind == "date":
        return v
    x, change, refusal = parse_number(v, cell.number_format, s.unit, rules)
    if refusal:
        log.add("refused", sheet, ref, refusal, row=r, column=s.name, original=v)
        return math.nan
    if change:
        log.add("changed", sheet, ref, change, row=r, column=s.name, original=v, value=x)
    return x


def _is_arith_summary(rows, block, specs, cols) -> bool:
    """Is the last row of ``block`` the column sum or mean of the rows above it?"""
    if len(block) < 3:
        return False
    num = [s.name for s in specs if s.kind in ("number", "integer") and s.name in cols]
    last = rows[block[-1]]
    above = [rows[k] for k in block[:-1]]
    checked = 0
    kinds = {"sum", "mean"}
    for n in num:
        y = last.get(n)
        xs = np.array([a.get(n, math.nan) for a in above], dtype=float)
        if y is None or (isinstance(y, float) and math.isnan(y)):
            continue
        if np.isnan(xs).all():
            return False
        tot = float(np.nansum(xs))
        mean = float(np.nanmean(xs))
        tol = 1e-6 * max(1.0, abs(tot)) + 0.005  # totals typed with two decimals
        ok = set()
        if abs(y - tot) <= tol:
            ok.add("sum")
        if abs(y - mean) <= 1e-6 * max(1.0, abs(mean)) + 0.005:
            ok.add("mean")
        kinds &= ok
        if not kinds:
            return False
        if y != 0:
            checked += 1
    if checked >= 2 and kinds:
        last["_summary_kind"] = "sum" if "sum" in kinds else "mean"
        return True
    return False


def _mixed_percent_columns(frame: pd.DataFrame, layouts, specs, log: CleaningLog) -> None:
    """In a "%" column, plain numbers ≤ 1 next to percentage points (> 1 or percent-typed)
    are fractions or points — a clerk would ask; the reader refuses them, by cell."""
    for s in specs:
        fk = "_fmt_" + s.name
        if s.kind not in ("number", "integer") or not is_percent_unit(s.unit) or fk not in frame.columns:
            continue
        x = frame[s.name].to_numpy(dtype=float)
        kind = frame[fk].to_numpy()
        plain = kind == "plain"
        small = plain & (np.abs(x) <= 1) & (x != 0)
        points = (plain & (np.abs(x) > 1)) | (kind == "pct_text") | (kind == "pct_format")
        if small.any() and points.any():
            lay = {lay.sheet: lay for lay in layouts}
            for i in np.flatnonzero(small):
                sh = frame[SOURCE_SHEET].iat[i]
                r = int(frame[SOURCE_ROW].iat[i])
                log.add(
                    "refused", sh, f"{_letter(lay[sh].columns[s.name])}{r}",
                    f"{x[i]:g} looks like a fraction in a column of percentage points (other cells "
                    f"are percentages); type {x[i] * 100:g}% or {x[i]:g}% to say which",
                    row=r, column=s.name, original=x[i],
                )
                frame.iat[i, frame.columns.get_loc(s.name)] = math.nan
        elif small.any() and plain.all():
            log.add(
                "note", "", "", f"column {s.name!r} (%): every number is ≤ 1 — read as percentage "
                "points; if they are fractions, format the cells as percent", column=s.name,
            )
    for c in [c for c in frame.columns if str(c).startswith("_fmt_")]:
        del frame[c]
