"""``changjing evaluate``: the evaluation sub-commands (score, impact)."""

from __future__ import annotations

import argparse
import importlib

_SUBCOMMANDS = (
    "changjing.cli.evaluate_score",
    "changjing.cli.evaluate_impact",
    "changjing.cli.evaluate_template",
)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate",
        help="score completed scenarios or estimate the programme's causal impact",
        description="Evaluate completed scenarios (tracking-and-evaluation stage, 跟踪评估).",
    )
    inner = parser.add_subparsers(dest="evaluate_command", metavar="SUBCOMMAND")
    for name in _SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a sub-command not built yet
            if exc.name != name:
                raise
            continue
        module.register(inner)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])
