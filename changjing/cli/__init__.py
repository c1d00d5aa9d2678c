"""The ``changjing`` command: a thin layer over the public Python API.

Each sub-command lives in its own module exposing ``register(subparsers)``; modules import
heavy libraries (mesa, pandas, matplotlib) only inside their ``run`` functions so that
``changjing --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# (module, help) in the order shown by --help.
_COMMANDS: tuple[str, ...] = (
    "changjing.cli.run",
    "changjing.cli.validate",
    "changjing.cli.params",
    "changjing.cli.sweep",
    "changjing.cli.analyze",
    "changjing.cli.reproduce",
    "changjing.cli.calibrate",
    "changjing.cli.report",
    "changjing.cli.whatif",
    "changjing.cli.evaluate",
    "changjing.cli.examples",
    "changjing.cli.init",
    "changjing.cli.doctor",
    "changjing.cli.design",
)


class _VersionAction(argparse.Action):
    """``--version``: computed only when asked (the commit needs a call to git)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from changjing.cli.doctor import version_line

        print(version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="changjing",
        description="Simulate and evaluate city scenario-innovation programmes (场景创新).",
    )
    parser.add_argument("--version", action=_VersionAction,
                        help="print the version (and, in a git checkout, the commit) and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


def entry() -> None:
    """The console script: run :func:`main` and exit with its status.

    After an interrupted command (status 130) the process is only shutting down; Python's
    shutdown restores the default SIGINT action, so a second Ctrl-C in that moment would kill
    the process by the signal instead of exiting with 130.  Ignore it then."""
    import sys

    try:
        code = main()
    except KeyboardInterrupt:   # a Ctrl-C that lands after the command's own handler returned
        print("interrupted", file=sys.stderr)
        code = 130
    if code == 130:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    from changjing.cli._errors import report_errors

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    with report_errors() as outcome:
        outcome.code = args.func(args)
    return outcome.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
