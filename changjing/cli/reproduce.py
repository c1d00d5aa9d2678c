"""``changjing reproduce DIR``: re-run a sweep's runs and verify identical outputs."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="re-run a sweep's runs from its manifest and compare",
                       description="Rebuild every run from DIR/manifest.json (the resolved "
                       "experiment and seeds), run it again and check that its outputs equal "
                       "the stored ones.")
    p.add_argument("folder")
    p.add_argument("--sample", type=int, default=None, help="check only N runs (seeded sample)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.folder = resolve_example(args.folder, "folder")
    import sys

    from changjing.simulate.reproduce import reproduce

    report = reproduce(args.folder, args.sample, args.seed)
    if report.ok:
        print(f"reproduced: {report.identical}/{report.checked} runs identical")
        return 0
    print(f"NOT reproduced: {report.checked - report.identical} of {report.checked} runs "
          "differ", file=sys.stderr)
    print(report.differences.head(20).to_string(index=False), file=sys.stderr)
    return 1
