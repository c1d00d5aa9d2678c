"""``changjing doctor [DATA ...]``: is this installation ready, and what is missing?

One line a check, ``ok`` or ``missing``, and for every missing item the command that fixes it:
Python and the required packages (versions against the installed distribution's own
requirements), the shipped examples, the CJK font for reports and whether it has every Chinese
character of the user's data, the optional extras (Dask for distributed sweeps, a browser
and its driver for the what-if page's tests, the documentation tools) and whether the
output folder is writable.  Exit status 1 when a required item is missing, else 0 (a missing
optional extra is reported but is not a failure).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

MIN_PYTHON = (3, 11)

# Optional components: (label, import names tried in order, fix).
OPTIONAL: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Dask, for sweeps on a cluster (--scheduler)", ("distributed",),
     'pip install "changjing[distributed]"'),
    # the what-if page itself needs no UI library (standard library + a static page)
    ("browser driver (Playwright or Selenium), for the what-if page's browser tests",
     ("playwright", "selenium"), 'pip install "changjing[test-browser]"'),
    ("documentation tools (MkDocs), to build the docs site", ("mkdocs", "mkdocstrings"),
     'pip install "changjing[docs]"'),
)
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
            "msedge", "firefox")
DATA_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".toml", ".md", ".txt")


@dataclass(frozen=True)
class Check:
    """One line of the report: ``ok`` is False for a missing item, ``fix`` says what to do."""

    label: str
    ok: bool
    detail: str = ""
    fix: str = ""
    required: bool = True


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check the installation: versions, font, extras, output",
                       description="Check Python and package versions, the shipped examples, "
                       "the CJK font (and whether it covers the Chinese characters of the "
                       "given data files), optional extras and the output folder.  Each line "
                       "is ok or missing with the fix.  Exit status 1 if something required "
                       "is missing.")
    p.add_argument("data", nargs="*", metavar="DATA",
                   help="data files whose characters the report font must cover (.csv, "
                   ".xlsx, .toml, .md; default: data/ of a folder made by `changjing init`, "
                   "else the shipped sample table)")
    p.add_argument("--out", default=".", metavar="DIR",
                   help="output folder to check for writing (default: the current folder)")
    p.set_defaults(func=run)


# --- version -------------------------------------------------------------------------------

def checkout_root() -> Path | None:
    """The source checkout this changjing is imported from, if it is a git checkout."""
    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists() and (root / "pyproject.toml").is_file() and \
            (root / "simulate").is_dir():
        return root
    return None


def git_commit(root: Path) -> str | None:
    """Short commit of ``root``, with ``+modified`` when tracked files have changed."""
    import subprocess

    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=5, check=False)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = head.stdout.strip()
    return commit + ("+modified" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def version_line() -> str:
    """``changjing 0.2.0`` installed; ``changjing 0.2.0 (git 1a2b3c4d5e6f)`` in a checkout."""
    from changjing import __version__

    root = checkout_root()
    commit = git_commit(root) if root else None
    return f"changjing {__version__}" + (f" (git {commit}, {root})" if commit else "")


# --- checks --------------------------------------------------------------------------------

def check_python() -> Check:
    v = sys.version_info
    ok = (v.major, v.minor) >= MIN_PYTHON
    return Check(f"Python {v.major}.{v.minor}.{v.micro}", ok,
                 f"needs >= {MIN_PYTHON[0]}.{MIN_PYTHON[1]}",
                 "" if ok else "install Python 3.11 or newer and reinstall changjing in it")


def check_packages() -> list[Check]:
    """The installed distribution's requirements (without extras), each with its version."""
    from importlib.metadata import PackageNotFoundError, requires, version

    from changjing import __version__

    try:
        reqs = [r for r in (requires("changjing") or []) if "extra ==" not in r
                and _applies(r)]
        installed = version("changjing")
    except PackageNotFoundError:
        return [Check(f"changjing {__version__}", False, "imported from a source tree that "
                      "is not installed", 'pip install -e . (in the source folder)')]
    root = checkout_root()
    commit = git_commit(root) if root else None
    where = f"git {commit}, {root}" if commit else f"at {Path(__file__).resolve().parents[1]}"
    checks = [Check(f"changjing {installed}", True, where)]
    for req in reqs:
        name, spec = _split_requirement(req)
        try:
            have = version(name)
        except PackageNotFoundError:
            checks.append(Check(name, False, "not installed", f'pip install "{req}"'))
            continue
        ok = _satisfies(have, spec)
        checks.append(Check(f"{name} {have}", ok, f"needs {spec}" if spec else "",
                            "" if ok else f'pip install "{req}"'))
    return checks


def _applies(req: str) -> bool:
    """Whether a requirement's environment marker holds here (e.g. python_version >= "3.12");
    ``packaging`` comes with matplotlib."""
    if ";" not in req:
        return True
    from packaging.markers import Marker

    return Marker(req.split(";", 1)[1].strip()).evaluate()


def _split_requirement(req: str) -> tuple[str, str]:
    req = req.split(";")[0].strip()
    for i, ch in enumerate(req):
        if ch in "<>=!~ [(":
            return req[:i], req[i:].strip().strip("()")
    return req, ""


def _satisfies(have: str, spec: str) -> bool:
    if not spec:
        return True
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:  # pragma: no cover - packaging comes with matplotlib
        return True
    return SpecifierSet(spec).contains(have, prereleases=True)


