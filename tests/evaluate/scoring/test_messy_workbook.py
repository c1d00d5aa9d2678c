"""Acceptance: a messy office workbook with every feature at once.

Two district sheets of one layout behind an instructions sheet; a merged title row, a
criteria row merged over the indicator names and a units row; percent-formatted fractions
next to "28.6%" text; full-width digits, thousands separators and "120万" in a 万元 column;
"—" for not reported; a hidden and a struck-through (withdrawn) scenario; a blank separator
row; a 合计 row; a formula without a saved value; "约50"; a formula-like scenario name; and a
scenario that reported too little to be scored.  The expected scores are computed here by
hand from what a careful clerk reads off the workbook (the REAL table below).
"""

import math

import pandas as pd
import pytest
from changjing.cli import main as cli_main
from changjing.evaluate.errors import InputError
from changjing.evaluate.scoring import score_scenarios
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from .workbook_helpers import DOC, competition_ranks

# what the clerk reads: id -> (revenue 万元, investment 万元, patents 个, satisfaction %)
# None = not reported (or a cell the tool must refuse)
REAL = {
    "HD-01": (1200.0, 300.0, 4, 72.0),
    "HD-02": (120.0, None, 2, 28.6),  # investment "—"
    "HD-03": (120.0, 150.0, 1, 90.0),  # "120万" and full-width "１５０"
    "HD-04": (None, 80.0, 3, 60.0),  # revenue "约50": refused -> not reported
    "SN-01": (800.0, 200.0, 5, 85.0),
    "SN-02": (300.0, 100.0, 0, 55.0),
    "SN-03": (300.0, 100.0, 0, 55.0),  # an exact tie with SN-02
}
NOT_SCORABLE = {"SN-04": (None, None, 2, None)}  # 25 % of the weight reported
W = (0.3, 0.2, 0.25, 0.25)  # 0.5·0.6, 0.5·0.4, 0.5·0.5, 0.5·0.5


def hand_scores(rows):
    """Min–max per indicator over the scored rows (ignoring not reported), weighted sum
    with the weights of the reported indicators rescaled to 1 (missing = renormalise)."""
    cols = list(zip(*rows.values()))
    lo = [min(v for v in c if v is not None) for c in cols]
    hi = [max(v for v in c if v is not None) for c in cols]
    out = {}
    for k, vals in rows.items():
        num = sum(W[j] * (v - lo[j]) / (hi[j] - lo[j]) for j, v in enumerate(vals) if v is not None)
        den = sum(W[j] for j, v in enumerate(vals) if v is not None)
        out[k] = 100 * num / den
    return out


def _layout(ws, title):
    ws["A1"] = title
    ws.merge_cells("A1:F1")
    ws["A2"], ws["B2"] = "编号", "场景名称"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws["C2"], ws["E2"] = "经济效益", "技术创新"
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:F2")
    for j, h in enumerate(["营业收入", "带动投资", "专利数", "用户满意度"], 3):
        ws.cell(row=3, column=j, value=h)
    for j, u in enumerate(["万元", "万元", "个", "%"], 3):
        ws.cell(row=4, column=j, value=u)


def build(path):
    wb = Workbook()
    info = wb.active
    info.title = "填表说明"
    info["A1"] = "各区请按模板填报，金额单位万元。"
    hd = wb.create_sheet("黄岛区")
    _layout(hd, "黄岛区 2025 年场景创新项目评估表")
    rows = [
        ["HD-01", "港口巡检无人机", "1,200", 300, 4, 0.72],  # 5
        ["HD-02", "社区养老机器人", 120, "—", 2, "28.6%"],  # 6
        ["HD-W", "已撤回：海上风电", 999, 999, 9, 0.99],  # 7 hidden
        ["HD-03", "园区物流", "120万", "１５０", 1, 0.9],  # 8
        [None] * 6,  # 9 blank separator
        ["HD-04", "智慧停车", "约50", 80, 3, 0.6],  # 10
        ["HD-X", "撤回：港区照明", 500, 500, 5, 0.5],  # 11 struck through
        [None, "合计", 1440, 530, 10, None],  # 12 total row
    ]
    for i, r in enumerate(rows, 5):
        for j, v in enumerate(r, 1):
            if v is not None:
                hd.cell(row=i, column=j, value=v)
    for r in (5, 7, 8, 10, 11):
        hd.cell(row=r, column=6).number_format = "0.0%"
    hd.row_dimensions[7].hidden = True
    for c in hd[11]:
        c.font = Font(strike=True)
    sn = wb.create_sheet("市南区")
    _layout(sn, "市南区 2025 年场景创新项目评估表")
    rows = [
        ["SN-01", "=A5", 800, 200, 5, 85],  # name: a formula with no saved value
        ["SN-02", '=HYPERLINK("http://x","点击")', 300, 100, 0, 55],  # text that looks like one
        ["SN-03", "+cmd", 300, 100, 0, 55],
        ["SN-04", "数据未报", None, None, 2, None],
    ]
    for i, r in enumerate(rows, 5):
        for j, v in enumerate(r, 1):
            if v is not None:
                sn.cell(row=i, column=j, value=v)
    sn["B6"].data_type = "s"  # typed as text, not a formula
    wb.save(path)


