"""``changjing evaluate score``: score and rank completed scenarios with an indicator system."""

from __future__ import annotations

import argparse

HELP = "score and rank completed scenarios with an indicator system (指标体系)"
EPILOG = """\
examples:
  changjing evaluate score scenarios_data/sample/completed_scenarios.csv \\
      --indicators scenarios_data/indicators/qingdao_default.toml --out out/score
  changjing evaluate score book.xlsx --sheet 2025 --indicators mine.toml --out out/2025 \\
      --method vikor --seed 7 --overwrite

writes report.csv, scores.csv, scores.xlsx, cleaning_log.csv, not_scorable.csv,
weights.csv, weights_provenance.json, excluded.csv and manifest.json into --out (moved into place only when everything was written).
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help=HELP,
        description=HELP.capitalize() + ".",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", metavar="DATA", help="table of completed scenarios (.csv or .xlsx)")
    p.add_argument(
        "--indicators",
        required=True,
        metavar="SYSTEM.toml",
        help="indicator-system file (goal → criteria → indicators, weights, method)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--sheet",
        metavar="NAME",
        action="append",
        help="Excel sheet to read; repeat to read several into one table (default: the first "
        "sheet with the header; other sheets sharing it are named in a warning)",
    )
    p.add_argument(
        "--all-sheets", action="store_true", help="read every sheet that has the header"
    )
    p.add_argument("--header-row", type=int, metavar="N", help="spreadsheet row of the header")
    p.add_argument(
        "--include-hidden", action="store_true", help="score hidden rows too (default: excluded)"
    )
    p.add_argument(
        "--include-struck",
        action="store_true",
        help="score struck-through rows too (default: excluded as withdrawn)",
    )
    p.add_argument(
        "--refused",
        choices=("raise", "missing"),
        help="cells that cannot be read: stop and list them (raise, default) or score them "
        "as not reported (missing); either way they are in cleaning_log.csv",
    )
    p.add_argument(
        "--min-coverage",
        type=float,
        metavar="SHARE",
        help="minimum share of the weight a scenario must report to be scored (default 0.7)",
    )
    p.add_argument("--no-xlsx", action="store_true", help="skip scores.xlsx (faster)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out folder")
    p.add_argument("--seed", type=int, default=0, help="seed of the robustness draws (default 0)")
    p.add_argument(
        "--method",
        choices=("weighted_sum", "topsis", "vikor", "gra", "fuzzy"),
        help="override the scoring method of the indicator system",
    )
    p.add_argument(
        "--draws",
        type=int,
        metavar="N",
        help="number of robustness draws (default: the system's, 1000)",
    )
    p.add_argument(
        "--robustness",
        choices=("hierarchical", "dirichlet", "experts", "none"),
        help="override the robustness mode of the indicator system",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.data = resolve_example(args.data)
    args.indicators = resolve_example(args.indicators)
    import hashlib
    from pathlib import Path

    from changjing.cli._output import check_target, staged_output_dir
    from changjing.evaluate.errors import InputError
    from changjing.evaluate.scoring.export import write_outputs
    from changjing.evaluate.scoring.score import score_scenarios
    from changjing.evaluate.scoring.system import load_indicator_system

    out = Path(args.out)
    check_target(out, args.overwrite)  # refuse before doing any work
    if args.draws is not None and args.draws < 1:
        raise InputError(f"--draws: must be >= 1, got {args.draws}")
    if args.seed < 0:
        raise InputError(f"--seed: must be a non-negative integer, got {args.seed}")
    data = Path(args.data)
    system = load_indicator_system(args.indicators)
    if args.all_sheets and args.sheet:
        raise InputError("--all-sheets and --sheet: give one of them")
    sheet = "all" if args.all_sheets else args.sheet
    if isinstance(sheet, list) and len(sheet) == 1:
        sheet = sheet[0]
    result = score_scenarios(
        data,
        system,
        sheet=sheet,
        header_row=args.header_row,
        include_hidden=True if args.include_hidden else None,
        include_struck=True if args.include_struck else None,
        on_refused=args.refused,
        min_coverage=args.min_coverage,
        method=args.method,
        seed=args.seed,
        n_draws=args.draws,
        robustness=args.robustness,
    )
    inputs = {
        "data": {
            "file": data.name,
            "sheet": sheet,
            "sha256": hashlib.sha256(data.read_bytes()).hexdigest(),
        },
        "indicators": {"file": Path(args.indicators).name, "sha256": system.sha256},
        "arguments": {
            "method": args.method,
            "draws": args.draws,
            "robustness": args.robustness,
            "seed": args.seed,
        },
    }
    with staged_output_dir(out, args.overwrite) as stage:
        write_outputs(result, stage, inputs, xlsx=not args.no_xlsx)
    print(result.summary())
    print(f"wrote {out}")
    return 0
