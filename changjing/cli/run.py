"""``changjing run CONFIG --out DIR [--seed N]``: one simulation run."""

from __future__ import annotations

import argparse
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the model once and write its outputs",
                       description="Run the scenario-innovation model once on a config file and "
                       "write timeseries.csv, funnel.csv, budget.csv, summary.csv and "
                       "manifest.json into --out.")
    p.add_argument("config", help="experiment TOML file, e.g. experiments/baseline.toml")
    p.add_argument("--out", required=True, help="output folder (must be new or empty)")
    p.add_argument("--seed", type=int, default=None, help="root seed (default: run.seed)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set funding.annual_budget_yuan=9e7")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    p.set_defaults(func=run)


def parse_overrides(items: list[str]) -> dict[str, object]:
    import tomllib

    from changjing.simulate.errors import ConfigError

    out: dict[str, object] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw  # a bare word is a string
        out[key.strip()] = value
    return out


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.config = resolve_example(args.config)
    from pathlib import Path

    from changjing.cli._output import check_target, staged_output_dir
    from changjing.cli._progress import progress_bar
    from changjing.simulate import load_config
    from changjing.simulate.runner import run as run_model

    config = load_config(args.config, parse_overrides(args.set))
    out = Path(args.out)
    check_target(out, args.overwrite)  # refuse before spending any time
    t0 = time.perf_counter()
    with progress_bar(config.run.months // config.run.step_months, "simulating",
                      disable=args.quiet) as advance:
        result = run_model(config, args.seed, progress=advance)
    with staged_output_dir(out, args.overwrite) as stage:
        result.write(stage)
    if not args.quiet:
        print_summary(result, time.perf_counter() - t0, out)
    return 0


def print_summary(result, seconds: float, out) -> None:
    from rich.console import Console
    from rich.table import Table

    labels = {"super_scenarios": "超级场景 super scenarios",
              "technologies_promoted": "新技术新产品 technologies promoted",
              "firms_attracted": "新引进企业 firms attracted",
              "firms_served": "服务企业 firms served"}
    table = Table(title=f"{result.config.meta.name}: end of horizon vs 十百千 targets "
                  f"(seed {result.seed})")
    for col in ("indicator", "value", "target", "share", "reached"):
        table.add_column(col, justify="left" if col == "indicator" else "right")
    for row in result.summary.itertuples():
        table.add_row(labels.get(row.indicator, row.indicator), f"{row.value:,}",
                      f"{row.target:,}", f"{row.share_of_target:.0%}",
                      "yes" if row.reached else "no")
    console = Console()
    console.print(table)
    console.print(f"wrote {out}/ in {seconds:.2f} s")
