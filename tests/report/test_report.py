"""Reports for a sweep, a run, a scoring and an impact output: structure, numbers taken from
the stores, images that decode, escaping, no network references, CJK font, PDF pages, XLSX."""

from __future__ import annotations

import base64
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from changjing.report.build import build_report, write_report
from changjing.report.document import format_value, yuan

from ._html import Page
from .conftest import NASTY

TARGETS = ("super_scenarios", "technologies_promoted", "firms_attracted", "firms_served")


@pytest.fixture(scope="module")
def sweep_report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep_report") / "report.html"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build_report([inputs["sweep"], inputs["run"]], lang="zh", date="2026-04-16")
        written = write_report(report, out, pdf=True, xlsx=True)
    # matplotlib only warns about a glyph it cannot draw (and draws a box): none allowed
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing[:3]
    return report, written, out.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def eval_report(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_report") / "eval.html"
    report = build_report([inputs["score"], inputs["impact"]], lang="en", date="2026-04-16")
    written = write_report(report, out, pdf=True, xlsx=True)
    return report, written, out.read_text(encoding="utf-8")


def store_final(folder):
    from changjing.simulate.store import ResultStore

    store = ResultStore(folder)
    try:
        return store.final(), store.funnel(), store.runs()
    finally:
        store.close()


def wilson(k: int, n: int, z: float = stats.norm.ppf(0.975)) -> tuple[float, float]:
    """Wilson (1927) score interval, written out independently of the library."""
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


# ---------------------------------------------------------------- sweep + run

def test_sweep_report_has_every_section(sweep_report):
    _, _, text = sweep_report
    page = Page(text)
    # the two-arm grid is not a Sobol'/Morris design: the section says so, no invented ranking
    assert "不是 Sobol 或 Morris 设计" in text
    for key in ("sweep", "sweep-summary", "sweep-trajectories", "sweep-funnel", "sweep-budget",
                "sweep-paired", "sweep-sensitivity", "sweep-discovery", "run-run",
                "run-run-summary", "run-run-funnel", "run-run-budget", "provenance"):
        assert key in page.section_ids, key
    # the order a decision-maker reads: summary first, provenance last
    assert page.section_ids.index("sweep-summary") < page.section_ids.index("sweep-trajectories")
    assert page.section_ids[-1].startswith("provenance")


def test_target_probabilities_match_the_store(sweep_report, inputs):
    """Each cell 'p% (lo–hi)' equals the share of runs whose final value reaches the target,
    computed here from the store's final rows, with a hand-written Wilson interval."""
    _, _, text = sweep_report
    final, _, _ = store_final(inputs["sweep"])
    targets = {"super_scenarios": 1, "technologies_promoted": 1, "firms_attracted": 45,
               "firms_served": 200}
    header, rows = Page(text).table("targets_by_arm")
    assert len(header) == 1 + len(TARGETS) + 1
    by_arm = {r[0]: r[1:] for r in rows}
    assert set(by_arm) == {NASTY, "1x"}
    for arm, g in final.groupby("arm"):
        reached = pd.DataFrame({k: g[k] >= v for k, v in targets.items()})
        cells = []
        for col in [*TARGETS, "all"]:
            hit = reached.all(axis=1) if col == "all" else reached[col]
            k, n = int(hit.sum()), len(hit)
            lo, hi = wilson(k, n)
            cells.append(f"{k / n * 100:.0f}% ({lo * 100:.0f}–{hi * 100:.0f})")
        assert by_arm[arm] == cells, arm


def test_cheapest_arm_is_the_cheapest_that_reaches(sweep_report, inputs):
    _, _, text = sweep_report
    final, _, _ = store_final(inputs["sweep"])
    spent = final.groupby("arm")["budget_spent_yuan"].mean()
    _, rows = Page(text).table("cheapest_arm")
    from changjing.report.i18n import label

    got = {r[0]: r[1] for r in rows}
    for code, target in (("firms_served", 200), ("technologies_promoted", 1),
                         ("firms_attracted", 45)):
        # the rule: the 95 % Wilson *lower* bound clears 0.8 (Wilson 1927, closed form)
        def low(s, t=target, z=1.959963984540054):
            n, q = len(s), (s >= t).mean()
            return (q + z * z / (2 * n) - z * np.sqrt(q * (1 - q) / n + z * z / (4 * n * n))) \
                / (1 + z * z / n)

        p = final.groupby("arm")[code].apply(low)
        ok = p[p >= 0.8].index
        want = spent.loc[ok].idxmin() if len(ok) else "–"
        assert got[label(code, "zh")] == want, code
        if len(ok):
            assert yuan(spent[want], "zh") in " ".join(rows[[r[0] for r in rows].index(
                label(code, "zh"))])
    assert got["四项全部达成"] == "–"           # super_scenarios = 1 is never reached
    assert "没有一个试验方案能以足够把握（区间下限不低于 80%）达成“四项全部达成”" in text


def test_funnel_and_cost_tables_match_the_store(sweep_report, inputs):
    _, _, text = sweep_report
    final, funnel, runs = store_final(inputs["sweep"])
    page = Page(text)
    header, rows = page.table("funnel")
    frame = funnel.merge(runs[["run_id", "arm"]], on="run_id")
    from changjing.report.i18n import label

    means = frame.groupby(["arm", "stage"])[["entered", "failed", "waiting_end"]].mean()
    seen = 0
    for r in rows:
        arm, stage_label = r[0], r[1]
        stage = next(s for s in ("solicitation", "selection", "release", "implementation",
                                 "evaluation") if label(s, "zh") == stage_label)
        m = means.loc[(arm, stage)]
        assert r[2] == f"{m['entered']:,.1f}" and r[4] == f"{m['failed']:,.1f}" and \
            r[5] == f"{m['waiting_end']:,.1f}"
        seen += 1
    assert seen == 10
    # stages in lifecycle order within each arm
    assert [r[1] for r in rows[:5]] == [label(s, "zh") for s in (
        "solicitation", "selection", "release", "implementation", "evaluation")]
    header, rows = page.table("cost_per_unit")
    spent = final.groupby("arm")["budget_spent_yuan"].mean()
    served = final.groupby("arm")["firms_served"].mean()
    col = header.index(label("firms_served", "zh"))
    for r in rows:
        assert r[1] == yuan(spent[r[0]], "zh")
        assert r[col] == yuan(spent[r[0]] / served[r[0]], "zh")


def test_paired_differences_match_the_store(sweep_report, inputs):
    _, _, text = sweep_report
    final, _, _ = store_final(inputs["sweep"])
    _, rows = Page(text).table("paired")
    base = final[final["arm"] == "1x"].set_index(["point", "replication"])
    other = final[final["arm"] == NASTY].set_index(["point", "replication"])
    d = (other["firms_served"] - base["firms_served"]).to_numpy(float)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    from changjing.report.i18n import label

    row = next(r for r in rows if r[1] == label("firms_served", "zh"))
    assert row[0] == NASTY and row[2] == str(len(d))
    assert row[3:] == [format_value(v, "float1") for v in (d.mean(), d.mean() - half,
                                                           d.mean() + half)]


def test_run_section_numbers_come_from_summary_csv(sweep_report, inputs):
    _, _, text = sweep_report
    summary = pd.read_csv(inputs["run"] / "summary.csv")
    _, rows = Page(text).table("run_summary")
    assert [r[1] for r in rows] == [f"{v:,.0f}" for v in summary["value"]]
    assert [r[3] for r in rows] == [f"{v * 100:.0f}%" for v in summary["share_of_target"]]


def test_html_escapes_user_strings_and_never_reaches_the_network(sweep_report):
    _, _, text = sweep_report
    assert "<script" not in text.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert not re.search(r"(?i)https?://", text)
    refs = re.findall(r"(?i)\b(?:src|href|action|poster)\s*=\s*[\"']?([^\"'\s>]*)", text)
    assert refs and all(r.startswith(("data:", "#")) for r in refs), \
        "only data: images and in-page links are allowed"
    assert not re.search(r"(?i)@import|url\((?!data:)", text)
    page = Page(text)
    for tag, key, value in page.attrs_seen:
        assert not key.lower().startswith("on"), (tag, key)
        if key in ("src", "href"):
            assert value.startswith(("data:", "#")), value


def test_embedded_images_decode(sweep_report):
    from matplotlib import image as mpimg

    report, written, text = sweep_report
    page = Page(text)
    assert len(page.images) == len(report.figures()) >= 8
    for img in page.images:
        head, data = img["src"].split(",", 1)
        assert head == "data:image/png;base64"
        raw = base64.b64decode(data, validate=True)
        assert raw[:8] == b"\x89PNG\r\n\x1a\n"
        arr = mpimg.imread(io.BytesIO(raw), format="png")
        assert arr.shape[0] > 100 and arr.shape[1] > 300 and arr.std() > 0.01
    svgs = [p for p in written.figures if p.suffix == ".svg"]
    pngs = [p for p in written.figures if p.suffix == ".png"]
    assert len(svgs) == len(pngs) == len(page.images)
    for p in svgs:
        root = ET.fromstring(p.read_bytes())
        assert root.tag.endswith("svg")
        assert b"http://www.w3.org" in p.read_bytes()[:2000]   # namespace only, in the file


def test_cjk_text_is_drawn_with_the_bundled_cjk_font(sweep_report):
    """The figures' text resolves to the bundled Noto Sans SC subset, every CJK label the
    report used is in its character map, and the PDF embeds it as a TrueType font."""
    from changjing.report.fonts import BUNDLED, missing_glyphs

    report, written, _ = sweep_report
    font = report.meta["font"]
    assert font is not None and font.bundled and font.path == str(BUNDLED)
    for f in report.figures():
        assert str(BUNDLED) in f.fonts, f.key
    labels = " ".join([s.title for s in report.sections] + [f.title for f in report.figures()]
                      + [t.title for t in report.tables()])
    assert re.search(r"[\u4e00-\u9fff]", labels)
    assert missing_glyphs(labels, font) == ""
    pdf = written.pdf.read_bytes()
    fonts = set(re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([A-Za-z0-9-]+)", pdf))
    assert b"NotoSansSCchangjing-Regular" in fonts
    assert b"/FontFile2" in pdf                       # TrueType program embedded


def test_a_cjk_title_renders_without_missing_glyphs():
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    from changjing.report.fonts import find_cjk_font, rc_params

    font = find_cjk_font()
    before = dict(matplotlib.rcParams)
    with matplotlib.rc_context(rc_params(font)):
        fig, ax = plt.subplots()
        title = ax.set_title("青岛市场景创新“十百千”工程：全链条服务企业")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
        used = font_manager.findfont(title.get_fontproperties())
        plt.close(fig)
    assert not [w for w in caught if "missing from" in str(w.message)]
    assert used == font.path
    assert dict(matplotlib.rcParams) == before         # the report leaves global settings


def test_pdf_has_the_expected_pages(sweep_report):
    report, written, _ = sweep_report
    pdf = written.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))
    counts = [int(c) for c in re.findall(rb"/Count\s+(\d+)\s*/Kids", pdf)]
    assert pages == written.pdf_pages == max(counts)
    # a cover page, then every top-level section starts a page of its own
    level1 = sum(1 for s in report.sections if s.level <= 1)
    assert pages >= 1 + level1
    assert pages <= 1 + level1 + 2 * len(report.figures()) + len(report.tables())


