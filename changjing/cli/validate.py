"""``changjing validate FILE...``: check input files without running anything.

The kind of each file is recognised from its top-level tables (``--kind`` forces one):

==============  ===============================================  ==============================
kind            recognised by                                     checked by
==============  ===============================================  ==============================
config          model tables ([run], [funding], [policy], ...)    ``simulate.load_config``
experiment      [experiment]                                      ``simulate.experiment``
calibration     [calibration], [priors.*]                         ``simulate.calibration``
targets         [period], [[moment]]                              ``calibration.targets``
indicators      [system], [[criteria]]                            ``evaluate.scoring``
programme       [programme]                                       the model's programme reader
owners          a .csv file                                       ``simulate.programme``
==============  ===============================================  ==============================

Each kind is validated exactly as the command that consumes it reads it (run, sweep,
calibrate, evaluate score), including the files it refers to, so a file that validates is one
that command accepts.  Exit status 0 when every file is valid, 2 otherwise.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

KINDS = ("config", "experiment", "calibration", "targets", "indicators", "programme", "owners")
_LABELS = {"config": "model config", "experiment": "experiment", "calibration": "calibration",
           "targets": "calibration targets", "indicators": "indicator system",
           "programme": "programme data", "owners": "owners list"}
# Tables that mark a kind, most specific first (a model config is what is left).
_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("experiment", ("experiment", "levers", "arms", "uncertainties", "design")),
    ("calibration", ("calibration", "priors")),
    ("targets", ("moment", "period")),
    ("indicators", ("system", "criteria", "scoring", "robustness", "grades", "data")),
    ("programme", ("programme", "stages", "domains", "zones", "history")),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate", help="check input files (configs, experiments, calibrations, targets, "
        "indicator systems) without running them",
        description="Validate input files: the kind of each is recognised from its top-level "
        "tables (model config, experiment, calibration, calibration targets, indicator "
        "system, programme data, owners CSV) and checked with its own schema, including the "
        "files it refers to.  Errors name the file, the line and the key.")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--kind", choices=KINDS, default=None,
                   help="treat every FILE as this kind instead of recognising it")
    p.add_argument("--show", action="store_true", help="print the fully resolved content")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from changjing.cli._errors import user_error_types
    from changjing.examples import resolve_example  # a shipped example's name -> its file

    code = 0
    for file in args.files:
        file = resolve_example(file)
        try:
            kind, detail, shown = validate_file(file, args.kind)
        except user_error_types() as exc:
            print(f"error: {exc}", file=sys.stderr)
            code = 2
            continue
        if args.show and shown is not None:
            print(shown)
        print(f"{file}: valid {_LABELS[kind]} ({detail})")
    return code


def detect_kind(path: str | Path) -> str:
    """The kind of an input file, from its suffix and top-level tables."""
    from changjing.simulate.config import Config
    from changjing.simulate.errors import ConfigError, suggest
    from changjing.simulate.inputs import load_toml

    path = Path(path)
    if path.suffix.lower() == ".csv":
        return "owners"
    data, _ = load_toml(path, "input", empty_hint="nothing to validate (an empty model config "
                        "would run every default; to do that on purpose, give it a [meta] "
                        "table with a name)")
    top = set(data)
    # The kind with most of its tables present (a stray table of another kind loses).
    score = {kind: len(top & set(markers)) for kind, markers in _MARKERS}
    best = max(score, key=lambda k: score[k])
    if score[best]:
        return best
    config_tables = set(Config.model_fields)
    if top & config_tables:
        return "config"        # unknown tables beside model tables: the schema names them
    # Misspelt tables: take the kind whose tables come closest.
    everything = {t: k for k, ms in _MARKERS for t in ms} | {t: "config" for t in config_tables}
    for name in sorted(top - config_tables):
        hit = suggest(name, everything)
        if hit:
            return everything[hit.split("'")[1]]
    kinds = "; ".join(f"{k} ({_LABELS[k]}: " + ", ".join(f"[{t}]" for t in ms[:2]) + ")"
                      for k, ms in _MARKERS) + "; config (model config: [run], [funding], ...)"
    raise ConfigError(f"{path}: cannot tell which kind of file this is: its top-level keys "
                      f"{', '.join(sorted(top))} belong to no kind.  The kinds are: {kinds}; "
                      "owners (a .csv file).  Pass --kind KIND to check it as one of them")


def validate_file(path: str | Path, kind: str | None = None) -> tuple[str, str, str | None]:
    """(kind, one-line description, resolved content as text) of a valid file; raises the
    consuming command's user error otherwise."""
    kind = kind or detect_kind(path)
    return (kind, *_CHECKS[kind](Path(path)))


# ------------------------------------------------------------------ one checker per kind

def _json(data: Any) -> str:
    import json

    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def _config(path: Path) -> tuple[str, str]:
    from changjing.simulate import load_config

    config = load_config(path)
    return f"config hash {config.config_hash()[:16]}", _json(config.to_dict())


