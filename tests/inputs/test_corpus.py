"""The malformed-input corpus: every file gets exit status 2, no traceback, the file named,
the words of its row in corpus/cases.csv (the key or line, and what is wrong), and no output
folder left behind — from `changjing validate` and from the command that would consume it.

Each file holds one mistake.  Consumers: ``run`` (model configs), ``sweep`` (experiments),
``calibrate`` (calibrations), ``calibrate-targets`` (a targets file named by a calibration),
``run-owners`` (an owners CSV named by a config), ``score`` (indicator systems, through
``changjing evaluate score``) and ``none`` (programme data, which only ``validate`` reads).
Paths inside the corpus files (owners files) are relative to the corpus folder, the working
folder of every case.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from changjing.cli import main

CORPUS = Path(__file__).parent / "corpus"
REPO = Path(__file__).resolve().parents[2]
with open(CORPUS / "cases.csv", encoding="utf-8", newline="") as _fh:
    CASES = [(r["file"], r["consumer"], [w.strip() for w in r["message_contains"].split("|")])
             for r in csv.DictReader(_fh)]

# Words only this project's readers promise; the indicator-system reader belongs to the
# scoring module and keeps its own wording for `evaluate score`.
OWN_WORDS = {"run", "sweep", "calibrate", "calibrate-targets", "run-owners"}


def test_the_corpus_is_big_and_covers_every_kind():
    assert len(CASES) >= 100
    kinds = {f.split("/")[0] for f, _, _ in CASES}
    assert kinds == {"config", "experiment", "calibration", "targets", "indicators", "owners",
                     "programme"}
    files = {f for f, _, _ in CASES}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
               if p.is_file() and p.parent.name != "_valid" and p.name != "cases.csv"}
    assert files == on_disk                  # every file has its row, every row its file


def _call(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:                # argparse
        code = int(exc.code or 0)
    except BaseException as exc:  # noqa: BLE001 - an escaped exception is a traceback
        pytest.fail(f"{argv}: raised {type(exc).__name__}: {exc}")
    return code, capsys.readouterr().err


def _check(code: int, err: str, path: Path, words: list[str], what: str) -> None:
    assert code == 2, f"{what}: exit {code}\n{err}"
    assert "Traceback" not in err, f"{what}:\n{err}"
    assert str(path) in err, f"{what}: the file is not named\n{err}"
    missing = [w for w in words if w not in err]
    assert not missing, f"{what}: message lacks {missing}\n{err}"


@pytest.mark.parametrize("file, consumer, words", CASES, ids=[c[0] for c in CASES])
def test_validate_and_the_consuming_command_refuse(file, consumer, words, tmp_path, capsys,
                                                   monkeypatch):
    monkeypatch.chdir(CORPUS)
    path = CORPUS / file
    code, err = _call(["validate", str(path)], capsys)
    _check(code, err, path, words, "validate")

    out = tmp_path / "out"
    if consumer == "none":
        return
    if consumer == "run":
        argv = ["run", str(path), "--out", str(out), "--quiet"]
    elif consumer == "sweep":
        argv = ["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    elif consumer == "calibrate":
        argv = ["calibrate", str(path), "--out", str(out), "--workers", "1", "--quiet"]
    elif consumer == "calibrate-targets":
        cal = tmp_path / "cal.toml"
        cal.write_text(f'[calibration]\nname = "t"\nbase = "{CORPUS / "_valid" / "base.toml"}"\n'
                       f'targets = "{path}"\nparticles = 10\ngenerations = 1\n'
                       '[priors.b]\nkey = "funding.annual_budget_yuan"\nrange = [2e7, 8e7]\n',
                       encoding="utf-8")
        argv = ["calibrate", str(cal), "--out", str(out), "--workers", "1", "--quiet"]
    elif consumer == "run-owners":
        cfg = tmp_path / "cfg.toml"
        cfg.write_text(f'[owners]\nfile = "{path}"\n[run]\nmonths = 6\n[firms]\nn = 500\n',
                       encoding="utf-8")
        argv = ["run", str(cfg), "--out", str(out), "--quiet"]
    elif consumer == "score":
        data = REPO / "scenarios_data" / "sample" / "completed_scenarios.csv"
        argv = ["evaluate", "score", str(data), "--indicators", str(path), "--out", str(out)]
    else:
        raise AssertionError(f"unknown consumer {consumer!r}")
    code, err = _call(argv, capsys)
    _check(code, err, path, words if consumer in OWN_WORDS else [], consumer)
    assert not out.exists(), f"{consumer}: left an output folder behind"


def test_every_shipped_input_file_validates(capsys):
    files = sorted([*REPO.glob("experiments/*.toml"), *REPO.glob("scenarios_data/**/*.toml"),
                    REPO / "scenarios_data" / "owners.csv"])
    assert len(files) >= 10
    code = main(["validate", *map(str, files)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.count(": valid ") == len(files)


def test_valid_helpers_of_the_corpus_validate(capsys):
    assert main(["validate", *map(str, sorted((CORPUS / "_valid").glob("*.toml")))]) == 0


@pytest.mark.parametrize("kind", ["config", "experiment", "calibration", "targets",
                                  "indicators", "programme"])
def test_kind_can_be_forced(kind, capsys):
    shipped = {"config": "experiments/baseline.toml", "experiment": "experiments/funding_sweep.toml",
               "calibration": "experiments/calibrate_history.toml",
               "targets": "scenarios_data/calibration_targets.toml",
               "indicators": "scenarios_data/indicators/qingdao_default.toml",
               "programme": "scenarios_data/programme.toml"}
    assert main(["validate", "--kind", kind, str(REPO / shipped[kind])]) == 0
    # the wrong kind forced is an error of that kind's schema, not a crash
    other = shipped["experiment" if kind != "experiment" else "config"]
    code, err = _call(["validate", "--kind", kind, str(REPO / other)], capsys)
    assert code == 2 and "Traceback" not in err and other.split("/")[-1] in err


def test_unknown_kind_lists_the_kinds(capsys):
    code, err = _call(["validate", str(CORPUS / "config" / "unknown_kind_table.toml")], capsys)
    assert code == 2
    for kind in ("experiment", "calibration", "targets", "indicators", "programme", "config",
                 "owners", "--kind"):
        assert kind in err
