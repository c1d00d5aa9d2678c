"""``changjing whatif EXPERIMENT [--out DIR] [--port N] [--workers N] [--no-browser]
[--host ADDR] [--lang zh|en]``: the interactive what-if page on a local server."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "whatif", help="interactive what-if page: move the levers, see replicated bands and "
        "P(target) against the baseline (local web page)",
        description="Start a local web page for an experiment file: its levers become "
        "controls; every change runs common-random-number replications of the setting and "
        "of the baseline arm and shows bands, P(reach each target) and paired differences as "
        "they arrive.  The page writes only into --out DIR (\"save as experiment\", \"build "
        "report\").  See docs/whatif.md.")
    p.add_argument("experiment", help="experiment TOML, e.g. experiments/funding_sweep.toml")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder the page may write into (saved experiments, reports); "
                   "without it the page writes nothing")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free)")
    p.add_argument("--host", default=None,
                   help="address to listen on (default 127.0.0.1, this computer only; any "
                   "other address lets other machines run the model: a warning is printed)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per core; 1 runs in-process)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="page language")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--quiet", action="store_true", help="do not log requests")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    from pathlib import Path

    from changjing.examples import resolve_example
    from changjing.simulate.errors import SimulateError
    from changjing.simulate.experiment import load_experiment

    if args.workers is not None and args.workers < 1:
        raise SimulateError(f"--workers must be at least 1, got {args.workers}")
    if not 0 <= args.port <= 65535:
        raise SimulateError(f"--port must be 0 to 65535, got {args.port}")
    exp = load_experiment(resolve_example(args.experiment))
    out = Path(args.out) if args.out else None
    if out is not None and out.exists() and not out.is_dir():
        raise SimulateError(f"--out {out}: not a folder")
    host = args.host or "127.0.0.1"
    if args.host is not None and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {host}: anyone who can reach this address can run the "
              "model and write into --out; the default (127.0.0.1) keeps the page on this "
              "computer", file=sys.stderr)

    from changjing.app import font_css, page_setup
    from changjing.app.server import WhatIfServer
    from changjing.app.session import Session

    print(f"starting {exp.name}: warming up the worker pool…", file=sys.stderr)
    session = Session(exp, workers=args.workers, out=out, lang=args.lang)
    try:
        setup = page_setup(session, args.lang)
        try:
            server = WhatIfServer((host, args.port), session, setup,
                                  font_css(json.dumps(setup, ensure_ascii=False)),
                                  quiet=args.quiet)
        except OSError as exc:
            raise SimulateError(f"cannot listen on {host}:{args.port} ({exc.strerror or exc}); "
                                "choose another --port (0: any free port)") from None
        print(f"changjing whatif: {server.url}  (Ctrl-C to stop)", flush=True)
        if not args.no_browser:
            import webbrowser

            webbrowser.open(server.url)
        try:
            server.serve_forever(poll_interval=0.2)
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
        finally:
            server.server_close()
    finally:
        session.close()
    return 0
