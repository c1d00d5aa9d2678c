"""Reading evaluators' tables (CSV / XLSX) and writing them back safely.

Reading: every problem is an :class:`~changjing.evaluate.errors.InputError` naming the file
(and sheet), never a bare traceback.  Writing: strings that a spreadsheet would execute as a
formula (leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) are neutralised with a
leading apostrophe, the OWASP recommendation for CSV/XLSX injection.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
from .errors import InputError

_READERS = {".csv": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def read_table(path: str | Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without BOM) or an Excel sheet into a DataFrame.

    ``sheet`` selects an Excel sheet by name (default: the first sheet); it is an error for a
    CSV file.  Column names are stripped of surrounding white space.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: file not found")
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            f"{path}: unsupported file type {path.suffix!r}; expected one of "
            f"{', '.join(sorted(_READERS))}"
        )
    if kind == "csv":
        if sheet is not None:
            raise InputError(f"{path}: --sheet applies to Excel workbooks, not CSV files")
        try:
            frame = pd.read_csv(path, encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{path}: not valid UTF-8 (byte {exc.start}); save the CSV as UTF-8"
            ) from exc
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: the file is empty") from exc
        except pd.errors.ParserError as exc:
            raise InputError(f"{path}: cannot parse as CSV: {exc}") from exc
    else:
        try:
            book = pd.ExcelFile(path, engine="openpyxl")
        except Exception as exc:  # openpyxl raises several types for damaged files
            raise InputError(f"{path}: cannot open as an Excel workbook: {exc}") from exc
        names = list(book.sheet_names)
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            hint = difflib.get_close_matches(sheet, names, n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else ""
            raise InputError(
                f"{path}: no sheet named {sheet!r} (sheets: {', '.join(names)}){more}"
            )
        frame = pd.read_excel(book, sheet_name=sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        where = f"{path}" + (f" [sheet {sheet}]" if kind == "xlsx" else "")
        raise InputError(f"{where}: the table has no data rows")
    return frame


def neutralise(value: object) -> object:
    """Return ``value`` made safe for a spreadsheet cell (strings only are changed)."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


_FORMULA_START = re.compile("(?:^|\x00)[" + re.escape("".join(_FORMULA_PREFIXES)) + "]")


def _no_formula_start(vals: Any) -> bool:
    """True if no cell of an all-string column starts like a formula: one regular-expression
    scan of the joined column instead of a test per cell (False: test the cells)."""
    cells = vals.tolist()
    if not all(type(v) is str for v in cells):
        return False
    return _FORMULA_START.search("\x00".join(cells)) is None


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose string cells and column names cannot run as formulas."""
    import numpy as np

    out = frame.copy()
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            # one pass over the cells, rewriting only the hits (the column keeps its dtype)
            vals = s.to_numpy(dtype=object)
            if _no_formula_start(vals):
                continue
            hit = np.fromiter(
                (isinstance(v, str) and v.startswith(_FORMULA_PREFIXES) for v in vals),
                dtype=bool,
                count=len(vals),
            )
            if hit.any():
                vals = vals.copy()
                vals[hit] = ["'" + v for v in vals[hit]]
                out.isetitem(j, pd.Series(vals, index=out.index, dtype=s.dtype))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


_FIXED_TIME = (2000, 1, 1, 0, 0, 0)
_FIXED_ISO = "2000-01-01T00:00:00Z"


def deterministic_xlsx_bytes(data: bytes) -> bytes:
    """An .xlsx file's bytes with its zip timestamps and document dates fixed and its parts
    in name order, so that the same content always gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            part = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rf"\g<1>{_FIXED_ISO}\g<3>", part.decode("utf-8"))
                part = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, part)
    return out.getvalue()
