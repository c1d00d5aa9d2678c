"""``changjing report DIR [DIR ...] --out REPORT.html [--pdf] [--xlsx] [--lang zh|en]``:
a self-contained policy report from runs, sweeps, scoring and impact outputs."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report", help="write a self-contained HTML (and PDF/XLSX) report from output folders",
        description="Build a policy report from one or more folders written by `changjing "
        "run`, `sweep`, `evaluate score` or `evaluate impact` (combined, in the order given). "
        "The HTML embeds its figures and opens offline; figures are also saved as PNG and SVG "
        "in REPORT_figures/.")
    p.add_argument("folders", nargs="+", metavar="DIR", help="output folder(s) to report on")
    p.add_argument("--out", required=True, help="report file, e.g. report.html")
    p.add_argument("--pdf", action="store_true", help="also write REPORT.pdf (same content)")
    p.add_argument("--xlsx", action="store_true",
                   help="also write REPORT.xlsx: the report's tables, one sheet a table")
    p.add_argument("--lang", choices=("zh", "en"), default="zh",
                   help="report language (default zh; falls back to en without a CJK font)")
    p.add_argument("--probability", type=float, default=0.8,
                   help="chance of reaching a target the executive summary asks for when it "
                   "names the cheapest arm (default 0.8)")
    p.add_argument("--title", default=None, help="report title (default: a generic one)")
    p.add_argument("--date", default=None,
                   help="date printed on the report, YYYY-MM-DD (default: SOURCE_DATE_EPOCH "
                   "if set, else today, UTC); fix it for byte-identical reports")
    p.add_argument("--font", default="bundled", metavar="bundled|system|FILE",
                   help="CJK font: the bundled Noto Sans SC subset (default; the full "
                   "通用规范汉字表), the system's Noto Sans CJK SC for characters outside it, "
                   "or a font file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace report files written before by this command (never removes "
                   "anything it did not write)")
    p.add_argument("--interactive", action="store_true",
                   help="write instead one self-contained interactive HTML page of a finished "
                   "sweep: a slider moves across the swept arms (offline; docs/whatif.md)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.interactive:
        return _interactive(args)
    import shlex
    import warnings
    from pathlib import Path

    from changjing.report.build import build_report, write_report

    parts = ["changjing", "report", *args.folders, "--out", Path(args.out).name,
             "--lang", args.lang]
    for flag in ("pdf", "xlsx"):
        if getattr(args, flag):
            parts.append(f"--{flag}")
    if args.probability != 0.8:
        parts += ["--probability", str(args.probability)]
    if args.title:
        parts += ["--title", args.title]
    if args.font != "bundled":
        parts += ["--font", "system" if args.font == "system" else Path(args.font).name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        report = build_report(args.folders, lang=args.lang, probability=args.probability,
                              date=args.date, title=args.title,
                              command=" ".join(shlex.quote(p) for p in parts), font=args.font)
    written = write_report(report, args.out, pdf=args.pdf, xlsx=args.xlsx,
                           overwrite=args.overwrite)
    if not args.quiet:
        import sys

        for w in report.warnings:
            print(f"warning: {w}", file=sys.stderr)
        if caught and not report.warnings:
            for w in caught:
                print(f"warning: {w.message}", file=sys.stderr)
        print(f"wrote {written.html} ({len(report.sections)} sections, "
              f"{len(report.figures())} figures; PNG and SVG in "
              f"{written.html.with_name(written.html.stem + '_figures')}/)")
        if written.pdf:
            print(f"wrote {written.pdf} ({written.pdf_pages} pages)")
        if written.xlsx:
            print(f"wrote {written.xlsx}")
    return 0


def _interactive(args: argparse.Namespace) -> int:
    from changjing.report.errors import ReportError
    from changjing.report.interactive import write_interactive

    if len(args.folders) != 1:
        raise ReportError(f"--interactive takes one sweep folder, got {len(args.folders)}")
    if args.pdf or args.xlsx:
        raise ReportError("--interactive writes one HTML page; drop --pdf/--xlsx (or build the "
                          "policy report with a second command)")
    path = write_interactive(args.folders[0], args.out, lang=args.lang, overwrite=args.overwrite)
    if not args.quiet:
        print(f"wrote {path} (interactive: open it in a browser, no network needed)")
    return 0