def check_examples() -> Check:
    from changjing.examples import experiments_dir, list_examples

    found = list_examples()
    kinds = {k: sum(e.kind == k for e in found) for k in ("config", "experiment", "data")}
    ok = kinds["config"] > 0 and kinds["experiment"] > 0
    return Check("shipped examples", ok,
                 f"{len(found)} ({kinds['config']} configs, {kinds['experiment']} experiments, "
                 f"{kinds['data']} sample tables) in {experiments_dir()}",
                 "" if ok else "reinstall changjing (the package data are missing): "
                 "pip install --force-reinstall changjing")


def default_data_files() -> list[Path]:
    local = sorted(p for p in Path("data").glob("*") if p.suffix.lower() in DATA_SUFFIXES) \
        if Path("data").is_dir() else []
    if local:
        return local
    from changjing.examples import find_example

    sample = find_example("completed_scenarios")
    return [sample.path] if sample else []


def data_text(path: Path) -> str:
    """All text of a data file: every cell of every sheet for workbooks, else the file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            parts = [ws.title for ws in book.worksheets]
            for ws in book.worksheets:
                for row in ws.iter_rows(values_only=True):
                    parts.extend(str(v) for v in row if isinstance(v, str))
        finally:
            book.close()
        return "\n".join(parts)
    return path.read_text(encoding="utf-8-sig", errors="replace")


def check_font(files: list[Path]) -> list[Check]:
    from changjing.report.fonts import _is_cjk, find_cjk_font, missing_glyphs

    fix_font = ("install a CJK font, e.g. `apt-get install fonts-noto-cjk` (Debian/Ubuntu); "
                "without one reports fall back to English")
    font = find_cjk_font()
    if font is None:
        checks = [Check("CJK font for reports", False, "none found", fix_font)]
    else:
        where = "bundled subset" if font.bundled else "system font"
        checks = [Check(f"CJK font for reports: {font.family}", True, f"{where}, {font.path}")]
    for path in files:
        try:
            text = data_text(path)
        except Exception as exc:  # noqa: BLE001 - an unreadable file is a finding, not a crash
            checks.append(Check(f"characters of {path}", False, f"cannot read: {exc}",
                                "check the file name and that it is a CSV/XLSX/TOML file"))
            continue
        distinct = {ch for ch in text if _is_cjk(ch)}
        gaps = missing_glyphs(text, font)
        if not gaps:
            checks.append(Check(f"font covers {path}", True,
                                f"all {len(distinct)} distinct Chinese characters"))
        else:
            shown = "".join(gaps[:20]) + ("…" if len(gaps) > 20 else "")
            checks.append(Check(f"font covers {path}", False,
                                f"{len(gaps)} of {len(distinct)} distinct Chinese characters "
                                f"have no glyph ({shown}); they would draw as empty boxes in "
                                "figures and the PDF", fix_font))
    return checks


def check_optional() -> list[Check]:
    import importlib.util
    import shutil
    from importlib.metadata import PackageNotFoundError, version

    checks = []
    for label, modules, fix in OPTIONAL:
        have = [m for m in modules if importlib.util.find_spec(m) is not None]
        if have:
            try:
                detail = ", ".join(f"{m} {version(m)}" for m in have)
            except PackageNotFoundError:
                detail = ", ".join(have)
            checks.append(Check(label, True, detail, required=False))
        else:
            checks.append(Check(label, False, "not installed", fix, required=False))
    found = next(((b, shutil.which(b)) for b in BROWSERS if shutil.which(b)), None)
    checks.append(Check("browser, for the page's browser tests", found is not None,
                        f"{found[0]} at {found[1]}" if found else "none on PATH",
                        "" if found else "apt-get install chromium (or install Chrome/Firefox)",
                        required=False))
    return checks


def check_output(folder: str) -> Check:
    import os
    import tempfile

    target = Path(folder)
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent  # a folder that does not exist yet is made inside its parent
    try:
        fd, name = tempfile.mkstemp(prefix=".changjing-doctor-", dir=probe)
        os.close(fd)
        os.unlink(name)
        return Check(f"output folder {target}", True, "writable")
    except OSError as exc:
        return Check(f"output folder {target}", False, f"not writable ({exc.strerror})",
                     "run from a folder you can write to, or pass --out to a writable folder")


def run_checks(data: list[str], out: str) -> list[Check]:
    files = [Path(d) for d in data] if data else default_data_files()
    return [check_python(), *check_packages(), check_examples(), *check_font(files),
            check_output(out), *check_optional()]


def format_check(c: Check) -> str:
    status = "ok" if c.ok else "missing"
    tag = "" if c.required else " (optional)"
    line = f"{status:<8} {c.label}{tag}" + (f" — {c.detail}" if c.detail else "")
    if not c.ok and c.fix:
        line += f"\n         fix: {c.fix}"
    return line


def run(args: argparse.Namespace) -> int:
    checks = run_checks(args.data, args.out)
    for c in checks:
        print(format_check(c))
    failed = [c for c in checks if c.required and not c.ok]
    optional = [c for c in checks if not c.required and not c.ok]
    print(f"\n{len(checks) - len(failed) - len(optional)} ok, {len(failed)} required missing, "
          f"{len(optional)} optional missing")
    return 1 if failed else 0
