"""The command line: fast help, outputs, refusals and clear errors (no tracebacks)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from changjing.cli import main


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from changjing.cli import build_parser; build_parser(); "
            "print(sorted(m for m in ('mesa', 'pandas', 'matplotlib', 'scipy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_run_writes_outputs_and_is_byte_identical(tmp_path, experiments_dir, capsys):
    cfg = str(experiments_dir / "baseline.toml")
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["run", cfg, "--out", str(out), "--seed", "5", "--set", "firms.n=3000",
                     "--quiet"]) == 0
    names = ["timeseries.csv", "funnel.csv", "budget.csv", "summary.csv", "manifest.json"]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ts = pd.read_csv(a / "timeseries.csv")
    assert len(ts) == 36 and ts["date"].iloc[0] == "2026-01"
    funnel = pd.read_csv(a / "funnel.csv")
    assert set(funnel["stage"]) == {"solicitation", "selection", "release", "implementation",
                                    "evaluation"}
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["seed"] == 5
    assert manifest["config"]["firms"]["n"] == 3000
    assert len(manifest["config_hash"]) == 64
    assert manifest["versions"]["mesa"]


def test_run_refuses_non_empty_out(tmp_path, experiments_dir, capsys):
    out = tmp_path / "o"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code = main(["run", str(experiments_dir / "baseline.toml"), "--out", str(out), "--quiet"])
    assert code == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "mine"
    assert main(["run", str(experiments_dir / "baseline.toml"), "--out", str(out), "--quiet",
                 "--set", "firms.n=500", "--overwrite"]) == 0
    assert not (out / "keep.txt").exists() and (out / "timeseries.csv").exists()


def test_bad_config_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[polcy]\nrelease_per_batch = 3\n")
    code = main(["run", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert str(path) in err and "did you mean 'policy'" in err
    assert not (tmp_path / "o").exists()          # nothing ran, nothing written


def test_bad_override_is_reported(experiments_dir, tmp_path, capsys):
    code = main(["run", str(experiments_dir / "baseline.toml"), "--out", str(tmp_path / "o"),
                 "--set", "funding.anual_budget_yuan=1", "--quiet"])
    assert code == 2
    assert "did you mean 'annual_budget_yuan'" in capsys.readouterr().err


def test_validate_and_params(experiments_dir, capsys):
    assert main(["validate", str(experiments_dir / "baseline.toml")]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["params", "--markdown", "--grep", "diffusion."]) == 0
    out = capsys.readouterr().out
    assert "Sultan, Farley & Lehmann" in out


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_entry_point_runs(argv):
    import changjing

    out = subprocess.run([sys.executable, "-m", "changjing.cli", *argv], capture_output=True,
                         text=True)
    assert out.returncode == 0 and "changjing" in out.stdout
    if argv == ["--version"]:
        assert out.stdout.split()[1] == changjing.__version__
