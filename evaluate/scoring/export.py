"""Writing a :class:`~changjing.evaluate.scoring.score.ScoreResult` to a folder.

Files (all deterministic: the same input and seed give byte-identical files):

* ``scores.csv`` / ``scores.xlsx`` — one row per scored scenario: rank, score, grade,
  criterion sub-scores, method columns and robustness columns; the workbook also has the
  sheets ``report``, ``cleaning_log``, ``not_scorable``, ``weights``, ``excluded``,
  ``imputed`` and ``provenance`` (streamed in write-only mode; skip it with ``xlsx=False``);
* ``weights.csv`` — indicator weights (local, criterion, global) with their sources;
* ``weights_provenance.json`` — how every weight was obtained: method, AHP matrices,
  λmax, CI, CR, the random-index table and its source, α, objective-weight details;
* ``excluded.csv`` — scenarios not scored and why (may be empty);
* ``report.csv`` — the committee table (rank, score, grade, rank interval, coverage, the
  three indicators that moved each scenario most; then the not-scorable scenarios);
* ``cleaning_log.csv`` — every cell the workbook reader changed, refused or excluded, by
  sheet and cell; ``not_scorable.csv`` — scenarios below the minimum coverage;
* ``manifest.json`` — inputs (file names and SHA-256), settings, seed, outputs (SHA-256).

CSV files are UTF-8 with a byte-order mark (Excel then shows Chinese correctly), floats
written with ``%.10g``; strings from user data are neutralised against formula injection.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
from ..tables import deterministic_xlsx_bytes, neutralise_frame

FLOAT_FORMAT = "%.10g"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as CSV: the bytes of ``to_csv(index=False, float_format=FLOAT_FORMAT,
    encoding="utf-8-sig", lineterminator="\\n")`` after neutralisation, written by one
    ``%`` format per row (pandas' float_format path costs ~10 µs a cell: seconds for
    100 000 scenarios × 27 columns).  Frames with other column types go through pandas."""
    safe = neutralise_frame(frame)
    text = _csv_text(safe)
    if text is None:
        safe.to_csv(
            path, index=False, encoding="utf-8-sig", float_format=FLOAT_FORMAT, lineterminator="\n"
        )
    else:
        path.write_text(text, encoding="utf-8-sig", newline="")


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')


def _quoted(v: str) -> str:
    """A field as the csv module writes it (its quoting rule, for the rare field that may
    need quotes; a lone non-empty field is quoted as in any row)."""
    if not _NEEDS_QUOTES.search(v):
        return v
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([v])
    return buf.getvalue()[:-1]


def _text(v: Any) -> str:
    """A cell of an object/string column as pandas writes it ("" for a missing value)."""
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    return _quoted(v if isinstance(v, str) else str(v))


def _csv_text(frame: pd.DataFrame) -> str | None:
    """The CSV text of ``frame``, or None if a column type is not one handled here."""
    import csv
    import numpy as np

    if frame.shape[1] < 2:  # the csv module quotes a lone empty field: leave it to pandas
        return None
    fmts, cols = [], []
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        dt = col.dtype
        if isinstance(dt, np.dtype) and dt.kind == "f":
            vals = col.to_numpy()
            if np.isnan(vals).any():
                fmts.append("%s")
                cols.append([FLOAT_FORMAT % v if v == v else "" for v in vals.tolist()])
            else:
                fmts.append(FLOAT_FORMAT)
                cols.append(vals.tolist())
        elif isinstance(dt, np.dtype) and dt.kind in "iub":
            fmts.append("%s")
            cols.append(col.tolist())
        elif (isinstance(dt, np.dtype) and dt.kind == "O") or isinstance(dt, pd.StringDtype):
            fmts.append("%s")
            cells = col.to_numpy(dtype=object).tolist()
            if all(type(v) is str for v in cells) and not _NEEDS_QUOTES.search("".join(cells)):
                cols.append(cells)  # plain strings: written as they are (one scan)
            else:
                cols.append([_text(v) for v in cells])
        else:
            return None
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in frame.columns])
    row = ",".join(fmts)
    body = "".join([row % r + "\n" for r in zip(*cols)])
    return head.getvalue() + body


def _jsonable(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        return float(f"{float(obj):.12g}")
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def deterministic_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """Stream sheets with openpyxl's write-only mode (constant memory, no cell objects),
    then fix the zip timestamps and document dates so the bytes depend on the content only.
    Strings are neutralised against formula injection; control characters that the XLSX
    format cannot hold become U+FFFD (shown, not dropped); NaN cells are left empty."""
    import math

    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(v: Any) -> Any:
        if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
            return None
        v = v.item() if hasattr(v, "item") else v
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v

    wb = Workbook(write_only=True)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        safe = neutralise_frame(frame)
        ws.append([cell(str(c)) for c in safe.columns])
        for row in safe.itertuples(index=False, name=None):
            ws.append([cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(deterministic_xlsx_bytes(buf.getvalue()))


def write_outputs(
    result, folder: str | Path, inputs: dict[str, Any] | None = None, *, xlsx: bool = True
) -> dict[str, str]:
    """Write every output file of ``result`` into ``folder``; returns {file: sha256}.

    ``xlsx=False`` skips ``scores.xlsx`` (the CSV files hold the same tables)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    log = result.cleaning_log_.to_frame()
    _csv(result.scores_, folder / "scores.csv")
    _csv(result.report_, folder / "report.csv")
    _csv(log, folder / "cleaning_log.csv")
    _csv(result.not_scorable_, folder / "not_scorable.csv")
    _csv(result.weights_, folder / "weights.csv")
    _csv(result.excluded_, folder / "excluded.csv")
    prov = _jsonable(result.provenance_)
    write_json(folder / "weights_provenance.json", prov)
    prov_rows = pd.DataFrame(
        [
            {"key": k, "value": json.dumps(v, ensure_ascii=False, sort_keys=True)}
            for k, v in sorted(prov.items())
        ]
    )
    sheets = {
        "report": result.report_,
        "scores": result.scores_,
        "cleaning_log": log,
        "not_scorable": result.not_scorable_,
        "rank_reversal": result.rank_reversal_,
        "weights": result.weights_,
        "excluded": result.excluded_,
        "imputed": result.imputed_,
        "provenance": prov_rows,
    }
    if xlsx:
        deterministic_xlsx(sheets, folder / "scores.xlsx")
    outputs = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.name != "manifest.json"}
    manifest = {
        "tool": "changjing evaluate score",
        "version": _version(),
        "inputs": inputs or {},
        "system": prov["system"],
        "method": result.method,
        "method_settings": prov["method_settings"],
        "missing_policy": prov["missing_policy"],
        "ri_table": prov["ri_table"],
        "robustness": prov["robustness"],
        "seed": result.seed,
        "counts": {
            "rows": prov["n_rows"],
            "scored": prov["n_scored"],
            "excluded": prov["n_excluded"],
            "imputed_cells": int(result.imputed_["n_imputed"].sum()) if len(result.imputed_) else 0,
        },
        "notes": result.notes,
        "cleaning_log": result.cleaning_log_.counts(),
        "outputs": outputs,
        "float_format": FLOAT_FORMAT,
    }
    write_json(folder / "manifest.json", _jsonable(manifest))
    return outputs


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Deterministic JSON: sorted keys, UTF-8, two-space indent, trailing newline."""
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def _version() -> str:
    # From the installed distribution's metadata: the library does not import the package
    # that sits on top of it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("changjing")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
        return "unknown"
