"""A Sobol' sweep (sensitivity section) and a scoring table whose scenario names carry HTML
and spreadsheet formulas."""

from __future__ import annotations

import pandas as pd
import pytest

from changjing.report.build import build_report, write_report

from ._html import Page
from .conftest import BASE, ROOT, SAMPLE

SOBOL = """
[experiment]
name = "tiny_sobol"
base = "base.toml"
replications = 2
root_seed = 11

[design]
type = "sobol"
samples = 8

[uncertainties.arrivals]
key = "attraction.arrivals_per_month"
range = [0.5, 8.0]

[uncertainties.match_rate]
key = "lifecycle.match_rate_per_month"
range = [0.1, 0.5]
"""


def test_sensitivity_section_shows_the_analysis_indices(tmp_path):
    from changjing.simulate.analysis import analyze
    from changjing.simulate.sweep import sweep

    (tmp_path / "base.toml").write_text(BASE, encoding="utf-8")
    (tmp_path / "exp.toml").write_text(SOBOL, encoding="utf-8")
    sweep(tmp_path / "exp.toml", tmp_path / "sw", workers=1)
    report = build_report([tmp_path / "sw"], lang="en", date="2026-04-16")
    written = write_report(report, tmp_path / "r.html")
    page = Page(written.html.read_text(encoding="utf-8"))
    assert "f-sweep_sensitivity" in written.html.read_text(encoding="utf-8")
    header, rows = page.table("sensitivity")
    sens = analyze(tmp_path / "sw").tables["sensitivity"]
    sens = sens.dropna(subset=["ST"])
    assert len(rows) >= len(sens)                      # constant outputs are listed, NaN
    from changjing.report.i18n import label

    shown = {(r[0], r[1]): r for r in rows}
    for r in sens.itertuples():
        row = shown[(label(r.output, "en"), r.param)]
        assert row[header.index("S1")] == f"{r.S1:,.3f}"
        assert row[header.index("ST")] == f"{r.ST:,.3f}"
    assert {s.key for s in report.sections} >= {"sweep-sensitivity", "sweep-discovery"}


@pytest.fixture(scope="module")
def nasty_scores(tmp_path_factory):
    from changjing.cli import main

    tmp = tmp_path_factory.mktemp("nasty")
    data = pd.read_csv(SAMPLE / "completed_scenarios.csv", encoding="utf-8-sig")
    data["scenario_name"] = data["scenario_name"].astype(object)
    data.loc[data.index[:3], "scenario_name"] = [
        '<img src=x onerror="alert(1)">', "=HYPERLINK(\"http://evil\")", "<script>x</script>"]
    data.to_csv(tmp / "scen.csv", index=False, encoding="utf-8")
    assert main(["evaluate", "score", str(tmp / "scen.csv"), "--indicators",
                 str(ROOT / "scenarios_data" / "indicators" / "qingdao_default.toml"),
                 "--out", str(tmp / "score"), "--draws", "50", "--robustness", "none"]) == 0
    return tmp / "score"


def test_scenario_names_are_escaped_in_html_and_neutralised_in_xlsx(nasty_scores, tmp_path):
    from openpyxl import load_workbook

    report = build_report([nasty_scores], lang="zh", date="2026-04-16")
    for t in report.tables():
        t.max_rows = None                              # put every scenario on the page
    written = write_report(report, tmp_path / "r.html", xlsx=True)
    text = written.html.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "<script>x" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text
    assert "&lt;script&gt;x&lt;/script&gt;" in text
    assert "http://evil" not in text.replace("&quot;", '"').split("</style>", 1)[0]
    page = Page(text)
    names = [r[2] for r in page.table("ranking")[1]]
    assert '<img src=x onerror="alert(1)">' in names   # shown as text, exactly
    assert all(img["src"].startswith("data:") for img in page.images)
    ws = load_workbook(written.xlsx)["ranking"]
    col = [c.value for c in ws[1]].index("场景")
    values = [r[col].value for r in ws.iter_rows(min_row=2)]
    assert "'=HYPERLINK(\"http://evil\")" in values
    assert all(r[col].data_type == "s" for r in ws.iter_rows(min_row=2))


def test_failed_runs_are_counted_and_left_out(inputs, tmp_path):
    """A run recorded as failed is named in the summary and excluded from the statistics."""
    import shutil
    import sqlite3

    folder = tmp_path / "sweep"
    shutil.copytree(inputs["sweep"], folder)
    con = sqlite3.connect(folder / "results.sqlite")
    con.execute("UPDATE runs SET status = 'failed', error = 'boom' WHERE run_id = 0")
    arm = con.execute("SELECT arm FROM runs WHERE run_id = 0").fetchone()[0]
    con.commit()
    con.close()
    report = build_report([folder], lang="en", date="2026-04-16")
    text = write_report(report, tmp_path / "r.html").html.read_text(encoding="utf-8")
    assert "6 runs (5 finished, 1 failed)" in text
    assert "1 run(s) failed and are left out of every statistic" in text
    tidy = next(t for t in report.tables() if t.key == "targets").frame
    assert set(tidy.loc[tidy["arm"] == arm, "runs"]) == {2}
