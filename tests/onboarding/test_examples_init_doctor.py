"""Shipped examples by name, `changjing init`, `changjing doctor` and `--version`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from changjing import __version__
from changjing.cli import main
from changjing.cli.doctor import Check, check_font, check_output, format_check, run_checks
from changjing.cli.init import NOTES_SHEET, SHEET, init_folder, sample_workbook_bytes
from changjing.examples import find_example, list_examples, resolve_example, suggest

ROOT = Path(__file__).resolve().parents[2]


# --- resolving names --------------------------------------------------------------------

def test_every_experiment_file_is_an_example_with_its_own_bytes():
    names = {e.name: e for e in list_examples()}
    for path in sorted((ROOT / "experiments").glob("*.toml")):
        assert path.stem in names, path.name
        assert names[path.stem].path.read_bytes() == path.read_bytes()
    assert names["qingdao_default"].kind == "indicators"
    assert names["completed_scenarios"].kind == "data"


def test_kinds_follow_the_files_top_level_table():
    for e in list_examples():
        if e.path.suffix != ".toml":
            continue
        data = tomllib.loads(e.path.read_text(encoding="utf-8"))
        expected = ("experiment" if "experiment" in data else "calibration"
                    if "calibration" in data else "indicators" if "system" in data
                    else "targets" if e.name == "calibration_targets" else "config")
        assert e.kind == expected, e.name


def test_a_bare_name_resolves_and_a_path_wins(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert Path(resolve_example("baseline")) == find_example("baseline").path
    assert Path(resolve_example("baseline.toml")) == find_example("baseline").path
    (tmp_path / "baseline").write_text("[meta]\nname = 'mine'\n", encoding="utf-8")
    assert resolve_example("baseline") == "baseline"          # an existing file wins
    assert resolve_example("sub/baseline.toml") == "sub/baseline.toml"  # a path is a path
    assert capsys.readouterr().err == ""


def test_unknown_name_passes_through_with_did_you_mean(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert resolve_example("fundng_sweep") == "fundng_sweep"
    err = capsys.readouterr().err
    assert "did you mean 'funding_sweep'" in err and "changjing examples" in err
    assert suggest("baselin") == ["baseline"]


def test_edited_local_copy_is_pointed_out(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    init_folder(tmp_path / "w")
    monkeypatch.chdir(tmp_path / "w")
    resolve_example("baseline")
    assert capsys.readouterr().err == ""                      # identical copy: no note
    path = Path("experiments/baseline.toml")
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    resolve_example("baseline")
    assert "experiments/baseline.toml" in capsys.readouterr().err


def test_reproduce_of_an_experiment_name_explains(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["reproduce", "funding_sweep"]) == 2
    err = capsys.readouterr().err
    assert "changjing sweep funding_sweep --out runs/funding_sweep" in err


def test_commands_take_names(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "baseline"]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["run", "baseline", "--out", "runs/b", "--set", "firms.n=2000",
                 "--quiet"]) == 0
    manifest = json.loads((tmp_path / "runs/b/manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["meta"]["name"] == "baseline"
    assert (tmp_path / "runs/b/summary.csv").is_file()
    assert main(["evaluate", "score", "completed_scenarios", "--indicators",
                 "qingdao_default", "--out", "out/s", "--draws", "10"]) == 0
    scores = pd.read_csv(tmp_path / "out/s/scores.csv", encoding="utf-8-sig")
    assert len(scores) == 150


def test_examples_command_lists_one_line_each(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out.splitlines()
    names = [e.name for e in list_examples()]
    listed = [line.split()[0] for line in out[: len(names)]]
    assert listed == names
    assert main(["examples", "funding_sweep"]) == 0
    assert Path(capsys.readouterr().out.strip()) == find_example("funding_sweep").path
    assert main(["examples", "basline"]) == 2
    assert "did you mean 'baseline'" in capsys.readouterr().err


# --- init ---------------------------------------------------------------------------------

def test_init_copies_examples_workbook_and_next_steps(tmp_path):
    written = init_folder(tmp_path / "w")
    w = tmp_path / "w"
    for path in (ROOT / "experiments").glob("*.toml"):
        assert (w / "experiments" / path.name).read_bytes() == path.read_bytes()
    assert (w / "indicators/qingdao_default.toml").is_file()
    assert "changjing run baseline --out runs/b" in (w / "NEXT_STEPS.md").read_text("utf-8")
    assert sorted(p.as_posix() for p in written) == sorted(
        p.relative_to(w).as_posix() for p in w.rglob("*") if p.is_file())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_sample_workbook_holds_the_sample_table_cell_for_cell(tmp_path):
    """Every value of the shipped CSV is in the workbook, dates as date cells; and the
    workbook's bytes are the same on every call (fixed timestamps)."""
    init_folder(tmp_path / "w")
    book = tmp_path / "w/data/completed_scenarios.xlsx"
    assert book.read_bytes() == sample_workbook_bytes()
    csv = pd.read_csv(find_example("completed_scenarios").path, encoding="utf-8-sig")
    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets)[:2] == [SHEET, NOTES_SHEET]
    xl = sheets[SHEET]
    assert list(xl.columns) == list(csv.columns)
    for col in ("start_date", "end_date"):
        assert pd.api.types.is_datetime64_any_dtype(xl[col])
        xl[col] = xl[col].dt.strftime("%Y-%m-%d")
    pd.testing.assert_frame_equal(xl, csv, check_dtype=False)
    notes = sheets[NOTES_SHEET].astype(str).to_string()
    assert "合成" in notes and "funding_wan_yuan" in notes and "财政支持资金" in notes


