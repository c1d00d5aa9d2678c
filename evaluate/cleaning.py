"""The cleaning log: every cell a reader changed, refused or excluded, with sheet and cell.

An evaluator signs a ranking only when they can see what the tool did to their workbook.
Every reader decision that is not "this cell was read exactly as typed" becomes one
:class:`CleaningEntry`:

* ``changed``  — a value was normalised (full-width digits, thousands separators, a
  percent-formatted fraction read in percentage points, "—" read as missing, a declared
  rule for "约50" / "30-40" / "≥100" …); ``original`` and ``value`` give both sides;
* ``refused``  — a cell could not be read as what the column needs (a formula with no
  saved value, "约50" with no rule, a fraction in a column of percentage points …);
* ``excluded`` — a whole row left out (hidden, struck through, a 合计 / 平均 summary row);
* ``skipped``  — a fully empty separator row;
* ``note``     — what the reader decided about the layout (header row, units row, sheets).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pandas as pd

ACTIONS = ("changed", "refused", "excluded", "skipped", "note")
COLUMNS = ["action", "sheet", "cell", "row", "column", "original", "value", "reason"]


@dataclass
class CleaningEntry:
    action: str
    sheet: str
    cell: str  # A1 reference ("F17"), a row ("17:17") or "" for the whole sheet
    row: int | None
    column: str
    original: str
    value: str
    reason: str

    @property
    def where(self) -> str:
        """``黄岛区!F17`` — the reference an evaluator types into Excel's Name Box."""
        if not self.sheet:
            return self.cell
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet


@dataclass
class CleaningLog:
    entries: list[CleaningEntry] = field(default_factory=list)

    def add(
        self,
        action: str,
        sheet: str,
        cell: str,
        reason: str,
        *,
        row: int | None = None,
        column: str = "",
        original: object = "",
        value: object = "",
    ) -> CleaningEntry:
        if action not in ACTIONS:  # pragma: no cover - programming error
            raise ValueError(f"action: expected one of {ACTIONS}, got {action!r}")
        e = CleaningEntry(
            action, sheet, cell, row, column, _text(original), _text(value), reason
        )
        self.entries.append(e)
        return e

    def extend(self, other: CleaningLog) -> None:
        self.entries.extend(other.entries)

    def of(self, action: str) -> list[CleaningEntry]:
        return [e for e in self.entries if e.action == action]

    def to_frame(self) -> pd.DataFrame:
        rows = [asdict(e) for e in self.entries]
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame.insert(2, "where", [e.where for e in self.entries])
        return frame

    def counts(self) -> dict[str, int]:
        return {a: len(self.of(a)) for a in ACTIONS if self.of(a)}

    def summary(self) -> str:
        c = self.counts()
        if not c:
            return "cleaning log: every cell read as typed"
        return "cleaning log: " + ", ".join(f"{n} {a}" for a, n in c.items())


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:
        return "(missing)"
    if isinstance(v, float) and abs(v) < 1e15 and v == int(v):
        return str(int(v))
    return str(v)
