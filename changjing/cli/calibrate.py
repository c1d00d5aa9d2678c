"""``changjing calibrate FILE --out DIR``: ABC-SMC calibration to observed programme moments."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit parameters to the programme's record (ABC-SMC)",
                       description="Calibrate free parameters to observed moments by ABC-SMC; "
                       "resumable like a sweep.  Writes prior_predictive.csv, posterior.csv, "
                       "posterior_summary.csv, trace.csv, ppc.csv, ppc.png, "
                       "posterior_pairs.png, inferred.json and manifest.json into --out "
                       "(docs/calibration.md).")
    p.add_argument("calibration", help="calibration TOML, e.g. experiments/calibrate_history.toml")
    p.add_argument("--out", required=True)
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--scheduler", default=None, metavar="ADDRESS")
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--check-recovery", type=int, default=0, metavar="K",
                   help="simulation-based calibration: draw K truths from the prior, "
                   "calibrate to moments simulated at each, report coverage and median error "
                   "per parameter (a parameter is called identified only when this shows it)")
    p.add_argument("--recovery-particles", type=int, default=None, metavar="N",
                   help="particles of each recovery calibration (default: as the file)")
    p.add_argument("--recovery-generations", type=int, default=None, metavar="G",
                   help="generations of each recovery calibration (default: as the file)")
    p.add_argument("--targets-from-evaluation", default=None, metavar="FILE",
                   help="evaluation table (跟踪评估; CSV/XLSX: pilot outcome, months to "
                   "demonstration, procurement after trial) whose outcomes become target "
                   "moments, e.g. scenarios_data/sample/evaluation_followup.csv")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.calibration = resolve_example(args.calibration)
    from changjing.cli._progress import progress_bar
    from changjing.simulate.calibration.calibrate import (
        calibrate,
        check_recovery,
        load_calibration,
    )
    from changjing.simulate.errors import ConfigError

    if args.check_recovery < 0:
        raise ConfigError(f"--check-recovery K needs K >= 0, got {args.check_recovery}")
    cal = load_calibration(args.calibration, evaluation=args.targets_from_evaluation)
    total = cal.spec.calibration.particles * cal.spec.calibration.generations
    with progress_bar(total, f"calibrating {cal.spec.calibration.name}",
                      disable=args.quiet) as advance:
        result = calibrate(cal, args.out, workers=args.workers, scheduler=args.scheduler,
                           overwrite=args.overwrite, progress=advance)
    recovery = None
    if args.check_recovery:
        if not args.quiet:
            print(f"checking recovery on {args.check_recovery} synthetic truths ...")
        recovery = check_recovery(cal, args.check_recovery, args.out, workers=args.workers,
                                  scheduler=args.scheduler,
                                  particles=args.recovery_particles,
                                  generations=args.recovery_generations, main=result)
    if not args.quiet:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"posterior ({len(result.generations)} generations, "
                      f"{result.simulations} simulations, {result.seconds:.0f} s; stopped: "
                      f"{result.stop_reason}; converged: {'yes' if result.converged else 'no'})")
        cols = ["parameter", "median", "90 % interval", "prior 90 %", "identification"]
        if recovery is not None:
            cols.insert(4, "recovery coverage")
        for col in cols:
            table.add_column(col)
        for r in result.summary.itertuples():
            cells = [r.parameter, f"{r.median:.4g}", f"{r.q05:.4g} – {r.q95:.4g}",
                     f"{r.prior_q05:.4g} – {r.prior_q95:.4g}", r.identification]
            if recovery is not None:
                cells.insert(4, f"{r.recovery_coverage_90:.0%}")
            table.add_row(*cells)
        Console(width=160).print(table)
        if len(result.ppc):
            print(result.ppc[["moment", "observed", "simulated_q05", "simulated_q95", "fit",
                              "misfit_share"]].to_string(index=False))
    return 0