def _experiment(path: Path) -> tuple[str, str]:
    from changjing.simulate.experiment import load_experiment

    exp = load_experiment(path)
    detail = (f"{len(exp.arms)} arm(s) x {len(exp.points)} point(s) x {exp.replications} "
              f"replication(s) = {exp.n_runs} runs; hash {exp.experiment_hash()[:16]}")
    return detail, _json(exp.resolved())


def _calibration(path: Path) -> tuple[str, str]:
    from changjing.simulate.calibration.calibrate import load_calibration

    cal = load_calibration(path)
    enabled = sum(m.enabled for m in cal.targets.moment)
    detail = (f"{len(cal.priors)} free parameter(s), {enabled} target moment(s); hash "
              f"{cal.spec_hash()[:16]}")
    return detail, _json(cal.resolved())


def _targets(path: Path) -> tuple[str, str]:
    from changjing.simulate.calibration.targets import load_targets

    t = load_targets(path)
    enabled = sum(m.enabled for m in t.moment)
    detail = f"{len(t.moment)} moment(s), {enabled} enabled; period {t.period.start} to " \
        f"{t.period.end}"
    return detail, _json(t.model_dump(mode="json"))


def _indicators(path: Path) -> tuple[str, str]:
    from changjing.evaluate.errors import SpecError
    from changjing.evaluate.scoring.system import load_indicator_system
    from changjing.simulate.errors import ConfigError
    from changjing.simulate.inputs import key_lines, line_of, load_toml

    try:   # the shared reader's encoding and syntax messages ("save as UTF-8", hints)
        _, text = load_toml(path, "indicator-system")
    except ConfigError as exc:
        raise SpecError(str(exc)) from None
    try:
        system = load_indicator_system(path)
    except SpecError as exc:
        raise SpecError(_with_line(str(exc), str(path), key_lines(text), line_of)) from None
    n = len(system.indicators)
    return f"{len(system.criteria)} criteria, {n} indicators", system.summary()


def _with_line(msg: str, source: str, lines: dict, line_of: Callable) -> str:
    """'file, line N: key: ...' for the indicator-system reader's 'file: key: ...'."""
    from changjing.simulate.inputs import _split_dotted

    if not msg.startswith(f"{source}: "):
        return msg
    rest = msg[len(source) + 2:]
    key = rest.split(":", 1)[0].strip()
    n = line_of(lines, tuple(_split_dotted(key))) if key and " " not in key else None
    return f"{source}, line {n}: {rest}" if n else msg


def _programme(path: Path) -> tuple[str, str | None]:
    from changjing.simulate.config import DOMAINS
    from changjing.simulate.errors import ConfigError
    from changjing.simulate.inputs import key_lines, load_toml, where
    from changjing.simulate.programme import STAGES

    data, text = load_toml(path, "programme")
    lines = key_lines(text)

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{where(str(path), lines, key)}: {msg}")

    for name in ("programme", "stages", "domains", "zones"):
        if name not in data:
            raise ConfigError(f"{path}: missing the [{name}] table(s)")
    stages = [s.get("code") for s in data["stages"] if isinstance(s, dict)]
    if stages != list(STAGES):
        raise fail("stages", f"expected the five stages {', '.join(STAGES)} in order, got "
                   f"{stages}")
    codes = [d.get("code") for d in data["domains"] if isinstance(d, dict)]
    if sorted(map(str, codes)) != sorted(DOMAINS):
        raise fail("domains", f"expected the domains {', '.join(DOMAINS)}, got {codes}")
    for i, z in enumerate(data["zones"]):
        for k in ("code", "zh", "en", "domains"):
            if not isinstance(z, dict) or k not in z:
                raise fail(f"zones[{i}]", f"zone needs {k!r}")
        bad = [d for d in z["domains"] if d not in DOMAINS]
        if bad:
            raise fail(f"zones[{i}].domains", f"unknown domain(s) {bad}; expected some of "
                       f"{', '.join(DOMAINS)}")
    return f"{len(stages)} stages, {len(codes)} domains, {len(data['zones'])} zones", None


def _owners(path: Path) -> tuple[str, str | None]:
    from changjing.simulate.errors import ConfigError
    from changjing.simulate.inputs import read_text
    from changjing.simulate.programme import load_owners

    text = read_text(path, "owners CSV")        # encoding problems: "save as UTF-8"
    if not text.strip():
        raise ConfigError(f"{path}: the owners CSV file is empty")
    owners = load_owners(str(path))
    kinds = sorted({o.kind for o in owners})
    return f"{len(owners)} owners ({', '.join(kinds)})", None


_CHECKS: dict[str, Callable[[Path], tuple[str, str | None]]] = {
    "config": _config, "experiment": _experiment, "calibration": _calibration,
    "targets": _targets, "indicators": _indicators, "programme": _programme,
    "owners": _owners,
}
