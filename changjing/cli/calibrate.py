"""``changjing calibrate FILE --out DIR``: ABC-SMC calibration to observed programme moments."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to the programme's record (ABC-SMC)",
                       description="Calibrate free parameters to observed moments by ABC-SMC; "
                       "resumable like a sweep.  Writes posterior.csv, posterior_summary.csv, "
                       "trace.csv, ppc.csv, ppc.png and manifest.json into --out.")
    p.add_argument("calibration", help="calibration TOML, e.g. experiments/calibrate_history.toml")
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--scheduler", default=None, metavar="ADDRESS")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.calibration = resolve_example(args.calibration)
    from changjing.cli._progress import progress_bar
    from changjing.simulate.calibration.calibrate import calibrate, load_calibration

    cal = load_calibration(args.calibration)
    total = cal.spec.calibration.particles * cal.spec.calibration.generations
    with progress_bar(total, f"calibrating {cal.spec.calibration.name}",
                      disable=args.quiet) as advance:
        result = calibrate(cal, args.out, workers=args.workers, scheduler=args.scheduler,
                           overwrite=args.overwrite, progress=advance)
    if not args.quiet:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"posterior ({len(result.generations)} generations, "
                      f"{result.simulations} simulations, {result.seconds:.0f} s)")
        for col in ("parameter", "mean", "90 % interval", "prior 90 %", "identification"):
            table.add_column(col)
        for r in result.summary.itertuples():
            table.add_row(r.parameter, f"{r.mean:.4g}", f"{r.q05:.4g} – {r.q95:.4g}",
                          f"{r.prior_q05:.4g} – {r.prior_q95:.4g}", r.identification)
        Console(width=140).print(table)
        print(result.ppc[["moment", "observed", "simulated_mean", "simulated_q05",
                          "simulated_q95", "within_90"]].to_string(index=False))
    return 0
