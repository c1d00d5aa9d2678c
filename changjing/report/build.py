"""Assemble a report from one or more output folders and write it as HTML (+ PDF, XLSX).

``build_report(folders, lang=...)`` reads each folder's ``manifest.json``, picks the section
module for its kind (see :mod:`changjing.report.sections`), and appends the provenance section.
``write_report(report, out, ...)`` writes ``REPORT.html``, the figures as PNG and SVG in
``REPORT_figures/``, and optionally ``REPORT.pdf`` and ``REPORT.xlsx``; files are written to
temporary names and renamed into place only when all of them are complete.
"""

from __future__ import annotations

import datetime as _dt
import os
import shlex
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from changjing.report.document import Report, is_text, safe_name
from changjing.report.errors import ReportError
from changjing.report.fonts import find_cjk_font, missing_glyphs, rc_params
from changjing.report.sections import Context, detect_kind, module_for, read_manifest


def report_date(date: str | None = None) -> str:
    """``date`` if given (YYYY-MM-DD), else SOURCE_DATE_EPOCH if set, else today (UTC)."""
    if date:
        try:
            _dt.date.fromisoformat(date)
        except ValueError:
            raise ReportError(f"--date: expected YYYY-MM-DD, got {date!r}") from None
        return date
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date().isoformat()
    return _dt.datetime.now(_dt.UTC).date().isoformat()


def build_report(folders: Sequence[str | Path], *, lang: str = "zh", probability: float = 0.8,
                 date: str | None = None, title: str | None = None,
                 command: str | None = None, font: str = "bundled") -> Report:
    """Read the folders and assemble the report (figures rendered, nothing written yet).

    ``probability``: the chance of reaching a target the executive summary asks for when it
    names the cheapest arm (0 < p ≤ 1).  ``lang``: ``"zh"`` or ``"en"``; Chinese needs a CJK
    font — without one the report falls back to English with a warning.  ``font``:
    ``"bundled"`` (the Noto Sans SC subset shipped with the package: the full 通用规范汉字表),
    ``"system"`` (the system's Noto Sans CJK SC, for characters outside it) or a font file.
    """
    if lang not in ("zh", "en"):
        raise ReportError(f"--lang: expected 'zh' or 'en', got {lang!r}")
    if not 0 < probability <= 1:
        raise ReportError(f"--probability: expected a number in (0, 1], got {probability!r}")
    if not folders:
        raise ReportError("give at least one folder")
    import matplotlib

    from changjing.report.fonts import FontError

    try:
        cjk = find_cjk_font(font)
    except FontError as exc:
        raise ReportError(str(exc)) from None
    font = cjk
    with matplotlib.rc_context(rc_params(font)):     # the caller's matplotlib settings stay
        return _build(folders, lang, probability, date, title, command, font)


def _build(folders: Sequence[str | Path], lang: str, probability: float, date: str | None,
           title: str | None, command: str | None, font) -> Report:
    from changjing import __version__

    report_warnings: list[str] = []
    if font is None and lang == "zh":
        msg = ("no CJK font found (neither the bundled changjing/report/fonts/"
               "NotoSansSC-changjing.ttf nor a system font such as Noto Sans CJK SC); the "
               "report falls back to English")
        warnings.warn(msg, RuntimeWarning, stacklevel=3)
        report_warnings.append(msg)
        lang = "en"
    ctx = Context(lang=lang, probability=probability, font=font)
    from changjing.report.i18n import text

    paths = [Path(f) for f in folders]
    seen: set[Path] = set()
    sections, entries = [], []
    kinds = []
    for path in paths:
        if path.resolve() in seen:
            raise ReportError(f"{path}: given twice")
        seen.add(path.resolve())
        manifest = read_manifest(path)
        kind = detect_kind(path, manifest)
        mod = module_for(kind)
        sections.extend(mod.build(path, manifest, ctx))
        entries.append((path, mod.provenance(path, manifest, ctx)))
        kinds.append(kind)
    cmd = command or ("changjing report " + " ".join(shlex.quote(p.name) for p in paths)
                      + f" --lang {lang} --out REPORT.html")
    from changjing.report.sections import provenance

    sections.extend(provenance.build(entries, cmd, ctx, __version__))
    names = ", ".join(p.name for p in paths)
    report = Report(title or text("report_title", lang), lang, report_date(date), sections,
                    report_warnings + ctx.warnings,
                    {"subtitle": names, "kinds": kinds, "font": font})
    _check_glyphs(report)
    return report


