"""``changjing analyze DIR``: summaries of a sweep, written as CSV next to the store."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="summarise a sweep: bands, target probabilities, "
                       "paired differences, cost",
                       description="Analyse a sweep folder and write CSV tables into "
                       "DIR/analysis/ (or --out).")
    p.add_argument("folder", help="sweep folder written by `changjing sweep`")
    p.add_argument("--out", default=None, help="where to write (default: DIR/analysis)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from changjing.simulate.analysis import analyze

    result = analyze(args.folder)
    out = Path(args.out) if args.out else Path(args.folder) / "analysis"
    written = result.write(out)
    if not args.quiet:
        print_headline(result)
        print(f"wrote {len(written)} tables to {out}/")
    return 0


def print_headline(result) -> None:
    from rich.console import Console
    from rich.table import Table

    t = result.tables["targets"]
    names = list(dict.fromkeys(t["target"]))
    short = {"super_scenarios": "super", "technologies_promoted": "technologies",
             "firms_attracted": "attracted", "firms_served": "served", "all_targets": "all four"}
    table = Table(title=f"{result.name}: chance of reaching each 十百千 target by the end "
                  "(95 % Wilson interval)")
    table.add_column("arm", no_wrap=True)
    for n in names:
        table.add_column(short.get(n, n), justify="right", no_wrap=True)
    for _, g in t.groupby("arm_index", sort=True):
        cells = [f"{r.probability:4.0%} ({r.ci_low * 100:.0f}–{r.ci_high * 100:.0f})"
                 for r in g.set_index("target").loc[names].itertuples()]
        table.add_row(str(g["arm"].iloc[0]), *cells)
    import sys

    Console(width=None if sys.stdout.isatty() else 140).print(table)