def test_workbook_has_one_sheet_a_table_with_formulas_neutralised(sweep_report):
    from openpyxl import load_workbook

    report, written, _ = sweep_report
    wb = load_workbook(written.xlsx)
    tables = [t for t in report.tables() if t.sheet]
    assert wb.sheetnames[0] == "contents"
    assert len(wb.sheetnames) == 1 + len(tables)
    for name, t in zip(wb.sheetnames[1:], tables, strict=True):
        ws = wb[name]
        assert ws.max_row == len(t.frame) + 1, name
        assert ws.max_column == t.frame.shape[1], name
    ws = wb["targets"]
    arms = [c.value for c in ws["A"][1:] if c.value]
    assert f"'{NASTY}" in arms                       # neutralised: a text cell, not a formula
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    # raw numbers, not formatted strings
    probs = [c.value for c in ws[1]]
    col = probs.index("probability")
    assert all(isinstance(r[col].value, (int, float)) for r in ws.iter_rows(min_row=2))


def test_same_inputs_same_report(inputs, tmp_path):
    import matplotlib

    def settings() -> dict:   # the backend name may resolve lazily ("agg" vs "Agg")
        return {k: v for k, v in matplotlib.rcParams.items() if k != "backend"}

    before = settings()
    a = build_report([inputs["sweep"]], lang="en", date="2026-04-16")
    assert settings() == before                        # settings applied in a context only
    b = build_report([inputs["sweep"]], lang="en", date="2026-04-16")
    wa = write_report(a, tmp_path / "a" / "r.html", pdf=True, xlsx=True)
    wb = write_report(b, tmp_path / "b" / "r.html", pdf=True, xlsx=True)
    assert wa.html.read_bytes() == wb.html.read_bytes()
    assert wa.pdf.read_bytes() == wb.pdf.read_bytes()
    assert wa.xlsx.read_bytes() == wb.xlsx.read_bytes()
    for fa, fb in zip(wa.figures, wb.figures, strict=True):
        assert fa.name == fb.name and fa.read_bytes() == fb.read_bytes()
    text = wa.html.read_text(encoding="utf-8")
    assert str(inputs["root"]) not in text             # no absolute temp paths


