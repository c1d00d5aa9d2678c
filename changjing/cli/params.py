"""``changjing params``: every model parameter with default, unit, range and source."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("params", help="list model parameters with their provenance",
                       description="List every parameter: key, default, unit, valid range and "
                       "where the default comes from.")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--grep", default=None, help="only keys containing this text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.simulate.config import parameter_table

    rows = [r for r in parameter_table() if not args.grep or args.grep in r["key"]]
    if args.markdown:
        print(markdown_table(rows))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("key", "default", "unit", "range", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["key"], str(r["default"]), r["unit"], r["range"], r["source"])
    Console().print(table)
    return 0


def markdown_table(rows: list[dict]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| key | default | unit | range | source | description |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| " + " | ".join(cell(r[k]) for k in
                                       ("key", "default", "unit", "range", "source",
                                        "description")) + " |")
    return "\n".join(lines)
