"""``changjing evaluate template``: an Excel form to fill, generated from an indicator system."""

from __future__ import annotations

import argparse

HELP = "write an Excel form (填报表) for an indicator system; the scorer reads it back as is"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help=HELP, description=HELP.capitalize() + ".")
    p.add_argument("system", metavar="SYSTEM.toml", help="indicator-system file")
    p.add_argument("--out", required=True, metavar="FORM.xlsx", help="form to write (.xlsx)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import os
    import tempfile
    from pathlib import Path

    from changjing.evaluate.errors import InputError
    from changjing.evaluate.scoring.system import load_indicator_system
    from changjing.evaluate.scoring.template import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise InputError(f"--out: expected a .xlsx file, got {out.name!r}")
    if out.exists() and not args.overwrite:
        raise InputError(f"--out: {out} exists; pass --overwrite to replace it")
    system = load_indicator_system(args.system)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:  # written beside the target, then moved into place: never a half-written form
        write_template(system, tmp)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print(f"wrote {out}")
    return 0
