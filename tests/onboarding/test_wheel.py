"""From a built wheel, in a fresh environment, with no source tree: `changjing init work &&
cd work && changjing run baseline --out runs/b` works.

Kept quick: the wheel is built from a copy of the package sources (so the checkout stays
clean), and the fresh virtual environment sees the test environment's third-party packages
through a ``.pth`` line instead of downloading them again; changjing itself comes only from
the wheel (installed with ``--no-deps``), which the test checks.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "changjing", "simulate", "evaluate",
           "scenarios_data", "experiments")


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                         check=False)
    assert out.returncode == 0, f"{' '.join(cmd)}\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    dist = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)],
         src, dict(os.environ))
    (whl,) = dist.glob("changjing-*.whl")
    return whl


def test_wheel_holds_the_examples_and_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "experiments").glob("*.toml"):
        assert f"changjing/experiments/{path.name}" in names
    for rel in ("scenarios_data/indicators/qingdao_default.toml",
                "scenarios_data/sample/completed_scenarios.csv",
                "report/fonts/NotoSansSC-changjing.ttf", "app/static/whatif.js",
                "app/static/whatif.html", "app/static/whatif.css"):
        assert f"changjing/{rel}" in names


def test_fresh_environment_init_and_run_baseline(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_run([str(py), "-c", code], tmp_path, dict(os.environ)).stdout.strip())
    # Third-party packages from the test environment (not its changjing: that one is an
    # editable finder hook, which a path added by a .pth line does not activate).
    (purelib / "_test_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                           encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
          str(wheel)], tmp_path, env)
    bindir = py.parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    home = tmp_path / "home"
    home.mkdir()

    code = "import changjing, changjing.simulate as s; print(changjing.__file__, s.__file__)"
    where = _run([str(py), "-c", code], home, env).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where   # from the wheel only

    changjing = str(bindir / "changjing")
    version = _run([changjing, "--version"], home, env).stdout.strip()
    assert version.startswith("changjing ") and "git" not in version  # no checkout here
    _run([changjing, "init", "work"], home, env)
    work = home / "work"
    assert (work / "data/completed_scenarios.xlsx").is_file()
    out = _run([changjing, "run", "baseline", "--out", "runs/b"], work, env)
    assert "super scenarios" in out.stdout
    for name in ("timeseries.csv", "funnel.csv", "budget.csv", "summary.csv", "manifest.json"):
        assert (work / "runs/b" / name).is_file(), name
    manifest = json.loads((work / "runs/b/manifest.json").read_text(encoding="utf-8"))
    assert manifest["config"]["meta"]["name"] == "baseline"
    assert manifest["versions"]["changjing"] == version.split()[1]
    listed = _run([changjing, "examples"], work, env).stdout
    assert "funding_sweep" in listed and "completed_scenarios" in listed
    doctor = subprocess.run([changjing, "doctor"], cwd=work, env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert "ok       shipped examples" in doctor.stdout, doctor.stdout + doctor.stderr
