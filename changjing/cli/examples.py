"""``changjing examples [NAME]``: the shipped examples, one line each; or one example's file."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("examples", help="list the shipped examples (run them by name)",
                       description="List the shipped experiments, indicator systems, targets "
                       "and sample tables.  Commands accept these names in place of a file: "
                       "`changjing run baseline`, `changjing sweep funding_sweep`.  With NAME, "
                       "print that example's file path (--show: its contents).")
    p.add_argument("name", nargs="?", metavar="NAME", help="one example: print its path")
    p.add_argument("--kind", choices=("config", "experiment", "calibration", "indicators",
                                      "targets", "data"), help="list only this kind")
    p.add_argument("--show", action="store_true", help="with NAME: print the file's contents")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from changjing.examples import find_example, list_examples, suggest

    if args.name:
        example = find_example(args.name)
        if example is None:
            close = suggest(args.name)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            print(f"error: no shipped example named {args.name!r}{hint}; "
                  "`changjing examples` lists them", file=sys.stderr)
            return 2
        if args.show:
            sys.stdout.write(example.path.read_text(encoding="utf-8"))
        else:
            print(example.path)
        return 0
    if args.show:
        print("error: --show needs an example NAME", file=sys.stderr)
        return 2
    found = list_examples(args.kind)
    width = max((len(e.name) for e in found), default=0)
    for e in found:
        print(f"{e.name:<{width}}  {e.kind:<11}  {e.description}")
    if not args.kind:
        print("\nUse a name in place of a file, e.g. `changjing run baseline --out runs/b`; "
              "`changjing examples NAME` prints the file's path.")
    return 0
