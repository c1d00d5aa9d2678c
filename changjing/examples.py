"""Shipped examples by name: experiments, indicator systems, targets and sample data.

Every command that takes a file accepts a bare name of a shipped example instead
(``changjing run baseline``, ``changjing sweep funding_sweep``, ``changjing evaluate score
completed_scenarios --indicators qingdao_default``).  The rule, in order:

1. an argument that names an existing file or folder is used as given (a path always wins);
2. a bare name (no folder part; ``.toml``/``.csv`` may be left off) of a shipped example
   resolves to the shipped file;
3. anything else is passed on unchanged, so the command reports its own "file not found",
   after a note here with the nearest shipped names.

Where the examples live: installed from a wheel, the experiments are package data in
``changjing/experiments/`` (built from the repository's top-level ``experiments/``); the
indicator systems, targets and sample tables are in ``changjing.scenarios_data``.  In a source
checkout the same files are read from ``experiments/`` and ``scenarios_data/`` beside the
``changjing`` folder.

This module imports nothing heavy (no pandas, no model), so it is cheap for every command.
"""

from __future__ import annotations

import difflib
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# What each kind of file is for, and the command that uses it ({name} is the example's name).
KINDS: dict[str, tuple[str, str]] = {
    "config": ("model config, one run", "changjing run {name} --out runs/{name}"),
    "experiment": ("experiment, many seeded runs", "changjing sweep {name} --out runs/{name}"),
    "calibration": ("calibration to the record", "changjing calibrate {name} --out runs/{name}"),
    "indicators": ("indicator system for scoring",
                   ("changjing evaluate score completed_scenarios --indicators {name} "
                    "--out out/score")),
    "targets": ("calibration targets", "changjing validate {name}"),
    "data": ("sample table (synthetic)", ""),
}

# One line for each sample table (the tables carry no description of their own).
_DATA_LINES = {
    "completed_scenarios": ("150 completed scenarios with outcomes, for `evaluate score`",
                            ("changjing evaluate score completed_scenarios --indicators "
                             "qingdao_default --out out/score")),
    "panel_firms": ("600 firms x 2018-2027, staggered funding with a known effect",
                    ("changjing evaluate impact panel_firms --design staggered --unit firm "
                     "--time year --outcome log_revenue --treated-from funded_year "
                     "--covariates size --method dr --seed 1 --out out/firms")),
    "panel_firms_truth": ("the true effects behind panel_firms (for checking estimates)", ""),
    "panel_zones": ("24 zones x 2015-2026, one becomes a super scenario in 2023", ""),
    "panel_match": ("1,500 firms, funding depends on size, R&D share and age", ""),
}

_SUFFIXES = (".toml", ".csv", ".xlsx")


@dataclass(frozen=True)
class Example:
    """A shipped example file.

    ``name`` is what users type (the file name without its suffix), ``kind`` one of
    :data:`KINDS`, ``path`` the file, ``description`` one line, ``command`` a command that
    uses it (empty when none fits on a line).
    """

    name: str
    kind: str
    path: Path
    description: str
    command: str


def experiments_dir() -> Path:
    """The folder of the shipped experiment files (installed or in a source checkout)."""
    here = Path(__file__).resolve().parent
    installed = here / "experiments"
    if installed.is_dir():
        return installed
    return here.parent / "experiments"


def data_dir() -> Path:
    """The folder of the shipped programme data (``changjing.scenarios_data``)."""
    from importlib.resources import files

    return Path(str(files("changjing.scenarios_data")))


def _toml_kind_and_line(path: Path) -> tuple[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "config", "(unreadable)"
    for kind, table in (("experiment", "experiment"), ("calibration", "calibration"),
                        ("indicators", "system")):
        if isinstance(data.get(table), dict):
            line = data[table].get("description") or data[table].get("name_en") or ""
            return kind, str(line)
    if "targets" in data or "moments" in data or path.stem.endswith("targets"):
        return "targets", _first_comment(path)
    meta = data.get("meta", {}) if isinstance(data.get("meta"), dict) else {}
    return "config", str(meta.get("description") or _first_comment(path))


def _first_comment(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and line.strip("# ").strip():
            return line.strip("# ").strip()
    return ""


@lru_cache(maxsize=1)
def _catalogue() -> tuple[Example, ...]:
    found: list[Example] = []
    for path in sorted(experiments_dir().glob("*.toml")):
        kind, line = _toml_kind_and_line(path)
        found.append(Example(path.stem, kind, path, line,
                             KINDS[kind][1].format(name=path.stem)))
    data = data_dir()
    for path in sorted((data / "indicators").glob("*.toml")):
        kind, line = _toml_kind_and_line(path)
        found.append(Example(path.stem, "indicators", path, line,
                             KINDS["indicators"][1].format(name=path.stem)))
    targets = data / "calibration_targets.toml"
    if targets.is_file():
        found.append(Example(targets.stem, "targets", targets, _first_comment(targets),
                             KINDS["targets"][1].format(name=targets.stem)))
    for path in sorted((data / "sample").glob("*.csv")):
        line, command = _DATA_LINES.get(path.stem, (KINDS["data"][0], ""))
        found.append(Example(path.stem, "data", path, line, command))
    return tuple(found)


def list_examples(kind: str | None = None) -> list[Example]:
    """All shipped examples (of one ``kind``, if given), experiments first."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    return [e for e in _catalogue() if kind is None or e.kind == kind]


def find_example(name: str) -> Example | None:
    """The shipped example called ``name`` (suffix optional), or ``None``."""
    stem = name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for example in _catalogue():
        if example.name == stem:
            return example
    return None


def suggest(name: str, n: int = 3) -> list[str]:
    """Shipped names close to ``name`` (for did-you-mean)."""
    names = [e.name for e in _catalogue()]
    return difflib.get_close_matches(name.removesuffix(".toml").removesuffix(".csv"), names,
                                     n=n, cutoff=0.6)


def is_bare_name(arg: str) -> bool:
    return "/" not in arg and "\\" not in arg and arg not in ("", ".", "..")


def resolve_example(arg: str, kind: str = "file") -> str:
    """The file a command should read for ``arg``: the path itself, or a shipped example.

    ``kind="folder"`` is for commands that take an output folder (``reproduce``): names are
    not resolved to files, but a shipped experiment's name gets a note on how to make the
    folder.  Notes go to standard error; the return value is always a path string.
    """
    if Path(arg).exists() or not is_bare_name(arg):
        return arg
    example = find_example(arg)
    if kind == "folder":
        if example is not None and example.kind == "experiment":
            _note(f"{arg!r} is a shipped experiment, not a sweep folder; make one with "
                  f"`changjing sweep {example.name} --out runs/{example.name}`, then "
                  f"`changjing reproduce runs/{example.name}`")
        return arg
    if example is None:
        close = suggest(arg)
        hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
        _note(f"{arg!r} is neither a file here nor a shipped example{hint}; "
              "`changjing examples` lists the shipped ones")
        return arg
    _note_local_copy(example)
    return str(example.path)


def _note_local_copy(example: Example) -> None:
    """Say so when the working folder holds an edited copy (from `changjing init`): the
    bare name means the shipped file, the edited copy needs its path."""
    for folder in ("experiments", "indicators", "data", "."):
        local = Path(folder) / example.path.name
        try:
            if local.is_file() and local.read_bytes() != example.path.read_bytes():
                _note(f"{example.name!r} is the shipped example; your edited copy "
                      f"{local.as_posix()} is used only when you give its path")
                return
        except OSError:
            return


def _note(text: str) -> None:
    print(f"note: {text}", file=sys.stderr)
