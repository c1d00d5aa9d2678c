"""The report font draws every character a report can carry; the PDF keeps every number whole
and is byte-identical wherever the package is installed; ``--overwrite`` removes only what the
tool wrote."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = ROOT / "scenarios_data" / "common_name_characters.txt"


def _groups() -> dict[str, str]:
    out = {}
    for line in NAMES.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k.strip()] = v.strip()
    return out


def name_sample(n: int = 500, seed: int = 0) -> list[str]:
    """``n`` person, firm and place names built from the list's groups (fixed seed)."""
    g = _groups()
    rng = random.Random(seed)
    names = []
    for i in range(n):
        kind = i % 3
        if kind == 0:      # a person: surname + one or two given-name characters
            names.append(rng.choice(g["surnames"]) + "".join(
                rng.choice(g["given"] + g["sample"]) for _ in range(rng.randint(1, 2))))
        elif kind == 1:    # a firm: place + trade name + line of business
            names.append(rng.choice(["青岛", "崂山", "黄岛", "即墨", "胶州"]) +
                         "".join(rng.choice(g["sample"] + g["given"]) for _ in range(2)) +
                         "".join(rng.choice(g["elements"]) for _ in range(rng.randint(0, 2))) +
                         rng.choice(["科技有限公司", "新材料股份有限公司", "智能装备有限公司",
                                     "生物医药研究院"]))
        else:              # a place
            names.append("".join(rng.choice(g["places"]) for _ in range(rng.randint(2, 4))))
    return names


@pytest.fixture(scope="module")
def cmap() -> frozenset[int]:
    from changjing.report.fonts import BUNDLED, _charmap

    return _charmap(str(BUNDLED))


def test_the_font_has_every_character_of_the_standard_list(cmap):
    from changjing.report.fontsubset import standard_hanzi

    hanzi = standard_hanzi()
    assert len(hanzi) == len(set(hanzi)) == 8105       # the list's published size
    assert hanzi[:3] == "一乙二" and hanzi[3499] == "矗"   # level 1 ends at row 3500
    assert [c for c in hanzi if ord(c) not in cmap] == []


def test_the_font_has_punctuation_and_full_width_forms(cmap):
    punct = "，。、；：？！“”‘’（）《》〈〉【】—…·～％＋－＝／￥℃①②③ⅠⅡ≤≥±×÷→Δμσ"
    assert [c for c in punct if ord(c) not in cmap] == []
    full = [chr(c) for c in range(0xFF01, 0xFF5F)]
    assert [c for c in full if ord(c) not in cmap] == []


def test_the_font_has_every_character_of_a_500_name_sample(cmap):
    names = name_sample()
    assert len(names) == 500
    chars = sorted(set("".join(names)) | set("".join(_groups().values())))
    assert len(chars) > 400
    assert [c for c in chars if ord(c) not in cmap] == []
    assert all(ord(c) in cmap for c in "崂锂钛钴鑫昊晟淼煜琪瑾麒麟")


def test_the_font_has_every_character_of_the_shipped_data_and_the_translations(cmap):
    from changjing.report import i18n

    text = []
    for p in sorted((ROOT / "scenarios_data").rglob("*")):
        if p.suffix in (".csv", ".toml", ".md", ".txt") and p.is_file():
            text.append(p.read_text(encoding="utf-8"))
    text += [zh for zh, _ in i18n.TEXT.values()]
    for table in (i18n._INSTRUMENTS, i18n._INDICATORS):
        text += [zh for zh, _ in table.values()]
    chars = {c for c in "".join(text) if ord(c) > 0x2E7F and c.isprintable()}
    assert len(chars) > 500
    assert sorted(c for c in chars if ord(c) not in cmap) == []


