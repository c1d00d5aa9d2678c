"""The Excel form generated from an indicator system reads back losslessly."""

import numpy as np
import pytest
import pandas as pd
from changjing.cli import main as cli_main
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.reading import read_scenarios
from changjing.evaluate.scoring.system import load_indicator_system
from changjing.evaluate.scoring.template import FIRST_ROW, FORM_SHEET, INFO_SHEET, write_template
from openpyxl import load_workbook

from .conftest import SAMPLE, SYSTEM


def _fill(path, frame, columns):
    wb = load_workbook(path)
    ws = wb[FORM_SHEET]
    for i, row in enumerate(frame[columns].itertuples(index=False), FIRST_ROW):
        for j, v in enumerate(row, 1):
            if isinstance(v, float) and np.isnan(v):
                continue
            if hasattr(v, "item"):
                v = v.item()
            ws.cell(row=i, column=j, value=v)
    wb.save(path)


def _form_columns(path):
    """Column keys in form order (from the header cells' comments)."""
    ws = load_workbook(path)[FORM_SHEET]
    keys = []
    for c in range(1, ws.max_column + 1):
        for r in (3, 2):
            com = ws.cell(row=r, column=c).comment
            if com:
                keys.append(com.text.removeprefix("column key: "))
                break
    return keys


def test_default_system_form_round_trips_the_sample(tmp_path):
    system = load_indicator_system(SYSTEM)
    form = write_template(system, tmp_path / "form.xlsx")
    cols = _form_columns(form)
    sample = pd.read_csv(SAMPLE).head(25)
    for c in ("start_date", "end_date"):
        sample[c] = pd.to_datetime(sample[c]).dt.to_pydatetime()
    _fill(form, sample, cols)
    wt = read_scenarios(form, system)
    # nothing changed, refused or excluded: the form reads as typed
    assert wt.log.of("changed") == [] and wt.refused == [] and wt.log.of("excluded") == []
    lay = wt.layouts[0]
    assert (lay.header_row, lay.units_row, lay.first_data_row) == (3, 4, 5)
    for c in cols:
        got, want = wt.frame[c].tolist(), sample[c].tolist()
        if c in ("start_date", "end_date"):
            assert [pd.Timestamp(x) for x in got] == [pd.Timestamp(x) for x in want], c
        elif isinstance(want[0], str):
            assert got == [str(x) for x in want], c
        else:
            np.testing.assert_array_equal(np.asarray(got, float), np.asarray(want, float), c)
    # and it scores exactly like the CSV it came from
    a = score_scenarios(form, system, n_draws=20)
    b = score_scenarios(sample.assign(start_date=sample["start_date"].astype(str),
                                      end_date=sample["end_date"].astype(str)), system, n_draws=20)
    np.testing.assert_allclose(a.scores_["score"], b.scores_["score"], rtol=0, atol=1e-12)
    assert a.scores_["scenario_id"].tolist() == b.scores_["scenario_id"].tolist()


def test_form_has_instructions_units_and_validation(tmp_path):
    system = load_indicator_system(SYSTEM)
    wb = load_workbook(write_template(system, tmp_path / "f.xlsx"))
    assert wb.sheetnames == [FORM_SHEET, INFO_SHEET]
    ws = wb[FORM_SHEET]
    heads = [ws.cell(row=3, column=c).value for c in range(1, ws.max_column + 1)]
    assert "财政支持资金 / public funding received" in heads
    j = heads.index("财政支持资金 / public funding received") + 1
    assert ws.cell(row=4, column=j).value == "10k CNY"
    rules = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    letter = ws.cell(row=5, column=j).column_letter
    dv = rules[f"{letter}5:{letter}1004"]
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    info = [r[0].value for r in wb[INFO_SHEET].iter_rows(min_row=6)]
    assert system.id_column in info and "funding_wan_yuan" in info


def test_cli_template_and_refusal_to_overwrite(tmp_path, capsys):
    out = tmp_path / "form.xlsx"
    assert cli_main(["evaluate", "template", str(SYSTEM), "--out", str(out)]) == 0
    assert out.exists()
    before = out.read_bytes()
    assert cli_main(["evaluate", "template", str(SYSTEM), "--out", str(out)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err and out.read_bytes() == before
    assert cli_main(["evaluate", "template", str(SYSTEM), "--out", str(out), "--overwrite"]) == 0


def test_categorical_column_gets_a_list_and_is_checked(tmp_path):
    import copy

    from changjing.evaluate.errors import InputError
    from changjing.evaluate.scoring.system import parse_indicator_system

    from .workbook_helpers import DOC

    doc = copy.deepcopy(DOC)
    doc["data"]["columns"] = [
        {"name": "domain", "type": "text", "label_zh": "领域", "label_en": "domain",
         "choices": ["智能制造", "绿色转型"]}
    ]
    system = parse_indicator_system(doc)
    form = write_template(system, tmp_path / "f.xlsx")
    ws = load_workbook(form)[FORM_SHEET]
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert len(lists) == 1 and lists[0].formula1 == '"智能制造,绿色转型"'
    cols = _form_columns(form)
    frame = pd.DataFrame(
        {"scenario_id": ["a", "b", "c"], "scenario_name": ["x", "y", "z"],
         "revenue": [1.0, 2.0, 3.0], "investment": [1.0, 2.0, 3.0], "patents": [1, 2, 3],
         "satisfaction": [50.0, 60.0, 70.0], "domain": ["智能制造", "绿色转型", "智能制选"]}
    )
    _fill(form, frame, cols)
    with pytest.raises(InputError, match=r"填报表!G7 \('domain'\): '智能制选' is not one of .*did you mean '智能制造'"):
        score_scenarios(form, system)
