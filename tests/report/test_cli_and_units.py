"""The ``changjing report`` command, the English fallback without a CJK font, and the small
helpers (file and sheet names, text wrapping, kind detection)."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from changjing.report.document import Report, Section, Table, safe_name
from changjing.report.errors import ReportError


def cli(argv: list[str]) -> int:
    """Run the report sub-command as the CLI does (its module registers its own parser)."""
    from changjing.cli import report
    from changjing.cli._errors import report_errors

    parser = argparse.ArgumentParser(prog="changjing")
    report.register(parser.add_subparsers())
    args = parser.parse_args(["report", *argv])
    with report_errors() as outcome:
        outcome.code = args.func(args)
    return outcome.code


def test_cli_writes_html_pdf_xlsx_and_figures(inputs, tmp_path, capsys):
    out = tmp_path / "r" / "report.html"
    code = cli([str(inputs["run"]), "--out", str(out), "--pdf", "--xlsx", "--lang", "en",
                "--date", "2026-04-16"])
    assert code == 0
    assert out.is_file() and out.with_suffix(".pdf").is_file() and \
        out.with_suffix(".xlsx").is_file()
    figs = sorted(p.name for p in (tmp_path / "r" / "report_figures").iterdir()
                  if not p.name.startswith("."))
    assert figs and {p.rsplit(".", 1)[1] for p in figs} == {"png", "svg"}
    assert "wrote" in capsys.readouterr().out
    assert not [p for p in (tmp_path / "r").iterdir() if p.name.startswith(".")], \
        "no staging leftovers"
    # an existing report is refused without --overwrite, accepted with it
    assert cli([str(inputs["run"]), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    assert cli([str(inputs["run"]), "--out", str(out), "--overwrite", "--quiet"]) == 0


@pytest.mark.parametrize("argv, message", [
    (["{missing}", "--out", "{out}"], "no such folder"),
    (["{empty}", "--out", "{out}"], "no manifest.json"),
    (["{run}", "--out", "{tmp}/report.txt"], "ending in .html"),
    (["{run}", "--out", "{out}", "--date", "16/04/2026"], "YYYY-MM-DD"),
    (["{run}", "--out", "{out}", "--probability", "1.5"], "(0, 1]"),
    (["{run}", "{run}", "--out", "{out}"], "given twice"),
    (["{odd}", "--out", "{out}"], "did you mean 'changjing.run'"),
])
def test_cli_errors_are_one_clear_line(inputs, tmp_path, capsys, argv, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "manifest.json").write_text(json.dumps({"kind": "changjing.rnu"}))
    subs = {"missing": str(tmp_path / "nope"), "empty": str(tmp_path / "empty"),
            "odd": str(tmp_path / "odd"), "run": str(inputs["run"]), "tmp": str(tmp_path),
            "out": str(tmp_path / "o.html")}
    code = cli([a.format(**subs) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_without_a_cjk_font_the_report_falls_back_to_english(inputs, monkeypatch, tmp_path):
    from changjing.report import build, fonts

    try:
        with monkeypatch.context() as m:
            m.setattr(fonts, "BUNDLED", tmp_path / "none.ttf")
            m.setattr(fonts, "SYSTEM_FAMILIES", ())
            fonts.find_cjk_font.cache_clear()
            with pytest.warns(RuntimeWarning, match="no CJK font"):
                report = build.build_report([inputs["run"]], lang="zh", date="2026-04-16")
        assert report.lang == "en"
        assert any("falls back to English" in w for w in report.warnings)
        assert report.sections[0].title.startswith("Single simulation run")
    finally:
        fonts.find_cjk_font.cache_clear()       # the real font again for the other tests
        assert fonts.find_cjk_font() is not None


def test_file_and_sheet_names_are_sanitised():
    from changjing.report.xlsx import sheet_name

    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("<script>alert(1)</script>") == "script_alert_1_script"
    assert safe_name("场景") == "x"
    assert "/" not in safe_name("a/b\\c:d") and len(safe_name("y" * 500)) == 60
    used: set[str] = set()
    names = [sheet_name(k, used) for k in ("a[1]:b*?/\\", "x" * 40, "x" * 40, "A[1]_b____")]
    assert names[0] == "a_1__b____"
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == 4


def test_pdf_column_widths_never_cut_a_number():
    """Numeric columns get at least their widest cell's real advance width (measured by
    reportlab from the font), text columns wrap into what is left; when the numbers alone do
    not fit, the function says so instead of clipping."""
    pytest.importorskip("reportlab")
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from changjing.report.fonts import find_cjk_font
    from changjing.report.pdf import _register_font, column_widths

    name = _register_font(find_cjk_font())
    header = ["方案", "概率", "平均支出"]
    cells = [["全链条场景创新服务企业" * 3, "82%", "6,123.4 万元"], ["1x", "100%", "1.23 亿元"]]
    widths = column_widths(header, cells, {1, 2}, name, 8, 200)
    assert widths is not None and sum(widths) <= 200 + 1e-6
    for j in (1, 2):
        assert widths[j] >= max(stringWidth(r[j], name, 8) for r in cells)
    wide = [["1,234,567,890.12"] * 12]
    assert column_widths(["x"] * 12, wide, set(range(12)), name, 8, 400) is None


def test_xlsx_neutralises_formula_cells(tmp_path):
    from openpyxl import load_workbook

    from changjing.report.xlsx import write_xlsx

    frame = pd.DataFrame({"name": ["=1+1", "+SUM(A1)", "@cmd", "-2+3", "safe"],
                          "value": [1.0, 2.0, 3.0, float("nan"), 5.0]})
    report = Report("t", "en", "2026-04-16", [Section("s", "S", [Table("t=1", "=t", frame)])])
    names = write_xlsx(report, tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")[names[0]]
    cells = [c.value for c in ws["A"][1:]]
    assert cells == ["'=1+1", "'+SUM(A1)", "'@cmd", "'-2+3", "safe"]
    assert all(c.data_type == "s" for c in ws["A"][1:])
    assert ws["B5"].value is None                      # NaN → empty, not the text 'nan'
    index = load_workbook(tmp_path / "t.xlsx")["contents"]
    assert index["B2"].value == "'=t"


def test_kind_detection(tmp_path):
    from changjing.report.sections import detect_kind

    assert detect_kind(tmp_path, {"kind": "changjing.sweep"}) == "changjing.sweep"
    assert detect_kind(tmp_path, {"tool": "changjing evaluate score"}) == "changjing.score"
    assert detect_kind(tmp_path, {"command": "changjing evaluate impact"}) == "changjing.impact"
    with pytest.raises(ReportError, match="cannot tell"):
        detect_kind(tmp_path, {"seed": 1})


def test_embedded_font_is_the_bundled_font_unchanged():
    """The @font-face data is the shipped subset as WOFF, with its own head timestamp (fontTools
    would otherwise stamp the save time, and two reports would differ)."""
    import base64
    import io
    import re

    from fontTools.ttLib import TTFont

    from changjing.report.fonts import BUNDLED, find_cjk_font, font_face_css

    css = font_face_css(find_cjk_font())
    data = base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)\)", css).group(1))
    assert data[:4] == b"wOFF"
    woff, ttf = TTFont(io.BytesIO(data)), TTFont(BUNDLED)
    assert woff["head"].modified == ttf["head"].modified
    assert set(woff.getBestCmap()) == set(ttf.getBestCmap())
    assert len(BUNDLED.read_bytes()) < 3_000_000          # "a few MB at most"


def test_eta_counts_over_every_completed_run():
    """Four workers, runs of 10 s each finishing in bursts of four: the ETA is right after
    the first burst and stays right, where a short-window speed would swing."""
    from changjing.cli._progress import Eta, format_eta

    eta = Eta(total=40, start=0.0)
    assert eta.seconds() is None                       # nothing finished yet: no guess
    for burst in range(1, 10):
        t = 10.0 * burst
        eta.update(4 * burst, t + 0.01)                # the burst's four completions
        truth = 10.0 * (10 - burst)                    # 40 runs / 4 workers × 10 s
        assert eta.seconds() == pytest.approx(truth, rel=0.01)
        eta.update(4 * burst, t + 5.0)                 # half-way to the next burst
        assert eta.seconds() == pytest.approx(truth, rel=0.6)   # no swing to 0 or ∞
    resumed = Eta(total=40, start=0.0, done=20)        # a resume: 20 were done before
    resumed.update(24, 10.0)
    assert resumed.seconds() == pytest.approx(40.0)
    assert format_eta(3725.2) == "1:02:05" and format_eta(None) == "–:–:–"


def test_analyze_prints_its_summary_in_chinese(inputs, tmp_path, capsys):
    from changjing.cli import main
    from changjing.report.i18n import label

    assert main(["analyze", str(inputs["sweep"]), "--lang", "zh", "--out",
                 str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "各方案期末达成“十百千”目标的概率" in out and "已写出" in out
    assert label("firms_served", "zh") in out and "四项全部达成" in out
    for en in ("chance of reaching", "attracted", "all four", "wrote"):
        assert en not in out


def test_the_progress_callable_feeds_the_eta():
    from changjing.cli._progress import Advance

    seen = []
    adv = Advance(lambda **kw: seen.append(kw))
    adv(0, 10)
    adv(5, 10)
    adv.note("worker memory 100 MB")
    assert seen[0]["eta"] == "–:–:–" and seen[1]["completed"] == 5
    assert seen[1]["eta"] != "–:–:–" and seen[2] == {"note": "worker memory 100 MB"}
