"""Every command's error paths: a missing file, a wrong kind of file, a bad option.

Each must exit non-zero with one clear message that names the file or the option, never a
traceback (the brief's rule for bad input).  Argument-parser errors exit 2 through
SystemExit, as argparse does; everything else returns 2 from ``main``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from changjing.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXP = ROOT / "experiments"
IND = ROOT / "scenarios_data" / "indicators" / "qingdao_default.toml"


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(40)))
    (tmp_path / "empty").mkdir()
    return tmp_path


# (argv, words the message must contain)
CASES = {
    # analyze: a sweep folder
    "analyze-missing": (["analyze", "nope_dir"], ["nope_dir", "not a sweep folder"]),
    "analyze-wrong-kind": (["analyze", "data.csv"], ["data.csv", "not a sweep folder"]),
    "analyze-bad-option": (["analyze", "empty", "--lang", "fr"], ["--lang", "fr"]),
    # reproduce: a sweep folder with its manifest
    "reproduce-missing": (["reproduce", "nope_dir"], ["nope_dir", "manifest.json"]),
    "reproduce-wrong-kind": (["reproduce", "empty"], ["empty", "manifest.json"]),
    "reproduce-bad-option": (["reproduce", "empty", "--seed", "x"], ["--seed", "'x'"]),
    # calibrate: a calibration file
    "calibrate-missing": (["calibrate", "nope.toml", "--out", "o"],
                          ["nope.toml", "not found"]),
    "calibrate-wrong-kind": (["calibrate", "data.csv", "--out", "o"], ["data.csv", "TOML"]),
    "calibrate-bad-option": (["calibrate", str(EXP / "calibrate_history.toml"), "--out", "o",
                              "--workers", "zero"], ["--workers", "zero"]),
    # sweep: an experiment file
    "sweep-missing": (["sweep", "nope.toml", "--out", "o"], ["nope.toml", "not found"]),
    "sweep-wrong-kind": (["sweep", str(EXP / "baseline.toml"), "--out", "o"],
                         ["baseline.toml", "[experiment]", "changjing run"]),
    "sweep-bad-option": (["sweep", str(EXP / "funding_sweep.toml"), "--out", "o",
                          "--chunk-size", "0"], ["--chunk-size", "0"]),
    "sweep-bad-workers": (["sweep", str(EXP / "funding_sweep.toml"), "--out", "o",
                           "--workers", "-2"], ["--workers", "-2"]),
    # validate: input files
    "validate-missing": (["validate", "nope.toml"], ["nope.toml", "not found"]),
    "validate-wrong-kind": (["validate", "pic.png"], ["pic.png", "PNG", "not an input"]),
    "validate-wrong-declared-kind": (["validate", "--kind", "experiment", str(IND)],
                                     ["qingdao_default.toml", "[experiment]"]),
    "validate-bad-option": (["validate", "--kind", "configg", "data.csv"],
                            ["--kind", "configg"]),
    # params: no file; its options
    "params-bad-option": (["params", "--grep"], ["--grep", "expected one argument"]),
    "params-unknown-option": (["params", "--frobnicate"], ["--frobnicate"]),
    # report: result folders
    "report-missing": (["report", "nope_dir", "--out", "o"], ["nope_dir", "no such folder"]),
    "report-wrong-kind": (["report", "empty", "--out", "o"], ["empty", "manifest.json"]),
    "report-bad-option": (["report", "empty", "--out", "o", "--probability", "1.5"],
                          ["--probability", "1.5"]),
    # evaluate score / impact: data tables
    "score-missing": (["evaluate", "score", "nope.csv", "--indicators", str(IND), "--out", "o"],
                      ["nope.csv", "not found"]),
    "score-wrong-kind": (["evaluate", "score", "pic.png", "--indicators", str(IND),
                          "--out", "o"], ["pic.png", ".png", ".csv"]),
    "score-bad-option": (["evaluate", "score", "data.csv", "--indicators", str(IND), "--out",
                          "o", "--min-coverage", "2"], ["min_coverage", "2"]),
    "impact-missing": (["evaluate", "impact", "nope.csv", "--design", "did", "--outcome", "y",
                        "--out", "o"], ["nope.csv", "not found"]),
    "impact-wrong-kind": (["evaluate", "impact", str(IND), "--design", "did", "--outcome",
                           "y", "--out", "o"], ["qingdao_default.toml", ".toml"]),
    "impact-bad-option": (["evaluate", "impact", "data.csv", "--design", "dif", "--outcome",
                           "y", "--out", "o"], ["--design", "'dif'"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_is_one_clear_message(case, files, capsys):
    argv, words = CASES[case]
    try:
        code = main(argv)
    except SystemExit as exc:                  # argparse: usage line + error, exit 2
        code = exc.code
    captured = capsys.readouterr()
    err = captured.err
    assert code not in (0, None), (case, code)
    assert "Traceback" not in err + captured.out
    for word in words:
        assert word in err, (case, word, err)
    assert not (files / "o").exists() or not any((files / "o").iterdir()), \
        "a refused command left outputs behind"
