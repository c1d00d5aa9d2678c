"""The report as data: sections of blocks (paragraphs, tables, figures), rendered by html.py,
pdf.py and xlsx.py.

Tables keep raw values plus a format per column, so HTML and PDF show rounded numbers while the
workbook keeps full precision.  Figures are rendered once to PNG and SVG bytes when created.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# column formats: "int", "float1", "float2", "float3", "pct", "yuan", "text", "sci"
Format = str


@dataclass
class Paragraph:
    text: str
    kind: str = "p"          # "p", "note", "warning", "code"
    fold: str = ""           # code only: HTML shows it folded under this summary; the PDF
                             # prints its first lines only


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    key: str                               # sheet name / anchor (ASCII, sanitised)
    title: str
    frame: pd.DataFrame                    # raw values, columns = internal names
    headers: dict[str, str] = field(default_factory=dict)   # internal name -> shown label
    formats: dict[str, Format] = field(default_factory=dict)
    note: str = ""
    show: bool = True                      # False: workbook only (too long for the page)
    max_rows: int | None = None            # HTML/PDF show at most this many rows
    sheet: bool = True                     # False: page only (a display pivot of a sheet)
    page_columns: list[str] | None = None  # columns shown on the page (default: all)

    def page_frame(self) -> pd.DataFrame:
        """The rows and columns shown in HTML/PDF (the workbook gets ``frame`` whole)."""
        f = self.frame if self.page_columns is None else self.frame[self.page_columns]
        return f if self.max_rows is None else f.head(self.max_rows)

    def header(self, col: str) -> str:
        return self.headers.get(col, col)


@dataclass
class Figure:
    key: str                                # file stem (sanitised)
    title: str
    caption: str
    png: bytes
    svg: bytes
    width_in: float
    height_in: float
    fonts: tuple[str, ...] = ()             # font files matplotlib used for the text


Block = Paragraph | Bullets | Table | Figure


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 2
    source: str = ""                        # input folder it came from, for provenance

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


@dataclass
class Report:
    title: str
    lang: str
    date: str
    sections: list[Section] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables()]

    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures()]


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str, max_len: int = 60) -> str:
    """A file-name-safe ASCII slug of ``text`` (user data never reaches the file system raw)."""
    slug = _UNSAFE.sub("_", str(text)).strip("._-") or "x"
    return slug[:max_len]


def format_value(value: Any, fmt: Format, lang: str = "en") -> str:
    """Human formatting of one cell (missing → '–')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    try:
        if fmt == "int":
            return f"{float(value):,.0f}"
        if fmt in ("float1", "float2", "float3"):
            return f"{float(value):,.{fmt[-1]}f}"
        if fmt == "pct":
            return f"{float(value) * 100:.0f}%"
        if fmt == "pct1":
            return f"{float(value) * 100:.1f}%"
        if fmt == "yuan":
            return yuan(float(value), lang)
        if fmt == "sci":
            return f"{float(value):.3g}"
        if fmt == "sig4":
            v = float(value)
            return f"{v:.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
        if fmt == "plainint":
            return f"{float(value):.0f}"
    except (TypeError, ValueError):
        pass
    return str(value)


def yuan(v: float, lang: str = "en") -> str:
    """Money in readable units: 万元/亿元 in Chinese, M/bn yuan in English."""
    if math.isnan(v):
        return "–"
    a = abs(v)
    if lang == "zh":
        if a >= 1e8:
            return f"{v / 1e8:,.2f} 亿元"
        if a >= 1e4:
            return f"{v / 1e4:,.1f} 万元"
        return f"{v:,.0f} 元"
    if a >= 1e9:
        return f"{v / 1e9:,.2f} bn yuan"
    if a >= 1e6:
        return f"{v / 1e6:,.2f} M yuan"
    return f"{v:,.0f} yuan"


_SAFETY_PREFIX = re.compile(r"^'(?=[=+\-@\t\r])")


def read_table(path, **kw) -> pd.DataFrame:
    """A CSV written by the tools, with the spreadsheet-safety apostrophe taken off again:
    the tools write ``'=x`` for a cell ``=x`` so that a spreadsheet shows it as text; a report
    shows the value the user gave (HTML escapes it; the workbook neutralises it anew)."""
    frame = pd.read_csv(path, encoding="utf-8-sig", **kw)
    for col in frame.columns:
        if is_text(frame[col]):
            frame[col] = frame[col].map(lambda v: _SAFETY_PREFIX.sub("", v)
                                        if isinstance(v, str) else v)
    frame.columns = [_SAFETY_PREFIX.sub("", str(c)) for c in frame.columns]
    return frame


def is_text(series: pd.Series) -> bool:
    """Object or string dtype (pandas 3 reads text columns as ``str``, not ``object``)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series.dtype)


def auto_formats(frame: pd.DataFrame) -> dict[str, Format]:
    """Formats for a table read from a file: whole-number float columns (years, counts) as
    plain integers, other floats with 4 significant digits."""
    out: dict[str, Format] = {}
    for col in frame.columns:
        if frame[col].dtype.kind == "f":
            v = frame[col].dropna()
            out[col] = "plainint" if len(v) and (v == v.round()).all() and \
                (v.abs() < 1e15).all() else "sig4"
        elif frame[col].dtype.kind in "iu":
            out[col] = "plainint"
    return out


def non_empty_columns(frame: pd.DataFrame, priority: list[str] | None = None,
                      limit: int | None = None) -> list[str]:
    """Columns with at least one value, the ``priority`` ones first, at most ``limit``."""
    cols = [c for c in frame.columns if frame[c].notna().any() and
            not (is_text(frame[c]) and
                 frame[c].map(lambda v: str(v).strip() in ("", "nan", "None")).all())]
    if priority:
        cols = [c for c in priority if c in cols] + [c for c in cols if c not in priority]
    return cols[:limit] if limit else cols