# ---------------------------------------------------------------- scoring + impact

def test_scoring_report(eval_report, inputs):
    _, _, text = eval_report
    page = Page(text)
    for key in ("score-score", "score-score-ranking", "score-score-subscores",
                "score-score-weights", "score-score-stability"):
        assert key in page.section_ids, key
    scores = pd.read_csv(inputs["score"] / "scores.csv", encoding="utf-8-sig")
    header, rows = page.table("ranking")
    assert len(rows) == 20
    for r, s in zip(rows, scores.sort_values("rank").itertuples(), strict=False):
        assert r[:5] == [str(s.rank), s.scenario_id, s.scenario_name, f"{s.score:,.2f}",
                         s.grade_en]
    weights = pd.read_csv(inputs["score"] / "weights.csv", encoding="utf-8-sig")
    _, rows = page.table("criterion_weights")
    crit = weights.drop_duplicates("criterion_id")
    assert [r[0] for r in rows] == list(crit["criterion_id"])
    assert [r[2] for r in rows] == [f"{w:,.3f}" for w in crit["criterion_weight"]]
    _, rows = page.table("rank_stability")
    assert [r[2] for r in rows[:5]] == [f"{v * 100:.0f}%" for v in
                                        scores.sort_values("rank")["p_same_rank"][:5]]
    # Chinese scenario names in an English report: the page embeds the CJK font
    assert "@font-face" in text and "font/woff" in text


