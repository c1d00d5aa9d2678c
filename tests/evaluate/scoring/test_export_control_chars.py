"""A control character in a scenario name must not crash the XLSX export (it is shown as
U+FFFD), and formulas stay neutralised."""

from __future__ import annotations

import pandas as pd
from changjing.evaluate.scoring.export import deterministic_xlsx
from openpyxl import load_workbook


def test_control_character_and_formula_in_names(tmp_path):
    frame = pd.DataFrame({"scenario": ["港口\x07调度", "=HYPERLINK(\"x\")"], "score": [0.5, 0.4]})
    path = tmp_path / "s.xlsx"
    deterministic_xlsx({"scores": frame}, path)
    ws = load_workbook(path).active
    assert ws["A2"].value == "港口\ufffd调度"
    assert not str(ws["A3"].value).startswith("=")
    assert ws["B2"].value == 0.5