@pytest.fixture
def book(tmp_path):
    p = tmp_path / "评估汇总.xlsx"
    build(p)
    return p


def test_strict_reading_names_every_refused_cell(book):
    with pytest.raises(InputError) as err:
        score_scenarios(book, DOC_SYSTEM(), sheet="all")
    msg = str(err.value)
    assert "2 cell(s) cannot be read" in msg
    assert "黄岛区!C10 (revenue): '约50'" in msg
    assert "市南区!B5 (scenario_name): '=A5' — formula =A5 has no saved value" in msg


def DOC_SYSTEM():
    from changjing.evaluate.scoring.system import parse_indicator_system

    return parse_indicator_system(DOC)


def test_messy_workbook_scores_the_real_scenarios_with_the_human_ranks(book, tmp_path):
    r = score_scenarios(book, DOC_SYSTEM(), sheet="all", on_refused="missing")
    got = dict(zip(r.scores_["scenario_id"], r.scores_["score"]))
    expected = hand_scores(REAL)
    assert set(got) == set(REAL)
    assert got == pytest.approx(expected, abs=1e-9)
    assert dict(zip(r.scores_["scenario_id"], r.scores_["rank"])) == competition_ranks(expected)
    ns = r.not_scorable_.set_index("scenario_id")
    assert list(ns.index) == list(NOT_SCORABLE)
    assert ns.loc["SN-04", "coverage"] == pytest.approx(0.25)
    assert ns.loc["SN-04", "missing_indicators"] == "revenue, investment, satisfaction"
    cov = dict(zip(r.scores_["scenario_id"], r.scores_["coverage"]))
    assert cov["HD-02"] == pytest.approx(0.8) and cov["HD-04"] == pytest.approx(0.7)
    log = r.cleaning_log_.to_frame()
    by = {(a, w): reason for a, w, reason in zip(log["action"], log["where"], log["reason"])}
    assert {w for a, w in by if a == "refused"} == {"黄岛区!C10", "市南区!B5"}
    excluded = {w: by[("excluded", w)] for a, w in by if a == "excluded"}
    assert set(excluded) == {"黄岛区!7:7", "黄岛区!11:11", "黄岛区!12:12"}
    assert excluded["黄岛区!7:7"].startswith("hidden row")
    assert excluded["黄岛区!11:11"].startswith("struck-through row")
    assert excluded["黄岛区!12:12"].startswith("summary row")
    assert ("skipped", "黄岛区!9:9") in by
    changed = {w for a, w in by if a == "changed"}
    assert {"黄岛区!C5", "黄岛区!D6", "黄岛区!F6", "黄岛区!C8", "黄岛区!D8", "黄岛区!F5"} <= changed
    # the committee table: every scenario, scored or not, with rank interval and coverage
    rep = r.report_
    assert list(rep["scenario_id"])[-1] == "SN-04" and pd.isna(rep["rank"].iloc[-1])
    assert rep["moved_most"].str.count(";").iloc[0] == 2


def test_cli_export_neutralises_formulas_and_lists_the_cleaning_log(book, tmp_path):
    toml = tmp_path / "system.toml"
    toml.write_text(_to_toml(DOC), encoding="utf-8")
    out = tmp_path / "out"
    code = cli_main(
        ["evaluate", "score", str(book), "--indicators", str(toml), "--out", str(out),
         "--all-sheets", "--refused", "missing", "--draws", "30"]
    )
    assert code == 0
    log = pd.read_csv(out / "cleaning_log.csv", encoding="utf-8-sig")
    assert set(log.loc[log["action"] == "refused", "where"]) == {"黄岛区!C10", "市南区!B5"}
    wb = load_workbook(out / "scores.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert not (isinstance(c.value, str) and c.value.startswith(("=", "+", "@"))), (
                    ws.title, c.coordinate, c.value)
    names = pd.read_excel(out / "scores.xlsx", sheet_name="scores")["scenario_name"].astype(str)
    assert names.str.startswith("'=HYPERLINK").sum() == 1 and names.str.startswith("'+cmd").sum() == 1
    text = (out / "report.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ',"=HYPERLINK' not in text  # names cannot run
    assert not math.isnan(pd.read_csv(out / "report.csv", encoding="utf-8-sig")["score"].iloc[0])


def _to_toml(doc) -> str:
    """A minimal TOML writer for the test system (tables, arrays of tables, scalars)."""
    lines = []

    def scal(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(scal(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {scal(x)}" for k, x in v.items()) + "}"
        return repr(v)

    def table(name, d, array=False):
        lines.append(f"[[{name}]]" if array else f"[{name}]")
        subs = []
        for k, v in d.items():
            if isinstance(v, dict) and k != "values":
                subs.append((f"{name}.{k}", v, False))
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                subs.extend((f"{name}.{k}", x, True) for x in v)
            else:
                lines.append(f"{k} = {scal(v)}")
        for n, v, a in subs:
            table(n, v, a)

    for k, v in doc.items():
        if isinstance(v, list):
            for x in v:
                table(k, x, True)
        else:
            table(k, v)
    return "\n".join(lines) + "\n"