def test_a_system_font_is_used_when_asked(tmp_path, monkeypatch):
    from changjing.report import fonts

    try:
        source = fonts.system_font_path()
    except fonts.FontError:
        pytest.skip("no system Noto Sans CJK SC (apt-get install fonts-noto-cjk)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    font = fonts.find_cjk_font("system")
    assert not font.bundled and font.source == str(source)
    assert Path(font.path).parent == tmp_path / "changjing" / "fonts"
    assert fonts.missing_glyphs("青岛崂山锂电科技", font) == ""
    from fontTools.ttLib import TTFont

    assert "glyf" in TTFont(font.path)                 # converted to TrueType outlines
    with pytest.raises(fonts.FontError, match="not a font file"):
        fonts.find_cjk_font(str(tmp_path / "nope.ttf"))


# ---------------------------------------------------------------- PDF

def _wide_report():
    import pandas as pd

    from changjing.report.document import Report, Section, Table
    from changjing.report.fonts import find_cjk_font

    big = pd.DataFrame({f"c{j}": [1234567.891 * (j + 1) * (i + 1) for i in range(60)]
                        for j in range(9)})
    big.insert(0, "场景", [f"青岛崂山锂电钛材料智能制造示范场景 {i}" for i in range(60)])
    fmts = {f"c{j}": "float2" for j in range(9)}
    sec = Section("s", "宽表", level=1).add(
        Table("big", "很宽的数字表", big, {c: f"指标 {c}" for c in big.columns}, fmts))
    return Report("测试报告", "zh", "2026-01-01", [sec],
                  meta={"font": find_cjk_font(), "subtitle": "x"})


def test_pdf_never_clips_a_number_and_repeats_table_headers(tmp_path):
    pytest.importorskip("reportlab")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    from changjing.report.document import format_value
    from changjing.report.pdf import write_pdf

    report = _wide_report()
    pages = write_pdf(report, tmp_path / "w.pdf")
    assert pages >= 2
    txt = subprocess.run(["pdftotext", "-layout", str(tmp_path / "w.pdf"), "-"],
                         capture_output=True, text=True, check=True).stdout
    t = report.tables()[0]
    for col in t.formats:
        for v in t.frame[col]:
            assert format_value(v, "float2") in txt, v       # whole, never cut or broken
    per_page = txt.split("\f")
    with_rows = [p for p in per_page if "示范场景" in p]
    assert len(with_rows) >= 2 and all("指标 c0" in p for p in with_rows)   # header repeated


def test_pdf_bytes_do_not_depend_on_the_install_path(tmp_path):
    pytest.importorskip("reportlab")
    import dataclasses

    from changjing.report.pdf import write_pdf

    report = _wide_report()
    font = report.meta["font"]
    write_pdf(report, tmp_path / "a.pdf")
    moved = tmp_path / "elsewhere" / "fonts"
    moved.mkdir(parents=True)
    shutil.copy(font.path, moved / Path(font.path).name)
    report.meta["font"] = dataclasses.replace(font, path=str(moved / Path(font.path).name))
    write_pdf(report, tmp_path / "b.pdf")
    a, b = (tmp_path / "a.pdf").read_bytes(), (tmp_path / "b.pdf").read_bytes()
    assert a == b
    assert str(Path(font.path).parent).encode() not in a
    assert not re.search(rb"/CreationDate \(D:20[2-9]", a)   # invariant mode: fixed date


# ---------------------------------------------------------------- --overwrite

def test_overwrite_keeps_what_the_tool_did_not_write(tmp_path):
    from changjing.report.build import write_report
    from changjing.report.errors import ReportError

    report = _wide_report()
    out = tmp_path / "r.html"
    # a folder of the user's that happens to have the figures folder's name
    (tmp_path / "r_figures").mkdir()
    (tmp_path / "r_figures" / "mine.txt").write_text("keep me")
    with pytest.raises(ReportError, match="not written by changjing report"):
        write_report(report, out, overwrite=True)
    assert (tmp_path / "r_figures" / "mine.txt").read_text() == "keep me"
    assert not out.exists()
    shutil.rmtree(tmp_path / "r_figures")
    # a folder at the HTML file's name is never removed
    (tmp_path / "r.html").mkdir()
    with pytest.raises(ReportError, match="not a file"):
        write_report(report, out, overwrite=True)
    assert (tmp_path / "r.html").is_dir()
    (tmp_path / "r.html").rmdir()
    # written by the tool: replaced; a file the user added to the folder stays
    write_report(report, out)
    (tmp_path / "r_figures" / "notes.txt").write_text("mine")
    write_report(report, out, overwrite=True)
    assert (tmp_path / "r_figures" / "notes.txt").read_text() == "mine"
    assert out.is_file()


# ---------------------------------------------------------------- complete Chinese

def _user_names(inputs) -> set[str]:
    """Words the user chose (folder, experiment, run and arm names; input columns; indicator
    and criterion ids; scenario names): a report shows them as given."""
    import json
    import tomllib

    import pandas as pd

    from conftest import NASTY, ROOT, SAMPLE

    words: set[str] = {p.name for p in inputs.values()} | {"tiny", "small", NASTY}
    words |= set(pd.read_csv(SAMPLE / "panel_match.csv", nrows=1).columns)
    scen = pd.read_csv(SAMPLE / "completed_scenarios.csv", encoding="utf-8-sig")
    words |= {w for v in scen.to_numpy().ravel().astype(str)
              for w in re.findall(r"[A-Za-z][A-Za-z0-9_-]*", v)}
    system = tomllib.loads((ROOT / "scenarios_data" / "indicators" /
                            "qingdao_default.toml").read_text(encoding="utf-8"))
    words |= {w for w in re.findall(r'"([A-Za-z][A-Za-z0-9_.-]*)"', json.dumps(system))}
    return {w for x in words for w in re.findall(r"[A-Za-z][A-Za-z0-9_.'-]*[A-Za-z0-9]|[A-Za-z]",
                                                   str(x))}


def test_a_chinese_report_has_no_untranslated_words(inputs, tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _latin import latin_words, visible_text

    from changjing.report.build import build_report, write_report

    report = build_report([inputs["sweep"], inputs["run"], inputs["score"], inputs["impact"]],
                          lang="zh", date="2026-04-16")
    written = write_report(report, tmp_path / "zh.html")
    text = visible_text(written.html.read_text(encoding="utf-8"))
    left = latin_words(text, _user_names(inputs))
    assert left == set(), sorted(left)
    # the checker itself catches English: the same report in English is full of words
    en = build_report([inputs["run"]], lang="en", date="2026-04-16")
    page = write_report(en, tmp_path / "en.html").html.read_text(encoding="utf-8")
    assert len(latin_words(visible_text(page), set())) > 30


# ---------------------------------------------------------------- defects

def test_a_control_character_in_a_name_does_not_break_the_workbook(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    from changjing.report.document import Report, Section, Table
    from changjing.report.xlsx import write_xlsx

    frame = pd.DataFrame({"name": ["青岛\x01崂山\x1f科技", "=1+1", "ok"], "v": [1.0, 2.0, 3.0]})
    sec = Section("s", "t\x07itle", level=1).add(Table("names", "名\x0b单", frame))
    write_xlsx(Report("r", "zh", "2026-01-01", [sec]), tmp_path / "x.xlsx")
    ws = load_workbook(tmp_path / "x.xlsx")["names"]
    assert [c.value for c in ws["A"][1:]] == ["青岛\ufffd崂山\ufffd科技", "'=1+1", "ok"]


def test_the_html_shows_values_without_the_spreadsheet_safety_apostrophe(tmp_path):
    from changjing.report.document import read_table

    (tmp_path / "t.csv").write_text("name,'=bad\n'=HYPERLINK(1),x\n'plain,y\n'-3,z\n",
                                    encoding="utf-8")
    frame = read_table(tmp_path / "t.csv")
    assert list(frame.columns) == ["name", "=bad"]
    assert list(frame["name"]) == ["=HYPERLINK(1)", "'plain", "-3"]   # only the safety mark


def test_the_legend_names_the_right_arm_when_an_arm_has_no_runs():
    import pandas as pd

    from changjing.report import figures as F

    rows = []
    for arm, level in (("b", 10.0), ("c", 20.0)):          # arm "a" has no runs at all
        for step in range(3):
            rows.append({"arm": arm, "step": step, "date": f"2026-0{step + 1}",
                         "indicator": "firms_served", "mean": level + step, "p05": level,
                         "p95": level + 5})
    fig = F.trajectories(pd.DataFrame(rows), ["firms_served"], {}, {}, ["a", "b", "c"], "t")
    legend = fig.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == ["b", "c"]
    ax = fig.axes[0]
    by_label = dict(zip(labels, legend.legend_handles, strict=True))
    for arm, level in (("b", 10.0), ("c", 20.0)):
        line = next(ln for ln in ax.get_lines() if ln.get_color() == by_label[arm].get_color()
                    and len(ln.get_ydata()) == 3)
        assert line.get_ydata()[0] == level                  # the label sits on its own line
    import matplotlib.pyplot as plt

    plt.close(fig)
