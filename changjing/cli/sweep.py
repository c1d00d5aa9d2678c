"""``changjing sweep EXPERIMENT --out DIR``: run an experiment into a resumable store."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run an experiment (many seeded runs) into a store",
                       description="Run every arm x design point x replication of an "
                       "experiment file into DIR/results.sqlite.  Interrupted sweeps resume: run "
                       "the same command again and only missing runs are run.")
    p.add_argument("experiment", help="experiment TOML, e.g. experiments/funding_sweep.toml")
    p.add_argument("--out", required=True, help="sweep folder")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per core; 1 runs in-process)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address, or 'local' for a LocalCluster "
                   "(needs changjing[distributed])")
    p.add_argument("--chunk-size", type=int, default=None, help="runs per task (default: auto)")
    p.add_argument("--recycle-workers-after", type=int, default=1000, metavar="RUNS",
                   help="start fresh worker processes after this many runs per worker "
                   "(bounds worker memory in long sweeps; 0: never; results are unchanged)")
    p.add_argument("--retry-failed", action="store_true", help="run failed runs again")
    p.add_argument("--overwrite", action="store_true",
                   help="replace whatever DIR holds (including another experiment)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.experiment = resolve_example(args.experiment)
    from changjing.cli._progress import progress_bar
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.experiment import load_experiment
    from changjing.simulate.sweep import SweepInterrupted, sweep

    if args.workers is not None and args.workers < 1:
        raise SimulateError(f"--workers must be at least 1, got {args.workers}")
    if args.chunk_size is not None and args.chunk_size < 1:   # 0 was silently "auto"
        raise SimulateError(f"--chunk-size must be at least 1 run per task (omit it for auto), "
                            f"got {args.chunk_size}")
    if args.recycle_workers_after < 0:
        raise SimulateError("--recycle-workers-after must be 0 (never) or a positive number "
                            f"of runs, got {args.recycle_workers_after}")
    exp = load_experiment(args.experiment)
    try:
        with progress_bar(exp.n_runs, f"{exp.name}", disable=args.quiet) as advance:
            report = sweep(exp, args.out, workers=args.workers, scheduler=args.scheduler,
                           chunk_size=args.chunk_size, overwrite=args.overwrite,
                           retry_failed=args.retry_failed, progress=advance,
                           recycle_after_runs=args.recycle_workers_after,
                           memory=lambda mb, n: advance.note(f"worker memory {mb:,.0f} MB"))
    except SweepInterrupted as stop:
        import shlex
        import sys

        r = stop.report
        again = " ".join(shlex.quote(a) for a in ["changjing", "sweep", str(args.experiment),
                                                   "--out", str(args.out)])
        print(f"interrupted: {r.skipped + r.ran} of {r.total} runs are recorded in "
              f"{r.folder}/ (none lost); continue with: {again}", file=sys.stderr)
        return 130
    if not args.quiet:
        mem = (f"; peak worker memory {report.peak_worker_rss_mb:,.0f} MB"
               if report.peak_worker_rss_mb else "")
        print(f"{exp.name}: {report.total} runs; {report.skipped} already done, "
              f"{report.ok} ran now, {report.failed} failed, in {report.seconds:.1f} s{mem} "
              f"-> {report.folder}/")
    import sys

    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    if report.failed:

        print(f"{report.failed} run(s) failed (recorded in the store; "
              "rerun with --retry-failed):", file=sys.stderr)
        for f in report.failures[:10]:
            print(f"  run {f['run_id']} (arm {f['arm']}, seed {f['seed']}): {f['error']}",
                  file=sys.stderr)
        return 1
    return 0
