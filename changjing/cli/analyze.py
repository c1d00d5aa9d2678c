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
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the summary printed on the terminal (the CSV tables "
                   "keep codes)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from changjing.simulate.analysis import analyze

    result = analyze(args.folder)
    out = Path(args.out) if args.out else Path(args.folder) / "analysis"
    written = result.write(out)
    if not args.quiet:
        print_headline(result, getattr(args, "lang", "en"))
        print(f"已写出 {len(written)} 张表到 {out}/" if getattr(args, "lang", "en") == "zh"
              else f"wrote {len(written)} tables to {out}/")
    return 0


def print_headline(result, lang: str = "en") -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from changjing.report.i18n import label, text

    t = result.tables["targets"]
    names = list(dict.fromkeys(t["target"]))
    if lang == "zh":
        short = {n: label(n, "zh") for n in names} | {"all_targets": text("all_targets", "zh")}
        title = f"{result.name}：各方案期末达成“十百千”目标的概率（95% Wilson 区间）"
    else:
        short = {"super_scenarios": "super", "technologies_promoted": "technologies",
                 "firms_attracted": "attracted", "firms_served": "served",
                 "all_targets": "all four"}
        title = (f"{result.name}: chance of reaching each 十百千 target by the end "
                 "(95 % Wilson interval)")
    table = Table(title=title)
    table.add_column(text("arm", lang) if lang == "zh" else "arm", no_wrap=True)
    for n in names:
        table.add_column(short.get(n, n), justify="right", no_wrap=lang != "zh")
    for _, g in t.groupby("arm_index", sort=True):
        cells = [f"{r.probability:4.0%} ({r.ci_low * 100:.0f}–{r.ci_high * 100:.0f})"
                 for r in g.set_index("target").loc[names].itertuples()]
        table.add_row(escape(str(g["arm"].iloc[0])), *cells)   # a name is not rich markup
    import sys

    Console(width=None if sys.stdout.isatty() else 140).print(table)