def _check_glyphs(report: Report) -> None:
    """Warn (in the report too) when figure text has characters the CJK font lacks."""
    font = report.meta.get("font")
    from changjing.report.document import Bullets, Paragraph

    text = " ".join([s.title for s in report.sections] +
                    [f.title for f in report.figures()] +
                    [b.text for s in report.sections for b in s.blocks
                     if isinstance(b, Paragraph)] +
                    [i for s in report.sections for b in s.blocks if isinstance(b, Bullets)
                     for i in b.items])
    for t in report.tables():
        for col in t.frame.columns:
            if is_text(t.frame[col]):
                text += " " + " ".join(map(str, t.frame[col].head(200)))
    missing = missing_glyphs(text, font)
    if missing:
        report.warnings.append(
            f"{len(missing)} Chinese character(s) are not in the report font and may show as "
            f"boxes in figures and the PDF: {missing[:40]} (try --font system, which uses the "
            "system's full Noto Sans CJK SC)")


MANIFEST = ".changjing-report.json"   # in REPORT_figures/: what the tool wrote there


@dataclass
class Written:
    html: Path
    figures: list[Path] = field(default_factory=list)
    pdf: Path | None = None
    xlsx: Path | None = None
    pdf_pages: int = 0


def _written_before(fig_dir: Path) -> list[str]:
    """The figure files a previous ``write_report`` listed in ``fig_dir``'s manifest; raises
    if the folder was not written by this tool (then nothing in it may be removed)."""
    import json

    path = fig_dir / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = [str(f) for f in data["files"]]
    except (OSError, ValueError, KeyError, TypeError):
        raise ReportError(f"{fig_dir}: exists and was not written by changjing report (no "
                          f"readable {MANIFEST}); not replacing it — move it away or choose "
                          "another --out") from None
    if any(Path(f).name != f or f in ("", ".", "..") for f in files):
        raise ReportError(f"{path}: lists paths outside the folder; not replacing it")
    return files


def write_report(report: Report, out: str | Path, *, pdf: bool = False, xlsx: bool = False,
                 overwrite: bool = False) -> Written:
    """Write ``out`` (HTML), ``<stem>_figures/`` (PNG+SVG), and optionally the PDF and XLSX.

    Everything is written to a temporary folder first and moved into place only when complete.
    ``overwrite`` replaces report *files* at the target names; a figures folder is reused only
    if its manifest shows this tool wrote it, and then only the files it lists are removed —
    nothing the tool did not write is ever deleted.  A directory at a file's name is an error.
    """
    import json

    from changjing.report import html

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm"):
        raise ReportError(f"--out: expected a file name ending in .html, got {str(out)!r}")
    fig_dir = out.with_name(f"{out.stem}_figures")
    files = [out] + ([out.with_suffix(".pdf")] if pdf else []) + \
        ([out.with_suffix(".xlsx")] if xlsx else [])
    for f in files:
        if f.exists() and not f.is_file():
            raise ReportError(f"{f}: exists and is not a file; not replacing it — move it "
                              "away or choose another --out")
    existing = [t for t in [*files, fig_dir] if t.exists()]
    if existing and not overwrite:
        raise ReportError(f"{existing[0]}: exists; choose another --out or pass --overwrite")
    if fig_dir.exists() and not fig_dir.is_dir():
        raise ReportError(f"{fig_dir}: exists and is not a folder")
    old_figures = _written_before(fig_dir) if fig_dir.exists() else []
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        written = Written(out)
        (stage / out.name).write_text(html.render(report, report.meta.get("font")),
                                      encoding="utf-8")
        figs = stage / fig_dir.name
        figs.mkdir()
        used: set[str] = set()
        for f in report.figures():
            stem = _unique(safe_name(f.key), used)
            (figs / f"{stem}.png").write_bytes(f.png)
            written.figures.append(fig_dir / f"{stem}.png")
            if f.svg:
                (figs / f"{stem}.svg").write_bytes(f.svg)
                written.figures.append(fig_dir / f"{stem}.svg")
        (figs / MANIFEST).write_text(json.dumps(
            {"tool": "changjing report", "files": [p.name for p in written.figures]},
            indent=1) + "\n", encoding="utf-8")
        if pdf:
            import matplotlib

            from changjing.report.pdf import write_pdf

            with matplotlib.rc_context(rc_params(report.meta.get("font"))):
                written.pdf_pages = write_pdf(report, stage / out.with_suffix(".pdf").name)
            written.pdf = out.with_suffix(".pdf")
        if xlsx:
            from changjing.report.xlsx import write_xlsx

            write_xlsx(report, stage / out.with_suffix(".xlsx").name)
            written.xlsx = out.with_suffix(".xlsx")
        if fig_dir.is_dir():
            for name in old_figures + [MANIFEST]:
                old = fig_dir / name
                if old.is_file() or old.is_symlink():
                    old.unlink()
            for item in sorted(figs.iterdir()):
                item.replace(fig_dir / item.name)
            figs.rmdir()
        for item in stage.iterdir():
            item.replace(out.parent / item.name)        # files: atomic replacement
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return written


def _unique(stem: str, used: set[str]) -> str:
    name, i = stem, 2
    while name in used:
        name = f"{stem}_{i}"
        i += 1
    used.add(name)
    return name