def test_workbook_scores_like_the_csv(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    init_folder("w")
    for data, out in (("w/data/completed_scenarios.xlsx", "a"), ("completed_scenarios", "b")):
        assert main(["evaluate", "score", data, "--indicators", "qingdao_default",
                     "--out", out, "--draws", "20"]) == 0
    a = pd.read_csv("a/scores.csv", encoding="utf-8-sig")
    b = pd.read_csv("b/scores.csv", encoding="utf-8-sig")
    # a workbook's scores also name the sheet each row was read from (cells can be cited)
    assert set(a.pop("sheet")) == {"场景清单"}
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("content", ["file", "folder"])
def test_init_refuses_a_non_empty_folder(tmp_path, capsys, content):
    w = tmp_path / "w"
    w.mkdir()
    (w / "mine.txt").write_text("keep me", encoding="utf-8") if content == "file" else \
        (w / "sub").mkdir()
    assert main(["init", str(w)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert sorted(p.name for p in w.iterdir()) == (["mine.txt"] if content == "file"
                                                   else ["sub"])


def test_init_accepts_an_empty_folder(tmp_path, capsys):
    (tmp_path / "w").mkdir()
    assert main(["init", str(tmp_path / "w"), "--quiet"]) == 0
    assert (tmp_path / "w/NEXT_STEPS.md").is_file()


# --- doctor -------------------------------------------------------------------------------

def test_doctor_lines_are_ok_or_missing_with_a_fix(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["doctor"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line and not line.startswith(" ")]
    body = lines[:-1]
    assert all(re.match(r"^(ok|missing) ", line) for line in body), body
    n_missing = sum(line.startswith("missing") for line in body)
    assert out.count("fix: ") == n_missing
    assert f"ok       Python {sys.version_info.major}.{sys.version_info.minor}" in out
    assert "pandas" in out and "CJK font" in out and "output folder" in out
    assert "Dask" in out and "browser" in out
    assert code == (1 if any(line.startswith("missing") and "(optional)" not in line
                             for line in body) else 0)


def test_doctor_finds_characters_the_font_lacks(tmp_path):
    """A character outside the bundled subset (a rare hanzi) is reported by name."""
    from changjing.report.fonts import find_cjk_font, missing_glyphs

    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK font on this machine")
    rare = next(ch for ch in map(chr, range(0x4E00, 0x9FFF)) if missing_glyphs(ch, font))
    data = tmp_path / "d.csv"
    data.write_text(f"name\n青岛{rare}场景\n", encoding="utf-8")
    (font_line, line) = check_font([data])
    assert font_line.ok
    assert not line.ok and rare in line.detail and "1 of 5" in line.detail and line.fix
    ok = tmp_path / "e.csv"
    ok.write_text("name\n青岛场景\n", encoding="utf-8")
    assert check_font([ok])[1].ok


def test_doctor_output_folder_check(tmp_path):
    assert check_output(str(tmp_path / "new" / "deeper")).ok
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        import os

        if os.access(ro, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("permissions are not enforced for this user")
        c = check_output(str(ro))
        assert not c.ok and c.fix
    finally:
        ro.chmod(0o700)


def test_format_check():
    assert format_check(Check("x", True, "d")) == "ok       x — d"
    text = format_check(Check("y", False, "gone", "pip install y", required=False))
    assert text.splitlines() == ["missing  y (optional) — gone", "         fix: pip install y"]
    assert run_checks([], ".")  # runs without arguments


# --- version ------------------------------------------------------------------------------

def test_version_prints_version_and_commit_in_a_checkout():
    out = subprocess.run([sys.executable, "-m", "changjing.cli", "--version"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.startswith(f"changjing {__version__}")
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                          capture_output=True, text=True, check=False)
    if head.returncode == 0 and (ROOT / ".git").exists():
        assert head.stdout.strip() in out


def test_version_matches_the_distribution_metadata():
    from importlib.metadata import version

    assert version("changjing") == __version__