def test_impact_report(eval_report, inputs):
    _, _, text = eval_report
    page = Page(text)
    manifest = json.loads((inputs["impact"] / "manifest.json").read_text(encoding="utf-8"))
    for key in ("impact-impact", "impact-impact-estimates", "impact-impact-figures",
                "impact-impact-diagnostics"):
        assert key in page.section_ids, key
    header, rows = page.table("impact_headline")
    assert rows[0][1] == f"{manifest['estimate']:.3g}"
    assert rows[0][3] == f"{manifest['ci'][0]:.3g}" and rows[0][4] == f"{manifest['ci'][1]:.3g}"
    assert "logit propensity score" in text           # the design in words
    for w in manifest["warnings"]:
        assert w.replace("'", "&#x27;") in text
    balance = pd.read_csv(inputs["impact"] / "diagnostics_balance.csv")
    header, rows = page.table("diag_balance")
    assert [r[0] for r in rows] == list(balance["covariate"])
    from changjing.report.i18n import term

    col = header.index(term("smd_after", "en"))         # "SMD after": a label, not the code
    assert [r[col] for r in rows] == [f"{v:.4g}" for v in balance["smd_after"]]


def test_provenance_lists_hashes_seeds_and_commands(eval_report, sweep_report, inputs):
    _, _, text = sweep_report
    manifest = json.loads((inputs["sweep"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["experiment_hash"] in text
    assert str(manifest["root_seed"]) in text
    assert "changjing reproduce sweep" in text
    assert "changjing report sweep run" in text
    _, _, etext = eval_report
    assert "changjing evaluate score completed_scenarios.csv --indicators " \
           "qingdao_default.toml --out score --seed 0 --draws 100" in etext
    imp = json.loads((inputs["impact"] / "manifest.json").read_text(encoding="utf-8"))
    assert imp["input"]["sha256"] in etext
