"""Reading office workbooks: every behaviour on a workbook built here with openpyxl."""

import math

import numpy as np
import pytest
from changjing.evaluate.cell_values import Rules, parse_number
from changjing.evaluate.errors import InputError
from changjing.evaluate.scoring import score_scenarios
from changjing.evaluate.scoring.reading import read_scenarios
from openpyxl import Workbook
from openpyxl.styles import Font

from .workbook_helpers import HEADER_ZH, simple_sheet, system

ROWS = [
    ["S1", "港口巡检", 120.0, 80.0, 3, 90.0],
    ["S2", "社区养老", 60.0, 40.0, 1, 70.0],
    ["S3", "园区物流", 200.0, 20.0, 5, 60.0],
    ["S4", "智慧停车", 90.0, 60.0, 2, 80.0],
]


def _save(wb, tmp_path, name="book.xlsx"):
    p = tmp_path / name
    wb.save(p)
    return p


def _book(rows=ROWS, title="黄岛区"):
    wb = Workbook()
    ws = wb.active
    ws.title = title
    simple_sheet(ws, rows)
    return wb, ws


def _entries(wt, action):
    return [(e.where, e.reason) for e in wt.log.of(action)]


# ----------------------------------------------------------------- header row


def test_header_below_a_merged_title_row_is_found_and_named(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "黄岛区"
    ws["A1"] = "2025年场景创新项目评估汇总表"
    ws.merge_cells("A1:F1")
    ws["A2"] = "填报单位：黄岛区科技局"
    simple_sheet(ws, ROWS, start=3)
    wt = read_scenarios(_save(wb, tmp_path), system())
    assert wt.layouts[0].header_row == 3
    assert list(wt.frame["scenario_id"]) == ["S1", "S2", "S3", "S4"]
    assert wt.frame["revenue"].tolist() == [120, 60, 200, 90]
    assert ("黄岛区!3:3", "header row 3") in _entries(wt, "note")
    assert wt.cell(1, "patents") == "黄岛区!E5"


def test_explicit_header_row_and_a_wrong_one(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws["A1"] = "编号"  # a decoy: a note row that names the id column only
    simple_sheet(ws, ROWS, start=4)
    p = _save(wb, tmp_path)
    assert read_scenarios(p, system()).layouts[0].header_row == 4
    assert read_scenarios(p, system(header_row=4)).frame.shape[0] == 4
    with pytest.raises(InputError, match="no header row found"):
        read_scenarios(p, system(), header_row=2)


def test_header_with_units_in_brackets_checked_against_the_system(tmp_path):
    wb, ws = _book()
    ws["C1"] = "营业收入（万元）"
    ws["F1"] = "用户满意度(%)"
    p = _save(wb, tmp_path)
    assert read_scenarios(p, system()).frame["revenue"].tolist() == [120, 60, 200, 90]
    ws["C1"] = "营业收入（元）"  # 10 000 times smaller numbers: must not be read as 万元
    p = _save(wb, tmp_path, "b2.xlsx")
    with pytest.raises(InputError, match=r"黄岛区!C1: the header gives the unit '元'.*'万元'"):
        read_scenarios(p, system())


def test_two_level_header_with_merged_criteria_and_units_row(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "市南区"
    ws["A1"], ws["B1"] = "编号", "场景名称"
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws["C1"] = "经济效益"
    ws.merge_cells("C1:D1")
    ws["E1"] = "技术创新"
    ws.merge_cells("E1:F1")
    for j, h in enumerate(["营业收入", "带动投资", "专利数", "用户满意度"], 3):
        ws.cell(row=2, column=j, value=h)
    for j, u in enumerate(["万元", "万元", "个", "%"], 3):
        ws.cell(row=3, column=j, value=u)
    for i, r in enumerate(ROWS, 4):
        for j, v in enumerate(r, 1):
            ws.cell(row=i, column=j, value=v)
    p = _save(wb, tmp_path)
    wt = read_scenarios(p, system())
    lay = wt.layouts[0]
    assert (lay.header_row, lay.units_row, lay.first_data_row) == (2, 3, 4)
    assert wt.frame["satisfaction"].tolist() == [90, 70, 60, 80]
    # a units row disagreeing with the system (元 where 万元 is declared) is refused
    ws["D3"] = "元"
    p = _save(wb, tmp_path, "b2.xlsx")
    with pytest.raises(InputError, match=r"市南区!D3: the units row gives '元'"):
        read_scenarios(p, system())


# ----------------------------------------------------------------- cell formats


def test_percent_formats_text_and_mixed_columns(tmp_path):
    rows = [r[:] for r in ROWS]
    wb, ws = _book(rows)
    ws["F2"] = 0.9
    ws["F2"].number_format = "0.0%"  # shown 90.0%
    ws["F3"] = "70%"
    ws["F4"] = "６０"  # full-width digits
    p = _save(wb, tmp_path)
    wt = read_scenarios(p, system())
    assert wt.frame["satisfaction"].tolist() == pytest.approx([90, 70, 60, 80])
    changed = dict(_entries(wt, "changed"))
    assert "percentage points" in changed["黄岛区!F2"]
    assert "percentage points" in changed["黄岛区!F3"]
    assert "full-width" in changed["黄岛区!F4"]
    # a plain 0.8 among percentage points: fraction or 0.8 %? refused, by cell
    ws["F5"] = 0.8
    p = _save(wb, tmp_path, "b2.xlsx")
    with pytest.raises(InputError, match=r"黄岛区!F5 \(satisfaction\): '0.8' — 0.8 looks like a fraction"):
        read_scenarios(p, system())
    wt = read_scenarios(p, system(), on_refused="missing")
    assert math.isnan(wt.frame["satisfaction"].iat[3])


@pytest.mark.parametrize(
    "text, unit, expected, changed",
    [
        ("1,234.5", "万元", 1234.5, "thousands separators"),
        ("１，２３４", "万元", 1234.0, "full-width"),
        ("120万", "万元", 120.0, "unit '万'"),
        ("120万元", "10k CNY", 120.0, "unit '万元'"),
        ("—", "万元", math.nan, "not reported"),
        ("28.6%", "%", 28.6, "percentage points"),
        ("28.6%", "ratio", 0.286, "fraction"),
        ("42", "个", 42.0, ""),
    ],
)
def test_parse_number_normalisations(text, unit, expected, changed):
    x, change, refusal = parse_number(text, "General", unit)
    assert refusal == ""
    assert (math.isnan(x) and math.isnan(expected)) or x == pytest.approx(expected)
    assert changed in change


@pytest.mark.parametrize(
    "text, rules, expected",
    [
        ("约50", Rules(approx="value"), 50.0),
        ("50左右", Rules(approx="value"), 50.0),
        ("30-40", Rules(range="midpoint"), 35.0),
        ("30～40", Rules(range="low"), 30.0),
        ("≥100", Rules(bound="bound"), 100.0),
        ("100以上", Rules(bound="bound"), 100.0),
    ],
)
def test_approximations_ranges_bounds_refused_by_default_mapped_by_rule(text, rules, expected):
    x, _, refusal = parse_number(text, "General", "万元")
    assert math.isnan(x) and refusal
    x, change, refusal = parse_number(text, "General", "万元", rules)
    assert refusal == "" and x == expected and "rule" in change


def test_a_number_with_another_unit_is_refused():
    x, _, refusal = parse_number("120万", "General", "元")
    assert math.isnan(x) and "carries its own unit" in refusal
    assert parse_number(True, "General", "个")[2].startswith("TRUE")


def test_declared_rules_apply_in_the_workbook_and_are_logged(tmp_path):
    wb, ws = _book()
    ws["C2"] = "约120"
    ws["D3"] = "30-50"
    p = _save(wb, tmp_path)
    with pytest.raises(InputError) as err:
        read_scenarios(p, system())
    assert "黄岛区!C2 (revenue): '约120'" in str(err.value)
    assert "黄岛区!D3 (investment): '30-50'" in str(err.value)
    wt = read_scenarios(p, system(rules={"approx": "value", "range": "midpoint"}))
    assert wt.frame["revenue"].iat[0] == 120 and wt.frame["investment"].iat[1] == 40
    assert {w for w, _ in _entries(wt, "changed")} == {"黄岛区!C2", "黄岛区!D3"}


# ----------------------------------------------------------------- rows left out


def test_hidden_and_struck_through_rows_excluded_by_default_and_named(tmp_path):
    wb, ws = _book(ROWS + [["S5", "已撤回项目", 999.0, 999.0, 9, 99.0], ["S6", "暂缓", 1.0, 1.0, 0, 10.0]])
    ws.row_dimensions[6].hidden = True  # S5
    for c in ws[7]:  # S6: the whole row struck through
        c.font = Font(strike=True)
    p = _save(wb, tmp_path)
    wt = read_scenarios(p, system())
    assert list(wt.frame["scenario_id"]) == ["S1", "S2", "S3", "S4"]
    excl = dict(_entries(wt, "excluded"))
    assert excl["黄岛区!6:6"].startswith("hidden row") and "S5" in excl["黄岛区!6:6"]
    assert excl["黄岛区!7:7"].startswith("struck-through row")
    wt = read_scenarios(p, system(), include_hidden=True, include_struck=True)
    assert list(wt.frame["scenario_id"]) == ["S1", "S2", "S3", "S4", "S5", "S6"]
    # only the id cell struck is enough (offices strike the name of a withdrawn entry)
    ws["A7"].font = Font(strike=True)
    for c in ws[7][1:]:
        c.font = Font(strike=False)
    wt = read_scenarios(_save(wb, tmp_path, "b2.xlsx"), system())
    assert "S6" not in set(wt.frame["scenario_id"])


def test_blank_separator_rows_are_skipped_with_a_note(tmp_path):
    wb, ws = _book(ROWS[:2] + [[None] * 6, [None] * 6] + ROWS[2:])
    wt = read_scenarios(_save(wb, tmp_path), system())
    assert list(wt.frame["scenario_id"]) == ["S1", "S2", "S3", "S4"]
    assert [w for w, _ in _entries(wt, "skipped")] == ["黄岛区!4:4", "黄岛区!5:5"]
    assert wt.cell(2, "revenue") == "黄岛区!C6"


def test_summary_rows_by_label_and_by_arithmetic(tmp_path):
    tot = ["", "合计", 470.0, 200.0, 11, 300.0]
    wb, ws = _book(ROWS + [tot])
    wt = read_scenarios(_save(wb, tmp_path), system())
    assert len(wt.frame) == 4
    assert dict(_entries(wt, "excluded"))["黄岛区!6:6"].startswith("summary row (合计)")
    # no label at all, but the row is the mean of the rows above
    mean = ["AVG", None, 117.5, 50.0, 2.75, 75.0]
    wb, ws = _book(ROWS + [mean])
    wt = read_scenarios(_save(wb, tmp_path, "b2.xlsx"), system())
    assert len(wt.frame) == 4
    assert "the mean of the 4 rows above" in dict(_entries(wt, "excluded"))["黄岛区!6:6"]
    # a real scenario that happens to equal the sum in one column only is kept
    wb, ws = _book(ROWS + [["S9", "x", 470.0, 1.0, 0, 50.0]])
    assert len(read_scenarios(_save(wb, tmp_path, "b3.xlsx"), system()).frame) == 5


def test_formula_without_saved_value_is_refused_by_cell_never_an_empty_id(tmp_path):
    wb, ws = _book()
    ws["A3"] = '="S"&"2"'  # openpyxl writes formulas without saved values
    ws["C4"] = "=C2+C3"
    p = _save(wb, tmp_path)
    with pytest.raises(InputError) as err:
        read_scenarios(p, system())
    msg = str(err.value)
    assert "黄岛区!A3 (scenario_id): '=\"S\"&\"2\"' — formula" in msg
    assert "黄岛区!C4 (revenue): '=C2+C3' — formula =C2+C3 has no saved value" in msg
    # scored with refused cells as not reported: the id is refused too, never ""
    with pytest.raises(InputError, match=r"黄岛区!A3 \('scenario_id'\): missing scenario id"):
        score_scenarios(p, system(), on_refused="missing")


# ----------------------------------------------------------------- sheets


def test_other_sheets_with_the_same_header_are_named_and_can_be_read_together(tmp_path):
    wb, ws = _book(ROWS[:2], title="黄岛区")
    notes = wb.create_sheet("说明", 0)
    notes["A1"] = "本表由各区填报"
    ws2 = wb.create_sheet("市南区")
    simple_sheet(ws2, ROWS[2:])
    p = _save(wb, tmp_path)
    wt = read_scenarios(p, system())
    assert list(wt.frame["scenario_id"]) == ["S1", "S2"]
    assert "'市南区'" not in wt.warnings[0] and "市南区 have the same header" in wt.warnings[0]
    for sheets in ("all", ["黄岛区", "市南区"]):
        wt = read_scenarios(p, system(), sheets=sheets)
        assert list(wt.frame["scenario_id"]) == ["S1", "S2", "S3", "S4"]
        assert list(wt.frame["source_sheet"]) == ["黄岛区"] * 2 + ["市南区"] * 2
    with pytest.raises(InputError, match="no sheet named '市北区'.*did you mean '市南区'"):
        read_scenarios(p, system(), sheets=["市北区"])


def test_duplicates_across_sheets_name_both_cells(tmp_path):
    wb, ws = _book(ROWS[:3], title="黄岛区")
    ws2 = wb.create_sheet("市南区")
    simple_sheet(ws2, [ROWS[2], ROWS[3]])
    p = _save(wb, tmp_path)
    with pytest.raises(InputError, match=r"黄岛区!A4, 市南区!A2: duplicate id 'S3'"):
        score_scenarios(p, system(), sheet="all")


def test_every_validation_message_names_sheet_and_cell(tmp_path):
    wb, ws = _book([r[:] for r in ROWS])
    ws["E5"] = -2  # a negative count
    ws["F3"] = 130  # satisfaction above 100 %
    p = _save(wb, tmp_path)
    with pytest.raises(InputError) as err:
        score_scenarios(p, system())
    msg = str(err.value)
    assert "黄岛区!E5 ('patents'): value -2 is below the minimum 0" in msg
    assert "黄岛区!F3 ('satisfaction'): value 130 is above the maximum 100" in msg


def test_optional_declared_column_absent_no_crash(tmp_path):
    sys_ = system(columns=[{"name": "notes", "type": "text", "required": False}])
    wb, ws = _book()
    r = score_scenarios(_save(wb, tmp_path), sys_)
    assert len(r.scores_) == 4
    # an indicator's own column stays required even if declared optional
    sys2 = system(columns=[{"name": "patents", "type": "integer", "required": False}])
    wb, ws = _book()
    ws["E1"] = "专利"
    with pytest.raises(InputError, match="missing column 'patents'"):
        score_scenarios(_save(wb, tmp_path, "b2.xlsx"), sys2)


def test_workbook_scores_equal_the_hand_computation(tmp_path):
    from .workbook_helpers import competition_ranks, weighted_sum_scores

    wb, ws = _book()
    r = score_scenarios(_save(wb, tmp_path), system())
    expected = weighted_sum_scores([[r_[0], *r_[2:]] for r_ in ROWS])
    got = dict(zip(r.scores_["scenario_id"], r.scores_["score"]))
    assert got == pytest.approx(expected)
    assert dict(zip(r.scores_["scenario_id"], r.scores_["rank"])) == competition_ranks(expected)
    assert list(r.scores_["sheet"].unique()) == ["黄岛区"]
    assert np.all(r.scores_["coverage"] == 1.0)
    assert HEADER_ZH[0] == "编号"
