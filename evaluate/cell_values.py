"""Reading one spreadsheet cell as a number, the way a careful clerk would — and saying so.

:func:`parse_number` returns ``(value, change, refusal)``: the number (NaN for an empty or
"missing" cell), a sentence describing any normalisation applied (logged as *changed*),
or a sentence saying why the cell cannot be read (logged as *refused*).  Conventions:

* full-width characters become ASCII (Unicode NFKC: "１２３" → "123", "％" → "%");
* thousands separators are dropped ("1,234.5" → 1234.5) — only in the strict 3-digit
  grouping, so "1,23" is refused rather than guessed;
* "—", "-", "/", "无", "暂无", "N/A" … mean *not reported* (NaN, logged);
* a trailing unit equal to the column's declared unit is dropped ("120万" in a 万元 column);
  any other unit is refused (120万 in a 元 column is 1 200 000, not 120);
* percentages: a column whose unit is "%" holds percentage points.  A percent-formatted
  cell (Excel stores 0.072 and shows 7.2%) is read as 7.2; the text "28.6%" as 28.6.  In a
  column whose unit is a fraction ("1", "ratio", "share") "28.6%" is read as 0.286;
* approximations ("约50", "近50", "50左右"), ranges ("30-40", "30～40", "30至40") and bounds
  ("≥100", "100以上", ">100") are refused by default; a declared rule maps them
  (approx = "value"; range = "midpoint" | "low" | "high"; bound = "bound").
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

MISSING_MARKERS = frozenset(
    {"—", "——", "-", "--", "–", "/", "／", "n/a", "na", "nan", "无", "暂无", "空", "未填", "不适用", "×"}
)
APPROX_RULES = ("refuse", "value")
RANGE_RULES = ("refuse", "midpoint", "low", "high")
BOUND_RULES = ("refuse", "bound")

_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_APPROX = re.compile(rf"^(?:约|大约|约为|近|接近|~|≈|about|approx\.?)\s*({_NUM})$|^({_NUM})\s*(?:左右|上下)$")
_RANGE = re.compile(rf"^({_NUM})\s*(?:-|–|—|~|～|至|到)\s*({_NUM})$")
_BOUND = re.compile(
    rf"^(?:≥|>=|>|大于|超过|不少于|至少|≤|<=|<|小于|不超过|不足|低于)\s*({_NUM})$"
    rf"|^({_NUM})\s*(?:以上|以下|余|多|\+)$"
)

#: unit spellings that mean the same thing (lower-case, NFKC); used for unit checks and
#: for dropping a unit typed into a cell.
UNIT_SYNONYMS: dict[str, str] = {
    "%": "%",
    "percent": "%",
    "pct": "%",
    "百分比": "%",
    "百分点": "%",
    "万元": "10k cny",
    "10k cny": "10k cny",
    "10,000 cny": "10k cny",
    "ten thousand yuan": "10k cny",
    "元": "cny",
    "cny": "cny",
    "yuan": "cny",
    "亿元": "100m cny",
    "个": "count",
    "项": "count",
    "件": "count",
    "家": "count",
    "次": "count",
    "count": "count",
    "人": "persons",
    "人次": "persons",
    "persons": "persons",
    "people": "persons",
    "天": "days",
    "days": "days",
    "月": "months",
    "months": "months",
    "1": "1",
    "ratio": "1",
    "share": "1",
    "fraction": "1",
    "比值": "1",
    "分": "points",
    "points": "points",
}
#: a unit that may be typed after a number in a cell of that unit ("120万" in 万元)
_CELL_SUFFIXES = {
    "10k cny": ("万元", "万"),
    "cny": ("元",),
    "100m cny": ("亿元", "亿"),
    "count": ("个", "项", "件", "家", "次"),
    "persons": ("人", "人次"),
    "days": ("天",),
    "%": ("%",),
    "points": ("分",),
}
_SCALED = {"万": "10k", "亿": "100m", "千": "1k"}


def canonical_unit(unit: str | None) -> str | None:
    """The canonical spelling of a unit, or None when the unit is not in the table."""
    if unit is None:
        return None
    u = unicodedata.normalize("NFKC", str(unit)).strip().lower()
    return UNIT_SYNONYMS.get(u)


def is_percent_unit(unit: str | None) -> bool:
    return canonical_unit(unit) == "%"


def is_fraction_unit(unit: str | None) -> bool:
    return canonical_unit(unit) == "1"


@dataclass
class Rules:
    """How to read approximations, ranges and bounds (refused unless declared)."""

    approx: str = "refuse"
    range: str = "refuse"
    bound: str = "refuse"


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def parse_number(
    value: object, number_format: str = "General", unit: str = "", rules: Rules | None = None
) -> tuple[float, str, str]:
    """Read one cell as a number in the column's unit: ``(value, change, refusal)``.

    ``change`` is "" when the cell was read as typed; ``refusal`` is "" unless the cell
    cannot be read (then ``value`` is NaN).
    """
    rules = rules or Rules()
    nan = math.nan
    if value is None:
        return nan, "", ""
    if isinstance(value, bool):
        return nan, "", f"{'TRUE' if value else 'FALSE'} is a yes/no value, not a number"
    if isinstance(value, (datetime, date)):
        return nan, "", f"{value} is a date, not a number (check the cell format)"
    if isinstance(value, (int, float)):
        x = float(value)
        if math.isnan(x) or math.isinf(x):
            return nan, "", f"{value!r} is not a finite number"
        if "%" in (number_format or ""):
            if is_percent_unit(unit):
                return x * 100.0, f"percent-formatted {_fmt(x)} (shown as {_fmt(x * 100)}%) read as {_fmt(x * 100)} percentage points", ""
            if is_fraction_unit(unit) or not unit:
                return x, "", ""
            return nan, "", f"shown as {_fmt(x * 100)}% but the column's unit is {unit!r}, not a percentage"
        return x, "", ""
    text = str(value)
    t = unicodedata.normalize("NFKC", text).strip()
    changes = []
    if t != text.strip():
        changes.append(f"full-width characters read as {t!r}")
    if not t:
        return nan, "", ""
    if t.lower() in MISSING_MARKERS:
        return nan, f"{t!r} read as not reported (missing)", ""
    t = t.replace(" ", "")
    pct = False
    if t.endswith("%"):
        pct = True
        t = t[:-1]
    else:
        canon = canonical_unit(unit)
        for suf in sorted(_CELL_SUFFIXES.get(canon or "", ()), key=len, reverse=True):
            if t.endswith(suf) and len(t) > len(suf):
                t = t[: -len(suf)]
                changes.append(f"unit {suf!r} (the column's unit) dropped")
                break
        else:
            m = re.match(rf"^({_NUM})\s*(万元|万|亿元|亿|千|元)$", t)
            if m:
                return nan, "", (
                    f"{text.strip()!r} carries its own unit; the column is in {unit or 'plain numbers'} "
                    "— convert it and type the number only"
                )
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
        changes.append("thousands separators dropped")
    x = _plain(t)
    if x is None:
        x, rule_change, refusal = _ruled(t, rules)
        if refusal:
            return nan, "", f"{text.strip()!r}: {refusal}"
        changes.append(rule_change)
    if pct:
        if is_percent_unit(unit):
            changes.append(f"text '{_fmt(x)}%' read as {_fmt(x)} percentage points")
        elif is_fraction_unit(unit):
            changes.append(f"text '{_fmt(x)}%' read as the fraction {_fmt(x / 100)}")
            x = x / 100.0
        else:
            return nan, "", f"{text.strip()!r} is a percentage but the column's unit is {unit or 'not declared'!r}"
    return x, "; ".join(changes), ""


def _plain(t: str) -> float | None:
    if re.fullmatch(_NUM, t):
        return float(t)
    try:  # 1e3 and the like
        x = float(t)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _ruled(t: str, rules: Rules) -> tuple[float, str, str]:
    m = _APPROX.match(t)
    if m:
        x = float(m.group(1) or m.group(2))
        if rules.approx == "value":
            return x, f"approximation read as {_fmt(x)} (rule approx = \"value\")", ""
        return math.nan, "", 'an approximation; give the exact value, or declare approx = "value"'
    m = _RANGE.match(t)
    if m:
        lo, hi = sorted((float(m.group(1)), float(m.group(2))))
        if rules.range != "refuse":
            x = {"midpoint": (lo + hi) / 2.0, "low": lo, "high": hi}[rules.range]
            return x, f"range {_fmt(lo)}–{_fmt(hi)} read as {_fmt(x)} (rule range = {rules.range!r})", ""
        return math.nan, "", 'a range; give one value, or declare range = "midpoint" | "low" | "high"'
    m = _BOUND.match(t)
    if m:
        x = float(m.group(1) or m.group(2))
        if rules.bound == "bound":
            return x, f"bound read as {_fmt(x)} (rule bound = \"bound\")", ""
        return math.nan, "", 'a bound, not a value; give the value, or declare bound = "bound"'
    return math.nan, "", "not a number"
