"""``changjing validate CONFIG``: check a config file without running it."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a config file and print its hash",
                       description="Validate a config file (unknown keys, types, ranges); "
                       "print the resolved config with --show.")
    p.add_argument("config")
    p.add_argument("--show", action="store_true", help="print the fully resolved config")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from changjing.examples import resolve_example  # a shipped example's name -> its file
    args.config = resolve_example(args.config)
    import json

    from changjing.simulate import load_config

    config = load_config(args.config)
    if args.show:
        print(json.dumps(config.to_dict(), indent=2, ensure_ascii=False))
    print(f"{args.config}: valid (config hash {config.config_hash()[:16]})")
    return 0
